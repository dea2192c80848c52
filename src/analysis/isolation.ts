/**
 * The isolation check: every path into a tenant must come from what the tenant
 * declares (owner, contributors, team roles, its own service accounts, the
 * namespaces its own network rules name). Anything else is reported with the
 * identity, the namespace and the object that opens the path.
 */
import { ResolvedKubeflowAuth } from '../auth-options';
import { RbacModel } from './rbac';

/** What a tenant declares. */
export interface TenantDeclarations {
  readonly namespace: string;
  readonly users: string[];
  readonly groups: string[];
  /** Namespaces named by the tenant's own additional network rules. */
  readonly peerNamespaces: string[];
}

/** A NetworkPolicy peer that selects namespaces by label, kept for the cross-tenant check. */
export interface NamespacePeer {
  readonly tenant: string;
  readonly policy: string;
  readonly direction: 'ingress from' | 'egress to';
  readonly matchLabels: Record<string, string>;
}

function headerIdentities(condition: any, userIdHeader: string, groupsHeader: string, prefix: string)
  : { users: string[]; groups: string[] } | undefined {
  const key = String(condition.key ?? '');
  const values: string[] = condition.values ?? [];
  if (key === `request.headers[${userIdHeader}]`) return { users: values.map(v => (v.startsWith(prefix) ? v.slice(prefix.length) : v)), groups: [] };
  if (key === `request.headers[${groupsHeader}]`) return { users: [], groups: values.map(v => v.replace(/^\*,|,\*$/g, '')) };
  return undefined;
}

/**
 * Violations in one tenant's own objects: RBAC grants and Istio admissions for
 * undeclared identities, and policies that admit every request.
 */
export function tenantViolations(declared: TenantDeclarations, objects: any[], clusterRoles: RbacModel,
  auth: { userIdHeader: string; groupsHeader: string; userIdPrefix: string }): string[] {
  const violations: string[] = [];
  const ns = declared.namespace;
  const roles = new Map(objects.filter(o => o.kind === 'Role' && o.metadata?.namespace === ns).map(o => [o.metadata.name, o.rules ?? []]));
  for (const binding of objects.filter(o => o.kind === 'RoleBinding' && o.metadata?.namespace === ns)) {
    const ref = binding.roleRef ?? {};
    const rules = ref.kind === 'Role' ? roles.get(ref.name) ?? [] : clusterRoles.clusterRoleRules(ref.name);
    if (rules.length === 0) continue; // grants nothing
    for (const subject of binding.subjects ?? []) {
      const ok = subject.kind === 'User' ? declared.users.includes(subject.name)
        : subject.kind === 'Group' ? declared.groups.includes(subject.name)
          : subject.kind === 'ServiceAccount' && (subject.namespace ?? ns) === ns;
      if (!ok) {
        const who = subject.kind === 'ServiceAccount' ? `${subject.namespace ?? ns}/${subject.name}` : subject.name;
        violations.push(`tenant "${ns}": ${subject.kind} "${who}" gets ${ref.kind} ${ref.name} through RoleBinding ${ns}/${binding.metadata.name}, `
          + 'but the tenant does not declare it; add it as a contributor or team role, or remove the binding');
      }
    }
  }
  for (const policy of objects.filter(o => o.kind === 'AuthorizationPolicy' && o.metadata?.namespace === ns)) {
    const action = policy.spec?.action ?? 'ALLOW';
    if (action !== 'ALLOW') continue;
    const name = `AuthorizationPolicy ${ns}/${policy.metadata.name}`;
    const rules: any[] = policy.spec?.rules ?? [];
    if (rules.length === 0) continue; // an ALLOW policy without rules admits nothing
    rules.forEach((rule, i) => {
      const conditions: any[] = rule.when ?? [];
      const fromAnywhere = (rule.from ?? []).length === 0;
      const pathsOnly = (rule.to ?? []).length > 0 && (rule.to ?? []).every((t: any) => (t.operation?.paths ?? []).length > 0);
      if (conditions.length === 0 && fromAnywhere && !pathsOnly) {
        violations.push(`tenant "${ns}": ${name} rule ${i} admits every request; restrict it to declared users or groups`);
      }
      for (const condition of conditions) {
        const identities = headerIdentities(condition, auth.userIdHeader, auth.groupsHeader, auth.userIdPrefix);
        if (!identities) continue;
        for (const user of identities.users.filter(u => !declared.users.includes(u))) {
          violations.push(`tenant "${ns}": ${name} admits user "${user}", who the tenant does not declare`);
        }
        for (const group of [...new Set(identities.groups)].filter(g => !declared.groups.includes(g))) {
          violations.push(`tenant "${ns}": ${name} admits group "${group}", which the tenant does not declare`);
        }
      }
    });
  }
  return violations;
}

/** NetworkPolicy peers of a tenant that select namespaces by labels (other tenants may match them). */
export function namespacePeers(tenant: string, objects: any[]): NamespacePeer[] {
  const peers: NamespacePeer[] = [];
  for (const policy of objects.filter(o => o.kind === 'NetworkPolicy' && o.metadata?.namespace === tenant)) {
    const collect = (rules: any[] | undefined, direction: NamespacePeer['direction'], key: 'from' | 'to') => {
      for (const rule of rules ?? []) {
        for (const peer of rule[key] ?? []) {
          if (peer.namespaceSelector) {
            peers.push({ tenant, policy: `NetworkPolicy ${tenant}/${policy.metadata.name}`, direction, matchLabels: peer.namespaceSelector.matchLabels ?? {} });
          }
        }
        // A rule without peers opens every source or destination.
        if ((rule[key] ?? []).length === 0) peers.push({ tenant, policy: `NetworkPolicy ${tenant}/${policy.metadata.name}`, direction, matchLabels: {} });
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
  declaredPeers: Map<string, string[]>): string[] {
  const byLabel = new Map<string, Set<string>>();
  for (const [tenant, labels] of tenantLabels) {
    for (const [k, v] of Object.entries({ ...labels, 'kubernetes.io/metadata.name': tenant })) {
      const key = `${k}=${v}`;
      (byLabel.get(key) ?? byLabel.set(key, new Set()).get(key)!).add(tenant);
    }
  }
  const everyTenant = [...tenantLabels.keys()];
  const violations: string[] = [];
  for (const peer of peers) {
    const sets = Object.entries(peer.matchLabels).map(([k, v]) => byLabel.get(`${k}=${v}`) ?? new Set<string>());
    sets.sort((a, b) => a.size - b.size);
    const candidates = sets.length === 0 ? everyTenant : [...sets[0]].filter(t => sets.every(set => set.has(t)));
    const declared = declaredPeers.get(peer.tenant) ?? [];
    const reached = candidates.filter(other => other !== peer.tenant && !declared.includes(other)).sort();
    if (reached.length === 0) continue;
    const shown = reached.slice(0, 5).map(t => `"${t}"`).join(', ') + (reached.length > 5 ? ` and ${reached.length - 5} more` : '');
    violations.push(`tenant "${peer.tenant}": ${peer.policy} allows ${peer.direction} tenant${reached.length === 1 ? '' : 's'} ${shown}; `
      + 'tenants are isolated unless a tenant names the other in its own network rules');
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
 * (which reach every tenant), and cross-tenant network paths. `peers` holds
 * network peers already collected from tenants checked earlier.
 */
export function crossTenantViolations(tenants: Map<string, DeclaredTenant>, docs: any[], clusterRoles: RbacModel,
  peers: NamespacePeer[] = []): string[] {
  const violations: string[] = [];
  const allPeers = [...peers];
  const byNamespace = new Map<string, any[]>();
  for (const d of docs) {
    const ns = d?.metadata?.namespace;
    if (ns !== undefined && tenants.has(ns)) (byNamespace.get(ns) ?? byNamespace.set(ns, []).get(ns)!).push(d);
  }
  for (const [name, tenant] of tenants) {
    const inTenant = byNamespace.get(name) ?? [];
    if (inTenant.length === 0) continue;
    violations.push(...tenantViolations(tenant.declared, inTenant, clusterRoles, tenant.auth));
    allPeers.push(...namespacePeers(name, inTenant));
  }
  for (const binding of docs.filter(d => d?.kind === 'ClusterRoleBinding')) {
    const role = binding.roleRef?.name;
    const rules = [...clusterRoles.clusterRoleRules(role), ...docs.filter(d => d?.kind === 'ClusterRole' && d.metadata?.name === role).flatMap(d => d.rules ?? [])];
    if (rules.length === 0 || tenants.size === 0) continue;
    for (const subject of binding.subjects ?? []) {
      violations.push(`ClusterRoleBinding ${binding.metadata.name} grants ClusterRole ${role} to ${subject.kind} "${subject.name}" in every namespace, `
        + 'tenants included; bind it per tenant with a declared team role instead');
    }
  }
  const labels = new Map([...tenants].map(([name, t]) => [name, t.labels]));
  const declaredPeers = new Map([...tenants].map(([name, t]) => [name, t.declared.peerNamespaces]));
  violations.push(...networkViolations(allPeers, labels, declaredPeers));
  return violations;
}
