/**
 * GPU queues with Kueue (kueue.x-k8s.io/v1beta2), as pure rules over plain data: the cluster's
 * GPU flavors, cohorts and capacity, each tenant's guaranteed share, and the checks Kueue's own
 * validation and a capacity plan need. The constructs (`TenantQueue`, `GpuQueues`) write what
 * these rules accept.
 */
import {
  CohortReclaimPreemption, DEFAULT_KUEUE_RESOURCES, FlavorTaint, KueueClusterOptions, KueueCohortOptions, MAX_COVERED_RESOURCES,
  MAX_FAIR_SHARING_WEIGHT, MAX_FLAVOR_ITEMS, MAX_FLAVOR_RESOURCES, MAX_FLAVORS, QueuePreemptionOptions, TaintEffect, TenantQueueOptions,
  WithinQueuePreemption,
} from './kueue-options';
import { Problem } from './problem';
import { compareQuantities, isQuantity, parseQuantity } from './quantity';
import { dnsLabelProblem, labelKeyProblem, labelValueProblem, shown } from './validation';

/** The queue's preemption with the defaults applied: in a cohort, lent quota is reclaimed (else "guaranteed" is not). */
export function queuePreemption(queue: TenantQueueOptions): QueuePreemptionOptions | undefined {
  const reclaim = queue.preemption?.reclaimWithinCohort ?? (queue.cohort === undefined ? undefined : CohortReclaimPreemption.ANY);
  const withinQueue = queue.preemption?.withinQueue;
  if (reclaim === undefined && withinQueue === undefined) return undefined;
  return { ...(withinQueue === undefined ? {} : { withinQueue }), ...(reclaim === undefined ? {} : { reclaimWithinCohort: reclaim }) };
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
  resources.forEach((r, i) => {
    at(`resources[${i}]`, resourceNameProblem(r));
    if (resources.indexOf(r) !== i) at(`resources[${i}]`, `${shown(r)} is listed twice`);
  });
  if (resources.length * cluster.flavors.length > MAX_FLAVOR_RESOURCES) {
    at('flavors', `${cluster.flavors.length} flavors × ${resources.length} resources make ${resources.length * cluster.flavors.length} flavor-resource pairs; Kueue allows at most ${MAX_FLAVOR_RESOURCES} in a ClusterQueue`);
  }
  if (cluster.flavors.length === 0) at('flavors', 'is empty; declare at least one flavor (a GPU type) with its capacity');
  if (cluster.flavors.length > MAX_FLAVORS) at('flavors', `lists ${cluster.flavors.length} flavors; a Kueue resource group holds at most ${MAX_FLAVORS}`);
  const flavorNames = new Set<string>();
  cluster.flavors.forEach((flavor, i) => {
    at(`flavors[${i}].name`, dnsLabelProblem(flavor.name));
    if (flavorNames.has(flavor.name)) at(`flavors[${i}].name`, `${shown(flavor.name)} is declared twice`);
    flavorNames.add(flavor.name);
    for (const [field, count] of [['nodeLabels', Object.keys(flavor.nodeLabels ?? {}).length], ['nodeTaints', flavor.nodeTaints?.length ?? 0],
      ['tolerations', flavor.tolerations?.length ?? 0]] as const) {
      if (count > MAX_FLAVOR_ITEMS) at(`flavors[${i}].${field}`, `has ${count} entries; a ResourceFlavor holds at most ${MAX_FLAVOR_ITEMS}`);
    }
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
  });
  // Each cohort is walked once (linear in the cohorts): a parent chain that comes back to itself is a cycle Kueue would refuse to use.
  const state = new Map<string, 'walking' | 'done'>();
  const index = new Map(cohorts.map((c, i) => [c.name, i]));
  for (const start of parents.keys()) {
    const path: string[] = [];
    let current: string | undefined = start;
    while (current !== undefined && parents.has(current) && state.get(current) === undefined) {
      state.set(current, 'walking');
      path.push(current);
      current = parents.get(current);
    }
    if (current !== undefined && state.get(current) === 'walking') {
      problems.push({ field: `kueue.cohorts[${index.get(current)}].parent`, message: `the parents of ${shown(current)} come back to it; a cohort tree has no cycles` });
    }
    for (const name of path) state.set(name, 'done');
  }
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
  if (queue.fairSharingWeight !== undefined) at('fairSharingWeight', weightProblem(queue.fairSharingWeight));
  problems.push(...preemptionProblems(queue));
  const named = new Set<string>();
  queue.quotas.forEach((quota, i) => {
    const q = `quotas[${i}]`;
    if (!flavors.has(quota.flavor)) at(`${q}.flavor`, `${shown(quota.flavor)} is not a declared flavor (${[...flavors].join(', ') || 'none'})`, 'use a flavor of cluster.kueue.flavors, or declare it there');
    if (named.has(quota.flavor)) at(`${q}.flavor`, `${shown(quota.flavor)} is given twice; one entry per flavor`, 'merge the two entries');
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

/** A weight Kueue accepts (0, or above 1n) and at most MAX_FAIR_SHARING_WEIGHT. */
function weightProblem(value: unknown): string | undefined {
  const hint = `give a number from 0 to ${MAX_FAIR_SHARING_WEIGHT}, e.g. "1" or "2.5"`;
  if (typeof value !== 'string' || !isQuantity(value)) return `${shown(value)} is not a quantity; ${hint}`;
  if (compareQuantities(value, '0') < 0) return `${shown(value)} is negative; ${hint}`;
  // Our bound, not Kueue's: no tenant's entry takes a cohort's idle quota by weight alone.
  if (compareQuantities(value, MAX_FAIR_SHARING_WEIGHT) > 0) return `${shown(value)} is more than ${MAX_FAIR_SHARING_WEIGHT}; ${hint}`;
  // Kueue's webhook: when not 0, above 1n (a nano).
  return compareQuantities(value, '0') !== 0 && compareQuantities(value, '1n') <= 0 ? `${shown(value)} is too small: Kueue takes 0 or more than 1n` : undefined;
}

/** The largest quantity Kueue stores without overflow (int64 in base units). */
const MAX_INT64 = 2n ** 63n - 1n;

/** The whole units of a quantity (rounded down). */
export function wholeValue(value: string): bigint {
  const { num, den } = parseQuantity(value);
  return num / den;
}

function wholeQuantityProblem(value: unknown): string | undefined {
  if (typeof value !== 'string' || !isQuantity(value)) return `${shown(value)} is not a quantity; give a whole number, e.g. "4"`;
  const { num, den } = parseQuantity(value);
  if (num < 0n) return `${shown(value)} is negative`;
  if (num / den > MAX_INT64) return `${shown(value)} is too large: Kueue stores quantities as 64-bit integers`;
  // The capacity plan adds quotas up exactly in whole units; GPUs come in whole devices anyway.
  return num % den === 0n ? undefined : `${shown(value)} is not a whole number; give whole units (GPUs are whole devices, CPUs whole cores)`;
}

/** A resource name as Kubernetes writes one: `cpu`, `memory` or `<vendor domain>/<name>`; not a quota key (`requests.…`). */
function resourceNameProblem(value: string): string | undefined {
  if (['cpu', 'memory', 'pods', 'ephemeral-storage'].includes(value)) return undefined;
  if (/^(requests|limits)\./.test(value)) return `${shown(value)} is a ResourceQuota key, not a resource name; write ${shown(value.replace(/^(requests|limits)\./, ''))}`;
  return /^[a-z0-9]([-a-z0-9.]*[a-z0-9])?\/[a-zA-Z0-9]([-a-zA-Z0-9_.]*[a-zA-Z0-9])?$/.test(value)
    ? undefined : `${shown(value)} is not a resource name such as nvidia.com/gpu`;
}
