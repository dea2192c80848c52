/**
 * The GPU capacity report for a pull request: per flavor, what the cluster has against what the
 * tenants are guaranteed; per tenant, what it is guaranteed and the most it can get by borrowing;
 * and what a catalog change moves. Pure: built from the catalog's settings, before synthesis.
 */
import { capacityPlan, CapacityLine, FlavorQuota, KueueClusterOptions, kueueResources, TenantQueueOptions } from './kueue';
import { isQuantity, parseQuantity } from './quantity';

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

/** The report: flavors and tenants, in declaration order. */
export interface CapacityReport {
  readonly flavors: CapacityLine[];
  readonly tenants: TenantCapacity[];
}

const whole = (value: string | undefined): bigint => {
  if (value === undefined || !isQuantity(value)) return 0n;
  const { num, den } = parseQuantity(value);
  return num / den;
};

/** The root of a cohort's tree: queues under one root lend to each other. */
function rootOf(cohort: string | undefined, cluster: KueueClusterOptions): string | undefined {
  const parents = new Map((cluster.cohorts ?? []).map(c => [c.name, c.parent]));
  const seen = new Set<string>();
  let current = cohort;
  while (current !== undefined && parents.get(current) !== undefined && !seen.has(current)) {
    seen.add(current);
    current = parents.get(current);
  }
  return current;
}

/** The report for `queues` (tenant name → queue) under `cluster`. */
export function capacityReport(cluster: KueueClusterOptions, queues: ReadonlyMap<string, TenantQueueOptions>): CapacityReport {
  const flavors = capacityPlan(cluster, [...queues.values()]);
  const tenants: TenantCapacity[] = [];
  const quotaOf = (queue: TenantQueueOptions, flavor: string): FlavorQuota | undefined => queue.quotas.find(q => q.flavor === flavor);
  for (const [tenant, queue] of queues) {
    const root = rootOf(queue.cohort, cluster);
    for (const flavor of cluster.flavors) {
      const quota = quotaOf(queue, flavor.name);
      if (quota === undefined) continue;
      for (const resource of kueueResources(cluster)) {
        const nominal = whole(quota.nominal[resource]);
        // What the other queues of the same cohort tree lend: their lending limit, else their whole nominal quota.
        const lendable = root === undefined ? 0n : [...queues].filter(([other, q]) => other !== tenant && rootOf(q.cohort, cluster) === root)
          .reduce((sum, [, q]) => {
            const theirs = quotaOf(q, flavor.name);
            return sum + (theirs === undefined ? 0n : whole(theirs.lendingLimit?.[resource] ?? theirs.nominal[resource]));
          }, 0n);
        const limit = quota.borrowingLimit?.[resource];
        const borrow = limit === undefined ? lendable : (whole(limit) < lendable ? whole(limit) : lendable);
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
