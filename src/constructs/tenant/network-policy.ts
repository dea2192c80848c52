import { k8s } from 'cdk8s-plus-28';
import { Construct } from 'constructs';
import { cidrProblem, coveredBy, reachedRanges } from '../../core/cidr';
import { DEFAULT_CLUSTER_CIDRS, METADATA_CIDRS } from '../../core/cluster-facts';
import { DEFAULT_NAMESPACE_LABELS, DEFAULT_SHARED_SERVICES_LABEL } from '../../core/kubeflow-defaults';
import { offSwitchProblem } from '../../core/off-switches';
import { dnsLabelProblem, labelKeyProblem, labelValueProblem, throwIfAny } from '../../core/validation';

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

/** Properties of a {@link TenantNetworkPolicy}. */
export interface TenantNetworkPolicyProps extends TenantNetworkPolicyOptions {
  /** The tenant namespace. */
  readonly namespace: string;
  /**
   * Whether the namespace runs Istio sidecars (istiod egress) or ambient mode
   * (HBONE port 15008 and ztunnel probes).
   * @default true
   */
  readonly sidecarMode?: boolean;
}

export const DEFAULT_INTERNET_EXCEPT = ['10.0.0.0/8', '172.16.0.0/12', '192.168.0.0/16', '100.64.0.0/10', '169.254.0.0/16'];
/** Link-local: cloud metadata services (169.254.169.254) live here; never reachable through the internet allowance. */
const METADATA_CIDR = '169.254.0.0/16';
const NAME_LABEL = 'kubernetes.io/metadata.name';
/**
 * Labels every tenant namespace carries (Kubeflow's defaults, the sidecar mesh label, the
 * default Pod Security level): a selector made only of these selects every tenant.
 */
const EVERY_TENANT_LABELS: Record<string, string[]> = {
  ...Object.fromEntries(Object.entries(DEFAULT_NAMESPACE_LABELS).map(([k, v]) => [k, [v]])),
  'istio-injection': ['enabled', 'disabled'],
  'pod-security.kubernetes.io/enforce': ['baseline', 'restricted', 'privileged'],
  'pod-security.kubernetes.io/warn': ['baseline', 'restricted', 'privileged'],
  'pod-security.kubernetes.io/audit': ['baseline', 'restricted', 'privileged'],
};
/** ztunnel sends kubelet probes from this link-local address in ambient mode. */
const ZTUNNEL_PROBE_SOURCE = '169.254.7.127/32';
const HBONE_PORT = 15008;

/** The policies the construct writes on its own; an added rule may not take one of their names. */
const DEFAULT_POLICY_NAMES = ['default-deny', 'allow-same-namespace', 'allow-ingress-gateway', 'allow-ingress-kubeflow', 'allow-dns', 'allow-istiod',
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

/** The rules of one NetworkPolicy. */
interface PolicyRules {
  readonly ingress?: k8s.NetworkPolicyIngressRule[];
  readonly egress?: k8s.NetworkPolicyEgressRule[];
}

/** Problems with the options, each naming its field. */
export function networkPolicyProblems(options: TenantNetworkPolicyOptions): string[] {
  const problems: string[] = [];
  const field = (name: string, problem: string | undefined) => { if (problem) problems.push(`networkPolicy.${name}: ${problem}`); };
  field('disabledReason', offSwitchProblem('enabled: false', 'leaves every pod of the cluster free to reach the tenant\'s pods', options.enabled === false, options.disabledReason));
  for (const key of ['istioNamespace', 'kubeflowNamespace', 'dnsNamespace'] as const) {
    if (options[key] !== undefined) field(key, dnsLabelProblem(options[key]!));
  }
  const labels = (name: string, map: { [key: string]: string } | undefined) => {
    for (const [k, v] of Object.entries(map ?? {})) {
      field(name, labelKeyProblem(k));
      field(name, labelValueProblem(String(v)));
    }
  };
  labels('dnsPodLabels', options.dnsPodLabels);
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
  const clearOfCluster = (at: string, cidr: string, except: string[], egress: boolean) => {
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
  };
  (options.apiServerCidrs ?? []).forEach((c, i) => {
    field(`apiServerCidrs[${i}]`, cidrProblem(c));
    clearOfCluster(`apiServerCidrs[${i}]`, c, [], true);
  });
  (options.internetExcept ?? []).forEach((c, i) => field(`internetExcept[${i}]`, cidrProblem(c)));
  for (const direction of ['additionalIngress', 'additionalEgress'] as const) {
    const names = new Map<string, number>();
    (options[direction] ?? []).forEach((rule, i) => {
      const at = `${direction}[${i}]`;
      field(`${at}.name`, dnsLabelProblem(rule.name ?? ''));
      // The name becomes the policy's (allow-ingress-<name>), so two rules may not share it, nor take a default allowance's.
      const policyName = `allow-${direction === 'additionalIngress' ? 'ingress' : 'egress'}-${rule.name}`;
      if (DEFAULT_POLICY_NAMES.includes(policyName)) {
        field(`${at}.name`, `"${rule.name}" would name the policy "${policyName}", which is a default allowance's; choose another name`);
      }
      if (names.has(rule.name)) field(`${at}.name`, `"${rule.name}" is also the name of ${direction}[${names.get(rule.name)}]; each rule becomes a policy named after it, so give each its own name`);
      else names.set(rule.name, i);
      const byCidr = rule.cidr !== undefined;
      const byPods = rule.namespace !== undefined || rule.namespaceLabels !== undefined;
      if (byCidr === byPods) problems.push(`networkPolicy.${at}: give either cidr, or namespace/namespaceLabels (optionally with podLabels)`);
      if (rule.cidr !== undefined) {
        field(`${at}.cidr`, cidrProblem(rule.cidr));
        clearOfCluster(`${at}.cidr`, rule.cidr, rule.exceptCidrs ?? [], direction === 'additionalEgress');
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
      labels(`${at}.namespaceLabels`, rule.namespaceLabels);
      labels(`${at}.podLabels`, rule.podLabels);
      (rule.ports ?? []).forEach((p, j) => {
        field(`${at}.ports[${j}]`, portProblem(p.port));
        if (p.protocol !== undefined && !Object.values(NetworkProtocol).includes(p.protocol)) {
          problems.push(`networkPolicy.${at}.ports[${j}].protocol: "${p.protocol}" is not allowed; use TCP, UDP or SCTP`);
        }
      });
    });
  }
  return problems;
}

function tcp(ports: number[]): k8s.NetworkPolicyPort[] {
  return ports.map(port => ({ port: k8s.IntOrString.fromNumber(port), protocol: 'TCP' }));
}

function namespacePeer(namespace: string, podLabels?: { [key: string]: string }): k8s.NetworkPolicyPeer {
  return {
    namespaceSelector: { matchLabels: { [NAME_LABEL]: namespace } },
    ...(podLabels ? { podSelector: { matchLabels: podLabels } } : {}),
  };
}

function customPeer(rule: NetworkPeerRule): k8s.NetworkPolicyPeer {
  if (rule.cidr !== undefined) return { ipBlock: { cidr: rule.cidr, except: rule.exceptCidrs } };
  const namespaceLabels = { ...(rule.namespaceLabels ?? {}), ...(rule.namespace !== undefined ? { [NAME_LABEL]: rule.namespace } : {}) };
  return {
    namespaceSelector: { matchLabels: namespaceLabels },
    ...(rule.podLabels ? { podSelector: { matchLabels: rule.podLabels } } : {}),
  };
}

function customPorts(rule: NetworkPeerRule): k8s.NetworkPolicyPort[] | undefined {
  return rule.ports?.map(p => ({ port: k8s.IntOrString.fromNumber(p.port), protocol: p.protocol ?? NetworkProtocol.TCP }));
}

/**
 * Default-deny NetworkPolicies for a tenant namespace, with the allowances a
 * Kubeflow tenant needs. Each allowance is its own policy, named after why it
 * exists, so a reviewer reads the list of names as the list of open paths:
 *
 * - `default-deny`: nothing in or out unless a policy below allows it.
 * - `allow-same-namespace`: the tenant's pods reach each other.
 * - `allow-ingress-gateway`, `allow-ingress-kubeflow`: users through the ingress
 *   gateway; the Pipelines UI, notebook culling and Katib from the Kubeflow namespace.
 * - `allow-dns`: cluster DNS over UDP **and** TCP 53 (large answers fall back to TCP).
 * - `allow-istiod` (sidecar mode): sidecars fetch config and certificates from istiod.
 * - `allow-kubeflow-services`: Pipelines API, ML Metadata and the artifact store.
 * - `allow-shared-services`: namespaces labelled as shared services.
 * - `allow-kube-apiserver`, `allow-internet`: only when asked.
 * - `allow-ztunnel-probes` (ambient mode): kubelet probes arrive from ztunnel.
 */
export class TenantNetworkPolicy extends Construct {
  /** The namespace the policies are for. */
  public readonly namespace: string;
  /** Whether the policies are written (`enabled`). */
  public readonly enabled: boolean;
  private readonly clusterCidrs?: string[];

  constructor(scope: Construct, id: string, props: TenantNetworkPolicyProps) {
    super(scope, id);
    // A TenantProfile checks these with the rest of the tenant, all errors at once.
    throwIfAny(networkPolicyProblems(props));
    this.namespace = props.namespace;
    this.enabled = props.enabled ?? true;
    this.clusterCidrs = props.clusterCidrs;
    if (!this.enabled) return;
    const sidecar = props.sidecarMode ?? true;
    const istio = props.istioNamespace ?? 'istio-system';
    const kubeflow = props.kubeflowNamespace ?? 'kubeflow';
    const policy = (name: string, spec: PolicyRules) => this.writePolicy(name, spec);

    policy('default-deny', { ingress: [], egress: [] });
    if (props.allowSameNamespace ?? true) {
      policy('allow-same-namespace', { ingress: [{ from: [{ podSelector: {} }] }], egress: [{ to: [{ podSelector: {} }] }] });
    }
    if (props.allowIngressFromIngressGateway ?? true) policy('allow-ingress-gateway', { ingress: [{ from: [namespacePeer(istio)] }] });
    if (props.allowIngressFromKubeflow ?? true) policy('allow-ingress-kubeflow', { ingress: [{ from: [namespacePeer(kubeflow)] }] });
    policy('allow-dns', {
      egress: [{
        to: [namespacePeer(props.dnsNamespace ?? 'kube-system', props.dnsPodLabels ?? { 'k8s-app': 'kube-dns' })],
        ports: [53].flatMap(port => ['UDP', 'TCP'].map(protocol => ({ port: k8s.IntOrString.fromNumber(port), protocol }))),
      }],
    });
    if (sidecar) {
      policy('allow-istiod', { egress: [{ to: [namespacePeer(istio, { app: 'istiod' })], ports: tcp(props.istiodPorts ?? [15012]) }] });
    }
    // In ambient mode traffic to mesh pods travels as HBONE on port 15008.
    const servicePorts = [...(props.kubeflowServicePorts ?? [8888, 8887, 8080, 9000]), ...(sidecar ? [] : [HBONE_PORT])];
    policy('allow-kubeflow-services', { egress: [{ to: [namespacePeer(kubeflow)], ports: tcp(servicePorts) }] });
    if (props.allowSharedServices ?? true) {
      const label = props.sharedServicesLabel ?? DEFAULT_SHARED_SERVICES_LABEL;
      policy('allow-shared-services', { egress: [{ to: [{ namespaceSelector: { matchLabels: { [label]: 'true' } } }] }] });
    }
    if ((props.apiServerCidrs ?? []).length > 0) {
      policy('allow-kube-apiserver', {
        egress: [{ to: props.apiServerCidrs!.map(cidr => ({ ipBlock: { cidr } })), ports: tcp(props.apiServerPorts ?? [443, 6443]) }],
      });
    }
    if (props.allowInternet ?? false) {
      policy('allow-internet', { egress: [{ to: [{ ipBlock: { cidr: '0.0.0.0/0', except: internetExceptions(props) } }] }] });
    }
    if (!sidecar) policy('allow-ztunnel-probes', { ingress: [{ from: [{ ipBlock: { cidr: ZTUNNEL_PROBE_SOURCE } }] }] });
    for (const rule of props.additionalIngress ?? []) {
      policy(`allow-ingress-${rule.name}`, { ingress: [{ from: [customPeer(rule)], ports: customPorts(rule) }] });
    }
    for (const rule of props.additionalEgress ?? []) {
      policy(`allow-egress-${rule.name}`, { egress: [{ to: [customPeer(rule)], ports: customPorts(rule) }] });
    }
  }

  /**
   * Allows ingress from one more peer: a policy `allow-ingress-<rule.name>`, checked like the
   * rules of `additionalIngress`.
   */
  public addIngress(rule: NetworkPeerRule): void {
    this.checkAdded({ additionalIngress: [rule] });
    this.writePolicy(`allow-ingress-${rule.name}`, { ingress: [{ from: [customPeer(rule)], ports: customPorts(rule) }] });
  }

  /**
   * Allows egress to one more peer: a policy `allow-egress-<rule.name>`, checked like the rules
   * of `additionalEgress`.
   */
  public addEgress(rule: NetworkPeerRule): void {
    this.checkAdded({ additionalEgress: [rule] });
    this.writePolicy(`allow-egress-${rule.name}`, { egress: [{ to: [customPeer(rule)], ports: customPorts(rule) }] });
  }

  private checkAdded(options: TenantNetworkPolicyOptions): void {
    if (!this.enabled) throwIfAny([`namespace "${this.namespace}": networkPolicy.enabled is false, so there is no default-deny to open; enable it or leave the rule out`]);
    throwIfAny(networkPolicyProblems({ ...options, clusterCidrs: this.clusterCidrs }));
  }

  private writePolicy(name: string, spec: PolicyRules): void {
    const namespace = this.namespace;
    if (this.node.tryFindChild(name) !== undefined) {
      throwIfAny([`namespace "${namespace}": NetworkPolicy "${name}" is defined twice (a rule or peer added again, or named like another); give each rule its own name`]);
    }
    const policyTypes = [...(spec.ingress ? ['Ingress'] : []), ...(spec.egress ? ['Egress'] : [])];
    // Empty rule lists are left out: the API server drops them, so writing `[]` would make
    // every server-side apply a change (generation bump). policyTypes alone denies.
    new k8s.KubeNetworkPolicy(this, name, {
      metadata: { name, namespace },
      spec: {
        podSelector: {},
        policyTypes,
        ...(spec.ingress && spec.ingress.length > 0 ? { ingress: spec.ingress } : {}),
        ...(spec.egress && spec.egress.length > 0 ? { egress: spec.egress } : {}),
      },
    });
  }
}
