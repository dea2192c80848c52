/**
 * Building: the model read from files ({@link TenancySources}) into constructs, with every
 * error of every tenant collected and named by its `file:line`.
 */
import { Construct } from 'constructs';
import { crossTenantProblems } from '../catalog/cross-tenant';
import { ProfileSource } from '../catalog/profile-reader';
import { hasPlatform, TenancySources } from '../catalog/sources';
import { AuditPolicy } from '../constructs/cluster/audit-policy';
import { IdentityProvider } from '../constructs/cluster/identity-provider';
import { PriorityClasses } from '../constructs/cluster/priority-classes';
import { QuotaAlerts } from '../constructs/cluster/quota-alerts';
import { ReadOnlyDashboard } from '../constructs/cluster/read-only-dashboard';
import { TenancyGuard } from '../constructs/cluster/tenancy-guard';
import { TenantDashboard } from '../constructs/cluster/tenant-dashboard';
import { TenantProfile } from '../constructs/tenant/tenant-profile';
import { builtinNameProblem, messagesOf, throwIfAny } from '../core/validation';

/** Called every `every` tenants while sources are built (the CLI prints a progress line). */
export type ProgressCallback = (done: number, total: number) => void;

/** Whether the sources ask for objects outside tenants (PriorityClasses, platform pieces). */
export function hasClusterObjects(sources: TenancySources): boolean {
  return sources.priorityClasses.length > 0 || hasPlatform(sources.cluster);
}

/**
 * Builds one TenantProfile per source, collecting the errors of every tenant
 * before throwing them together.
 */
export function addTenants(scope: Construct, sources: ProfileSource[], onProgress?: ProgressCallback, every: number = 500): TenantProfile[] {
  const errors: string[] = crossTenantProblems(sources);
  const built: TenantProfile[] = [];
  const seen = new Map<string, string>();
  sources.forEach((source, index) => {
    const problem = sourceNameProblem(source, seen);
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
 * Checks that run after every tenant is built (the cross-tenant isolation check, platform
 * namespaces) name the tenant that causes the problem first; this puts that tenant's
 * `file:line` in front, as every other message has.
 */
export function withTenantLocation(message: string, tenants: ProfileSource[]): string {
  const name = /^tenant "([^"]+)": /.exec(message)?.[1];
  const source = name === undefined ? undefined : tenants.find(t => t.props.name === name);
  return source ? `${source.location}: ${message}` : message;
}

/** Why a source cannot be built (no name, or a name seen before), recording it in `seen`. */
export function sourceNameProblem(source: ProfileSource, seen: Map<string, string>): string | undefined {
  const name = source.props.name;
  if (typeof name !== 'string' || name === '') return `${source.location}: tenant has no name; set "name"`;
  // The tenant's construct is named after it: a name every object already has cannot be one.
  const builtin = builtinNameProblem(name);
  if (builtin) return `${source.location}: tenant "${name}": name: ${builtin}`;
  const previous = seen.get(name);
  if (previous !== undefined) return `${source.location}: tenant "${name}": is also declared at ${previous}; tenant names must be unique`;
  seen.set(name, source.location);
  return undefined;
}

/**
 * PriorityClasses and the platform pieces of the cluster section (quota alerts,
 * dashboard, audit policy, Dex), over the tenants' names; returns the problems.
 */
export function addClusterObjects(scope: Construct, sources: TenancySources): string[] {
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
