/**
 * The isolation check as a cdk8s-cli validation plugin, so that a plain
 * `cdk8s synth` in a platform repo runs it over everything the app wrote,
 * whatever wrote it. Declared memberships come from the tenants catalog (or
 * Profile files) named in the plugin's properties; cdk8s-cli loads the plugin
 * from a local path (see docs/access.md, "Isolation check in cdk8s synth").
 *
 * Not part of the jsii API: cdk8s-cli loads it with `require`, by file.
 */
import * as path from 'path';
import { sourceProblems } from './tenant-builder';
import { crossTenantViolations, DeclaredTenant } from '../analysis/isolation';
import { RbacModel } from '../analysis/rbac';
import { readTenantFiles } from '../catalog/sources';
import { readYamlValues } from '../catalog/yaml-source';
import { resolveTenant } from '../constructs/tenant/tenant-problems';
import { kubeflowClusterRoles } from '../core/kubeflow-cluster-roles';
import { isManifest, Manifest } from '../core/manifest';
import { formatProblem, Problem } from '../core/problem';
import { declaredPeers, tenantMembers } from '../core/tenant-rules';
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

function asList(value: string | string[] | undefined): string[] {
  if (value === undefined) return [];
  return Array.isArray(value) ? value : [value];
}

/**
 * The tenants the catalog declares, read from their props (no tenant is built), with the labels
 * their Namespaces carry in the manifests.
 */
function declaredTenants(files: string[], docs: Manifest[]): Map<string, DeclaredTenant> {
  const sources = readTenantFiles(files);
  // Checked as `kf-tenancy validate` checks them: a tenant declared twice or invalid declares nothing.
  throwIfAny(sourceProblems(sources));
  const labelsOf = new Map(docs.filter(d => d?.apiVersion === 'v1' && d.kind === 'Namespace').map(d => [d.metadata?.name, d.metadata?.labels ?? {}]));
  const tenants = new Map<string, DeclaredTenant>();
  for (const { props } of sources.tenants) {
    const name = props.name!;
    const members = tenantMembers({
      owner: props.owner, contributors: props.contributors ?? [], teamRoles: props.teamRoles ?? [], ...declaredPeers(props.networkPolicy),
    });
    const { auth } = resolveTenant(props, name, { profileController: sources.profileController });
    tenants.set(name, { declared: { namespace: name, ...members }, auth, labels: labelsOf.get(name) ?? {} });
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
    let violations: Problem[];
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
      const problems = error instanceof TenancyValidationError ? error.problems
        : [{ message: String(error instanceof Error ? error.message : error) }];
      violations = problems.map(p => ({ message: `cannot run the check: ${formatProblem({ ...p, fix: undefined })}`, fix: p.fix }));
    }
    for (const violation of violations) {
      const object = violation.object;
      context.report.addViolation({
        ruleName: RULE,
        recommendation: formatProblem({ ...violation, fix: undefined }),
        fix: violation.fix ?? 'declare the identity or namespace in the tenant, or remove the object',
        violatingResources: object ? [{ resourceName: object, locations: [object], manifestPath: fileOf.get(object) ?? '' }] : [],
      });
    }
    context.logger?.log(`kf-tenancy isolation check: ${docs.length} objects, ${violations.length} violation(s)`);
    context.report.submit(violations.length === 0 ? 'success' : 'failure', { objects: String(docs.length) });
  }
}
