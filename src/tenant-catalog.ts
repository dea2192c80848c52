import { Chart } from 'cdk8s';
import { Construct } from 'constructs';
import { AuditPolicy } from './audit-policy';
import { ClusterSettings } from './catalog-file';
import { catalogTenantProps, clusterPriorityClasses, isCatalogDocument, readCatalog } from './catalog-reader';
import { crossTenantProblems } from './cross-tenant';
import { IdentityProvider } from './identity-provider';
import { ProfileController } from './kubeflow-profile';
import { PriorityClasses, PriorityClassSpec } from './priority-classes';
import { profilesFromDocument, ProfileSource } from './profile-reader';
import { QuotaAlerts } from './quota-alerts';
import { ReadOnlyDashboard } from './read-only-dashboard';
import { EmittedFile, TenancyApp } from './tenancy-app';
import { TenancyGuard } from './tenancy-guard';
import { TenantDashboard } from './tenant-dashboard';
import { TenantProfile, TenantProfileProps, TenantSettings } from './tenant-profile';
import { messagesOf, throwIfAny } from './validation';
import { readYamlFiles } from './yaml-source';

/** Properties of a {@link TenantCatalog}. */
export interface TenantCatalogProps {
  /**
   * Cluster-wide objects (PriorityClasses).
   * @default - none
   */
  readonly cluster?: ClusterSettings;

  /**
   * Settings every tenant gets unless it sets its own. Maps (quota, labels) and
   * objects (auth, ambient) merge key by key; lists and scalars are replaced.
   * @default - no defaults
   */
  readonly defaults?: TenantSettings;

  /** The tenants; each must have a `name`. */
  readonly tenants: TenantProfileProps[];
}

/** Called every `every` tenants while a catalog is built (the CLI prints a progress line). */
export type ProgressCallback = (done: number, total: number) => void;

/**
 * Builds one TenantProfile per source, collecting the errors of every tenant
 * before throwing them together.
 */
export function addTenants(scope: Construct, sources: ProfileSource[], onProgress?: ProgressCallback, every: number = 500): TenantProfile[] {
  const errors: string[] = crossTenantProblems(sources);
  const built: TenantProfile[] = [];
  const seen = new Map<string, string>();
  sources.forEach((source, index) => {
    const problem = nameProblem(source, seen);
    if (problem) {
      errors.push(problem);
      return;
    }
    const name = source.props.name!;
    try {
      built.push(new TenantProfile(scope, name, source.props));
    } catch (error) {
      errors.push(...messagesOf(error).map(m => `${source.location}: ${m}`));
    }
    if (onProgress && (index + 1) % every === 0) onProgress(index + 1, sources.length);
  });
  throwIfAny(errors);
  return built;
}

/**
 * Builds, validates and emits the tenants one at a time, dropping each from the
 * tree once emitted, so memory stays flat however many tenants there are.
 * Errors of every tenant are collected and thrown together at the end; the
 * caller discards what was emitted (the output is staged).
 */
export function streamSources(app: TenancyApp, sources: TenancySources, emit: (file: EmittedFile) => void,
  onProgress?: ProgressCallback, every: number = 500): number {
  const errors: string[] = crossTenantProblems(sources.tenants);
  if (sources.priorityClasses.length > 0 || hasPlatform(sources.cluster)) {
    errors.push(...addClusterObjects(new Chart(app, 'cluster'), sources));
  }
  const seen = new Map<string, string>();
  const emitted: string[] = [];
  sources.tenants.forEach((source, index) => {
    const problem = nameProblem(source, seen);
    if (problem) {
      errors.push(problem);
      return;
    }
    const name = source.props.name!;
    const chart = new Chart(app, `tenant-${name}`);
    try {
      app._emitTenant(new TenantProfile(chart, name, source.props), emit);
      emitted.push(name);
    } catch (error) {
      errors.push(...messagesOf(error).map(m => `${source.location}: ${m}`));
    }
    app.node.tryRemoveChild(chart.node.id);
    if (onProgress && (index + 1) % every === 0) onProgress(index + 1, sources.tenants.length);
  });
  if (errors.length === 0) {
    try {
      app._emitRest(emit, emitted);
    } catch (error) {
      errors.push(...messagesOf(error).map(m => withTenantLocation(m, sources.tenants)));
    }
  }
  throwIfAny(errors);
  return emitted.length;
}

/**
 * Checks that run after every tenant is built (the cross-tenant isolation check, platform
 * namespaces) name the tenant that causes the problem first; this puts that tenant's
 * `file:line` in front, as every other message has.
 */
function withTenantLocation(message: string, tenants: ProfileSource[]): string {
  const name = /^tenant "([^"]+)": /.exec(message)?.[1];
  const source = name === undefined ? undefined : tenants.find(t => t.props.name === name);
  return source ? `${source.location}: ${message}` : message;
}

/** Why a source cannot be built (no name, or a name seen before), recording it in `seen`. */
function nameProblem(source: ProfileSource, seen: Map<string, string>): string | undefined {
  const name = source.props.name;
  if (typeof name !== 'string' || name === '') return `${source.location}: tenant has no name; set "name"`;
  const previous = seen.get(name);
  if (previous !== undefined) return `${source.location}: tenant "${name}": is also declared at ${previous}; tenant names must be unique`;
  seen.set(name, source.location);
  return undefined;
}

/**
 * Reads tenants from files: tenants catalogs (`kind: TenantCatalog`) and
 * Kubeflow Profiles (`kubeflow.org/v1`, `v1beta1`, lists, multi-document), in any mix.
 * Every problem of every file is collected, each with `file:line`.
 */
export function readTenantFiles(files: string[]): TenancySources {
  const errors: string[] = [];
  const tenants: ProfileSource[] = [];
  const priorityClasses: PriorityClassSpec[] = [];
  let cluster: ClusterSettings | undefined;
  let clusterFrom: string | undefined;
  let priorityClassesFrom: string | undefined;
  let profileController: { value: ProfileController; from: string } | undefined;
  for (const doc of readYamlFiles(files, errors)) {
    if (isCatalogDocument(doc.value)) {
      const content = readCatalog(doc, errors);
      const controller = content.cluster?.profileController;
      if (controller !== undefined) {
        const from = doc.locate(['cluster', 'profileController']);
        // One cluster, one profile controller: catalogs of one run cannot disagree on it.
        if (profileController && profileController.value !== controller) {
          errors.push(`${from}: cluster.profileController: "${controller}" differs from "${profileController.value}" at ${profileController.from}; set the same in every catalog of a run`);
        }
        profileController ??= { value: controller, from };
      }
      tenants.push(...content.tenants);
      priorityClasses.push(...content.priorityClasses);
      if (content.priorityClasses.length > 0) priorityClassesFrom ??= doc.locate(['cluster']);
      if (hasPlatform(content.cluster)) {
        // One platform configuration per run: two catalogs would write two alert rules, two policies.
        if (clusterFrom) errors.push(`${doc.locate(['cluster'])}: cluster: quota alerts, dashboard, audit policy, identity provider, read-only dashboard or guard are also set in ${clusterFrom}; keep them in one catalog`);
        else [cluster, clusterFrom] = [content.cluster, doc.locate(['cluster'])];
      }
    } else {
      tenants.push(...profilesFromDocument(doc, errors));
    }
  }
  throwIfAny(errors);
  return { tenants, priorityClasses, cluster, clusterLocation: clusterFrom ?? priorityClassesFrom, profileController: profileController?.value };
}

/** Everything read from catalogs and Profiles. */
export interface TenancySources {
  readonly tenants: ProfileSource[];
  readonly priorityClasses: PriorityClassSpec[];
  /** Who reconciles Profiles, when a catalog's cluster section says. */
  readonly profileController?: ProfileController;
  /** The cluster section with platform pieces, from at most one catalog. */
  readonly cluster?: ClusterSettings;
  /** `file:line` of that cluster section (or of the one with PriorityClasses), for errors. */
  readonly clusterLocation?: string;
}

function hasPlatform(cluster: ClusterSettings | undefined): boolean {
  if (cluster === undefined) return false;
  return [cluster.quotaAlerts, cluster.dashboard, cluster.auditPolicy, cluster.identityProvider, cluster.readOnlyDashboard, cluster.guard]
    .some(x => x !== undefined);
}

/**
 * PriorityClasses and the platform pieces of the cluster section (quota alerts,
 * dashboard, audit policy, Dex), over the tenants' names; returns the problems.
 */
function addClusterObjects(scope: Construct, sources: TenancySources): string[] {
  const errors: string[] = [];
  const attempt = (build: () => void) => {
    try {
      build();
    } catch (error) {
      errors.push(...messagesOf(error).map(m => `${sources.clusterLocation ? `${sources.clusterLocation}: ` : ''}cluster: ${m}`));
    }
  };
  if (sources.priorityClasses.length > 0) attempt(() => new PriorityClasses(scope, 'PriorityClasses', { classes: sources.priorityClasses }));
  const cluster = sources.cluster;
  if (!cluster) return errors;
  const tenants = [...new Set(sources.tenants.map(t => t.props.name).filter((n): n is string => typeof n === 'string' && n !== ''))].sort();
  if (cluster.quotaAlerts) attempt(() => new QuotaAlerts(scope, 'QuotaAlerts', { ...cluster.quotaAlerts, tenants }));
  if (cluster.dashboard) attempt(() => new TenantDashboard(scope, 'TenantDashboard', { ...cluster.dashboard, tenants }));
  if (cluster.auditPolicy) attempt(() => new AuditPolicy(scope, 'AuditPolicy', { ...cluster.auditPolicy, tenants }));
  if (cluster.identityProvider) attempt(() => new IdentityProvider(scope, 'IdentityProvider', cluster.identityProvider!));
  if (cluster.readOnlyDashboard) attempt(() => new ReadOnlyDashboard(scope, 'ReadOnlyDashboard', cluster.readOnlyDashboard));
  if (cluster.guard) attempt(() => new TenancyGuard(scope, 'TenancyGuard', cluster.guard));
  return errors;
}

/** Builds the cluster objects and every tenant; all errors are thrown together. */
export function buildSources(scope: Construct, sources: TenancySources, onProgress?: ProgressCallback, every?: number): TenantProfile[] {
  const errors = addClusterObjects(scope, sources);
  let tenants: TenantProfile[] = [];
  try {
    tenants = addTenants(scope, sources.tenants, onProgress, every);
  } catch (error) {
    errors.push(...messagesOf(error));
  }
  throwIfAny(errors);
  return tenants;
}

/**
 * Every tenant of a catalog: cluster-wide defaults merged into each tenant,
 * one {@link TenantProfile} per tenant, all errors of all tenants reported together.
 */
export class TenantCatalog extends Construct {
  /**
   * Reads tenants catalogs and Kubeflow Profile YAML files into one catalog.
   * Errors name the file and line.
   */
  public static fromFiles(scope: Construct, id: string, files: string[]): TenantCatalog {
    const catalog = new TenantCatalog(scope, id, { tenants: [] });
    catalog.tenantList.push(...buildSources(catalog, readTenantFiles(files)));
    return catalog;
  }

  private readonly tenantList: TenantProfile[] = [];

  constructor(scope: Construct, id: string, props: TenantCatalogProps) {
    super(scope, id);
    const priorityClasses = clusterPriorityClasses(props.cluster);
    const errors: string[] = [];
    const tenants = props.tenants.map((tenant, index) => {
      const shared = catalogTenantProps(props.defaults, tenant, props.cluster, priorityClasses);
      errors.push(...shared.problems.map(p => `tenants[${index}]: tenant "${tenant.name}": ${p}`));
      return { props: shared.props, location: `tenants[${index}]` };
    });
    throwIfAny(errors);
    this.tenantList.push(...buildSources(this, { tenants, priorityClasses, cluster: props.cluster }));
  }

  /** The tenants, in declaration order. */
  public get tenants(): TenantProfile[] {
    return [...this.tenantList];
  }
}
