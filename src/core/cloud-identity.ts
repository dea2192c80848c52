/**
 * Cloud identities a tenant's workloads take on (GKE Workload Identity, EKS IAM roles for service
 * accounts): one model for the synth checks and the access report. A cloud identity belongs to one
 * tenant: two tenants bound to the same GCP service account or IAM role reach each other's buckets,
 * registries and secrets outside Kubernetes, where no NetworkPolicy or RBAC rule applies.
 */
import { AWS_IRSA_ANNOTATION, GCP_WORKLOAD_IDENTITY_ANNOTATION } from './kubeflow-defaults';
import { Manifest } from './manifest';

/** A cloud identity as written, with the key under which two spellings are the same identity. */
export interface CloudIdentity {
  /** The ServiceAccount annotation that binds it (`iam.gke.io/gcp-service-account`, `eks.amazonaws.com/role-arn`). */
  readonly annotation: string;
  /** The value as written. */
  readonly value: string;
  /**
   * What identifies it at the cloud provider: IAM role names are unique per account whatever their
   * path and are not case-sensitive, so `role/Team` and `role/ops/team` are one role.
   */
  readonly key: string;
}

/** The annotations that bind a Kubernetes ServiceAccount to a cloud identity. */
export const CLOUD_IDENTITY_ANNOTATIONS = [GCP_WORKLOAD_IDENTITY_ANNOTATION, AWS_IRSA_ANNOTATION];

const ROLE_ARN = /^arn:(aws[a-z-]*):iam::(\d{12}):role\/(?:[^/]*\/)*([^/]+)$/;

/** The cloud identity bound by `annotation: value`, or undefined when the annotation binds none. */
export function cloudIdentity(annotation: string, value: unknown): CloudIdentity | undefined {
  if (typeof value !== 'string' || value === '') return undefined;
  if (annotation === GCP_WORKLOAD_IDENTITY_ANNOTATION) return { annotation, value, key: `gcp:${value.toLowerCase()}` };
  if (annotation === AWS_IRSA_ANNOTATION) {
    const arn = ROLE_ARN.exec(value);
    return { annotation, value, key: arn ? `aws:${arn[1]}:${arn[2]}:${arn[3].toLowerCase()}` : `aws:${value.toLowerCase()}` };
  }
  return undefined;
}

/** The cloud identities a Profile plugin list binds (`spec.plugins`, or the catalog's flattened form). */
export function pluginCloudIdentities(plugins: Array<{ kind?: unknown; gcpServiceAccount?: unknown; awsIamRole?: unknown }>): CloudIdentity[] {
  const identities: CloudIdentity[] = [];
  for (const plugin of plugins ?? []) {
    const gcp = plugin?.kind === 'WorkloadIdentity' ? cloudIdentity(GCP_WORKLOAD_IDENTITY_ANNOTATION, plugin.gcpServiceAccount) : undefined;
    const aws = plugin?.kind === 'AwsIamForServiceAccount' ? cloudIdentity(AWS_IRSA_ANNOTATION, plugin.awsIamRole) : undefined;
    for (const identity of [gcp, aws]) if (identity) identities.push(identity);
  }
  return identities;
}

/** A ServiceAccount bound to a cloud identity, as found in manifests. */
export interface BoundCloudIdentity extends CloudIdentity {
  readonly namespace: string;
  readonly serviceAccount: string;
}

/** Every cloud identity bound by a ServiceAccount among `objects`, sorted by namespace, account and value. */
export function boundCloudIdentities(objects: Manifest[]): BoundCloudIdentity[] {
  const bound: BoundCloudIdentity[] = [];
  for (const object of objects) {
    if (object?.kind !== 'ServiceAccount' || object.metadata?.namespace === undefined) continue;
    for (const annotation of CLOUD_IDENTITY_ANNOTATIONS) {
      const identity = cloudIdentity(annotation, object.metadata.annotations?.[annotation]);
      if (identity) bound.push({ ...identity, namespace: object.metadata.namespace, serviceAccount: String(object.metadata.name) });
    }
  }
  const order = (b: BoundCloudIdentity) => `${b.namespace}\u0000${b.serviceAccount}\u0000${b.value}`;
  return bound.sort((a, b) => (order(a) < order(b) ? -1 : order(a) > order(b) ? 1 : 0));
}

/** Cloud identities bound in more than one namespace: each such identity with the namespaces that share it. */
export function sharedCloudIdentities(bound: BoundCloudIdentity[]): Array<{ value: string; namespaces: string[] }> {
  const byKey = new Map<string, { value: string; namespaces: Set<string> }>();
  for (const b of bound) {
    const entry = byKey.get(b.key) ?? byKey.set(b.key, { value: b.value, namespaces: new Set() }).get(b.key)!;
    entry.namespaces.add(b.namespace);
  }
  return [...byKey.values()].filter(e => e.namespaces.size > 1).map(e => ({ value: e.value, namespaces: [...e.namespaces].sort() }))
    .sort((a, b) => (a.value < b.value ? -1 : 1));
}
