/**
 * Kueue in the isolation check: a LocalQueue in a tenant's namespace may send its workloads only to
 * a ClusterQueue that selects that tenant's namespace and nothing else (by the name label the API
 * server sets). Anything else — a queue the output does not declare, one that selects more, another
 * tenant's — would let the tenant run on quota it was not given, or be refused at run time.
 */
import { TENANT_LABEL } from '../core/guard-parameters';
import { Manifest } from '../core/manifest';
import { Problem } from '../core/problem';

const NAME_LABEL = 'kubernetes.io/metadata.name';

/** What the check needs of the objects: each ClusterQueue's one selected namespace, and each LocalQueue's target. */
export interface QueueFacts {
  /** ClusterQueue name → the one namespace it selects by name, or undefined when it selects anything else. */
  readonly clusterQueues: Map<string, string | undefined>;
  /** ClusterQueue name → the tenant its label says it belongs to. */
  readonly owners: Map<string, string>;
  readonly localQueues: Array<{ readonly namespace: string; readonly name: string; readonly clusterQueue: string }>;
}

export function emptyQueueFacts(): QueueFacts {
  return { clusterQueues: new Map(), owners: new Map(), localQueues: [] };
}

/** The one namespace a selector selects by name, or undefined when it could select more (or another way). */
function selectedNamespace(selector: unknown): string | undefined {
  if (selector === null || typeof selector !== 'object') return undefined;
  const fields = selector as Record<string, unknown>;
  const keys = Object.keys(fields).filter(k => fields[k] !== undefined);
  const labels = fields.matchLabels;
  if (keys.length !== 1 || keys[0] !== 'matchLabels' || labels === null || typeof labels !== 'object') return undefined;
  const entries = Object.entries(labels);
  return entries.length === 1 && entries[0][0] === NAME_LABEL && typeof entries[0][1] === 'string' ? entries[0][1] : undefined;
}

/** Adds the Kueue objects of `docs` to `facts` (and returns it). */
export function addQueueFacts(facts: QueueFacts, docs: Manifest[]): QueueFacts {
  for (const doc of docs) {
    if (typeof doc?.apiVersion !== 'string' || !doc.apiVersion.startsWith('kueue.x-k8s.io/')) continue;
    const spec = ((doc as { spec?: unknown }).spec ?? {}) as { namespaceSelector?: unknown; clusterQueue?: unknown };
    if (doc.kind === 'ClusterQueue') {
      const name = String(doc.metadata?.name);
      facts.clusterQueues.set(name, selectedNamespace(spec.namespaceSelector));
      const owner = doc.metadata?.labels?.[TENANT_LABEL];
      if (owner !== undefined) facts.owners.set(name, owner);
    }
    if (doc.kind === 'LocalQueue' && doc.metadata?.namespace !== undefined) {
      facts.localQueues.push({ namespace: doc.metadata.namespace, name: String(doc.metadata?.name), clusterQueue: String(spec.clusterQueue) });
    }
  }
  return facts;
}

/**
 * LocalQueues in tenant namespaces whose ClusterQueue is not that tenant's alone, and ClusterQueues
 * that admit more than one namespace by name (a LocalQueue made at run time in any tenant namespace
 * could use them) or another namespace than the tenant their label names.
 */
export function queueViolations(facts: QueueFacts, tenants: ReadonlySet<string>): Problem[] {
  const violations: Problem[] = [];
  for (const [name, selects] of [...facts.clusterQueues].sort(([a], [b]) => (a < b ? -1 : 1))) {
    const owner = facts.owners.get(name);
    if (selects !== undefined && (owner === undefined || owner === selects)) continue;
    const object = `ClusterQueue ${name}`;
    violations.push({
      tenant: owner !== undefined && tenants.has(owner) ? owner : undefined,
      object,
      message: selects === undefined
        ? `${object} admits workloads from more than one namespace name (its namespaceSelector is not one ${NAME_LABEL} label)`
        : `${object} belongs to tenant "${owner}" but admits workloads from namespace "${selects}"`,
      fix: 'give each ClusterQueue a namespaceSelector of exactly {matchLabels: {kubernetes.io/metadata.name: <its tenant>}}',
    });
  }
  const byName = (a: { namespace: string; name: string }, b: { namespace: string; name: string }) => (`${a.namespace}/${a.name}` < `${b.namespace}/${b.name}` ? -1 : 1);
  for (const queue of facts.localQueues.filter(q => tenants.has(q.namespace)).sort(byName)) {
    const object = `LocalQueue ${queue.namespace}/${queue.name}`;
    const known = facts.clusterQueues.has(queue.clusterQueue);
    const selects = facts.clusterQueues.get(queue.clusterQueue);
    if (known && selects === queue.namespace) continue;
    const why = !known ? 'which the output does not declare'
      : selects === undefined ? 'which selects more than the tenant\'s namespace'
        : `which selects namespace "${selects}"`;
    violations.push({
      tenant: queue.namespace,
      object,
      message: `${object} sends workloads to ClusterQueue "${queue.clusterQueue}", ${why}`,
      fix: 'point it at the tenant\'s own ClusterQueue (its kueue: settings), whose namespaceSelector names only the tenant',
    });
  }
  return violations;
}
