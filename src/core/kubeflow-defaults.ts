/**
 * Names and values that Kubeflow's profile controller and KFAM use.
 * Kept in one place so every construct reads them from here (see
 * docs/kubeflow.md for their provenance).
 */

/** Principal of the Istio ingress gateway that forwards authenticated user requests. */
export const DEFAULT_INGRESS_GATEWAY_PRINCIPAL = 'cluster.local/ns/istio-system/sa/istio-ingressgateway-service-account';
/** Principal of the Kubeflow Pipelines UI, which proxies user requests into tenant namespaces. */
export const DEFAULT_PIPELINES_UI_PRINCIPAL = 'cluster.local/ns/kubeflow/sa/ml-pipeline-ui';
/** Principal of the notebook controller, which probes notebook kernels for culling. */
export const DEFAULT_NOTEBOOK_CONTROLLER_PRINCIPAL = 'cluster.local/ns/kubeflow/sa/notebook-controller-service-account';
/** Header in which the auth proxy passes the user id. */
export const DEFAULT_USER_ID_HEADER = 'kubeflow-userid';
/** Header in which the auth proxy (Kubeflow 1.9+) passes the user's groups, comma-separated. */
export const DEFAULT_GROUPS_HEADER = 'kubeflow-groups';

export const OWNER_AUTHORIZATION_POLICY_NAME = 'ns-owner-access-istio';
export const OWNER_ROLE_BINDING_NAME = 'namespaceAdmin';
export const RESOURCE_QUOTA_NAME = 'kf-resource-quota';
export const EDITOR_SERVICE_ACCOUNT = 'default-editor';
export const VIEWER_SERVICE_ACCOUNT = 'default-viewer';
export const WAYPOINT_L4_POLICY_NAME = 'waypoint-l4-access';
export const DEFAULT_WAYPOINT_NAME = 'waypoint';
/**
 * Ambient mode with Kubeflow's profile controller: the owner's rules attached to the waypoint
 * (the controller's own `ns-owner-access-istio` has no targetRefs, so no proxy reads its header rule).
 */
export const OWNER_WAYPOINT_POLICY_NAME = 'ns-owner-access-waypoint';
/** Ambient mode: ztunnel admits the namespace's own workloads (pod-to-pod traffic that skips the waypoint). */
export const SAME_NAMESPACE_L4_POLICY_NAME = 'same-namespace-l4-access';

/** Knative's queue-proxy probe paths, which must stay reachable without a user header. */
export const KNATIVE_PROBE_PATHS = ['/healthz', '/metrics', '/wait-for-drain'];
/** Path pattern the notebook controller reads to cull idle notebooks. */
export const NOTEBOOK_KERNELS_PATH = '*/api/kernels';

export const KUBEFLOW_CLUSTER_ROLE_PREFIX = 'kubeflow-';
export const RBAC_API_GROUP = 'rbac.authorization.k8s.io';

/** Namespace labels the profile controller applies by default. */
export const DEFAULT_NAMESPACE_LABELS: Readonly<Record<string, string>> = {
  'katib.kubeflow.org/metrics-collector-injection': 'enabled',
  'serving.kubeflow.org/inferenceservice': 'enabled',
  'pipelines.kubeflow.org/enabled': 'true',
  'app.kubernetes.io/part-of': 'kubeflow-profile',
};

/**
 * Whether a namespace label key is one the mesh reads: Istio's own domain (`istio.io/...`,
 * `*.istio.io/...`, e.g. `istio.io/rev`, `istio.io/use-waypoint-canary`,
 * `topology.istio.io/network`) or `istio-injection`. Only the mesh mode sets them: any of them
 * could move a tenant's traffic past its waypoint, to another revision or network.
 */
export function isMeshLabelKey(key: string): boolean {
  const slash = key.indexOf('/');
  const prefix = slash < 0 ? '' : key.slice(0, slash).toLowerCase();
  return key === 'istio-injection' || prefix === 'istio.io' || prefix.endsWith('.istio.io');
}

/** Annotation keys of the plugins the profile controller supports. */
export const GCP_WORKLOAD_IDENTITY_ANNOTATION = 'iam.gke.io/gcp-service-account';
export const AWS_IRSA_ANNOTATION = 'eks.amazonaws.com/role-arn';

/**
 * Namespaces no tenant may take: Kubernetes' own, and every namespace Kubeflow's manifests
 * install (kubeflow/manifests 009c880: its Namespace objects and kustomization namespaces).
 * Namespaces the output itself writes platform objects to are refused as well, by the app.
 */
export const RESERVED_NAMESPACES = [
  'kube-system',
  'kube-public',
  'kube-node-lease',
  'default',
  'kubeflow',
  'kubeflow-system',
  'istio-system',
  'cert-manager',
  'auth',
  'oauth2-proxy',
  'knative-serving',
  'knative-eventing',
  'kserve',
  'model-catalog',
  'profiles-system',
  'notebook-controller-system',
  'tensorboard-controller-system',
  'jobset-system',
  'lws-system',
  // The GitOps controllers' default namespaces: their service accounts apply the output and pass the guard.
  'argocd',
  'flux-system',
  // Namespaces that common platform components install into (CNIs, ingress, policy engines,
  // monitoring, autoscalers, queues, storage): a tenant there would own what runs the cluster.
  'calico-system',
  'calico-apiserver',
  'tigera-operator',
  'cilium-secrets',
  'istio-ingress',
  'istio-cni',
  'gatekeeper-system',
  'kyverno',
  'ingress-nginx',
  'monitoring',
  'karpenter',
  'kueue-system',
  'local-path-storage',
  'gpu-operator',
  'external-secrets',
  'velero',
];

/** Prefixes of namespaces Kubernetes distributions and platform components reserve. */
export const RESERVED_NAMESPACE_PREFIXES = ['kube-', 'openshift-', 'gke-', 'istio-', 'calico-', 'cilium-'];

/** Namespace label that marks shared services every tenant may reach (network policy). */
export const DEFAULT_SHARED_SERVICES_LABEL = 'kf-tenancy.io/shared-services';
