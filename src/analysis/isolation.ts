/**
 * The isolation check: every path into a tenant must come from what the tenant
 * declares (owner, contributors, team roles, its own service accounts, the
 * namespaces its own network rules name). Anything else is reported with the
 * identity, the namespace and the object that opens the path.
 */
import { dataPlaneOf, namespaceEnforcement, unenforcedPolicies } from './ambient';
import { addQueueFacts, emptyQueueFacts, QueueFacts, queueViolations } from './kueue';
import { actionOf } from './mesh';
import { anonymousAdmission, meshProbes } from './mesh-probes';
import { RbacModel } from './rbac';
import { classifyAllowRule } from '../core/allow-rules';
import { resolveAuth, ResolvedKubeflowAuth } from '../core/auth-options';
import { cidrProblem, reachedRanges } from '../core/cidr';
import { DEFAULT_CLUSTER_CIDRS, METADATA_CIDRS } from '../core/cluster-facts';
import { groupOfHeaderValue } from '../core/group-header';
import { withProfileControllerObjects } from '../core/kubeflow-profile';
import {
  AuthorizationConditionSpec, AuthorizationPolicyManifest, BindingManifest, Manifest,
  NetworkPolicyManifest, NetworkPolicyRuleSpec, ofKind, RoleManifest,
} from '../core/manifest';
import { Problem } from '../core/problem';
import { principalNamespace } from '../core/validation';

/** What a tenant declares. */
export interface TenantDeclarations {
  readonly namespace: string;
  readonly users: string[];
  readonly groups: string[];
  /** Namespaces the tenant's own ingress rules name: the sources it declares. */
  readonly ingressPeers: string[];
  /** Namespaces the tenant's own egress rules name: the destinations it declares. */
  readonly egressPeers: string[];
  /**
   * The cluster's pod and service ranges, which no ipBlock in the namespace may reach.
   * @default - every private range
   */
  readonly clusterCidrs?: string[];
}

/** A NetworkPolicy peer that selects namespaces by label, kept for the cross-tenant check. */
export interface NamespacePeer {
  readonly tenant: string;
  readonly policy: string;
  readonly direction: 'ingress from' | 'egress to';
  readonly matchLabels: Record<string, string>;
}

/**
 * A service account or namespace of another tenant that a tenant's AuthorizationPolicy
 * admits: its pods could then send the user-id header and pass as anyone, or reach the
 * tenant directly. Kept for the cross-tenant check, which knows every tenant.
 */
export interface SourceReference {
  readonly tenant: string;
  readonly policy: string;
  /** The principal or namespace as written. */
  readonly source: string;
  /** The namespace it belongs to. */
  readonly namespace: string;
}

function headerIdentities(condition: AuthorizationConditionSpec, userIdHeader: string, groupsHeader: string, prefix: string)
  : { users: string[]; groups: string[] } | undefined {
  const key = String(condition.key ?? '');
  const values = condition.values ?? [];
  if (key === `request.headers[${userIdHeader}]`) return { users: values.map(v => (v.startsWith(prefix) ? v.slice(prefix.length) : v)), groups: [] };
  // A group is matched as the whole header, or as its first or last entry (core/group-header.ts); any other
  // value is kept as written, so the wildcard check below sees it.
  if (key === `request.headers[${groupsHeader}]`) return { users: [], groups: values.map(v => groupOfHeaderValue(v) ?? v) };
  return undefined;
}

/** Principals and namespaces in the `from` of every rule of an AuthorizationPolicy. */
function policySources(policy: AuthorizationPolicyManifest): Array<{ source: string; namespace: string | undefined; field: string }> {
  const sources: Array<{ source: string; namespace: string | undefined; field: string }> = [];
  for (const rule of policy.spec?.rules ?? []) {
    for (const from of rule.from ?? []) {
      for (const principal of from.source?.principals ?? []) sources.push({ source: String(principal), namespace: principalNamespace(String(principal)), field: 'principal' });
      for (const namespace of from.source?.namespaces ?? []) sources.push({ source: String(namespace), namespace: String(namespace), field: 'namespace' });
    }
  }
  return sources;
}

/** Sources outside the tenant's own namespace that its AuthorizationPolicies admit. */
export function sourceReferences(tenant: string, objects: Manifest[]): SourceReference[] {
  const references: SourceReference[] = [];
  const policies = objects.filter(ofKind<AuthorizationPolicyManifest>('AuthorizationPolicy'));
  for (const policy of policies.filter(o => o.metadata?.namespace === tenant && actionOf(o) === 'ALLOW')) {
    for (const { source, namespace } of policySources(policy)) {
      if (namespace !== undefined && namespace !== tenant) {
        references.push({ tenant, policy: `AuthorizationPolicy ${tenant}/${policy.metadata?.name}`, source, namespace });
      }
    }
  }
  return references;
}

/** Admitted sources that are another tenant's service accounts or namespace. */
export function sourceViolations(references: SourceReference[], tenants: Set<string>): Problem[] {
  return references.filter(r => tenants.has(r.namespace)).map(r => ({
    tenant: r.tenant,
    object: r.policy,
    message: `${r.policy} admits "${r.source}" of tenant "${r.namespace}", whose pods could then reach the tenant (and, through a header rule, pass as any user)`,
    fix: 'admit only platform principals (ingress gateway, Pipelines UI, notebook controller, a platform waypoint)',
  }));
}

/**
 * Violations in one tenant's own objects: RBAC grants and Istio admissions for
 * undeclared identities, and policies that admit every request.
 */
export function tenantViolations(declared: TenantDeclarations, objects: Manifest[], clusterRoles: RbacModel,
  auth: ResolvedKubeflowAuth): Problem[] {
  const violations: Problem[] = [];
  const ns = declared.namespace;
  const inNamespace = objects.filter(o => o.metadata?.namespace === ns);
  const roles = new Map(inNamespace.filter(ofKind<RoleManifest>('Role')).map(o => [o.metadata?.name, o.rules ?? []]));
  for (const binding of inNamespace.filter(ofKind<BindingManifest>('RoleBinding'))) {
    const ref = binding.roleRef ?? {};
    const rules = ref.kind === 'Role' ? roles.get(ref.name) ?? [] : clusterRoles.clusterRoleRules(String(ref.name));
    if (rules.length === 0) continue; // grants nothing
    for (const subject of binding.subjects ?? []) {
      const ok = subject.kind === 'User' ? declared.users.includes(String(subject.name))
        : subject.kind === 'Group' ? declared.groups.includes(String(subject.name))
          : subject.kind === 'ServiceAccount' && (subject.namespace ?? ns) === ns;
      if (!ok) {
        const who = subject.kind === 'ServiceAccount' ? `${subject.namespace ?? ns}/${subject.name}` : subject.name;
        const object = `RoleBinding ${ns}/${binding.metadata?.name}`;
        violations.push({
          tenant: ns,
          object,
          message: `${subject.kind} "${who}" gets ${ref.kind} ${ref.name} through ${object}, but the tenant does not declare it`,
          fix: 'add it as a contributor or team role, or remove the binding',
        });
      }
    }
  }
  violations.push(...ipBlockViolations(ns, inNamespace, declared.clusterCidrs ?? DEFAULT_CLUSTER_CIDRS));
  for (const policy of inNamespace.filter(ofKind<AuthorizationPolicyManifest>('AuthorizationPolicy'))) {
    const action = actionOf(policy);
    if (action !== 'ALLOW') continue;
    const name = `AuthorizationPolicy ${ns}/${policy.metadata?.name}`;
    const rules = policy.spec?.rules ?? [];
    if (rules.length === 0) continue; // an ALLOW policy without rules admits nothing
    rules.forEach((rule, i) => {
      // The allowlist of rule shapes is shared with the guard (core/allow-rules.ts).
      for (const problem of classifyAllowRule(rule, ns, auth).problems) violations.push({ tenant: ns, object: name, message: `${name} rule ${i} ${problem}` });
      for (const condition of rule.when ?? []) {
        const identities = headerIdentities(condition, auth.userIdHeader, auth.groupsHeader, auth.userIdPrefix);
        if (!identities) continue;
        for (const wildcard of [...identities.users, ...identities.groups].filter(v => v.includes('*'))) {
          violations.push({
            tenant: ns,
            object: name,
            message: `${name} rule ${i} matches "${wildcard}", which Istio reads as a wildcard and which admits identities nobody declared`,
            fix: 'match exact identities only',
          });
        }
        for (const user of identities.users.filter(u => !declared.users.includes(u))) {
          violations.push({ tenant: ns, object: name, message: `${name} admits user "${user}", who the tenant does not declare` });
        }
        for (const group of [...new Set(identities.groups)].filter(g => !declared.groups.includes(g))) {
          violations.push({ tenant: ns, object: name, message: `${name} admits group "${group}", which the tenant does not declare` });
        }
      }
    });
  }
  return violations;
}

/**
 * Where the mesh enforces a tenant's AuthorizationPolicies (`written`: the tenant's own objects,
 * not what a profile controller adds): a policy no proxy enforces as written, and, in ambient
 * mode, a signed-in user nobody declared who passes the waypoint and ztunnel (the allow-rule
 * shapes cannot see a waypoint that no policy targets, which forwards everything).
 */
export function meshEnforcementViolations(ns: string, written: Manifest[], cluster: Manifest[], auth: ResolvedKubeflowAuth): Problem[] {
  const namespace = written.find(d => d.kind === 'Namespace' && d.metadata?.name === ns);
  const plane = dataPlaneOf(ns, namespace?.metadata?.labels);
  const policiesIn = (docs: Manifest[]) => docs.filter(ofKind<AuthorizationPolicyManifest>('AuthorizationPolicy')).filter(p => p.metadata?.namespace === ns);
  const violations: Problem[] = unenforcedPolicies(policiesIn(written), plane).map(u => ({
    tenant: ns, object: `AuthorizationPolicy ${u.policy}`, message: `AuthorizationPolicy ${u.policy} ${u.reason}`,
  }));
  if (plane.mode === 'ambient') {
    const policies = policiesIn(cluster);
    const admitted = anonymousAdmission(namespaceEnforcement(policies, ns, plane), meshProbes(policies), policies, auth);
    if (admitted) {
      violations.push({
        tenant: ns,
        object: admitted.policy ? `AuthorizationPolicy ${admitted.policy}` : undefined,
        message: 'a signed-in user nobody declared reaches the namespace through the ingress gateway in ambient mode'
          + `${admitted.policy ? ` (admitted by AuthorizationPolicy ${admitted.policy})` : ' (no policy targets the waypoint, so it forwards every request)'}`,
        fix: 'attach the identity rules to the waypoint with targetRefs and admit only the waypoint and the namespace at ztunnel',
      });
    }
  }
  return violations;
}

/**
 * ipBlocks of the namespace's NetworkPolicies, whoever wrote them, read as Kubernetes reads them
 * (core/cidr.ts): a spelling other readers read differently, or a block that still reaches the
 * cluster's pod and service ranges after its exceptions (on Calico and Cilium an ipBlock matches pods).
 */
function ipBlockViolations(ns: string, objects: Manifest[], clusterCidrs: string[]): Problem[] {
  const violations: Problem[] = [];
  for (const policy of objects.filter(ofKind<NetworkPolicyManifest>('NetworkPolicy'))) {
    const name = `NetworkPolicy ${ns}/${policy.metadata?.name}`;
    const peers = [...(policy.spec?.ingress ?? []).flatMap(r => (r.from ?? []).map(peer => ({ peer, egress: false }))),
      ...(policy.spec?.egress ?? []).flatMap(r => (r.to ?? []).map(peer => ({ peer, egress: true })))];
    for (const { peer, egress } of peers) {
      const block = peer.ipBlock;
      if (block === undefined) continue;
      const spelling = [block.cidr, ...(block.except ?? [])].map(c => cidrProblem(c)).find(p => p !== undefined);
      if (spelling) {
        violations.push({ tenant: ns, object: name, message: `${name} has an ipBlock whose CIDR ${spelling}` });
        continue;
      }
      const metadata = egress ? reachedRanges(block.cidr, block.except ?? [], METADATA_CIDRS) : [];
      if (metadata.length > 0) {
        violations.push({
          tenant: ns,
          object: name,
          message: `${name} has ipBlock "${block.cidr}", which reaches ${metadata.join(', ')}, where the cloud metadata service `
            + 'hands out the node\'s cloud identity: except the link-local ranges',
        });
      }
      const reached = reachedRanges(block.cidr, block.except ?? [], clusterCidrs);
      if (reached.length > 0) {
        violations.push({
          tenant: ns,
          object: name,
          message: `${name} has ipBlock "${block.cidr}", which reaches ${reached.join(', ')} of the cluster's pod and service ranges`,
          fix: 'on Calico and Cilium an ipBlock matches pods, so this opens other tenants\' pods: except those ranges',
        });
      }
    }
  }
  return violations;
}

/** NetworkPolicy peers of a tenant that select namespaces by labels (other tenants may match them). */
export function namespacePeers(tenant: string, objects: Manifest[]): NamespacePeer[] {
  const peers: NamespacePeer[] = [];
  for (const policy of objects.filter(ofKind<NetworkPolicyManifest>('NetworkPolicy')).filter(o => o.metadata?.namespace === tenant)) {
    const collect = (rules: NetworkPolicyRuleSpec[] | undefined, direction: NamespacePeer['direction'], key: 'from' | 'to') => {
      for (const rule of rules ?? []) {
        for (const peer of rule[key] ?? []) {
          if (peer.namespaceSelector) {
            peers.push({ tenant, policy: `NetworkPolicy ${tenant}/${policy.metadata?.name}`, direction, matchLabels: peer.namespaceSelector.matchLabels ?? {} });
          }
        }
        // A rule without peers opens every source or destination.
        if ((rule[key] ?? []).length === 0) peers.push({ tenant, policy: `NetworkPolicy ${tenant}/${policy.metadata?.name}`, direction, matchLabels: {} });
      }
    };
    collect(policy.spec?.ingress, 'ingress from', 'from');
    collect(policy.spec?.egress, 'egress to', 'to');
  }
  return peers;
}

/**
 * Cross-tenant network paths: a peer whose namespace selector matches another
 * tenant's namespace, unless the tenant names that namespace in its own rules.
 * Tenants are indexed by label, so the check is linear in peers and tenants.
 */
export function networkViolations(peers: NamespacePeer[], tenantLabels: Map<string, Record<string, string>>,
  declaredPeers: Map<string, { ingress: string[]; egress: string[] }>): Problem[] {
  const byLabel = new Map<string, Set<string>>();
  for (const [tenant, labels] of tenantLabels) {
    for (const [k, v] of Object.entries({ ...labels, 'kubernetes.io/metadata.name': tenant })) {
      const key = `${k}=${v}`;
      (byLabel.get(key) ?? byLabel.set(key, new Set()).get(key)!).add(tenant);
    }
  }
  const everyTenant = [...tenantLabels.keys()];
  const violations: Problem[] = [];
  for (const peer of peers) {
    const sets = Object.entries(peer.matchLabels).map(([k, v]) => byLabel.get(`${k}=${v}`) ?? new Set<string>());
    sets.sort((a, b) => a.size - b.size);
    const candidates = sets.length === 0 ? everyTenant : [...sets[0]].filter(t => sets.every(set => set.has(t)));
    // A namespace the tenant names as a destination is not thereby a declared source, nor the reverse.
    const declaredBy = declaredPeers.get(peer.tenant);
    const declared = (peer.direction === 'ingress from' ? declaredBy?.ingress : declaredBy?.egress) ?? [];
    const reached = candidates.filter(other => other !== peer.tenant && !declared.includes(other)).sort();
    if (reached.length === 0) continue;
    const shown = reached.slice(0, 5).map(t => `"${t}"`).join(', ') + (reached.length > 5 ? ` and ${reached.length - 5} more` : '');
    violations.push({
      tenant: peer.tenant,
      object: peer.policy,
      message: `${peer.policy} allows ${peer.direction} tenant${reached.length === 1 ? '' : 's'} ${shown}`,
      fix: 'tenants are isolated unless a tenant names the other in its own network rules',
    });
  }
  return violations;
}

/** A tenant as the isolation check knows it. */
export interface DeclaredTenant {
  readonly declared: TenantDeclarations;
  readonly auth: ResolvedKubeflowAuth;
  /** Labels of the tenant's Namespace as written. */
  readonly labels: Record<string, string>;
}

/**
 * Violations among `docs` against the declared tenants: objects in a tenant's
 * namespace that grant or admit undeclared identities, ClusterRoleBindings
 * (which reach every tenant), cross-tenant network paths and admitted sources.
 * `peers` and `sources` hold what was collected from tenants checked earlier.
 */
export function crossTenantViolations(tenants: Map<string, DeclaredTenant>, docs: Manifest[], clusterRoles: RbacModel,
  peers: NamespacePeer[] = [], sources: SourceReference[] = [], queues: QueueFacts = emptyQueueFacts()): Problem[] {
  const violations: Problem[] = [];
  violations.push(...queueViolations(addQueueFacts(queues, docs), new Set(tenants.keys())));
  docs = withProfileControllerObjects(docs, name => tenants.get(name)?.auth ?? resolveAuth());
  const allPeers = [...peers];
  const byNamespace = new Map<string, Manifest[]>();
  for (const d of docs) {
    const ns = d?.metadata?.namespace;
    if (ns !== undefined && tenants.has(ns)) (byNamespace.get(ns) ?? byNamespace.set(ns, []).get(ns)!).push(d);
  }
  const allSources = [...sources];
  for (const [name, tenant] of tenants) {
    const inTenant = byNamespace.get(name) ?? [];
    if (inTenant.length === 0) continue;
    violations.push(...tenantViolations(tenant.declared, inTenant, clusterRoles, tenant.auth));
    allPeers.push(...namespacePeers(name, inTenant));
    allSources.push(...sourceReferences(name, inTenant));
  }
  violations.push(...sourceViolations(allSources, new Set(tenants.keys())));
  for (const binding of docs.filter(ofKind<BindingManifest>('ClusterRoleBinding'))) {
    const role = String(binding.roleRef?.name);
    const rules = [...clusterRoles.clusterRoleRules(role), ...docs.filter(ofKind<RoleManifest>('ClusterRole')).filter(d => d.metadata?.name === role).flatMap(d => d.rules ?? [])];
    if (rules.length === 0 || tenants.size === 0) continue;
    for (const subject of binding.subjects ?? []) {
      violations.push({
        object: `ClusterRoleBinding ${binding.metadata?.name}`,
        message: `ClusterRoleBinding ${binding.metadata?.name} grants ClusterRole ${role} to ${subject.kind} "${subject.name}" in every namespace, tenants included`,
        fix: 'bind it per tenant with a declared team role instead',
      });
    }
  }
  const labels = new Map([...tenants].map(([name, t]) => [name, t.labels]));
  const declaredPeers = new Map([...tenants].map(([name, t]) => [name, { ingress: t.declared.ingressPeers, egress: t.declared.egressPeers }]));
  violations.push(...networkViolations(allPeers, labels, declaredPeers));
  return violations;
}
