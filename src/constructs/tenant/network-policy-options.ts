/**
 * What a tenant's network policy allows (the option types, also read by catalogs) and the rules
 * those options must follow. The construct that writes the policies is `TenantNetworkPolicy`
 * (network-policy.ts).
 */
import { cidrProblem, coveredBy, reachedRanges } from '../../core/cidr';
import { DEFAULT_CLUSTER_CIDRS, METADATA_CIDRS } from '../../core/cluster-facts';
import { DEFAULT_NAMESPACE_LABELS } from '../../core/kubeflow-defaults';
import { offSwitchProblem } from '../../core/off-switches';
import { dnsLabelProblem, labelKeyProblem, labelValueProblem } from '../../core/validation';

/** Transport protocol of a port. */
export enum NetworkProtocol {
  /** TCP. */
  TCP = 'TCP',
  /** UDP. */
  UDP = 'UDP',
  /** SCTP. */
  SCTP = 'SCTP',
}

/** A port a rule opens. */
export interface NetworkPort {
  /** Port number, 1-65535. */
  readonly port: number;
  /**
   * Protocol.
   * @default NetworkProtocol.TCP
   */
  readonly protocol?: NetworkProtocol;
}

/**
 * An extra peer to allow: an IP block, or pods selected by namespace and pod labels.
 * Give `cidr`, or `namespace`/`namespaceLabels` (optionally with `podLabels`).
 */
export interface NetworkPeerRule {
  /**
   * Why this peer is allowed; becomes part of the policy name.
   */
  readonly name: string;
  /**
   * An IP block, e.g. "10.20.0.0/16".
   * @default - not an IP block
   */
  readonly cidr?: string;
  /**
   * CIDRs inside `cidr` that stay blocked.
   * @default - none
   */
  readonly exceptCidrs?: string[];
  /**
   * A namespace, selected by its `kubernetes.io/metadata.name` label.
   * @default - no namespace by name
   */
  readonly namespace?: string;
  /**
   * Namespaces selected by labels.
   * @default - no namespace by labels
   */
  readonly namespaceLabels?: { [key: string]: string };
  /**
   * Pods selected by labels within the selected namespaces.
   * @default - all pods of the selected namespaces
   */
  readonly podLabels?: { [key: string]: string };
  /**
   * Ports allowed.
   * @default - all ports
   */
  readonly ports?: NetworkPort[];
}

/** The allowances of a tenant's default-deny network policy. */
export interface TenantNetworkPolicyOptions {
  /**
   * Whether to write NetworkPolicies at all. `false` leaves the tenant's pods open to every pod
   * of the cluster (and it to them): it needs `disabledReason`.
   * @default true
   */
  readonly enabled?: boolean;
  /**
   * Why the tenant has no network policies; required with `enabled: false` (an off switch of
   * isolation needs a reason wherever it is turned off).
   * @default - none
   */
  readonly disabledReason?: string;
  /**
   * Pods of the tenant reach each other (notebooks, pipeline steps, services).
   * @default true
   */
  readonly allowSameNamespace?: boolean;
  /**
   * Namespace of istiod and the ingress gateway.
   * @default "istio-system"
   */
  readonly istioNamespace?: string;
  /**
   * Namespace of Kubeflow's central components.
   * @default "kubeflow"
   */
  readonly kubeflowNamespace?: string;
  /**
   * Ingress from the Istio ingress gateway namespace: how users reach notebooks and apps.
   * @default true
   */
  readonly allowIngressFromIngressGateway?: boolean;
  /**
   * Ingress from the Kubeflow namespace: the Pipelines UI, notebook culling, Katib.
   * @default true
   */
  readonly allowIngressFromKubeflow?: boolean;
  /**
   * Namespace of the cluster DNS pods.
   * @default "kube-system"
   */
  readonly dnsNamespace?: string;
  /**
   * Labels of the cluster DNS pods.
   * @default { "k8s-app": "kube-dns" }
   */
  readonly dnsPodLabels?: { [key: string]: string };
  /**
   * Ports of istiod that sidecars call (xDS and certificates over 15012). Sidecar mode only.
   * @default [15012]
   */
  readonly istiodPorts?: number[];
  /**
   * Ports of Kubeflow services tenant workloads call: Pipelines API (8888 HTTP,
   * 8887 gRPC), ML Metadata (8080), artifact store (9000).
   * @default [8888, 8887, 8080, 9000]
   */
  readonly kubeflowServicePorts?: number[];
  /**
   * Egress to every namespace labelled `<sharedServicesLabel>: "true"` (e.g. a shared model registry).
   * @default true
   */
  readonly allowSharedServices?: boolean;
  /**
   * The label that marks shared-services namespaces.
   * @default "kf-tenancy.io/shared-services"
   */
  readonly sharedServicesLabel?: string;
  /**
   * CIDRs of the Kubernetes API server endpoints, for workloads that call it
   * (pipelines launchers, operators). Empty: no API server egress.
   * @default - none
   */
  readonly apiServerCidrs?: string[];
  /**
   * Ports of the API server.
   * @default [443, 6443]
   */
  readonly apiServerPorts?: number[];
  /**
   * Egress to the internet (package mirrors, model hubs), with private ranges excepted.
   * @default false
   */
  readonly allowInternet?: boolean;
  /**
   * Ranges never reachable through the internet allowance. The cluster's own ranges
   * (`clusterCidrs`) and the cloud metadata range 169.254.0.0/16 are excepted as well,
   * whatever this list says.
   * @default ["10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16", "100.64.0.0/10", "169.254.0.0/16"]
   */
  readonly internetExcept?: string[];
  /**
   * The cluster's pod and service CIDRs. On CNIs where an ipBlock also matches pod IPs
   * (Calico, Cilium), an ipBlock that reaches these ranges opens a path to other tenants'
   * pods, so every ipBlock (`cidr` rules, `apiServerCidrs`) must stay clear of them, after
   * its `exceptCidrs`. The default is every private range, since a CNI may use any; set your
   * cluster's own ranges to allow ipBlocks elsewhere in private space (a corporate network,
   * the API server's node addresses).
   * @default ["10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16", "100.64.0.0/10", "fc00::/7"]
   */
  readonly clusterCidrs?: string[];
  /**
   * Extra ingress peers.
   * @default - none
   */
  readonly additionalIngress?: NetworkPeerRule[];
  /**
   * Extra egress peers.
   * @default - none
   */
  readonly additionalEgress?: NetworkPeerRule[];
}

export const DEFAULT_INTERNET_EXCEPT = ['10.0.0.0/8', '172.16.0.0/12', '192.168.0.0/16', '100.64.0.0/10', '169.254.0.0/16'];
/** Link-local: cloud metadata services (169.254.169.254) live here; never reachable through the internet allowance. */
export const METADATA_CIDR = '169.254.0.0/16';
export const NAME_LABEL = 'kubernetes.io/metadata.name';
/**
 * Labels every tenant namespace carries (Kubeflow's defaults, the sidecar mesh label, the
 * default Pod Security level): a selector made only of these selects every tenant.
 */
export const EVERY_TENANT_LABELS: Record<string, string[]> = {
  ...Object.fromEntries(Object.entries(DEFAULT_NAMESPACE_LABELS).map(([k, v]) => [k, [v]])),
  'istio-injection': ['enabled', 'disabled'],
  'pod-security.kubernetes.io/enforce': ['baseline', 'restricted', 'privileged'],
  'pod-security.kubernetes.io/warn': ['baseline', 'restricted', 'privileged'],
  'pod-security.kubernetes.io/audit': ['baseline', 'restricted', 'privileged'],
};
/** ztunnel sends kubelet probes from this link-local address in ambient mode. */
export const ZTUNNEL_PROBE_SOURCE = '169.254.7.127/32';
export const HBONE_PORT = 15008;

/** The policies the construct writes on its own; an added rule may not take one of their names. */
export const DEFAULT_POLICY_NAMES = ['default-deny', 'allow-same-namespace', 'allow-ingress-gateway', 'allow-ingress-kubeflow', 'allow-dns', 'allow-istiod',
  'allow-kubeflow-services', 'allow-shared-services', 'allow-kube-apiserver', 'allow-internet', 'allow-ztunnel-probes'];

/** What the internet allowance excepts: the given ranges, then the cluster's IPv4 ranges and the metadata range. */
export function internetExceptions(options: TenantNetworkPolicyOptions): string[] {
  const given = options.internetExcept ?? DEFAULT_INTERNET_EXCEPT;
  const always = [...(options.clusterCidrs ?? DEFAULT_CLUSTER_CIDRS).filter(c => !c.includes(':')), METADATA_CIDR];
  const except = [...given];
  for (const range of always) if (!coveredBy(range, except)) except.push(range);
  return except;
}

function portProblem(port: number): string | undefined {
  return Number.isInteger(port) && port >= 1 && port <= 65535 ? undefined : `${port} is not a port number (1-65535)`;
}

/** Reports a problem of one field (`networkPolicy.<field>`), when there is one. */
type Report = (field: string, problem: string | undefined) => void;

/** Problems with the options, each naming its field. */
export function networkPolicyProblems(options: TenantNetworkPolicyOptions): string[] {
  const problems: string[] = [];
  const field: Report = (name, problem) => { if (problem) problems.push(`networkPolicy.${name}: ${problem}`); };
  field('disabledReason', offSwitchProblem('enabled: false', 'leaves every pod of the cluster free to reach the tenant\'s pods', options.enabled === false, options.disabledReason));
  for (const key of ['istioNamespace', 'kubeflowNamespace', 'dnsNamespace'] as const) {
    if (options[key] !== undefined) field(key, dnsLabelProblem(options[key]!));
  }
  labelProblems(field, 'dnsPodLabels', options.dnsPodLabels);
  if (options.dnsPodLabels !== undefined && Object.keys(options.dnsPodLabels).length === 0) {
    field('dnsPodLabels', 'is empty, which selects every pod of the DNS namespace; give the DNS pods\' labels, or leave it out for k8s-app=kube-dns');
  }
  if (options.sharedServicesLabel !== undefined) field('sharedServicesLabel', labelKeyProblem(options.sharedServicesLabel));
  for (const key of ['istiodPorts', 'kubeflowServicePorts', 'apiServerPorts'] as const) {
    // Kubernetes reads `ports: []` as every port: an empty list must never reach the output.
    if (options[key] !== undefined && options[key]!.length === 0) {
      field(key, `is empty, which a NetworkPolicy would read as every port; leave it out for the default ports${key === 'istiodPorts' ? '' : ', or turn the allowance off'}`);
    }
    (options[key] ?? []).forEach((p, i) => field(`${key}[${i}]`, portProblem(p)));
  }
  const clusterCidrs = options.clusterCidrs ?? DEFAULT_CLUSTER_CIDRS;
  if (clusterCidrs.length === 0) {
    field('clusterCidrs', 'is empty, which would let every ipBlock reach pods; list the cluster\'s pod and service ranges, or leave it out for every private range');
  }
  clusterCidrs.forEach((c, i) => field(`clusterCidrs[${i}]`, cidrProblem(c)));
  (options.apiServerCidrs ?? []).forEach((c, i) => {
    field(`apiServerCidrs[${i}]`, cidrProblem(c));
    clearOfCluster(field, clusterCidrs, `apiServerCidrs[${i}]`, c, [], true);
  });
  (options.internetExcept ?? []).forEach((c, i) => field(`internetExcept[${i}]`, cidrProblem(c)));
  for (const direction of ['additionalIngress', 'additionalEgress'] as const) {
    const names = new Map<string, number>();
    (options[direction] ?? []).forEach((rule, i) => {
      const at = `${direction}[${i}]`;
      // The name becomes the policy's (allow-ingress-<name>), so two rules may not share it.
      if (names.has(rule.name)) field(`${at}.name`, `"${rule.name}" is also the name of ${direction}[${names.get(rule.name)}]; each rule becomes a policy named after it, so give each its own name`);
      else names.set(rule.name, i);
      peerRuleProblems(field, clusterCidrs, direction, at, rule);
    });
  }
  return problems;
}

/** Label keys and values of a selector. */
function labelProblems(field: Report, name: string, map: { [key: string]: string } | undefined): void {
  for (const [k, v] of Object.entries(map ?? {})) {
    field(name, labelKeyProblem(k));
    field(name, labelValueProblem(String(v)));
  }
}

/** An ipBlock that reaches the cluster's pod and service ranges or (egress) the cloud metadata service. */
function clearOfCluster(field: Report, clusterCidrs: string[], at: string, cidr: string, except: string[], egress: boolean): void {
  // Egress may not reach the cloud metadata service either: it hands out the node's cloud identity, shared by every tenant.
  const metadata = egress ? reachedRanges(cidr, except, METADATA_CIDRS) : [];
  if (metadata.length > 0) {
    field(at, `"${cidr}"${except.length > 0 ? ` (except ${except.join(', ')})` : ''} reaches ${metadata.join(', ')}, where the cloud metadata service `
      + 'hands out the node\'s cloud identity to any pod that asks; except the link-local ranges (169.254.0.0/16, fe80::/10, fd00:ec2::254/128)');
  }
  const reached = reachedRanges(cidr, except, clusterCidrs);
  if (reached.length > 0) {
    field(at, `"${cidr}"${except.length > 0 ? ` (except ${except.join(', ')})` : ''} reaches ${reached.join(', ')}, inside the cluster's pod and service ranges `
      + `(networkPolicy.clusterCidrs: ${clusterCidrs.join(', ')}); on Calico and Cilium an ipBlock matches pods, so this opens a path to other tenants' pods. `
      + 'Except those ranges, or set networkPolicy.clusterCidrs to your cluster\'s own pod and service CIDRs');
  }
}

/** One added ingress or egress rule: its name, exactly one kind of peer, and the peer's fields. */
function peerRuleProblems(field: Report, clusterCidrs: string[], direction: 'additionalIngress' | 'additionalEgress', at: string, rule: NetworkPeerRule): void {
  field(`${at}.name`, dnsLabelProblem(rule.name ?? ''));
  const policyName = `allow-${direction === 'additionalIngress' ? 'ingress' : 'egress'}-${rule.name}`;
  if (DEFAULT_POLICY_NAMES.includes(policyName)) {
    field(`${at}.name`, `"${rule.name}" would name the policy "${policyName}", which is a default allowance's; choose another name`);
  }
  const byCidr = rule.cidr !== undefined;
  const byPods = rule.namespace !== undefined || rule.namespaceLabels !== undefined;
  if (byCidr === byPods) field(at, 'give either cidr, or namespace/namespaceLabels (optionally with podLabels)');
  if (rule.cidr !== undefined) {
    field(`${at}.cidr`, cidrProblem(rule.cidr));
    clearOfCluster(field, clusterCidrs, `${at}.cidr`, rule.cidr, rule.exceptCidrs ?? [], direction === 'additionalEgress');
  }
  (rule.exceptCidrs ?? []).forEach((c, j) => field(`${at}.exceptCidrs[${j}]`, cidrProblem(c)));
  if (rule.namespace !== undefined) field(`${at}.namespace`, dnsLabelProblem(rule.namespace));
  if (rule.namespace === undefined && rule.namespaceLabels !== undefined) {
    const entries = Object.entries(rule.namespaceLabels);
    if (entries.length === 0) {
      field(`${at}.namespaceLabels`, 'is empty, which selects every namespace, other tenants included; name the namespace with namespace:, or give labels only the intended namespaces carry');
    } else if (entries.every(([k, v]) => (Object.hasOwn(EVERY_TENANT_LABELS, k) ? EVERY_TENANT_LABELS[k] : []).includes(String(v)))) {
      field(`${at}.namespaceLabels`, `${entries.map(([k, v]) => `${k}=${v}`).join(', ')} is on every Kubeflow profile namespace, so it selects every tenant; `
        + 'name each namespace with its own rule (namespace:), so the isolation check knows the path is declared');
    }
  }
  if (rule.ports !== undefined && rule.ports.length === 0) {
    field(`${at}.ports`, 'is empty, which a NetworkPolicy reads as every port; leave it out to mean every port, or list the ports');
  }
  labelProblems(field, `${at}.namespaceLabels`, rule.namespaceLabels);
  labelProblems(field, `${at}.podLabels`, rule.podLabels);
  (rule.ports ?? []).forEach((p, j) => {
    field(`${at}.ports[${j}]`, portProblem(p.port));
    if (p.protocol !== undefined && !Object.values(NetworkProtocol).includes(p.protocol)) {
      field(`${at}.ports[${j}].protocol`, `"${p.protocol}" is not allowed; use TCP, UDP or SCTP`);
    }
  });
}
