/**
 * Facts about the cluster that every tenant shares: the identity headers and their meaning, the
 * principals that forward users, and the pod and service ranges. They are set once, at cluster
 * level (a catalog's `cluster:` section, or `TenancyApp`), because a tenant or `defaults:` that
 * restates them differently changes what its own policies trust: another header that clients can
 * set, a principal the tenant runs, a narrower idea of where pods live. A tenant may repeat a fact
 * (old catalogs do) but not contradict it.
 */
import { KubeflowAuthOptions, resolveAuth, ResolvedKubeflowAuth } from './auth-options';

/** The cluster's facts as given (every field optional). */
export interface ClusterFactsInput {
  readonly auth?: KubeflowAuthOptions;
  readonly clusterCidrs?: string[];
}

/** Every private range: a CNI may use any of them for pods and services. */
export const DEFAULT_CLUSTER_CIDRS = ['10.0.0.0/8', '172.16.0.0/12', '192.168.0.0/16', '100.64.0.0/10', 'fc00::/7'];

/**
 * Where cloud metadata services answer (AWS, GCP, Azure: 169.254.169.254; AWS over IPv6:
 * fd00:ec2::254), with the link-local ranges around them: they hand out the node's cloud
 * identity, which every tenant on the node shares, so no tenant's egress may reach them.
 */
export const METADATA_CIDRS = ['169.254.0.0/16', 'fe80::/10', 'fd00:ec2::254/128'];

/** The cluster's facts with defaults applied. */
export interface ResolvedClusterFacts {
  readonly auth: ResolvedKubeflowAuth;
  readonly clusterCidrs: string[];
}

/** The cluster's facts with defaults applied. */
export function resolveClusterFacts(input: ClusterFactsInput | undefined): ResolvedClusterFacts {
  return { auth: resolveAuth(input?.auth), clusterCidrs: input?.clusterCidrs ?? DEFAULT_CLUSTER_CIDRS };
}

/** Construct-tree context keys under which a TenancyApp passes its facts to its tenants. */
export const CLUSTER_AUTH_CONTEXT = 'kf-tenancy:auth';
export const CLUSTER_CIDRS_CONTEXT = 'kf-tenancy:clusterCidrs';

const AUTH_FIELDS = ['userIdHeader', 'userIdPrefix', 'groupsHeader', 'ingressGatewayPrincipal', 'pipelinesUiPrincipal', 'notebookControllerPrincipal'] as const;

const sameSet = (a: string[], b: string[]) => a.length === b.length && [...a].sort().every((v, i) => v === [...b].sort()[i]);

/**
 * Where a tenant's own statement of a fact contradicts the cluster's: `[field, message]` pairs,
 * with the field as the tenant wrote it (`auth.userIdHeader`, `networkPolicy.clusterCidrs`).
 * `where` names the cluster setting in the message (`cluster.auth`, `the TenancyApp's auth`).
 */
export function clusterFactConflicts(own: ClusterFactsInput, cluster: ResolvedClusterFacts,
  where: { auth: string; clusterCidrs: string }): Array<[string, string]> {
  const conflicts: Array<[string, string]> = [];
  for (const field of AUTH_FIELDS) {
    const mine = own.auth?.[field];
    if (mine !== undefined && mine !== cluster.auth[field]) {
      conflicts.push([`auth.${field}`, `"${String(mine)}" differs from the cluster's "${cluster.auth[field]}" (${where.auth}); `
        + 'headers and proxy principals are facts of the cluster, which a tenant cannot change for itself: leave the field out, or change it for the whole cluster']);
    }
  }
  if (own.clusterCidrs !== undefined && !sameSet(own.clusterCidrs, cluster.clusterCidrs)) {
    conflicts.push(['networkPolicy.clusterCidrs', `[${own.clusterCidrs.join(', ')}] differs from the cluster's [${cluster.clusterCidrs.join(', ')}] `
      + `(${where.clusterCidrs}); the pod and service ranges are facts of the cluster: leave the field out, or change it for the whole cluster`]);
  }
  return conflicts;
}
