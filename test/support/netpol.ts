/**
 * A small NetworkPolicy evaluator for the tests, following the Kubernetes
 * semantics: a pod selected by no policy of a direction is open in that
 * direction; otherwise a connection needs an egress rule in the source
 * namespace and an ingress rule in the destination namespace that match.
 */

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
  readonly protocol?: 'TCP' | 'UDP';
}

function matchLabels(selector: any, labels: Record<string, string>): boolean {
  return Object.entries(selector?.matchLabels ?? {}).every(([k, v]) => labels[k] === v);
}

function ipToNumber(ip: string): number {
  return ip.split('.').reduce((n, octet) => n * 256 + Number(octet), 0);
}

function inCidr(ip: string, cidr: string): boolean {
  const [base, bits] = cidr.split('/');
  // Compare the network parts: divide away the host bits.
  const block = 2 ** (32 - Number(bits));
  return Math.floor(ipToNumber(ip) / block) === Math.floor(ipToNumber(base) / block);
}

export class NetworkModel {
  constructor(
    private readonly policies: any[],
    private readonly namespaceLabels: Record<string, Record<string, string>>,
  ) {}

  public allows(connection: Connection): boolean {
    return this.direction('Egress', connection.from, connection.to, connection)
      && this.direction('Ingress', connection.to, connection.from, connection);
  }

  private nsLabels(namespace: string): Record<string, string> {
    return { ...(this.namespaceLabels[namespace] ?? {}), 'kubernetes.io/metadata.name': namespace };
  }

  private direction(type: 'Ingress' | 'Egress', subject: Endpoint, peer: Endpoint, connection: Connection): boolean {
    if (subject.namespace === undefined) return true; // outside the cluster: no policies
    const selecting = this.policies.filter(p => p.metadata.namespace === subject.namespace
      && (p.spec.policyTypes ?? ['Ingress']).includes(type)
      && matchLabels(p.spec.podSelector, subject.labels ?? {}));
    if (selecting.length === 0) return true;
    const rules = selecting.flatMap(p => (type === 'Ingress' ? p.spec.ingress : p.spec.egress) ?? []);
    return rules.some((rule: any) => {
      const peers = type === 'Ingress' ? rule.from : rule.to;
      const peerOk = !peers || peers.length === 0 || peers.some((p: any) => this.peerMatches(p, peer, subject.namespace!));
      const portOk = !rule.ports || rule.ports.length === 0 || rule.ports.some((p: any) =>
        (p.port === undefined || p.port === connection.port) && (p.protocol ?? 'TCP') === (connection.protocol ?? 'TCP'));
      return peerOk && portOk;
    });
  }

  private peerMatches(peer: any, endpoint: Endpoint, policyNamespace: string): boolean {
    if (peer.ipBlock) {
      return inCidr(endpoint.ip, peer.ipBlock.cidr) && !(peer.ipBlock.except ?? []).some((c: string) => inCidr(endpoint.ip, c));
    }
    if (endpoint.namespace === undefined) return false;
    const namespaceOk = peer.namespaceSelector
      ? matchLabels(peer.namespaceSelector, this.nsLabels(endpoint.namespace))
      : endpoint.namespace === policyNamespace;
    const podOk = peer.podSelector ? matchLabels(peer.podSelector, endpoint.labels ?? {}) : true;
    return namespaceOk && podOk;
  }
}
