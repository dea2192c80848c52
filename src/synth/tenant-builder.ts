/**
 * Building: the model read from files ({@link TenancySources}) into constructs, with every
 * error of every tenant collected and named by its `file:line`.
 */
import { Construct } from 'constructs';
import { crossTenantProblems } from '../catalog/cross-tenant';
import { ProfileSource } from '../catalog/profile-reader';
import { hasPlatform, TenancySources } from '../catalog/sources';
import { AuditPolicy } from '../constructs/cluster/audit-policy';
import { GpuQueues } from '../constructs/cluster/gpu-queues';
import { IdentityProvider } from '../constructs/cluster/identity-provider';
import { PriorityClasses } from '../constructs/cluster/priority-classes';
import { QuotaAlerts } from '../constructs/cluster/quota-alerts';
import { ReadOnlyDashboard } from '../constructs/cluster/read-only-dashboard';
import { TenancyGuard } from '../constructs/cluster/tenancy-guard';
import { TenantDashboard } from '../constructs/cluster/tenant-dashboard';
import { resolveTenant, tenantProblems } from '../constructs/tenant/tenant-problems';
import { TenantProfile } from '../constructs/tenant/tenant-profile';
import { priorityClassProblems } from '../core/priority-classes';
import { asProblem, atLocation, Problem } from '../core/problem';
import { builtinNameProblem, problemsOf, throwIfAny } from '../core/validation';

/** Called every `every` tenants while sources are built (the CLI prints a progress line). */
export type ProgressCallback = (done: number, total: number) => void;

/** Whether the sources ask for objects outside tenants (PriorityClasses, platform pieces). */
export function hasClusterObjects(sources: TenancySources): boolean {
  return sources.priorityClasses.length > 0 || hasPlatform(sources.cluster);
}

/** How to build tenants from sources: where each goes, and what to report as it goes. */
export interface TenantBuildOptions {
  /** The construct each tenant is built in (its own chart, for the CLI). */
  readonly scopeOf: (name: string) => Construct;
  /** Called once a tenant is done with (after the caller's loop body has run), e.g. to drop its chart. */
  readonly release?: (scope: Construct) => void;
  readonly onProgress?: ProgressCallback;
  /** Call `onProgress` every this many tenants. */
  readonly every?: number;
}

/** A tenant built from a source, and where the source was read. */
export interface BuiltTenant {
  readonly tenant: TenantProfile;
  readonly location: string;
}

/**
 * The one loop that builds tenants from sources, one at a time: each tenant is yielded as it is
 * built, so the caller can check, emit and drop it before the next is built (memory stays flat).
 * Every problem (across tenants, names, each tenant's own) goes to `problems` with the source's
 * `file:line`; a tenant that has any is not yielded.
 */
export function* buildTenants(sources: ProfileSource[], problems: Problem[], options: TenantBuildOptions): Generator<BuiltTenant> {
  problems.push(...crossTenantProblems(sources).map(asProblem));
  const seen = new Map<string, string>();
  const every = options.every ?? 500;
  for (let index = 0; index < sources.length; index++) {
    const source = sources[index];
    const problem = sourceNameProblem(source, seen);
    if (problem) {
      problems.push(problem);
      continue;
    }
    const scope = options.scopeOf(source.props.name!);
    try {
      yield { tenant: new TenantProfile(scope, source.props.name!, source.props), location: source.location };
    } catch (error) {
      problems.push(...atLocation(source.location, problemsOf(error)));
    } finally {
      options.release?.(scope);
    }
    if (options.onProgress && (index + 1) % every === 0) options.onProgress(index + 1, sources.length);
  }
}

/**
 * Every problem of the sources' tenants, found without building them (the cdk8s plugin's check):
 * names, what spans tenants, and each tenant's props as `TenantProfile` would report them.
 */
export function sourceProblems(sources: TenancySources): Problem[] {
  const problems = crossTenantProblems(sources.tenants).map(asProblem);
  const seen = new Map<string, string>();
  for (const source of sources.tenants) {
    const problem = sourceNameProblem(source, seen);
    if (problem) {
      problems.push(problem);
      continue;
    }
    const tenant = resolveTenant(source.props, source.props.name!, { profileController: sources.profileController, kueue: sources.cluster?.kueue });
    problems.push(...atLocation(source.location, tenantProblems(source.props, tenant)));
  }
  return problems;
}

/**
 * Problems of the checks that run after every tenant is built (the cross-tenant isolation check,
 * platform namespaces), with the `file:line` of the tenant each names, as every other problem has.
 */
export function withTenantLocation(problems: Problem[], tenants: ProfileSource[]): Problem[] {
  const locations = new Map(tenants.map(t => [t.props.name, t.location]));
  return problems.map(p => (p.tenant === undefined ? p : atLocation(locations.get(p.tenant), [p])[0]));
}

/** Why a source cannot be built (no name, or a name seen before), recording it in `seen`. */
export function sourceNameProblem(source: ProfileSource, seen: Map<string, string>): Problem | undefined {
  const name = source.props.name;
  const location = source.location;
  if (typeof name !== 'string' || name === '') return { location, message: 'tenant has no name', fix: 'set "name"' };
  // The tenant's construct is named after it: a name every object already has cannot be one.
  const builtin = builtinNameProblem(name);
  if (builtin) return { location, tenant: name, field: 'name', message: builtin };
  const previous = seen.get(name);
  if (previous !== undefined) return { location, tenant: name, message: `is also declared at ${previous}`, fix: 'tenant names must be unique' };
  seen.set(name, location);
  return undefined;
}

/**
 * PriorityClasses and the platform pieces of the cluster section (quota alerts,
 * dashboard, audit policy, Dex), over the tenants' names; returns the problems.
 */
export function addClusterObjects(scope: Construct, sources: TenancySources): Problem[] {
  const problems: Problem[] = [];
  const attempt = (build: () => void) => {
    try {
      build();
    } catch (error) {
      problems.push(...atLocation(sources.clusterLocation, problemsOf(error).map(p => ({ ...p, field: p.field === undefined ? 'cluster' : `cluster: ${p.field}` }))));
    }
  };
  if (sources.priorityClasses.length > 0) attempt(() => new PriorityClasses(scope, 'PriorityClasses', { classes: sources.priorityClasses }));
  const cluster = sources.cluster;
  if (!cluster) return problems;
  const tenants = [...new Set(sources.tenants.map(t => t.props.name).filter((n): n is string => typeof n === 'string' && n !== ''))].sort();
  if (cluster.quotaAlerts) attempt(() => new QuotaAlerts(scope, 'QuotaAlerts', { ...cluster.quotaAlerts, tenants }));
  if (cluster.dashboard) attempt(() => new TenantDashboard(scope, 'TenantDashboard', { ...cluster.dashboard, tenants }));
  if (cluster.auditPolicy) attempt(() => new AuditPolicy(scope, 'AuditPolicy', { ...cluster.auditPolicy, tenants }));
  if (cluster.identityProvider) attempt(() => new IdentityProvider(scope, 'IdentityProvider', cluster.identityProvider!));
  if (cluster.readOnlyDashboard) attempt(() => new ReadOnlyDashboard(scope, 'ReadOnlyDashboard', cluster.readOnlyDashboard));
  // Before the guard, which guards the queues when the app has them.
  // Classes PriorityClasses refused above are reported there, not again for their WorkloadPriorityClasses.
  const workloadClasses = priorityClassProblems(sources.priorityClasses).length === 0 ? sources.priorityClasses : [];
  if (cluster.kueue) attempt(() => new GpuQueues(scope, 'GpuQueues', { ...cluster.kueue!, priorityClasses: workloadClasses }));
  if (cluster.guard) attempt(() => new TenancyGuard(scope, 'TenancyGuard', cluster.guard));
  return problems;
}

/** Builds the cluster objects and every tenant in `scope`; all problems are thrown together. */
export function buildSources(scope: Construct, sources: TenancySources): TenantProfile[] {
  const problems = addClusterObjects(scope, sources);
  const built = [...buildTenants(sources.tenants, problems, { scopeOf: () => scope })].map(b => b.tenant);
  throwIfAny(problems);
  return built;
}
