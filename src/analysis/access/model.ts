/**
 * The access matrix's shape: what the report and its JSON hold for each identity and namespace.
 */
import { KubeflowAuthOptions } from '../../core/auth-options';
import { Manifest } from '../../core/manifest';
import { GuardStatus } from '../guard';
import { NetworkReachability } from '../network';

/** A resource shown in the matrix. */
interface Resource {
  readonly label: string;
  readonly apiGroup: string;
  readonly resource: string;
  readonly subresource?: string;
}

export const RESOURCES: Resource[] = [
  { label: 'pods', apiGroup: '', resource: 'pods' },
  { label: 'pods/log', apiGroup: '', resource: 'pods', subresource: 'log' },
  { label: 'pods/exec', apiGroup: '', resource: 'pods', subresource: 'exec' },
  { label: 'secrets', apiGroup: '', resource: 'secrets' },
  { label: 'configmaps', apiGroup: '', resource: 'configmaps' },
  { label: 'persistentvolumeclaims', apiGroup: '', resource: 'persistentvolumeclaims' },
  { label: 'notebooks', apiGroup: 'kubeflow.org', resource: 'notebooks' },
  { label: 'pipelines/runs', apiGroup: 'pipelines.kubeflow.org', resource: 'runs' },
  { label: 'inferenceservices', apiGroup: 'serving.kserve.io', resource: 'inferenceservices' },
  { label: 'rolebindings', apiGroup: 'rbac.authorization.k8s.io', resource: 'rolebindings' },
  { label: '*', apiGroup: '*', resource: '*' },
];
export const VERBS = ['get', 'list', 'watch', 'create', 'update', 'patch', 'delete'];

/** admin ⊃ edit ⊃ view, by what the identity can do; custom for anything else. */
export type AccessLevel = 'admin' | 'edit' | 'view' | 'custom';

export interface NamespaceAccess {
  /** Kubernetes API access; `none` when the identity only passes the mesh. */
  readonly level: AccessLevel | 'none';
  /** Verbs per resource label, only resources with at least one verb. */
  readonly resources: Record<string, string[]>;
  /** The bindings that grant it. */
  readonly grantedBy: string[];
  /** Whether the namespace's AuthorizationPolicies admit the identity's requests through the ingress gateway. */
  readonly meshIngress: boolean;
  /** The AuthorizationPolicy that admits it, when one does. */
  readonly admittedBy?: string;
}

export interface IdentityAccess {
  readonly kind: 'User' | 'Group' | 'ServiceAccount';
  /** User or group name; `namespace/name` for service accounts. */
  readonly name: string;
  readonly access: Record<string, NamespaceAccess>;
}

export interface AccessMatrix {
  readonly namespaces: string[];
  readonly identities: IdentityAccess[];
  /** Namespaces that admit any request from the ingress gateway, whoever sends it (no applicable ALLOW policy). */
  readonly meshOpen: string[];
  /** Which namespaces reach which over the network. */
  readonly network: NetworkReachability;
  /** Whether the tenancy guard keeps this access as it is after apply. */
  readonly guard: GuardStatus;
  /** The cloud identities (GCP service accounts, IAM roles) bound in each namespace, with the ServiceAccount that binds them. */
  readonly cloudIdentities: Array<{ namespace: string; serviceAccount: string; value: string }>;
  /** Cloud identities bound in more than one namespace (each should belong to one tenant). */
  readonly sharedCloudIdentities: Array<{ value: string; namespaces: string[] }>;
  /** Roles that grant more than a team role may without a reason (core/team-role-allowlist.ts), with the reason written on them. */
  readonly escalations: Array<{ namespace: string; role: string; reason?: string; grants: string[] }>;
  /**
   * AuthorizationPolicies of the manifests that no proxy of their namespace enforces as written
   * (analysis/ambient.ts: HTTP rules without targetRefs in ambient mode, targetRefs in sidecar mode).
   */
  readonly unenforcedPolicies: Array<{ policy: string; reason: string }>;
  /**
   * The Kueue LocalQueues of the manifests, by namespace: the ClusterQueue each sends workloads
   * to, and the one namespace that ClusterQueue admits (absent when it admits more, or is not declared).
   */
  readonly gpuQueues: Array<{ namespace: string; localQueue: string; clusterQueue: string; admits?: string }>;
}

/** What the access matrix is computed with. */
export interface AccessMatrixOptions {
  /**
   * ClusterRoles that exist in the cluster but not in the manifests.
   * @default Kubeflow's, as shipped (`data/kubeflow-clusterroles.yaml`)
   */
  readonly clusterRoles?: Manifest[];
  /**
   * The headers and gateway principal the mesh check uses.
   * @default Kubeflow's defaults
   */
  readonly auth?: KubeflowAuthOptions;
  /**
   * Results of an earlier matrix to take over where nothing that decides them changed: pass the
   * same object to the two matrices of a diff whose manifests share objects (a shared
   * ManifestCache), and the second evaluates only the namespaces that changed.
   * @default - every namespace is evaluated
   */
  readonly reuse?: AccessReuse;
}

/** What one matrix leaves for the next (see AccessMatrixOptions.reuse). */
export interface AccessReuse {
  /** @internal */
  readonly namespaces: Map<string, { readonly global: unknown[]; readonly inputs: Manifest[]; readonly cells: Array<[string, NamespaceAccess]> }>;
}

/** An empty AccessReuse. */
export function accessReuse(): AccessReuse {
  return { namespaces: new Map() };
}
