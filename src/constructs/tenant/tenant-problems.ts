/**
 * A tenant's props resolved with the app's facts, and every problem of them, without building
 * anything: what `TenantProfile` reports, for readers that must check a tenant they do not build
 * (the cdk8s validation plugin). `TenantProfile` resolves with the same function; its children
 * check their own props with the same `xxxProblems` functions listed here, in the same order
 * (test/tenant-problems.test.ts holds the two together).
 */
import { limitRangeProblems } from './limit-range';
import { networkPolicyProblems } from './network-policy-options';
import { teamRoleProblems } from './team-role';
import { TenantProfileProps } from './tenant-settings';
import { KubeflowAuthOptions, ResolvedKubeflowAuth } from '../../core/auth-options';
import { clusterFactConflicts, resolveClusterFacts } from '../../core/cluster-facts';
import { ContributorRegistry } from '../../core/contributor-registry';
import { contributorFieldProblems, ContributorRole, IdentityKind } from '../../core/identity';
import { DEFAULT_WAYPOINT_NAME } from '../../core/kubeflow-defaults';
import { ProfileController } from '../../core/kubeflow-profile';
import { quotaConflicts, tenantQueueProblems } from '../../core/kueue';
import { KueueClusterOptions } from '../../core/kueue-options';
import { IstioSecurityApiVersion, MeshMode } from '../../core/mesh-mode';
import { tenantPriorityProblems } from '../../core/priority-classes';
import { inTenant, Problem } from '../../core/problem';
import { tenantFieldProblems } from '../../core/tenant-rules';

/** What the app states for every tenant (TenancyApp props, or a catalog's `cluster:`). */
export interface TenantContext {
  readonly clusterAuth?: KubeflowAuthOptions;
  readonly clusterCidrs?: string[];
  readonly profileController?: ProfileController;
  /** The cluster's GPU flavors, when the app declares them. */
  readonly kueue?: KueueClusterOptions;
}

/** A tenant's props with defaults and the app's facts applied, and the facts its props contradict. */
export interface ResolvedTenant {
  readonly name: string;
  readonly auth: ResolvedKubeflowAuth;
  readonly clusterCidrs: string[];
  readonly profileController: ProfileController;
  readonly meshMode: MeshMode;
  readonly istioSecurityApiVersion: IstioSecurityApiVersion;
  readonly waypointName?: string;
  readonly kueue?: KueueClusterOptions;
  readonly factProblems: Problem[];
}

/** Resolves `props` (named `id` when they name no tenant) as `TenantProfile` does. */
export function resolveTenant(props: TenantProfileProps, id: string, context: TenantContext): ResolvedTenant {
  // Facts of the cluster (auth, its ranges): the app's when it states them, which the tenant may repeat, not change.
  const facts = resolveClusterFacts({
    auth: context.clusterAuth ?? props.auth,
    clusterCidrs: context.clusterCidrs ?? props.networkPolicy?.clusterCidrs,
  });
  const factProblems = clusterFactConflicts(
    {
      auth: context.clusterAuth === undefined ? undefined : props.auth,
      clusterCidrs: context.clusterCidrs === undefined ? undefined : props.networkPolicy?.clusterCidrs,
    },
    facts, { auth: 'the TenancyApp\'s auth', clusterCidrs: 'the TenancyApp\'s clusterCidrs' }).map(([field, message]) => ({ field, message }));
  const meshMode = props.meshMode ?? MeshMode.SIDECAR;
  return {
    name: props.name ?? id,
    auth: facts.auth,
    clusterCidrs: facts.clusterCidrs,
    profileController: props.profileController ?? context.profileController ?? ProfileController.KUBEFLOW,
    meshMode,
    istioSecurityApiVersion: props.istioSecurityApiVersion ?? IstioSecurityApiVersion.V1BETA1,
    waypointName: meshMode === MeshMode.AMBIENT ? props.ambient?.waypointName ?? DEFAULT_WAYPOINT_NAME : undefined,
    kueue: context.kueue,
    factProblems,
  };
}

/** The problems of the tenant's own fields (core/tenant-rules.ts) and the facts it contradicts. */
export function ownProblems(props: TenantProfileProps, tenant: ResolvedTenant): Problem[] {
  return inTenant(tenant.name, [...tenant.factProblems, ...tenantFieldProblems({
    ...props,
    name: tenant.name,
    auth: tenant.auth,
    profileController: tenant.profileController,
    meshMode: tenant.meshMode,
    istioSecurityApiVersion: tenant.istioSecurityApiVersion,
    sharedServicesLabel: props.networkPolicy?.sharedServicesLabel,
  })]);
}

/**
 * Every problem `new TenantProfile(…)` would report for `props`, in its order: the tenant's own
 * fields, then its network policy, LimitRange, priority classes, team roles and contributors.
 */
export function tenantProblems(props: TenantProfileProps, tenant: ResolvedTenant): Problem[] {
  const children: Array<string | Problem> = [
    ...networkPolicyProblems({ ...props.networkPolicy, clusterCidrs: tenant.clusterCidrs }),
    ...(props.limitRange ? limitRangeProblems(props.limitRange, props.resourceQuota) : []),
    ...(props.priorityClasses ? tenantPriorityProblems(props.priorityClasses) : []),
  ];
  const roles = new Set<string>();
  for (const role of props.teamRoles ?? []) {
    if (roles.has(role.name)) {
      children.push(`teamRoles "${role.name}": defined twice`);
      continue;
    }
    roles.add(role.name);
    children.push(...teamRoleProblems(role));
  }
  children.push(...queueProblems(props, tenant.kueue));
  const registry = new ContributorRegistry(props.owner ?? '');
  for (const contributor of props.contributors ?? []) {
    const at = { field: `contributor "${contributor.name}"` };
    const own = contributorFieldProblems(contributor);
    const conflict = own.length > 0 ? undefined
      : registry.add(contributor.kind ?? IdentityKind.USER, contributor.name, contributor.role ?? ContributorRole.EDIT);
    children.push(...own.map(message => ({ ...at, message })), ...(conflict ? [{ ...at, ...conflict }] : []));
  }
  return [...ownProblems(props, tenant), ...inTenant(tenant.name, children)];
}

/**
 * The tenant's queue against the cluster's flavors, and the ResourceQuota keys that would cap what
 * Kueue owns (the two quota systems disagree on what a pending job uses: one owns each resource).
 */
export function queueProblems(props: TenantProfileProps, cluster: KueueClusterOptions | undefined): Problem[] {
  if (props.kueue === undefined) return [];
  if (cluster === undefined) {
    return [{ field: 'kueue', message: 'is set, but the app declares no GPU flavors', fix: 'declare cluster.kueue (in code: a GpuQueues construct before the tenants)' }];
  }
  return [
    ...tenantQueueProblems(props.kueue, cluster),
    ...quotaConflicts(props.resourceQuota ?? {}, cluster).map(key => ({
      field: `resourceQuota["${key}"]`,
      message: 'caps a resource Kueue owns for this tenant; the ResourceQuota would refuse pods that Kueue admitted',
      fix: 'remove it: the tenant\'s kueue quotas are its GPU quota',
    })),
  ];
}
