/**
 * Kubeflow's `Profile` object and what Kubeflow's profile controller writes from it, as plain
 * manifests. One function serves both targets: with no profile controller in the cluster,
 * {@link TenantProfile} writes these objects itself; with one, it leaves them to the controller
 * and the access analysis expands each Profile with the same function, so the report is the
 * same either way. Facts and source lines: docs/kubeflow.md.
 */
import { ResolvedKubeflowAuth } from './auth-options';
import {
  AWS_IRSA_ANNOTATION,
  EDITOR_SERVICE_ACCOUNT,
  GCP_WORKLOAD_IDENTITY_ANNOTATION,
  KNATIVE_PROBE_PATHS,
  KUBEFLOW_CLUSTER_ROLE_PREFIX,
  NOTEBOOK_KERNELS_PATH,
  OWNER_AUTHORIZATION_POLICY_NAME,
  OWNER_ROLE_BINDING_NAME,
  RBAC_API_GROUP,
  RESOURCE_QUOTA_NAME,
  VIEWER_SERVICE_ACCOUNT,
} from './kubeflow-defaults';
import { Manifest, WrittenManifest } from './manifest';

/** A Profile as read back from YAML: any field may be missing or of the wrong type. */
export interface ProfileManifest extends Manifest {
  spec?: {
    owner?: { name?: unknown };
    resourceQuotaSpec?: { hard?: Record<string, unknown> };
    plugins?: Array<{ kind?: unknown; spec?: Record<string, unknown> }>;
  };
}

/** Who reconciles Kubeflow `Profile` objects in the target cluster; chosen once for the whole output. */
export enum ProfileController {
  /**
   * Kubeflow's profile controller runs (every standard Kubeflow install). The output holds the
   * Profile, the Namespace and everything the controller does not write; the controller writes
   * `namespaceAdmin`, `ns-owner-access-istio`, the `default-editor`/`default-viewer`
   * ServiceAccounts and RoleBindings and `kf-resource-quota` from the Profile.
   */
  KUBEFLOW = 'kubeflow',
  /** Nothing reconciles Profiles: the output holds every object itself. */
  NONE = 'none',
}

/** Construct context key through which a TenancyApp passes its `profileController` to its tenants. */
export const PROFILE_CONTROLLER_CONTEXT = 'kf-tenancy:profileController';

export const PROFILE_API_VERSION = 'kubeflow.org/v1';
export const PROFILE_KIND = 'Profile';

/** What a Profile declares. */
export interface ProfileDeclaration {
  readonly name: string;
  readonly owner: string;
  readonly resourceQuota?: Record<string, string>;
  /** `spec.plugins`, as the CRD has them: `{kind, spec}`. */
  readonly plugins?: Array<{ kind: string; spec: Record<string, unknown> }>;
}

/** The `kubeflow.org/v1` Profile: no contributors (the CRD has none), no finalizers, no status. */
export function profileManifest(profile: ProfileDeclaration): WrittenManifest {
  const spec: Record<string, unknown> = { owner: { apiGroup: RBAC_API_GROUP, kind: 'User', name: profile.owner } };
  if (profile.resourceQuota && Object.keys(profile.resourceQuota).length > 0) spec.resourceQuotaSpec = { hard: { ...profile.resourceQuota } };
  if (profile.plugins && profile.plugins.length > 0) spec.plugins = profile.plugins.map(p => ({ kind: p.kind, spec: { ...p.spec } }));
  return { apiVersion: PROFILE_API_VERSION, kind: PROFILE_KIND, metadata: { name: profile.name }, spec };
}

/** Whether a manifest is a Kubeflow Profile. */
export function isProfile(doc: Manifest): boolean {
  return doc?.kind === PROFILE_KIND && typeof doc?.apiVersion === 'string' && doc.apiVersion.startsWith('kubeflow.org/');
}

/** A Profile manifest read back into what it declares; undefined when it has no name or owner. */
export function profileDeclaration(doc: ProfileManifest): ProfileDeclaration | undefined {
  const name = doc?.metadata?.name;
  const owner = doc?.spec?.owner?.name;
  if (typeof name !== 'string' || typeof owner !== 'string') return undefined;
  const hard = doc.spec?.resourceQuotaSpec?.hard;
  const plugins = Array.isArray(doc.spec?.plugins) ? doc.spec.plugins.filter((p): p is { kind: string; spec?: Record<string, unknown> } => typeof p?.kind === 'string') : undefined;
  return {
    name,
    owner,
    resourceQuota: hard && typeof hard === 'object' ? Object.fromEntries(Object.entries(hard).map(([k, v]) => [k, String(v)])) : undefined,
    plugins: plugins?.map(p => ({ kind: p.kind, spec: p.spec && typeof p.spec === 'object' ? p.spec : {} })),
  };
}

/**
 * The objects the profile controller writes for a Profile (kubeflow/dashboard
 * components/profile-controller/controllers/profile_controller.go): the owner's RoleBinding and
 * AuthorizationPolicy, the two ServiceAccounts with their RoleBindings (plugins annotate
 * `default-editor`), and the ResourceQuota when the Profile sets one. Without owner references:
 * a synth-time tool has no Profile UID.
 */
export function profileControllerObjects(profile: ProfileDeclaration, auth: ResolvedKubeflowAuth,
  authorizationPolicyApiVersion: string): WrittenManifest[] {
  const namespace = profile.name;
  const ownerAnnotations = { user: profile.owner, role: 'admin' };
  const objects: WrittenManifest[] = [
    {
      apiVersion: 'rbac.authorization.k8s.io/v1',
      kind: 'RoleBinding',
      metadata: { name: OWNER_ROLE_BINDING_NAME, namespace, annotations: ownerAnnotations },
      roleRef: { apiGroup: RBAC_API_GROUP, kind: 'ClusterRole', name: `${KUBEFLOW_CLUSTER_ROLE_PREFIX}admin` },
      subjects: [{ apiGroup: RBAC_API_GROUP, kind: 'User', name: profile.owner }],
    },
    {
      apiVersion: authorizationPolicyApiVersion,
      kind: 'AuthorizationPolicy',
      metadata: { name: OWNER_AUTHORIZATION_POLICY_NAME, namespace, annotations: ownerAnnotations },
      spec: {
        action: 'ALLOW',
        rules: [
          {
            from: [{ source: { principals: [auth.ingressGatewayPrincipal, auth.pipelinesUiPrincipal] } }],
            when: [{ key: `request.headers[${auth.userIdHeader}]`, values: [`${auth.userIdPrefix}${profile.owner}`] }],
          },
          { when: [{ key: 'source.namespace', values: [namespace] }] },
          { to: [{ operation: { paths: [...KNATIVE_PROBE_PATHS] } }] },
          {
            from: [{ source: { principals: [auth.notebookControllerPrincipal] } }],
            to: [{ operation: { methods: ['GET'], paths: [NOTEBOOK_KERNELS_PATH] } }],
          },
        ],
      },
    },
  ];
  const editorAnnotations: Record<string, string> = {};
  for (const plugin of profile.plugins ?? []) {
    if (plugin.kind === 'WorkloadIdentity' && typeof plugin.spec.gcpServiceAccount === 'string') {
      editorAnnotations[GCP_WORKLOAD_IDENTITY_ANNOTATION] = plugin.spec.gcpServiceAccount;
    }
    if (plugin.kind === 'AwsIamForServiceAccount' && typeof plugin.spec.awsIamRole === 'string') {
      editorAnnotations[AWS_IRSA_ANNOTATION] = plugin.spec.awsIamRole;
    }
  }
  for (const [name, role, annotations] of [[EDITOR_SERVICE_ACCOUNT, 'edit', editorAnnotations], [VIEWER_SERVICE_ACCOUNT, 'view', {}]] as const) {
    // No automountServiceAccountToken: pipelines and notebooks use the token.
    objects.push({
      apiVersion: 'v1',
      kind: 'ServiceAccount',
      metadata: { name, namespace, ...(Object.keys(annotations).length > 0 ? { annotations: { ...annotations } } : {}) },
    });
    objects.push({
      apiVersion: 'rbac.authorization.k8s.io/v1',
      kind: 'RoleBinding',
      metadata: { name, namespace },
      roleRef: { apiGroup: RBAC_API_GROUP, kind: 'ClusterRole', name: `${KUBEFLOW_CLUSTER_ROLE_PREFIX}${role}` },
      subjects: [{ kind: 'ServiceAccount', name, namespace }],
    });
  }
  if (profile.resourceQuota && Object.keys(profile.resourceQuota).length > 0) {
    objects.push({
      apiVersion: 'v1',
      kind: 'ResourceQuota',
      metadata: { name: RESOURCE_QUOTA_NAME, namespace },
      spec: { hard: { ...profile.resourceQuota } },
    });
  }
  return objects;
}

function objectKey(doc: Manifest): string {
  return `${String(doc.apiVersion).split('/').slice(0, -1).join('/')}/${doc.kind}/${doc.metadata?.namespace ?? ''}/${doc.metadata?.name}`;
}

/**
 * The manifests with, for every Profile among them, the objects the profile controller will
 * write that are not there already: what the cluster will hold once the controller has run.
 * Output for a cluster without a controller already holds them, so nothing is added to it.
 */
export function withProfileControllerObjects<T extends Manifest>(docs: T[],
  authOf: (profile: string) => ResolvedKubeflowAuth): Array<T | WrittenManifest> {
  const profiles = docs.filter(isProfile).map(d => profileDeclaration(d as ProfileManifest)).filter((p): p is ProfileDeclaration => p !== undefined);
  if (profiles.length === 0) return docs;
  const present = new Set(docs.map(objectKey));
  const added = profiles
    // The controller writes v1beta1 policies; the version does not change what they admit.
    .flatMap(p => profileControllerObjects(p, authOf(p.name), 'security.istio.io/v1beta1'))
    .filter(o => !present.has(objectKey(o)));
  return [...docs, ...added];
}
