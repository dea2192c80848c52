import { k8s } from 'cdk8s-plus-28';
import { Construct } from 'constructs';
import {
  HBONE_PORT, internetExceptions, NAME_LABEL, NetworkPeerRule, networkPolicyProblems, NetworkProtocol, TenantNetworkPolicyOptions,
  ZTUNNEL_PROBE_SOURCE,
} from './network-policy-options';
import { DEFAULT_SHARED_SERVICES_LABEL } from '../../core/kubeflow-defaults';
import { throwIfAny } from '../../core/validation';

export { NetworkPeerRule, NetworkPort, NetworkProtocol, networkPolicyProblems, TenantNetworkPolicyOptions } from './network-policy-options';

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

/** The rules of one NetworkPolicy. */
interface PolicyRules {
  readonly ingress?: k8s.NetworkPolicyIngressRule[];
  readonly egress?: k8s.NetworkPolicyEgressRule[];
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
    // All at once, before anything is built; a TenantProfile reports them with its own problems.
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
    // Written as a rule added later is (checked above with the rest of the props, not again).
    for (const rule of props.additionalIngress ?? []) this.writeIngress(rule);
    for (const rule of props.additionalEgress ?? []) this.writeEgress(rule);
  }

  /**
   * Allows ingress from one more peer: a policy `allow-ingress-<rule.name>`, checked like the
   * rules of `additionalIngress`.
   */
  public addIngress(rule: NetworkPeerRule): void {
    this.checkAdded({ additionalIngress: [rule] });
    this.writeIngress(rule);
  }

  /**
   * Allows egress to one more peer: a policy `allow-egress-<rule.name>`, checked like the rules
   * of `additionalEgress`.
   */
  public addEgress(rule: NetworkPeerRule): void {
    this.checkAdded({ additionalEgress: [rule] });
    this.writeEgress(rule);
  }

  private writeIngress(rule: NetworkPeerRule): void {
    this.writePolicy(`allow-ingress-${rule.name}`, { ingress: [{ from: [customPeer(rule)], ports: customPorts(rule) }] });
  }

  private writeEgress(rule: NetworkPeerRule): void {
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
