/**
 * What the access analysis reads of each manifest, kept once where tenants share it.
 */
import { CLOUD_IDENTITY_ANNOTATIONS } from '../../core/cloud-identity';
import { Manifest } from '../../core/manifest';
import { ESCALATION_REASON_ANNOTATION } from '../../core/team-role-allowlist';

/**
 * What the access analysis reads of a manifest, or undefined for kinds it does not read: RBAC
 * objects, AuthorizationPolicies, NetworkPolicies, Namespaces, Profiles, Kueue queues and the guard's bindings,
 * without annotations or policy bodies. Parts that are alike across tenants (the default network
 * policies, role references, rule lists) are kept once and shared, so a folder of 10,000 tenants
 * takes a fraction of its size in memory; the matrix is the same. One function per read (or per
 * pair of folders of a diff): it remembers what it has seen.
 */
export function accessViewer(): (manifest: Manifest) => Manifest | undefined {
  const seen = new Map<string, unknown>();
  const shared = <T>(value: T): T => {
    if (value === undefined || value === null || typeof value !== 'object') return value;
    const key = JSON.stringify(value);
    const known = seen.get(key);
    if (known !== undefined) return known as T;
    seen.set(key, value);
    return value;
  };
  return manifest => {
    const kind = manifest.kind;
    const metadata = manifest.metadata ?? {};
    const base: Manifest = {
      apiVersion: manifest.apiVersion,
      kind,
      metadata: {
        name: metadata.name,
        ...(metadata.namespace !== undefined ? { namespace: metadata.namespace } : {}),
        ...(metadata.labels !== undefined ? { labels: shared(metadata.labels) } : {}),
      },
    };
    switch (kind) {
      case 'Namespace':
      case 'ValidatingAdmissionPolicy':
        return base;
      case 'ServiceAccount': {
        // Only what binds a cloud identity: the access report lists them per namespace.
        const keys = CLOUD_IDENTITY_ANNOTATIONS.filter(k => metadata.annotations?.[k] !== undefined);
        const cloud = Object.fromEntries(keys.map(k => [k, metadata.annotations![k]]));
        return Object.keys(cloud).length === 0 ? undefined : { ...base, metadata: { ...base.metadata, annotations: cloud } };
      }
      case 'RoleBinding':
      case 'ClusterRoleBinding':
        return { ...base, roleRef: shared(manifest.roleRef), subjects: shared(manifest.subjects) };
      case 'Role':
      case 'ClusterRole':
        return {
          ...base,
          ...(metadata.annotations?.[ESCALATION_REASON_ANNOTATION] !== undefined
            ? { metadata: { ...base.metadata, annotations: { [ESCALATION_REASON_ANNOTATION]: metadata.annotations[ESCALATION_REASON_ANNOTATION] } } }
            : {}),
          rules: shared(manifest.rules),
          ...(manifest.aggregationRule !== undefined ? { aggregationRule: manifest.aggregationRule } : {}),
        };
      case 'AuthorizationPolicy': {
        // Istio's dry-run annotation decides whether the policy is enforced at all.
        const dryRun = metadata.annotations?.['istio.io/dry-run'];
        const annotated = dryRun === undefined ? base : { ...base, metadata: { ...base.metadata, annotations: { 'istio.io/dry-run': dryRun } } };
        return { ...annotated, spec: shared(manifest.spec) };
      }
      case 'LocalQueue':
      case 'ClusterQueue': {
        // Which ClusterQueue a LocalQueue feeds, and which namespace that admits: the report's GPU queues.
        const spec = (manifest.spec ?? {}) as { clusterQueue?: unknown; namespaceSelector?: unknown };
        return { ...base, spec: { clusterQueue: spec.clusterQueue, namespaceSelector: shared(spec.namespaceSelector) } };
      }
      case 'NetworkPolicy':
      case 'Profile':
      case 'ValidatingAdmissionPolicyBinding':
        return { ...base, spec: shared(manifest.spec) };
      default:
        return undefined;
    }
  };
}
