/** PriorityClasses: the rules a set of classes and a tenant's access to them follow, and the ML preset. */
import { describeValue, dnsLabelProblem } from './validation';

/** What a pod of a class may do to lower-priority pods. */
export enum PreemptionPolicy {
  /** Evicts lower-priority pods to make room. */
  PREEMPT_LOWER_PRIORITY = 'PreemptLowerPriority',
  /** Waits in the queue ahead of lower-priority pods, evicting nobody. */
  NEVER = 'Never',
}

/** One PriorityClass. */
export interface PriorityClassSpec {
  /** Name, e.g. "high-priority-ml". Names starting with "system-" are reserved. */
  readonly name: string;
  /** Priority; user classes range from -2147483648 to 1000000000. */
  readonly value: number;
  /**
   * Whether pods without a class get this one. At most one class in the whole app may be.
   * @default false
   */
  readonly globalDefault?: boolean;
  /**
   * Preemption behaviour.
   * @default PreemptionPolicy.PREEMPT_LOWER_PRIORITY
   */
  readonly preemptionPolicy?: PreemptionPolicy;
  /**
   * What the class is for.
   * @default - none
   */
  readonly description?: string;
}

/** Which PriorityClasses a tenant may use, enforced with scoped ResourceQuotas. */
export interface TenantPriorityClassOptions {
  /** Classes the tenant may use. */
  readonly allowed: string[];
  /**
   * Classes the tenant may not use: each gets a ResourceQuota of zero pods
   * scoped to it. From a catalog, every cluster class not in `allowed`.
   * @default - none
   */
  readonly denied?: string[];
  /**
   * Most pods of an allowed class at once, e.g. `{ 'high-priority-ml': '4' }`.
   * @default - no limit beyond the tenant's quota
   */
  readonly maxPods?: { [priorityClass: string]: string };
}

const MAX_USER_PRIORITY = 1_000_000_000;
const MIN_PRIORITY = -2_147_483_648;

/** Problems with a set of classes. */
export function priorityClassProblems(classes: PriorityClassSpec[]): string[] {
  const problems: string[] = [];
  const names = new Set<string>();
  classes.forEach((c, i) => {
    const at = `priorityClasses[${i}] "${c.name}"`;
    const name = dnsLabelProblem(c.name ?? '');
    if (name) problems.push(`${at}: name ${name}`);
    if (c.name?.startsWith('system-')) problems.push(`${at}: names starting with "system-" are reserved for Kubernetes`);
    if (names.has(c.name)) problems.push(`${at}: defined twice`);
    names.add(c.name);
    if (typeof c.value !== 'number' || !Number.isInteger(c.value)) {
      problems.push(`${at}: value ${describeValue(c.value)} is not a whole number; priorities are integers such as 100000`);
    } else if (c.value > MAX_USER_PRIORITY || c.value < MIN_PRIORITY) {
      problems.push(`${at}: value ${c.value} is outside the range for user classes (${MIN_PRIORITY} to ${MAX_USER_PRIORITY})`);
    }
    if (c.preemptionPolicy !== undefined && !Object.values(PreemptionPolicy).includes(c.preemptionPolicy)) {
      problems.push(`${at}: preemptionPolicy "${c.preemptionPolicy}" is not allowed; use "PreemptLowerPriority" or "Never"`);
    }
  });
  const defaults = classes.filter(c => c.globalDefault).map(c => c.name);
  if (defaults.length > 1) problems.push(`priorityClasses: ${defaults.map(d => `"${d}"`).join(' and ')} are all globalDefault; at most one class may be`);
  return problems;
}

/** high-priority-ml 1000000, normal-priority-ml 100000 (global default), low-priority-ml 10000 that preempts nobody. */
export const ML_PRIORITY_CLASSES: PriorityClassSpec[] = [
  { name: 'high-priority-ml', value: 1_000_000, description: 'Production training and serving' },
  { name: 'normal-priority-ml', value: 100_000, globalDefault: true, description: 'Default for ML workloads' },
  { name: 'low-priority-ml', value: 10_000, preemptionPolicy: PreemptionPolicy.NEVER, description: 'Experiments and batch jobs; never preempt others' },
];

/** Problems with a tenant's class access. */
export function tenantPriorityProblems(options: TenantPriorityClassOptions, knownClasses?: string[]): string[] {
  const problems: string[] = [];
  const allowed = options.allowed ?? [];
  const denied = options.denied ?? [];
  for (const name of [...allowed, ...denied]) {
    const problem = dnsLabelProblem(name);
    if (problem) problems.push(`priorityClasses: class ${problem}`);
    if (knownClasses && !knownClasses.includes(name)) {
      problems.push(`priorityClasses: "${name}" is not a cluster PriorityClass; known: ${knownClasses.join(', ') || 'none'}`);
    }
  }
  for (const name of allowed) {
    if (denied.includes(name)) problems.push(`priorityClasses: "${name}" is both allowed and denied`);
  }
  // Only denied classes and maxPods become quotas: `allowed` alone (even empty) would limit nothing.
  if (options.denied === undefined && Object.keys(options.maxPods ?? {}).length === 0) {
    problems.push('priorityClasses.denied: not given, so allowed limits nothing (only denied classes and maxPods become quotas); '
      + 'list the classes the tenant may not use, or, in a catalog, declare the cluster\'s PriorityClasses (cluster.priorityClassPreset or '
      + 'cluster.priorityClasses) and every class not allowed is denied');
  }
  for (const [name, pods] of Object.entries(options.maxPods ?? {})) {
    if (!allowed.includes(name)) problems.push(`priorityClasses.maxPods: "${name}" is not in allowed; add it there or drop the limit`);
    if (!/^\d+$/.test(String(pods))) problems.push(`priorityClasses.maxPods["${name}"]: "${pods}" is not a whole number of pods`);
  }
  return problems;
}
