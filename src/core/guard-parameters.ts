/**
 * What the tenancy guard needs to know about one tenant, written on the tenant's Namespace.
 *
 * The guard's ValidatingAdmissionPolicies read it through `namespaceObject`, which the API server
 * hands to every policy evaluated for a namespaced request. A Namespace rather than a params
 * object (`paramKind` + `paramRef`) because a missing params object either skips the policy
 * (`parameterNotFoundAction: Allow`: a new namespace is unguarded until its params arrive) or
 * refuses every request before any expression runs (`Deny`: the first apply fails and a deleted
 * namespace cannot be emptied), see k8s.io/apiserver v0.34.4
 * pkg/admission/plugin/policy/generic/policy_dispatcher.go L184-185 and L377. The Namespace is
 * applied first, exists for as long as anything in it, and only cluster admins and the GitOps
 * identity may change it: tenant owners hold namespaced roles only.
 *
 * Every value is a list, one entry per line: identities are printable ASCII without whitespace
 * (see `identityProblem`), so a line break cannot occur inside an entry.
 */
import { identityHeaderKeys } from './allow-rules';
import { ResolvedKubeflowAuth } from './auth-options';
import { boundCloudIdentities } from './cloud-identity';
import { groupHeaderValues } from './group-header';
import { OWNER_AUTHORIZATION_POLICY_NAME, RESOURCE_QUOTA_NAME } from './kubeflow-defaults';
import { ProfileController, withProfileControllerObjects } from './kubeflow-profile';
import { AuthorizationPolicyManifest, Manifest, NetworkPolicyManifest, NetworkPolicyPeerSpec, ofKind } from './manifest';
import { Problem } from './problem';

/** The label every guarded tenant Namespace carries (value: the tenant's name); the guard's policies select namespaces by it. */
export const TENANT_LABEL = 'kf-tenancy.io/tenant';

/** Annotation keys of the guard's per-tenant parameters. */
export const GUARD_ANNOTATIONS = {
  /** Users the tenant declares (owner, contributors, team-role users): RoleBinding subjects allowed. */
  users: 'guard.kf-tenancy.io/users',
  /** Groups the tenant declares (group contributors, team-role groups). */
  groups: 'guard.kf-tenancy.io/groups',
  /** The Istio condition keys of the user-id and groups headers, `request.headers[<name>]`. */
  identityHeaders: 'guard.kf-tenancy.io/identity-headers',
  /** `key=value` for every identity-header value the tenant's policies may match (prefix and group forms included). */
  headerValues: 'guard.kf-tenancy.io/header-values',
  /**
   * Sources beyond the tenant's own namespace an AuthorizationPolicy may name, as written by the
   * tenant's own policies: `principal:<p>` (a workload that acts for itself, such as the notebook
   * controller), `proxy:<p>` (one that forwards users: the ingress gateway, the Pipelines UI; it
   * admits only together with a user or group condition) and `namespace:<n>`.
   */
  sources: 'guard.kf-tenancy.io/sources',
  /** `ingress:k=v[,k=v]` and `egress:...`: label sets a NetworkPolicy peer may select namespaces by, per direction, as the tenant's own policies do. */
  namespaceSelectors: 'guard.kf-tenancy.io/namespace-selectors',
  /** `annotation=value` of every cloud identity the tenant's ServiceAccounts are bound to: the only ones a ServiceAccount may name. */
  cloudIdentities: 'guard.kf-tenancy.io/cloud-identities',
  /** The ipBlocks of the tenant's own NetworkPolicies, `cidr[ except a,b]`, exactly as written: the only ones a new policy may use. */
  ipBlocks: 'guard.kf-tenancy.io/ip-blocks',
  /** `Kind/name` of the NetworkPolicies, LimitRanges, ResourceQuotas and AuthorizationPolicies written for the tenant. */
  managed: 'guard.kf-tenancy.io/managed',
  /**
   * PriorityClasses the tenant's pods may not use (a ResourceQuota of zero pods scoped to them):
   * with Kueue, its Workloads may not take their priority from them either.
   */
  deniedPriorityClasses: 'guard.kf-tenancy.io/denied-priority-classes',
  /** The Kueue ClusterQueues the tenant's own LocalQueues feed, as written: the only ones a LocalQueue in its namespace may feed. */
  clusterQueues: 'guard.kf-tenancy.io/cluster-queues',
} as const;

/** Kinds whose objects, once written for a tenant, only the GitOps identity may change or delete. */
export const GUARDED_KINDS = ['AuthorizationPolicy', 'LimitRange', 'NetworkPolicy', 'ResourceQuota'];

/** The label key Kubernetes sets on every Namespace to its name. */
export const NAMESPACE_NAME_LABEL = 'kubernetes.io/metadata.name';

/**
 * Above this many bytes of annotations a Namespace comes close to the API server's limit
 * (256 KiB for all annotations together, and client-side apply copies them once more into
 * `last-applied-configuration`).
 */
export const GUARD_ANNOTATION_BUDGET = 64 * 1024;

/** A tenant as the guard parameters are derived from. */
export interface GuardedTenant {
  readonly name: string;
  readonly users: string[];
  readonly groups: string[];
  readonly auth: ResolvedKubeflowAuth;
  readonly profileController: ProfileController;
}

const sortedUnique = (values: Iterable<string>) => [...new Set(values)].sort();

/**
 * The guard parameters of one tenant, from what the tenant declares and the objects written for
 * it (`docs`, its own output). With Kubeflow's profile controller, what the controller writes from
 * the Profile counts as written for the tenant: it is in the cluster as much as the output is.
 */
export function guardParameters(tenant: GuardedTenant, docs: Manifest[]): Record<string, string> {
  const ns = tenant.name;
  const inCluster = tenant.profileController === ProfileController.KUBEFLOW ? withProfileControllerObjects(docs, () => tenant.auth) : docs;
  const own = inCluster.filter(d => d?.metadata?.namespace === ns);
  const keys = identityHeaderKeys(tenant.auth);
  const users = sortedUnique(tenant.users);
  const groups = sortedUnique(tenant.groups);

  const headerValues = [
    ...users.map(u => `${keys.user}=${tenant.auth.userIdPrefix}${u}`),
    // A group is matched as the whole header or as its first or last entry (see Contributor).
    ...groups.flatMap(g => groupHeaderValues(g).map(value => `${keys.groups}=${value}`)),
  ];

  const sources = new Set<string>();
  for (const policy of own.filter(ofKind<AuthorizationPolicyManifest>('AuthorizationPolicy')).filter(d => (d.spec?.action ?? 'ALLOW') === 'ALLOW')) {
    for (const rule of policy.spec?.rules ?? []) {
      // A principal next to a user or group condition forwards users; alone, it acts for itself.
      const forwardsUsers = (rule.when ?? []).some(c => c.key === keys.user || c.key === keys.groups);
      for (const from of rule.from ?? []) {
        for (const principal of from.source?.principals ?? []) sources.add(`${forwardsUsers ? 'proxy' : 'principal'}:${principal}`);
        for (const namespace of from.source?.namespaces ?? []) if (namespace !== ns) sources.add(`namespace:${namespace}`);
      }
      for (const condition of rule.when ?? []) {
        if (condition.key === 'source.namespace') for (const v of condition.values ?? []) if (v !== ns) sources.add(`namespace:${v}`);
        if (condition.key === 'source.principal') for (const v of condition.values ?? []) sources.add(`${forwardsUsers ? 'proxy' : 'principal'}:${v}`);
      }
    }
  }
  // A principal some rule uses alone and another next to a user condition is a principal.
  for (const entry of [...sources]) if (entry.startsWith('proxy:') && sources.has(`principal:${entry.slice('proxy:'.length)}`)) sources.delete(entry);

  // Per direction: a namespace the tenant may send to is not thereby one it accepts traffic from.
  const selectors = new Set<string>();
  for (const policy of own.filter(ofKind<NetworkPolicyManifest>('NetworkPolicy'))) {
    const rules: Array<[string, NetworkPolicyPeerSpec[]]> = [
      ...(policy.spec?.ingress ?? []).map((r): [string, NetworkPolicyPeerSpec[]] => ['ingress', r.from ?? []]),
      ...(policy.spec?.egress ?? []).map((r): [string, NetworkPolicyPeerSpec[]] => ['egress', r.to ?? []]),
    ];
    for (const [direction, peers] of rules) {
      for (const peer of peers) {
        const labels = peer.namespaceSelector?.matchLabels ?? {};
        const pairs = Object.keys(labels).sort().map(k => `${k}=${labels[k]}`);
        // The namespace's own name needs no entry: the guard always allows it.
        if (pairs.length > 0 && !(pairs.length === 1 && labels[NAMESPACE_NAME_LABEL] === ns)) selectors.add(`${direction}:${pairs.join(',')}`);
      }
    }
  }

  const ipBlocks = new Set<string>();
  for (const policy of own.filter(ofKind<NetworkPolicyManifest>('NetworkPolicy'))) {
    const peers = [...(policy.spec?.ingress ?? []).flatMap(r => r.from ?? []), ...(policy.spec?.egress ?? []).flatMap(r => r.to ?? [])];
    for (const peer of peers) if (peer.ipBlock) ipBlocks.add(ipBlockText(peer.ipBlock));
  }

  const cloudIdentities = boundCloudIdentities(own).map(b => `${b.annotation}=${b.value}`);

  const managed = managedObjects(own, tenant.profileController);

  const parameters: Record<string, string> = {};
  const put = (key: string, values: string[]) => {
    if (values.length > 0) parameters[key] = values.join('\n');
  };
  put(GUARD_ANNOTATIONS.users, users);
  put(GUARD_ANNOTATIONS.groups, groups);
  put(GUARD_ANNOTATIONS.identityHeaders, [keys.user, keys.groups]);
  put(GUARD_ANNOTATIONS.headerValues, sortedUnique(headerValues));
  put(GUARD_ANNOTATIONS.sources, sortedUnique(sources));
  put(GUARD_ANNOTATIONS.namespaceSelectors, sortedUnique(selectors));
  put(GUARD_ANNOTATIONS.ipBlocks, sortedUnique(ipBlocks));
  put(GUARD_ANNOTATIONS.cloudIdentities, sortedUnique(cloudIdentities));
  put(GUARD_ANNOTATIONS.managed, sortedUnique(managed));
  put(GUARD_ANNOTATIONS.deniedPriorityClasses, sortedUnique(deniedPriorityClasses(own)));
  put(GUARD_ANNOTATIONS.clusterQueues, sortedUnique(ownClusterQueues(own)));
  return parameters;
}

/** `Kind/name` of the objects only the GitOps identity (and the profile controller, its own two) may change. */
function managedObjects(own: Manifest[], profileController: ProfileController): string[] {
  const managed = own.filter(d => GUARDED_KINDS.includes(String(d.kind))).map(d => `${d.kind}/${d.metadata?.name}`);
  if (profileController === ProfileController.KUBEFLOW) {
    // The controller writes both; kf-resource-quota only while the Profile sets a quota, but a
    // protected name that does not exist protects nothing and costs nothing.
    managed.push(`AuthorizationPolicy/${OWNER_AUTHORIZATION_POLICY_NAME}`, `ResourceQuota/${RESOURCE_QUOTA_NAME}`);
  }
  return managed;
}

/** The ClusterQueues the tenant's own LocalQueues feed. */
function ownClusterQueues(own: Manifest[]): string[] {
  return own.filter(d => d?.kind === 'LocalQueue').map(d => String((d as { spec?: { clusterQueue?: unknown } }).spec?.clusterQueue));
}

/** The PriorityClasses a zero-pod ResourceQuota scoped by PriorityClass closes to the tenant's pods. */
function deniedPriorityClasses(own: Manifest[]): string[] {
  return own.filter(d => d?.kind === 'ResourceQuota').flatMap(d => {
    const spec = (d as { spec?: QuotaSpec }).spec;
    const expressions = spec?.scopeSelector?.matchExpressions ?? [];
    if (String(spec?.hard?.pods) !== '0' || expressions.length !== 1) return [];
    const [only] = expressions;
    return only.scopeName === 'PriorityClass' && only.operator === 'In' ? only.values ?? [] : [];
  });
}

interface QuotaSpec {
  readonly hard?: Record<string, unknown>;
  readonly scopeSelector?: { readonly matchExpressions?: Array<{ scopeName?: string; operator?: string; values?: string[] }> };
}

/** An ipBlock as one line of the `ip-blocks` parameter; the guard's CEL builds the same text from a request. */
export function ipBlockText(block: { cidr: string; except?: string[] }): string {
  return `${block.cidr}${block.except && block.except.length > 0 ? ` except ${block.except.join(',')}` : ''}`;
}

/** Why the parameters cannot be written on the Namespace, if they cannot. */
export function guardParametersProblem(tenant: string, parameters: Record<string, string>): Problem | undefined {
  const bytes = Object.entries(parameters).reduce((sum, [k, v]) => sum + Buffer.byteLength(k) + Buffer.byteLength(v), 0);
  if (bytes <= GUARD_ANNOTATION_BUDGET) return undefined;
  return {
    tenant,
    message: `the tenancy guard's parameters take ${bytes} bytes on the Namespace, more than ${GUARD_ANNOTATION_BUDGET} `
      + '(the API server allows 256 KiB of annotations, and client-side apply keeps a second copy)',
    fix: 'grant access to groups instead of listing each user',
  };
}

/** The tenant's Namespace document with the guard's label and parameters (a copy; `docs` are not changed). */
export function withGuardParameters(docs: Manifest[], tenant: GuardedTenant): { docs: Manifest[]; problem?: Problem } {
  const parameters = guardParameters(tenant, docs);
  const problem = guardParametersProblem(tenant.name, parameters);
  const result = docs.map(doc => {
    if (doc?.kind !== 'Namespace' || doc.metadata?.name !== tenant.name) return doc;
    const metadata = doc.metadata;
    return {
      ...doc,
      metadata: {
        ...metadata,
        annotations: sortKeys({ ...metadata.annotations, ...parameters }),
        labels: sortKeys({ ...metadata.labels, [TENANT_LABEL]: tenant.name }),
      },
    };
  });
  return { docs: result, problem };
}

function sortKeys(map: Record<string, string>): Record<string, string> {
  return Object.fromEntries(Object.keys(map).sort().map(k => [k, map[k]]));
}
