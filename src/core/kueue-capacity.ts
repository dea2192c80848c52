/**
 * The GPU capacity report for a pull request: per flavor, what the cluster has against what the
 * tenants are guaranteed; per tenant, what it is guaranteed and the most it can get by borrowing;
 * and what a catalog change moves. Pure: built from the catalog's settings, before synthesis.
 */
import { capacityPlan, CapacityLine, kueueResources, wholeValue } from './kueue';
import { FlavorQuota, KueueClusterOptions, TenantQueueOptions } from './kueue-options';
import { isQuantity } from './quantity';

/** One tenant's GPUs in one flavor and resource. */
export interface TenantCapacity {
  readonly tenant: string;
  readonly flavor: string;
  readonly resource: string;
  /** Its nominal quota. */
  readonly guaranteed: string;
  /** Nominal plus what it can borrow: bounded by its borrowing limit and what the rest of its cohort tree lends. */
  readonly maximum: string;
}

/** The report: flavors in declaration order (Kueue tries them in that order), tenants by name. */
export interface CapacityReport {
  readonly flavors: CapacityLine[];
  readonly tenants: TenantCapacity[];
}

/** Whole units, 0 for a missing or malformed value (which validation refuses before a report is made). */
const whole = (value: string | undefined): bigint => (value === undefined || !isQuantity(value) ? 0n : wholeValue(value));

/** The root of each cohort's tree: queues under one root lend to each other. */
function cohortRoots(cluster: KueueClusterOptions): Map<string, string> {
  const parents = new Map((cluster.cohorts ?? []).map(c => [c.name, c.parent]));
  const roots = new Map<string, string>();
  for (const cohort of parents.keys()) {
    const seen = new Set<string>();
    let current = cohort;
    // A cycle (refused at synth) stops the walk where it closes.
    for (let up = parents.get(current); up !== undefined && !seen.has(up); up = parents.get(up)) {
      seen.add(current);
      current = up;
    }
    roots.set(cohort, current);
  }
  return roots;
}

/** What a queue lends of a flavor and resource: its lending limit, else its whole nominal quota. */
function lent(quota: FlavorQuota | undefined, resource: string): bigint {
  return quota === undefined ? 0n : whole(quota.lendingLimit?.[resource] ?? quota.nominal[resource]);
}

/**
 * The report for `queues` (tenant name → queue) under `cluster`: flavors in the order Kueue tries
 * them, tenants by name. Linear in the tenants: each tree's lending is summed once.
 */
export function capacityReport(cluster: KueueClusterOptions, queues: ReadonlyMap<string, TenantQueueOptions>): CapacityReport {
  const flavors = capacityPlan(cluster, [...queues.values()]);
  const roots = cohortRoots(cluster);
  const resources = kueueResources(cluster);
  const rootOf = (queue: TenantQueueOptions) => (queue.cohort === undefined ? undefined : roots.get(queue.cohort) ?? queue.cohort);
  const quotaOf = (queue: TenantQueueOptions, flavor: string): FlavorQuota | undefined => queue.quotas.find(q => q.flavor === flavor);
  const key = (root: string, flavor: string, resource: string) => JSON.stringify([root, flavor, resource]);
  // What every cohort tree lends, per flavor and resource; a tenant can borrow what the others lend.
  const treeLends = new Map<string, bigint>();
  for (const queue of queues.values()) {
    const root = rootOf(queue);
    if (root === undefined) continue;
    for (const quota of queue.quotas) {
      for (const resource of resources) {
        const k = key(root, quota.flavor, resource);
        treeLends.set(k, (treeLends.get(k) ?? 0n) + lent(quota, resource));
      }
    }
  }
  const tenants: TenantCapacity[] = [];
  for (const tenant of [...queues.keys()].sort()) {
    const queue = queues.get(tenant)!;
    const root = rootOf(queue);
    for (const flavor of cluster.flavors) {
      const quota = quotaOf(queue, flavor.name);
      if (quota === undefined) continue;
      for (const resource of resources) {
        const nominal = whole(quota.nominal[resource]);
        const lendable = root === undefined ? 0n : (treeLends.get(key(root, flavor.name, resource)) ?? 0n) - lent(quota, resource);
        const limit = quota.borrowingLimit?.[resource];
        const borrow = limit === undefined || whole(limit) > lendable ? lendable : whole(limit);
        tenants.push({ tenant, flavor: flavor.name, resource, guaranteed: String(nominal), maximum: String(nominal + borrow) });
      }
    }
  }
  return { flavors, tenants };
}

/** The report as Markdown for a pull-request comment. */
export function capacityMarkdown(report: CapacityReport): string {
  const lines = ['## GPU capacity (Kueue)', '', '| flavor | resource | capacity | guaranteed | not guaranteed |', '|---|---|---|---|---|'];
  for (const f of report.flavors) lines.push(`| ${f.flavor} | ${f.resource} | ${f.capacity} | ${f.guaranteed} | ${whole(f.capacity) - BigInt(f.guaranteed)} |`);
  lines.push('', '| tenant | flavor | resource | guaranteed | maximum (borrowing) |', '|---|---|---|---|---|');
  for (const t of report.tenants) lines.push(`| ${t.tenant} | ${t.flavor} | ${t.resource} | ${t.guaranteed} | ${t.maximum} |`);
  return `${lines.join('\n')}\n`;
}

/** What changed between two reports: one line per flavor or tenant whose numbers moved, `old → new`. */
export function capacityDiff(before: CapacityReport, after: CapacityReport): string[] {
  const key = (parts: string[]) => parts.join(' ');
  const changes: string[] = [];
  const compare = <T>(label: (x: T) => string, value: (x: T) => string, a: T[], b: T[]) => {
    const old = new Map(a.map(x => [label(x), value(x)]));
    const now = new Map(b.map(x => [label(x), value(x)]));
    for (const name of [...new Set([...old.keys(), ...now.keys()])].sort()) {
      const was = old.get(name) ?? 'none';
      const is = now.get(name) ?? 'none';
      if (was !== is) changes.push(`${name}: ${was} → ${is}`);
    }
  };
  compare<CapacityLine>(f => key(['flavor', f.flavor, f.resource]), f => `capacity ${f.capacity}, guaranteed ${f.guaranteed}`, before.flavors, after.flavors);
  compare<TenantCapacity>(t => key(['tenant', t.tenant, t.flavor, t.resource]), t => `guaranteed ${t.guaranteed}, maximum ${t.maximum}`, before.tenants, after.tenants);
  return changes;
}
