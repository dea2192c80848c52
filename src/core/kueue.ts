/**
 * GPU queues with Kueue (kueue.x-k8s.io/v1beta2), as pure rules over plain data: the cluster's
 * GPU flavors, cohorts and capacity, each tenant's guaranteed share, and the checks Kueue's own
 * validation and a capacity plan need. The constructs (`TenantQueue`, `GpuQueues`) write what
 * these rules accept.
 */
import { Problem } from './problem';
import { compareQuantities, isQuantity, parseQuantity } from './quantity';
import { dnsLabelProblem, labelKeyProblem, labelValueProblem, shown } from './validation';

/** The API version every Kueue object is written in (v1beta1 is deprecated). */
export const KUEUE_API_VERSION = 'kueue.x-k8s.io/v1beta2';
/** The LocalQueue name Kueue applies to a job without a queue label (notebooks carry none). */
export const DEFAULT_LOCAL_QUEUE = 'default';
/** The resource Kueue owns when the catalog names none. */
export const DEFAULT_KUEUE_RESOURCES = ['nvidia.com/gpu'];
/** Kueue's limits (apis/kueue/v1beta2): flavors per resource group, resources per group. */
export const MAX_FLAVORS = 64;
export const MAX_COVERED_RESOURCES = 64;

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
   * @default CohortReclaimPreemption.NEVER
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
   * @default - Kueue's default: no preemption
   */
  readonly preemption?: QueuePreemptionOptions;
}

/** The resources Kueue owns, with the default applied. */
export function kueueResources(cluster: KueueClusterOptions): string[] {
  return [...(cluster.resources ?? DEFAULT_KUEUE_RESOURCES)];
}

/** Problems of the cluster's Kueue settings: names, flavors, capacity, the cohort tree. */
export function kueueClusterProblems(cluster: KueueClusterOptions): Problem[] {
  const problems: Problem[] = [];
  const at = (field: string, message: string | undefined) => { if (message) problems.push({ field: `kueue.${field}`, message }); };
  const resources = kueueResources(cluster);
  if (resources.length === 0) at('resources', 'is empty; name the resources Kueue owns, e.g. nvidia.com/gpu');
  if (resources.length > MAX_COVERED_RESOURCES) at('resources', `lists ${resources.length} resources; Kueue covers at most ${MAX_COVERED_RESOURCES}`);
  resources.forEach((r, i) => at(`resources[${i}]`, resourceNameProblem(r)));
  if (cluster.flavors.length === 0) at('flavors', 'is empty; declare at least one flavor (a GPU type) with its capacity');
  if (cluster.flavors.length > MAX_FLAVORS) at('flavors', `lists ${cluster.flavors.length} flavors; a Kueue resource group holds at most ${MAX_FLAVORS}`);
  const flavorNames = new Set<string>();
  cluster.flavors.forEach((flavor, i) => {
    at(`flavors[${i}].name`, dnsLabelProblem(flavor.name));
    if (flavorNames.has(flavor.name)) at(`flavors[${i}].name`, `${shown(flavor.name)} is declared twice`);
    flavorNames.add(flavor.name);
    for (const [key, value] of Object.entries(flavor.nodeLabels ?? {})) {
      at(`flavors[${i}].nodeLabels`, labelKeyProblem(key));
      at(`flavors[${i}].nodeLabels["${key}"]`, labelValueProblem(String(value)));
    }
    for (const [field, taints] of [['nodeTaints', flavor.nodeTaints], ['tolerations', flavor.tolerations]] as const) {
      (taints ?? []).forEach((taint, j) => problems.push(...taintProblems(taint, `kueue.flavors[${i}].${field}[${j}]`)));
    }
    for (const resource of resources) {
      const value = flavor.capacity?.[resource];
      if (value === undefined) at(`flavors[${i}].capacity`, `has no "${resource}"; give the flavor's capacity of every resource Kueue owns (0 if none)`);
    }
    for (const [resource, value] of Object.entries(flavor.capacity ?? {})) {
      if (!resources.includes(resource)) at(`flavors[${i}].capacity["${resource}"]`, `is not a resource Kueue owns (${resources.join(', ')}); add it to kueue.resources or remove it`);
      at(`flavors[${i}].capacity["${resource}"]`, wholeQuantityProblem(value));
    }
  });
  (cluster.alsoCappedByResourceQuota ?? []).forEach((resource, i) => {
    if (!resources.includes(resource)) at(`alsoCappedByResourceQuota[${i}]`, `${shown(resource)} is not a resource Kueue owns (${resources.join(', ')})`);
  });
  problems.push(...cohortProblems(cluster.cohorts ?? []));
  return problems;
}

const TAINT_EFFECTS: readonly string[] = Object.values(TaintEffect);

/** A taint's key and value as labels, its effect one of Kubernetes' three. */
function taintProblems(taint: FlavorTaint, field: string): Problem[] {
  const problems: Problem[] = [];
  const at = (sub: string, message: string | undefined, fix?: string) => { if (message) problems.push({ field: `${field}.${sub}`, message, fix }); };
  at('key', labelKeyProblem(taint.key));
  if (taint.value !== undefined) at('value', labelValueProblem(String(taint.value)));
  if (!TAINT_EFFECTS.includes(taint.effect)) at('effect', `${shown(taint.effect)} is not a taint effect`, `use one of ${TAINT_EFFECTS.join(', ')}`);
  return problems;
}

const WITHIN_QUEUE: readonly string[] = Object.values(WithinQueuePreemption);
const RECLAIM: readonly string[] = Object.values(CohortReclaimPreemption);

function preemptionProblems(queue: TenantQueueOptions): Problem[] {
  const problems: Problem[] = [];
  const { withinQueue, reclaimWithinCohort } = queue.preemption ?? {};
  if (withinQueue !== undefined && !WITHIN_QUEUE.includes(withinQueue)) {
    problems.push({ field: 'kueue.preemption.withinQueue', message: `${shown(withinQueue)} is not a preemption policy`, fix: `use one of ${WITHIN_QUEUE.join(', ')}` });
  }
  if (reclaimWithinCohort !== undefined && !RECLAIM.includes(reclaimWithinCohort)) {
    problems.push({ field: 'kueue.preemption.reclaimWithinCohort', message: `${shown(reclaimWithinCohort)} is not a preemption policy`, fix: `use one of ${RECLAIM.join(', ')}` });
  }
  if (reclaimWithinCohort !== undefined && queue.cohort === undefined) {
    problems.push({ field: 'kueue.preemption.reclaimWithinCohort', message: 'is set, but the tenant is in no cohort that could borrow its quota', fix: 'set kueue.cohort or drop it' });
  }
  return problems;
}

/** Cohort names unique and valid, parents declared, no cycle. */
function cohortProblems(cohorts: KueueCohortOptions[]): Problem[] {
  const problems: Problem[] = [];
  const parents = new Map<string, string | undefined>();
  cohorts.forEach((cohort, i) => {
    const name = dnsLabelProblem(cohort.name);
    if (name) problems.push({ field: `kueue.cohorts[${i}].name`, message: name });
    if (parents.has(cohort.name)) problems.push({ field: `kueue.cohorts[${i}].name`, message: `${shown(cohort.name)} is declared twice` });
    parents.set(cohort.name, cohort.parent);
  });
  cohorts.forEach((cohort, i) => {
    if (cohort.parent !== undefined && !parents.has(cohort.parent)) {
      problems.push({ field: `kueue.cohorts[${i}].parent`, message: `${shown(cohort.parent)} is not a declared cohort`, fix: 'declare it under kueue.cohorts' });
    }
    // Walk up: a parent chain that comes back to the cohort is a cycle Kueue would refuse to use.
    const seen = new Set<string>([cohort.name]);
    for (let up = cohort.parent; up !== undefined; up = parents.get(up)) {
      if (seen.has(up)) {
        problems.push({ field: `kueue.cohorts[${i}].parent`, message: `the parents of ${shown(cohort.name)} come back to ${shown(up)}; a cohort tree has no cycles` });
        break;
      }
      seen.add(up);
    }
  });
  return problems;
}

/** Problems of one tenant's queue against the cluster's settings. */
export function tenantQueueProblems(queue: TenantQueueOptions, cluster: KueueClusterOptions): Problem[] {
  const problems: Problem[] = [];
  const at = (field: string, message: string | undefined, fix?: string) => { if (message) problems.push({ field: `kueue.${field}`, message, fix }); };
  const resources = kueueResources(cluster);
  const flavors = new Set(cluster.flavors.map(f => f.name));
  const cohorts = new Set((cluster.cohorts ?? []).map(c => c.name));
  if (queue.cohort !== undefined && !cohorts.has(queue.cohort)) at('cohort', `${shown(queue.cohort)} is not a declared cohort`, 'declare it under cluster.kueue.cohorts');
  if (queue.quotas.length === 0) at('quotas', 'is empty; give the tenant a share of at least one flavor (0 to only borrow)');
  if (queue.fairSharingWeight !== undefined && !isQuantity(queue.fairSharingWeight)) at('fairSharingWeight', `${shown(queue.fairSharingWeight)} is not a quantity, e.g. "1" or "2.5"`);
  problems.push(...preemptionProblems(queue));
  const named = new Set<string>();
  queue.quotas.forEach((quota, i) => {
    const q = `quotas[${i}]`;
    if (!flavors.has(quota.flavor)) at(`${q}.flavor`, `${shown(quota.flavor)} is not a declared flavor (${[...flavors].join(', ') || 'none'})`);
    if (named.has(quota.flavor)) at(`${q}.flavor`, `${shown(quota.flavor)} is given twice; one entry per flavor`);
    named.add(quota.flavor);
    // Kueue's CEL rule: every flavor of a resource group lists every covered resource.
    for (const resource of resources) {
      if (quota.nominal?.[resource] === undefined) at(`${q}.nominal`, `has no "${resource}"; every flavor lists every resource Kueue owns (give 0 to only borrow)`);
    }
    for (const [field, values] of [['nominal', quota.nominal], ['borrowingLimit', quota.borrowingLimit], ['lendingLimit', quota.lendingLimit]] as const) {
      for (const [resource, value] of Object.entries(values ?? {})) {
        if (!resources.includes(resource)) at(`${q}.${field}["${resource}"]`, `is not a resource Kueue owns (${resources.join(', ')})`);
        else at(`${q}.${field}["${resource}"]`, wholeQuantityProblem(value));
      }
    }
    // Kueue refuses a borrowing limit without a cohort (CEL), and a lending limit above the nominal quota.
    if (quota.borrowingLimit !== undefined && queue.cohort === undefined) at(`${q}.borrowingLimit`, 'is set, but the tenant is in no cohort to borrow from', 'set kueue.cohort or drop it');
    if (quota.lendingLimit !== undefined && queue.cohort === undefined) at(`${q}.lendingLimit`, 'is set, but the tenant is in no cohort to lend to', 'set kueue.cohort or drop it');
    for (const [resource, limit] of Object.entries(quota.lendingLimit ?? {})) {
      const nominal = quota.nominal?.[resource];
      if (nominal !== undefined && isQuantity(nominal) && isQuantity(limit) && compareQuantities(limit, nominal) > 0) {
        at(`${q}.lendingLimit["${resource}"]`, `${shown(limit)} is more than the nominal quota ${shown(nominal)}; a tenant lends only what it has`);
      }
    }
  });
  return problems;
}

/** Resource names of a ResourceQuota that cap a resource Kueue owns (`requests.nvidia.com/gpu`, `limits.…`). */
export function quotaConflicts(resourceQuota: { readonly [key: string]: string }, cluster: KueueClusterOptions): string[] {
  const shared = cluster.alsoCappedByResourceQuota ?? [];
  const owned = kueueResources(cluster).filter(r => !shared.includes(r));
  return Object.keys(resourceQuota).filter(key => owned.some(r => key === r || key === `requests.${r}` || key === `limits.${r}`)).sort();
}

/** One flavor and resource of the capacity plan. */
export interface CapacityLine {
  readonly flavor: string;
  readonly resource: string;
  /** What the cluster has. */
  readonly capacity: string;
  /** The sum of the tenants' nominal quotas. */
  readonly guaranteed: string;
}

/** Per flavor and resource: capacity against the sum of nominal quotas. */
export function capacityPlan(cluster: KueueClusterOptions, queues: ReadonlyArray<TenantQueueOptions>): CapacityLine[] {
  const lines: CapacityLine[] = [];
  for (const flavor of cluster.flavors) {
    for (const resource of kueueResources(cluster)) {
      const capacity = flavor.capacity?.[resource];
      if (capacity === undefined || !isQuantity(capacity)) continue;
      let sum = 0n;
      for (const queue of queues) {
        const value = queue.quotas.find(q => q.flavor === flavor.name)?.nominal?.[resource];
        if (value !== undefined && isQuantity(value)) sum += wholeValue(value);
      }
      lines.push({ flavor: flavor.name, resource, capacity, guaranteed: String(sum) });
    }
  }
  return lines;
}

/** Flavors whose guaranteed quotas add up to more than the cluster has. */
export function overCommitted(plan: CapacityLine[]): Problem[] {
  return plan.filter(line => BigInt(line.guaranteed) > wholeValue(line.capacity)).map(line => ({
    field: `kueue.flavors["${line.flavor}"].capacity["${line.resource}"]`,
    message: `the tenants' nominal quotas add up to ${line.guaranteed}, more than the ${line.capacity} the cluster has`,
    fix: 'lower nominal quotas (lend through a cohort instead) or raise the declared capacity',
  }));
}

function wholeValue(value: string): bigint {
  const { num, den } = parseQuantity(value);
  return num / den;
}

function wholeQuantityProblem(value: unknown): string | undefined {
  if (typeof value !== 'string' || !isQuantity(value)) return `${shown(value)} is not a quantity; give a whole number, e.g. "4"`;
  const { num, den } = parseQuantity(value);
  return num % den === 0n ? undefined : `${shown(value)} is not a whole number; GPUs are allocated in whole devices`;
}

/** A resource name as Kubernetes writes one: `cpu`, `memory` or `<vendor domain>/<name>`. */
function resourceNameProblem(value: string): string | undefined {
  if (['cpu', 'memory', 'pods', 'ephemeral-storage'].includes(value)) return undefined;
  return /^[a-z0-9]([-a-z0-9.]*[a-z0-9])?\/[a-zA-Z0-9]([-a-zA-Z0-9_.]*[a-zA-Z0-9])?$/.test(value)
    ? undefined : `${shown(value)} is not a resource name such as nvidia.com/gpu`;
}
