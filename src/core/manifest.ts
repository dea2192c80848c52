/**
 * A Kubernetes object as the library writes and reads it: plain JSON. The fields every check
 * relies on are typed; the rest is `unknown` until a reader narrows it for its kind.
 */

/** `metadata` as manifests carry it. */
export interface ManifestMetadata {
  name?: string;
  namespace?: string;
  labels?: Record<string, string>;
  annotations?: Record<string, string>;
  [field: string]: unknown;
}

/** Any Kubernetes object. */
export interface Manifest {
  apiVersion?: string;
  kind?: string;
  metadata?: ManifestMetadata;
  [field: string]: unknown;
}

/** A manifest the library writes: apiVersion, kind and name always set. */
export interface WrittenManifest extends Manifest {
  apiVersion: string;
  kind: string;
  metadata: ManifestMetadata & { name: string };
}

/** Whether a parsed YAML document is an object with a kind (a manifest), not a scalar or a list. */
export function isManifest(value: unknown): value is Manifest {
  return typeof value === 'object' && value !== null && !Array.isArray(value) && typeof (value as Manifest).kind === 'string';
}

/** Narrows manifests to one kind (by `kind` alone; fields stay optional, as input may lack them). */
export function ofKind<T extends Manifest>(kind: string): (manifest: Manifest) => manifest is T {
  return (manifest): manifest is T => manifest?.kind === kind;
}

/** A label selector as manifests carry it (see label-selector.ts for its meaning). */
export interface SelectorSpec {
  matchLabels?: Record<string, string>;
  matchExpressions?: Array<{ key: string; operator: string; values?: string[] }>;
}

// RBAC

/** An RBAC rule as it appears in a Role or ClusterRole. */
export interface RbacRule {
  readonly apiGroups?: string[];
  readonly resources?: string[];
  readonly verbs: string[];
  readonly resourceNames?: string[];
  readonly nonResourceURLs?: string[];
}

/** A RoleBinding's or ClusterRoleBinding's subject. */
export interface RbacSubject {
  apiGroup?: string;
  kind?: string;
  name?: string;
  namespace?: string;
}

/** A RoleBinding or ClusterRoleBinding. */
export interface BindingManifest extends Manifest {
  roleRef?: { apiGroup?: string; kind?: string; name?: string };
  subjects?: RbacSubject[];
}

/** A Role or ClusterRole. */
export interface RoleManifest extends Manifest {
  rules?: RbacRule[];
  aggregationRule?: { clusterRoleSelectors?: Array<SelectorSpec | null> };
}

// NetworkPolicy

export interface NetworkPolicyPortSpec {
  port?: number | string;
  endPort?: number;
  protocol?: string;
}

export interface NetworkPolicyPeerSpec {
  podSelector?: SelectorSpec;
  namespaceSelector?: SelectorSpec;
  ipBlock?: { cidr: string; except?: string[] };
}

/** An ingress (`from`) or egress (`to`) rule. */
export interface NetworkPolicyRuleSpec {
  from?: NetworkPolicyPeerSpec[];
  to?: NetworkPolicyPeerSpec[];
  ports?: NetworkPolicyPortSpec[];
}

export interface NetworkPolicyManifest extends Manifest {
  spec?: {
    podSelector?: SelectorSpec;
    policyTypes?: string[];
    ingress?: NetworkPolicyRuleSpec[];
    egress?: NetworkPolicyRuleSpec[];
  };
}

// Istio AuthorizationPolicy

/** `from[].source`: who sends the request. */
export interface AuthorizationSourceSpec {
  principals?: string[];
  notPrincipals?: string[];
  requestPrincipals?: string[];
  notRequestPrincipals?: string[];
  namespaces?: string[];
  notNamespaces?: string[];
  ipBlocks?: string[];
  notIpBlocks?: string[];
  remoteIpBlocks?: string[];
  notRemoteIpBlocks?: string[];
  serviceAccounts?: string[];
  notServiceAccounts?: string[];
  trustDomains?: string[];
  notTrustDomains?: string[];
}

/** `to[].operation`: what the request asks for. */
export interface AuthorizationOperationSpec {
  hosts?: string[];
  notHosts?: string[];
  ports?: string[];
  notPorts?: string[];
  methods?: string[];
  notMethods?: string[];
  paths?: string[];
  notPaths?: string[];
}

/** `when[]`: a condition on the request. */
export interface AuthorizationConditionSpec {
  key: string;
  values?: string[];
  notValues?: string[];
}

export interface AuthorizationRuleSpec {
  from?: Array<{ source?: AuthorizationSourceSpec }>;
  to?: Array<{ operation?: AuthorizationOperationSpec }>;
  when?: AuthorizationConditionSpec[];
}

export interface AuthorizationPolicyManifest extends Manifest {
  spec?: {
    action?: string;
    selector?: SelectorSpec;
    targetRef?: unknown;
    targetRefs?: unknown[];
    provider?: { name?: string };
    rules?: AuthorizationRuleSpec[];
  };
}
