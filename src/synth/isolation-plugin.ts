/**
 * The isolation check as a cdk8s-cli validation plugin, so that a plain
 * `cdk8s synth` in a platform repo runs it over everything the app wrote,
 * whatever wrote it. Declared memberships come from the tenants catalog (or
 * Profile files) named in the plugin's properties; cdk8s-cli loads the plugin
 * from a local path (see README "Isolation check in cdk8s synth").
 *
 * Not part of the jsii API: cdk8s-cli loads it with `require`, by file.
 */
import * as path from 'path';
import { Chart } from 'cdk8s';
import { TenancyApp } from './tenancy-app';
import { buildSources } from './tenant-builder';
import { crossTenantViolations, DeclaredTenant } from '../analysis/isolation';
import { RbacModel } from '../analysis/rbac';
import { readTenantFiles } from '../catalog/sources';
import { readYamlValues } from '../catalog/yaml-source';
import { kubeflowClusterRoles } from '../core/kubeflow-cluster-roles';
import { isManifest, Manifest } from '../core/manifest';
import { TenancyValidationError, throwIfAny } from '../core/validation';

/** What `properties:` of the `validations:` entry in cdk8s.yaml may hold. */
export interface IsolationCheckProperties {
  /** Tenants catalog or Profile files (relative to the folder cdk8s runs in) that declare who belongs where. */
  readonly catalog?: string | string[];
  /** A file of ClusterRoles to use instead of Kubeflow's bundled ones. */
  readonly clusterRoles?: string;
}

/** The parts of cdk8s-cli's ValidationContext the plugin uses (structural: the CLI is not a dependency). */
export interface PluginContext {
  readonly manifests: readonly string[];
  readonly report: {
    addViolation(violation: {
      ruleName: string;
      recommendation: string;
      fix: string;
      violatingResources: Array<{ resourceName: string; locations: string[]; manifestPath: string }>;
    }): void;
    submit(status: 'success' | 'failure', metadata?: Record<string, string>): void;
  };
  readonly logger?: { log(message: string): void };
}

const RULE = 'kf-tenancy tenant isolation';
const OBJECT_IN_MESSAGE = /\b(RoleBinding|AuthorizationPolicy|NetworkPolicy|ClusterRoleBinding) ([\w.:/-]+)/;

function asList(value: string | string[] | undefined): string[] {
  if (value === undefined) return [];
  return Array.isArray(value) ? value : [value];
}

/** The tenants the catalog declares, with the labels their Namespaces carry in the manifests. */
function declaredTenants(files: string[], docs: Manifest[]): Map<string, DeclaredTenant> {
  const app = new TenancyApp({ isolationCheck: false });
  const profiles = buildSources(new Chart(app, 'declarations'), readTenantFiles(files));
  const labelsOf = new Map(docs.filter(d => d?.apiVersion === 'v1' && d.kind === 'Namespace').map(d => [d.metadata?.name, d.metadata?.labels ?? {}]));
  const tenants = new Map<string, DeclaredTenant>();
  for (const profile of profiles) {
    tenants.set(profile.name, {
      declared: { namespace: profile.name, ...profile._declarations() },
      auth: profile.auth,
      labels: labelsOf.get(profile.name) ?? {},
    });
  }
  return tenants;
}

/**
 * cdk8s-cli validation plugin: fails `cdk8s synth` when any access path into a
 * tenant does not come from what the catalog declares.
 */
export class IsolationCheck {
  private readonly properties: IsolationCheckProperties;

  constructor(properties: IsolationCheckProperties = {}) {
    this.properties = properties;
  }

  public async validate(context: PluginContext): Promise<void> {
    const catalog = asList(this.properties.catalog).map(f => path.resolve(f));
    if (catalog.length === 0) {
      context.report.addViolation({
        ruleName: RULE,
        recommendation: 'the plugin needs to know who each tenant declares',
        fix: 'add `properties: {catalog: <tenants catalog or Profile files>}` to the validations entry in cdk8s.yaml',
        violatingResources: [],
      });
      context.report.submit('failure');
      return;
    }
    // Every object with the manifest it came from, so a violation can point at its file.
    const docs: Manifest[] = [];
    const fileOf = new Map<string, string>();
    let violations: string[];
    try {
      const errors: string[] = [];
      for (const manifest of [...context.manifests].sort()) {
        for (const doc of readYamlValues([manifest], errors).filter(isManifest)) {
          docs.push(doc);
          const ns = doc.metadata?.namespace;
          fileOf.set(`${doc.kind} ${ns ? `${ns}/` : ''}${doc.metadata?.name}`, manifest);
        }
      }
      const clusterRoles = this.properties.clusterRoles
        ? readYamlValues([path.resolve(this.properties.clusterRoles)], errors).filter(isManifest).filter(d => d.kind === 'ClusterRole')
        : kubeflowClusterRoles();
      throwIfAny(errors);
      violations = crossTenantViolations(declaredTenants(catalog, docs), docs, new RbacModel(clusterRoles));
    } catch (error) {
      violations = (error instanceof TenancyValidationError ? error.errors : [String(error instanceof Error ? error.message : error)]).map(m => `cannot run the check: ${m}`);
    }
    for (const message of violations) {
      const object = OBJECT_IN_MESSAGE.exec(message);
      const key = object ? `${object[1]} ${object[2].replace(/,$/, '')}` : undefined;
      const [problem, fix] = message.split('; ');
      context.report.addViolation({
        ruleName: RULE,
        recommendation: problem,
        fix: fix ?? 'declare the identity or namespace in the tenant, or remove the object',
        violatingResources: key ? [{ resourceName: key, locations: [key], manifestPath: fileOf.get(key) ?? '' }] : [],
      });
    }
    context.logger?.log(`kf-tenancy isolation check: ${docs.length} objects, ${violations.length} violation(s)`);
    context.report.submit(violations.length === 0 ? 'success' : 'failure', { objects: String(docs.length) });
  }
}
