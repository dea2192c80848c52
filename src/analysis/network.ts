/**
 * NetworkPolicy semantics, for the access report and the tests: a pod selected
 * by no policy of a direction is open in that direction; otherwise a
 * connection needs an egress rule in the source namespace and an ingress rule
 * in the destination namespace that both match.
 */

import { labelSelectorMatches } from '../core/label-selector';
import { Manifest, NetworkPolicyManifest, NetworkPolicyPeerSpec, NetworkPolicyRuleSpec, ofKind, SelectorSpec } from '../core/manifest';

export interface Endpoint {
  /** Namespace of a pod; undefined for an address outside the cluster. */
  readonly namespace?: string;
  readonly labels?: Record<string, string>;
  readonly ip: string;
}

export interface Connection {
  readonly from: Endpoint;
  readonly to: Endpoint;
  readonly port: number;
  readonly protocol?: 'TCP' | 'UDP' | 'SCTP';
}

type Direction = 'Ingress' | 'Egress';


function ipToNumber(ip: string): number {
  return ip.split('.').reduce((n, octet) => n * 256 + Number(octet), 0);
}

function inCidr(ip: string, cidr: string): boolean {
  const [base, bits] = cidr.split('/');
  if (base.includes(':') || ip.includes(':')) return false; // IPv4 only
  // Compare the network parts: divide away the host bits.
  const block = 2 ** (32 - Number(bits));
  return Math.floor(ipToNumber(ip) / block) === Math.floor(ipToNumber(base) / block);
}

function policyTypes(policy: NetworkPolicyManifest): Direction[] {
  if (policy.spec?.policyTypes) return policy.spec.policyTypes as Direction[];
  // Kubernetes' default: Ingress always, Egress when egress rules are present.
  return policy.spec?.egress ? ['Ingress', 'Egress'] : ['Ingress'];
}

/** Evaluates single connections between pods (or outside addresses). */
export class NetworkModel {
  private readonly byNamespace = new Map<string, NetworkPolicyManifest[]>();

  constructor(policies: NetworkPolicyManifest[], private readonly namespaceLabels: Record<string, Record<string, string>>) {
    for (const p of policies) {
      const namespace = String(p.metadata?.namespace);
      const list = this.byNamespace.get(namespace) ?? [];
      list.push(p);
      this.byNamespace.set(namespace, list);
    }
  }

  public allows(connection: Connection): boolean {
    return this.direction('Egress', connection.from, connection.to, connection)
      && this.direction('Ingress', connection.to, connection.from, connection);
  }

  private nsLabels(namespace: string): Record<string, string> {
    return { ...(this.namespaceLabels[namespace] ?? {}), 'kubernetes.io/metadata.name': namespace };
  }

  private direction(type: Direction, subject: Endpoint, peer: Endpoint, connection: Connection): boolean {
    if (subject.namespace === undefined) return true; // outside the cluster: no policies
    const selecting = (this.byNamespace.get(subject.namespace) ?? []).filter(p => policyTypes(p).includes(type)
      && labelSelectorMatches(p.spec?.podSelector, subject.labels ?? {}));
    if (selecting.length === 0) return true;
    const rules = selecting.flatMap(p => (type === 'Ingress' ? p.spec?.ingress : p.spec?.egress) ?? []);
    return rules.some(rule => {
      const peers = type === 'Ingress' ? rule.from : rule.to;
      const peerOk = !peers || peers.length === 0 || peers.some(p => this.peerMatches(p, peer, subject.namespace!));
      const portOk = !rule.ports || rule.ports.length === 0 || rule.ports.some(p =>
        (p.port === undefined || p.port === connection.port
          || (p.endPort !== undefined && typeof p.port === 'number' && connection.port >= p.port && connection.port <= p.endPort))
        && (p.protocol ?? 'TCP') === (connection.protocol ?? 'TCP'));
      return peerOk && portOk;
    });
  }

  private peerMatches(peer: NetworkPolicyPeerSpec, endpoint: Endpoint, policyNamespace: string): boolean {
    if (peer.ipBlock) {
      return inCidr(endpoint.ip, peer.ipBlock.cidr) && !(peer.ipBlock.except ?? []).some(c => inCidr(endpoint.ip, c));
    }
    if (endpoint.namespace === undefined) return false;
    const namespaceOk = peer.namespaceSelector
      ? labelSelectorMatches(peer.namespaceSelector, this.nsLabels(endpoint.namespace))
      : endpoint.namespace === policyNamespace;
    const podOk = peer.podSelector ? labelSelectorMatches(peer.podSelector, endpoint.labels ?? {}) : true;
    return namespaceOk && podOk;
  }
}

/** One allowed path between namespaces, or from a namespace to a set of namespaces chosen by labels. */
export interface NetworkPath {
  /** Source namespace, or a description of the namespaces a selector picks (`{label=value}`, `any namespace`). */
  readonly from: string;
  /** Destination namespace, or a description as for `from`. */
  readonly to: string;
  /** `all` or `TCP/8888`-style entries; `TCP/8080-8090` for ranges, `TCP/http` for named ports. */
  readonly ports: string[];
  /** Pods the path is limited to at the far end, when a peer selects pods (`k8s-app=kube-dns`). */
  readonly pods?: string;
  /** The NetworkPolicies that open the path. */
  readonly policies: string[];
}

/** Reachability of every namespace in the manifests, with unlabelled pods as the representative workload. */
export interface NetworkReachability {
  /** Namespaces whose pods no ingress policy selects: anything in the cluster reaches them. */
  readonly openIngress: string[];
  /** Namespaces whose pods no egress policy selects: they reach anything. */
  readonly openEgress: string[];
  /** Paths between different namespaces that policies allow, sorted by from, to. */
  readonly paths: NetworkPath[];
}

const NAME_LABEL = 'kubernetes.io/metadata.name';

function describeSelector(selector: SelectorSpec | undefined): string {
  const parts = Object.entries(selector?.matchLabels ?? {}).map(([k, v]) => `${k}=${v}`);
  for (const e of selector?.matchExpressions ?? []) parts.push(`${e.key} ${e.operator}${e.values ? ` (${[...e.values].join(',')})` : ''}`);
  return parts.join(',');
}

/** The namespace names a selector picks by name alone (`kubernetes.io/metadata.name`), or undefined. */
function namedNamespaces(selector: SelectorSpec): string[] | undefined {
  const matchLabels = selector.matchLabels ?? {};
  const labels = Object.keys(matchLabels);
  const expressions = selector.matchExpressions ?? [];
  if (labels.length === 1 && labels[0] === NAME_LABEL && expressions.length === 0) return [matchLabels[NAME_LABEL]];
  if (labels.length === 0 && expressions.length === 1 && expressions[0].key === NAME_LABEL && expressions[0].operator === 'In') {
    return [...expressions[0].values ?? []];
  }
  return undefined;
}

function portsOf(rule: NetworkPolicyRuleSpec): string[] {
  const ports = rule.ports ?? [];
  if (ports.length === 0) return ['all'];
  return ports.map(p => {
    const protocol = p.protocol ?? 'TCP';
    if (p.port === undefined) return `${protocol}/all`;
    return p.endPort !== undefined ? `${protocol}/${p.port}-${p.endPort}` : `${protocol}/${p.port}`;
  });
}

/** Ports allowed by both ends: `all` yields to the other side; otherwise entries present on both. */
function intersectPorts(a: string[], b: string[]): string[] {
  if (a.includes('all')) return b;
  if (b.includes('all')) return a;
  const protocolWide = (list: string[], entry: string) => list.includes(`${entry.split('/')[0]}/all`);
  return [...new Set([...a.filter(p => b.includes(p) || protocolWide(b, p)), ...b.filter(p => protocolWide(a, p))])];
}

function unionPorts(a: string[], b: string[]): string[] {
  if (a.includes('all') || b.includes('all')) return ['all'];
  return [...new Set([...a, ...b])];
}

/** A rule of one side of a path: its peer, the ports it allows and the policy it is in. */
interface SideRule {
  readonly peer: NetworkPolicyPeerSpec;
  readonly ports: string[];
  readonly policy: string;
}

interface Side {
  /** Peers of the rules selecting an unlabelled pod, or undefined when no policy of the direction selects it. */
  readonly rules?: SideRule[];
}

function sideOf(policies: NetworkPolicyManifest[], direction: Direction): Side {
  const selecting = policies.filter(p => policyTypes(p).includes(direction) && labelSelectorMatches(p.spec?.podSelector, {}));
  if (selecting.length === 0) return {};
  const rules: SideRule[] = [];
  for (const policy of selecting) {
    const name = `${policy.metadata?.namespace}/${policy.metadata?.name}`;
    for (const rule of (direction === 'Ingress' ? policy.spec?.ingress : policy.spec?.egress) ?? []) {
      const peers = (direction === 'Ingress' ? rule.from : rule.to) ?? [];
      const ports = portsOf(rule);
      if (peers.length === 0) rules.push({ peer: { namespaceSelector: {} }, ports, policy: name });
      for (const peer of peers) rules.push({ peer, ports, policy: name });
    }
  }
  return { rules };
}

/** Labels of every Namespace in the manifests, with the name label Kubernetes sets, by name. */
function namespaceLabelsOf(objects: Manifest[]): Map<string, Record<string, string>> {
  const namespaces = new Map<string, Record<string, string>>();
  for (const o of objects) {
    const name = o?.metadata?.name;
    if (o?.apiVersion === 'v1' && o.kind === 'Namespace' && name !== undefined) namespaces.set(name, { ...(o.metadata?.labels ?? {}), [NAME_LABEL]: name });
  }
  return namespaces;
}

/** The NetworkPolicies of the manifests, grouped by their namespace. */
function networkPoliciesByNamespace(objects: Manifest[]): Map<string, NetworkPolicyManifest[]> {
  const policiesIn = new Map<string, NetworkPolicyManifest[]>();
  for (const o of objects.filter(ofKind<NetworkPolicyManifest>('NetworkPolicy'))) {
    const namespace = o.metadata?.namespace;
    if (!namespace) continue;
    (policiesIn.get(namespace) ?? policiesIn.set(namespace, []).get(namespace)!).push(o);
  }
  return policiesIn;
}

/** Resolves a namespace selector to the namespaces of the manifests it picks. */
function namespaceMatcher(namespaces: Map<string, Record<string, string>>): (selector: SelectorSpec) => string[] {
  // Namespaces in the manifests, indexed by label, so selectors resolve without a scan per pair.
  const byLabel = new Map<string, string[]>();
  for (const [name, labels] of namespaces) {
    for (const [k, v] of Object.entries(labels)) (byLabel.get(`${k}=${v}`) ?? byLabel.set(`${k}=${v}`, []).get(`${k}=${v}`)!).push(name);
  }
  return (selector: SelectorSpec): string[] => {
    const keys = Object.entries(selector?.matchLabels ?? {}).map(([k, v]) => `${k}=${v}`);
    const candidates = keys.length > 0 ? byLabel.get(keys[0]) ?? [] : [...namespaces.keys()];
    return candidates.filter(ns => labelSelectorMatches(selector, namespaces.get(ns)!));
  };
}

/** A path being collected: its ports and policies grow as more rules open it. */
interface PathEntry {
  readonly from: string;
  readonly to: string;
  readonly ports: string[];
  readonly pods?: string;
  readonly policies: Set<string>;
}

/** What the walk over the namespaces' rules reads, and the paths it collects. */
interface Reachability {
  readonly namespaces: Map<string, Record<string, string>>;
  readonly ingress: Map<string, Side>;
  readonly egress: Map<string, Side>;
  readonly matching: (selector: SelectorSpec) => string[];
  readonly paths: Map<string, PathEntry>;
}

/** Records a path between different namespaces, merging its ports and policies into one already found. */
function addPath(paths: Map<string, PathEntry>, from: string, to: string, ports: string[], policies: string[], pods?: string): void {
  if (from === to || ports.length === 0) return;
  const key = `${from}\u0000${to}\u0000${pods ?? ''}`;
  const existing = paths.get(key);
  if (existing) {
    existing.ports.splice(0, existing.ports.length, ...unionPorts(existing.ports, ports));
    policies.forEach(p => existing.policies.add(p));
  } else {
    paths.set(key, { from, to, ports: [...ports], pods, policies: new Set(policies) });
  }
}

/** The far side of a path into or out of `ns`: the other end's policies, when it is in the manifests, must agree. */
function otherSidePorts(reach: Reachability, other: string, otherDirection: Direction, ns: string): { ports: string[]; policies: string[] } {
  const side = (otherDirection === 'Ingress' ? reach.ingress : reach.egress).get(other);
  if (!side || !side.rules) return { ports: ['all'], policies: [] }; // unknown or open: no restriction there
  let ports: string[] = [];
  const policies: string[] = [];
  for (const rule of side.rules) {
    if (rule.peer.ipBlock) continue;
    const nsOk = rule.peer.namespaceSelector ? labelSelectorMatches(rule.peer.namespaceSelector, reach.namespaces.get(ns)!) : ns === other;
    if (nsOk && labelSelectorMatches(rule.peer.podSelector, {})) {
      ports = unionPorts(ports, rule.ports);
      policies.push(rule.policy);
    }
  }
  return { ports, policies };
}

/** Adds the paths that the rules of one direction of `ns` open to or from other namespaces. */
function walkRules(reach: Reachability, ns: string, direction: Direction): void {
  const add = (other: string, ports: string[], policies: string[], pods?: string) => {
    if (direction === 'Ingress') addPath(reach.paths, other, ns, ports, policies, pods);
    else addPath(reach.paths, ns, other, ports, policies, pods);
  };
  const side = (direction === 'Ingress' ? reach.ingress : reach.egress).get(ns)!;
  for (const rule of side.rules ?? []) {
    const { peer } = rule;
    if (peer.ipBlock || !peer.namespaceSelector) continue; // outside the cluster, or the namespace itself
    const pods = peer.podSelector && describeSelector(peer.podSelector) !== '' ? describeSelector(peer.podSelector) : undefined;
    const named = namedNamespaces(peer.namespaceSelector);
    const inManifests = reach.matching(peer.namespaceSelector);
    for (const other of inManifests) {
      const far = otherSidePorts(reach, other, direction === 'Ingress' ? 'Egress' : 'Ingress', ns);
      add(other, intersectPorts(rule.ports, far.ports), [rule.policy, ...far.policies], pods);
    }
    // Namespaces the manifests do not hold: by name when the selector names them, else the selector itself.
    const outside = named ? named.filter(n => !reach.namespaces.has(n))
      : [describeSelector(peer.namespaceSelector) === '' ? 'any namespace' : `{${describeSelector(peer.namespaceSelector)}}`];
    for (const other of outside) add(other, rule.ports, [rule.policy], pods);
  }
}

/** The collected paths as reported: ports and policies sorted, and the paths in from, to, pods order. */
function sortedPaths(paths: Map<string, PathEntry>): NetworkPath[] {
  const order = (p: NetworkPath) => `${p.from}\u0000${p.to}\u0000${p.pods ?? ''}`;
  return [...paths.values()]
    .map(p => ({ from: p.from, to: p.to, ports: p.ports.sort(), ...(p.pods ? { pods: p.pods } : {}), policies: [...p.policies].sort() }))
    .sort((a, b) => (order(a) < order(b) ? -1 : order(a) > order(b) ? 1 : 0));
}

/**
 * Which namespaces can reach which, from the NetworkPolicies in `objects`.
 * Namespaces outside the manifests are named when a policy selects them by
 * name; label selectors that may pick other namespaces are shown as written.
 * ipBlock peers are treated as outside the cluster.
 */
export function networkReachability(objects: Manifest[]): NetworkReachability {
  const namespaces = namespaceLabelsOf(objects);
  const policiesIn = networkPoliciesByNamespace(objects);
  const ingress = new Map<string, Side>();
  const egress = new Map<string, Side>();
  for (const ns of namespaces.keys()) {
    ingress.set(ns, sideOf(policiesIn.get(ns) ?? [], 'Ingress'));
    egress.set(ns, sideOf(policiesIn.get(ns) ?? [], 'Egress'));
  }
  const reach: Reachability = { namespaces, ingress, egress, matching: namespaceMatcher(namespaces), paths: new Map() };
  const sorted = [...namespaces.keys()].sort();
  for (const ns of sorted) {
    walkRules(reach, ns, 'Ingress');
    walkRules(reach, ns, 'Egress');
  }
  return {
    openIngress: sorted.filter(ns => !ingress.get(ns)!.rules),
    openEgress: sorted.filter(ns => !egress.get(ns)!.rules),
    paths: sortedPaths(reach.paths),
  };
}
