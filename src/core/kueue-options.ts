/**
 * What a catalog or code declares for GPU queues with Kueue (kueue.x-k8s.io/v1beta2): the cluster's
 * flavors, cohorts and capacity, each tenant's share, and Kueue's bounds. The rules that check them
 * are in kueue.ts.
 */

/** The API version every Kueue object is written in (v1beta1 is deprecated). */
export const KUEUE_API_VERSION = 'kueue.x-k8s.io/v1beta2';
/** The label GpuQueues writes on the flavors, cohorts and priority classes: the guard keeps what carries it as Git wrote it. */
export const GPU_QUEUES_LABEL = 'kf-tenancy.io/gpu-queues';
/** The LocalQueue name Kueue applies to a job of a kind it manages that has no queue label. */
export const DEFAULT_LOCAL_QUEUE = 'default';
/** The resource Kueue owns when the catalog names none. */
export const DEFAULT_KUEUE_RESOURCES = ['nvidia.com/gpu'];
/** Kueue's limits (apis/kueue/v1beta2, pkg/webhooks): flavors per resource group, resources per group, both together. */
export const MAX_FLAVORS = 64;
export const MAX_COVERED_RESOURCES = 64;
export const MAX_FLAVOR_RESOURCES = 512;
/** Node labels, node taints and tolerations per ResourceFlavor (CRD maxItems). */
export const MAX_FLAVOR_ITEMS = 8;
/** The largest fair-sharing weight accepted: a bound, so no tenant's entry can take a cohort's idle quota by weight alone. */
export const MAX_FAIR_SHARING_WEIGHT = '100';

/** How a taint keeps pods off a node (Kubernetes' taint effects). */
export enum TaintEffect {
  /** New pods that do not tolerate it are not scheduled. */
  NO_SCHEDULE = 'NoSchedule',
  /** The scheduler avoids the node for pods that do not tolerate it. */
  PREFER_NO_SCHEDULE = 'PreferNoSchedule',
  /** Running pods that do not tolerate it are evicted too. */
  NO_EXECUTE = 'NoExecute',
}

/** A taint of a flavor's nodes, or a toleration for one (with no value, any value is tolerated). */
export interface FlavorTaint {
  /** The taint's key, e.g. `nvidia.com/gpu`. */
  readonly key: string;
  /**
   * The taint's value.
   * @default - none (a toleration then matches any value)
   */
  readonly value?: string;
  /** The taint's effect. */
  readonly effect: TaintEffect;
}

/** A kind of node jobs can run on, usually a GPU model (a ResourceFlavor). */
export interface GpuFlavorOptions {
  /** The flavor's name, e.g. `a100`. */
  readonly name: string;
  /**
   * Node labels that select the flavor's nodes (Kueue adds them to the admitted pods' node affinity).
   * @default - none: any node
   */
  readonly nodeLabels?: { [key: string]: string };
  /**
   * Taints the flavor's nodes carry: Kueue admits a workload on the flavor only if its pods tolerate them.
   * @default - none
   */
  readonly nodeTaints?: FlavorTaint[];
  /**
   * Tolerations Kueue adds to the pods it admits on the flavor, usually for the taint that keeps
   * other pods off dedicated GPU nodes (so notebooks and jobs need not carry it).
   * @default - none
   */
  readonly tolerations?: FlavorTaint[];
  /** How much of each resource the cluster has in this flavor, e.g. `{"nvidia.com/gpu": "16"}`: the capacity check's bound. */
  readonly capacity: { [resource: string]: string };
}

/** A cohort: queues that lend each other idle quota; a parent makes a tree (department, then team). */
export interface KueueCohortOptions {
  /** The cohort's name. */
  readonly name: string;
  /**
   * The cohort this one belongs to.
   * @default - none: a root cohort
   */
  readonly parent?: string;
}

/** What Kueue manages for the whole cluster. */
export interface KueueClusterOptions {
  /** The GPU flavors, with their capacity. */
  readonly flavors: GpuFlavorOptions[];
  /**
   * The cohort tree.
   * @default - none: tenants name no cohort and borrow nothing
   */
  readonly cohorts?: KueueCohortOptions[];
  /**
   * The resources Kueue owns (every queue covers them); a tenant's ResourceQuota may not cap them too.
   * @default ["nvidia.com/gpu"]
   */
  readonly resources?: string[];
  /**
   * Resources Kueue owns that tenants' ResourceQuotas may cap as well. Both then apply: Kueue admits
   * a job by its quota and the ResourceQuota can still refuse its pods one by one, so a job can start
   * half-way. Only for a migration from ResourceQuota to Kueue.
   * @default - none: a ResourceQuota key on a resource Kueue owns is refused
   */
  readonly alsoCappedByResourceQuota?: string[];
}

/** When a tenant's pending workload may preempt workloads of its own queue. */
export enum WithinQueuePreemption {
  /** Never (Kueue's default). */
  NEVER = 'Never',
  /** Workloads of lower priority. */
  LOWER_PRIORITY = 'LowerPriority',
  /** Workloads of lower priority, or of equal priority and newer. */
  LOWER_OR_NEWER_EQUAL_PRIORITY = 'LowerOrNewerEqualPriority',
}

/** When a tenant's pending workload may preempt other queues' workloads that borrowed its quota. */
export enum CohortReclaimPreemption {
  /** Never (Kueue's default): the tenant waits until borrowed quota is released. */
  NEVER = 'Never',
  /** Borrowing workloads of lower priority. */
  LOWER_PRIORITY = 'LowerPriority',
  /** Any borrowing workload: the tenant's nominal quota is a guarantee. */
  ANY = 'Any',
}

/** How a tenant's queue takes back its quota. */
export interface QueuePreemptionOptions {
  /**
   * Preemption within the tenant's own queue.
   * @default WithinQueuePreemption.NEVER
   */
  readonly withinQueue?: WithinQueuePreemption;
  /**
   * Preemption of other queues' workloads running on the tenant's lent quota.
   * @default - CohortReclaimPreemption.ANY in a cohort, so that the nominal quota is a guarantee
   * (Kueue's own default, Never, lets a borrower keep lent GPUs until its jobs end)
   */
  readonly reclaimWithinCohort?: CohortReclaimPreemption;
}

/** A tenant's share of one flavor, per resource. */
export interface FlavorQuota {
  /** The flavor. */
  readonly flavor: string;
  /** What the tenant is guaranteed (nominalQuota), per resource. */
  readonly nominal: { [resource: string]: string };
  /**
   * The most the tenant may borrow beyond its nominal quota from idle quota in its cohort, per resource.
   * @default - as much as the cohort has idle
   */
  readonly borrowingLimit?: { [resource: string]: string };
  /**
   * The most of its nominal quota others in the cohort may borrow while it is idle, per resource.
   * @default - all of it
   */
  readonly lendingLimit?: { [resource: string]: string };
}

/** A tenant's GPU queue. */
export interface TenantQueueOptions {
  /**
   * The cohort the tenant's ClusterQueue joins (it lends and borrows there).
   * @default - none: the tenant uses only its nominal quota
   */
  readonly cohort?: string;
  /** The tenant's share of each flavor. */
  readonly quotas: FlavorQuota[];
  /**
   * The tenant's weight in fair sharing within its cohort (a quantity, e.g. "2").
   * @default - Kueue's default, 1
   */
  readonly fairSharingWeight?: string;
  /**
   * How the tenant's queue takes back its quota by preemption.
   * @default - in a cohort, lent quota is taken back at once (reclaimWithinCohort Any); no preemption within the queue
   */
  readonly preemption?: QueuePreemptionOptions;
}
