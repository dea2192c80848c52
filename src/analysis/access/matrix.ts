/**
 * The access matrix: for every identity bound in the manifests, and every
 * namespace, which verbs it has on the resources reviewers care about. Reads
 * manifests (objects or a folder of YAML); never builds them.
 */
import { addQueueFacts, emptyQueueFacts } from '../kueue';
import { gatewayRequest, GatewayRequest, Identity, identitiesOf, isBinding, namespaceMesh, NamespaceMesh } from './identities';
import { AccessLevel, AccessMatrix, AccessMatrixOptions, NamespaceAccess, RESOURCES, VERBS } from './model';
import { resolveAuth, ResolvedKubeflowAuth } from '../../core/auth-options';
import { boundCloudIdentities, sharedCloudIdentities } from '../../core/cloud-identity';
import { kubeflowClusterRoles } from '../../core/kubeflow-cluster-roles';
import { withProfileControllerObjects } from '../../core/kubeflow-profile';
import { AuthorizationPolicyManifest, Manifest, ofKind, RoleManifest } from '../../core/manifest';
import { ESCALATION_REASON_ANNOTATION, escalations } from '../../core/team-role-allowlist';
import { dataPlaneOf, SIDECAR, unenforcedPolicies } from '../ambient';
import { guardStatus } from '../guard';
import { decideOnProbes } from '../mesh-probes';
import { networkReachability } from '../network';
import { RbacModel, RbacRule, ruleAllows } from '../rbac';

function sameReferences(a: readonly unknown[], b: readonly unknown[]): boolean {
  return a.length === b.length && a.every((item, i) => item === b[i]);
}

function levelOf(can: (label: string, verb: string) => boolean): AccessLevel {
  if (can('rolebindings', 'create')) return 'admin';
  if (can('pods', 'create')) return 'edit';
  if (can('pods', 'list')) return 'view';
  return 'custom';
}

/** The verbs each shown resource allows under a set of rules, in RESOURCES and VERBS order. */
function resourceVerbs(rules: RbacRule[]): Map<string, Set<string>> {
  const verbs = new Map<string, Set<string>>();
  for (const resource of RESOURCES) {
    const { apiGroup, subresource } = resource;
    const allowed = VERBS.filter(verb => rules.some(rule => ruleAllows(rule, { verb, apiGroup, resource: resource.resource, subresource })));
    if (allowed.length > 0) verbs.set(resource.label, new Set(allowed));
  }
  return verbs;
}

/** What a set of roles allows together: verbs per shown resource, and the level they make. */
function combinedAccess(roles: Array<Map<string, Set<string>>>): { level: NamespaceAccess['level']; resources: Record<string, string[]> } {
  const verbs = new Map<string, Set<string>>();
  for (const role of roles) {
    for (const [label, allowed] of role) for (const verb of allowed) (verbs.get(label) ?? verbs.set(label, new Set()).get(label)!).add(verb);
  }
  const resources: Record<string, string[]> = {};
  for (const resource of RESOURCES) {
    const allowed = verbs.get(resource.label);
    if (allowed) resources[resource.label] = VERBS.filter(verb => allowed.has(verb));
  }
  const can = (label: string, verb: string) => verbs.get(label)?.has(verb) ?? false;
  return { level: verbs.size > 0 ? levelOf(can) : 'none', resources };
}

/** Adds `item` to the list under `key`. */
function push<K, V>(map: Map<K, V[]>, key: K, item: V): void {
  const list = map.get(key);
  if (list) list.push(item);
  else map.set(key, [item]);
}

/** Where identities are bound: the identities each subject key stands for, the keys bound in each namespace, and who is bound cluster-wide. */
interface SubjectIndex {
  readonly identitiesByKey: Map<string, Identity[]>;
  readonly boundIn: Map<string, Set<string>>;
  readonly clusterWide: Set<Identity>;
}

/** Indexes the bindings' subjects, so each namespace is evaluated only for identities that may have access there. */
function subjectIndex(objects: Manifest[], identities: Identity[]): SubjectIndex {
  // Which identities a subject key (`User/x`, `Group/g`) stands for: an identity is every key of its requester.
  const identitiesByKey = new Map<string, Identity[]>();
  for (const identity of identities) {
    for (const key of [`User/${identity.requester.user}`, ...identity.requester.groups.map(g => `Group/${g}`)]) push(identitiesByKey, key, identity);
  }
  const boundIn = new Map<string, Set<string>>();
  const clusterWide = new Set<Identity>();
  for (const o of objects.filter(isBinding)) {
    for (const s of o.subjects ?? []) {
      const key = s.kind === 'ServiceAccount' ? `User/system:serviceaccount:${s.namespace ?? o.metadata?.namespace}:${s.name}` : `${s.kind}/${s.name}`;
      if (o.kind === 'ClusterRoleBinding') {
        for (const identity of identitiesByKey.get(key) ?? []) clusterWide.add(identity);
      } else {
        const namespace = String(o.metadata?.namespace);
        (boundIn.get(namespace) ?? boundIn.set(namespace, new Set()).get(namespace)!).add(key);
      }
    }
  }
  return { identitiesByKey, boundIn, clusterWide };
}

/** The AuthorizationPolicies of the manifests, by namespace. */
function authorizationPoliciesByNamespace(objects: Manifest[]): Map<string, AuthorizationPolicyManifest[]> {
  const policiesIn = new Map<string, AuthorizationPolicyManifest[]>();
  for (const o of objects.filter(ofKind<AuthorizationPolicyManifest>('AuthorizationPolicy'))) {
    if (o.metadata?.namespace) push(policiesIn, o.metadata.namespace, o);
  }
  return policiesIn;
}

/** Each identity's request through the ingress gateway, and the identities that send each header value. */
interface GatewayIndex {
  readonly requests: Map<Identity, GatewayRequest | undefined>;
  readonly identitiesByHeader: Map<string, Identity[]>;
  /** The identities that can send a request through the gateway at all. */
  readonly viaGateway: Identity[];
}

/** Works out each identity's gateway request once, indexed by the headers a policy may match. */
function gatewayIndex(identities: Identity[], auth: ResolvedKubeflowAuth): GatewayIndex {
  const requests = new Map(identities.map(identity => [identity, gatewayRequest(identity, auth)]));
  const identitiesByHeader = new Map<string, Identity[]>();
  for (const identity of identities) {
    for (const [header, value] of Object.entries(requests.get(identity)?.headers ?? {})) push(identitiesByHeader, `${header}\u0000${value}`, identity);
  }
  const viaGateway = identities.filter(identity => requests.get(identity) !== undefined);
  return { requests, identitiesByHeader, viaGateway };
}

/**
 * What decides a namespace's cells, besides the cluster-wide RBAC and the auth: the objects written
 * into it, its Profile (from which the controller's objects derive) and its Namespace (whose labels
 * choose the data plane).
 */
function inputsByNamespace(written: Manifest[]): Map<string, Manifest[]> {
  const inputsOf = new Map<string, Manifest[]>();
  for (const o of written) {
    const namespace = o.kind === 'Profile' || (o.kind === 'Namespace' && o.apiVersion === 'v1') ? o.metadata?.name : o.metadata?.namespace;
    if (namespace !== undefined) push(inputsOf, namespace, o);
  }
  return inputsOf;
}

/**
 * Whether a namespace's cells may be taken over by a later matrix. Cells that depend on identities declared
 * elsewhere are never taken over: patterns and DENY policies (every gateway identity is a candidate) and
 * bindings of system groups (every user).
 */
function reusable(boundIn: Map<string, Set<string>>, namespace: string, mesh: NamespaceMesh): boolean {
  return !mesh.irregular && ![...(boundIn.get(namespace) ?? [])].some(key => key.startsWith('Group/system:'));
}

/** What the cells are computed from, the caches shared across namespaces, and each identity's access found so far. */
interface CellContext extends SubjectIndex, GatewayIndex {
  readonly model: RbacModel;
  /** What each role allows, worked out once per role. */
  readonly verbsOfRole: Map<string, Map<string, Set<string>>>;
  /** What each set of roles allows together, by the sorted role keys. */
  readonly grantsOf: Map<string, { level: NamespaceAccess['level']; resources: Record<string, string[]> }>;
  /** Each identity's access, by namespace. */
  readonly accessOf: Map<Identity, Record<string, NamespaceAccess>>;
}

/** Records an identity's cell in a namespace. */
function recordAccess(accessOf: CellContext['accessOf'], identity: Identity, namespace: string, access: NamespaceAccess): void {
  (accessOf.get(identity) ?? accessOf.set(identity, {}).get(identity)!)[namespace] = access;
}

/** The identities that may have access to a namespace: bound in it, bound cluster-wide, or named by its AuthorizationPolicies. */
function candidatesIn(context: CellContext, namespace: string, mesh: NamespaceMesh): Set<Identity> {
  const candidates = new Set<Identity>(context.clusterWide);
  for (const key of context.boundIn.get(namespace) ?? []) for (const identity of context.identitiesByKey.get(key) ?? []) candidates.add(identity);
  // Patterns, DENY policies and unknown fields are not indexed by value: every gateway identity is a candidate there.
  const gatewayCandidates = mesh.irregular ? context.viaGateway : mesh.headerKeys.flatMap(key => context.identitiesByHeader.get(key) ?? []);
  for (const identity of gatewayCandidates) candidates.add(identity);
  return candidates;
}

/** An identity's access to a namespace through RBAC and the gateway, or undefined when it has neither. */
function accessIn(context: CellContext, identity: Identity, namespace: string, mesh: NamespaceMesh): NamespaceAccess | undefined {
  const request = context.requests.get(identity);
  const decision = request ? decideOnProbes(mesh.enforcement, mesh.probes, request) : undefined;
  const admittedBy = decision?.admitted ? decision.policy : undefined;
  const grantedBy: string[] = [];
  const roleKeys: string[] = [];
  for (const bound of context.model.bindingsFor(identity.requester, namespace)) {
    let roleVerbs = context.verbsOfRole.get(bound.roleKey);
    if (roleVerbs === undefined) context.verbsOfRole.set(bound.roleKey, roleVerbs = resourceVerbs(bound.rules));
    if (roleVerbs.size === 0) continue;
    grantedBy.push(bound.binding);
    roleKeys.push(bound.roleKey);
  }
  if (roleKeys.length === 0 && admittedBy === undefined) return undefined;
  // Thousands of identities hold the same roles: their resources and level are computed, and stored, once.
  const grantKey = [...new Set(roleKeys)].sort().join('\n');
  let granted = context.grantsOf.get(grantKey);
  if (granted === undefined) context.grantsOf.set(grantKey, granted = combinedAccess(roleKeys.map(key => context.verbsOfRole.get(key)!)));
  return {
    level: granted.level,
    resources: granted.resources,
    grantedBy: [...new Set(grantedBy)].sort(),
    meshIngress: admittedBy !== undefined,
    ...(admittedBy ? { admittedBy } : {}),
  };
}

/** Computes and records the cells of one namespace, returned for a later matrix to take over. */
function namespaceCells(context: CellContext, namespace: string, mesh: NamespaceMesh): Array<[string, NamespaceAccess]> {
  const cells: Array<[string, NamespaceAccess]> = [];
  for (const identity of candidatesIn(context, namespace, mesh)) {
    const access = accessIn(context, identity, namespace, mesh);
    if (access === undefined) continue;
    recordAccess(context.accessOf, identity, namespace, access);
    cells.push([`${identity.kind}\u0000${identity.name}`, access]);
  }
  return cells;
}

/**
 * Computes the matrix over every Namespace in `objects`: RBAC access, admission
 * through the ingress gateway, and network paths between namespaces.
 *
 * Linear in the manifests: each namespace is evaluated for the identities that can have access
 * there (bound in it, bound cluster-wide, or named by its AuthorizationPolicies), and what a role
 * allows is worked out once per role, not once per identity and namespace.
 */
export function accessMatrix(written: Manifest[], options: AccessMatrixOptions = {}): AccessMatrix {
  const auth = resolveAuth(options.auth);
  // With Kubeflow's profile controller, the owner's access is written from each Profile in the cluster.
  const objects: Manifest[] = withProfileControllerObjects(written, () => auth);
  const model = new RbacModel([...(options.clusterRoles ?? kubeflowClusterRoles()), ...objects]);
  const namespaceObjects = objects.filter(o => o?.apiVersion === 'v1' && o.kind === 'Namespace');
  const namespaces = namespaceObjects.map(o => String(o.metadata?.name)).sort();
  const planeOf = new Map(namespaceObjects.map(o => [String(o.metadata?.name), dataPlaneOf(String(o.metadata?.name), o.metadata?.labels)]));
  const identities = identitiesOf(objects, auth);
  const subjects = subjectIndex(objects, identities);
  const policiesIn = authorizationPoliciesByNamespace(objects);
  const meshOpen: string[] = [];
  const context: CellContext = {
    ...subjects, ...gatewayIndex(identities, auth), model, verbsOfRole: new Map(), grantsOf: new Map(), accessOf: new Map(),
  };
  const inputsOf = inputsByNamespace(written);
  const global: unknown[] = [options.clusterRoles, JSON.stringify(auth),
    ...written.filter(o => o.kind === 'ClusterRole' || o.kind === 'ClusterRoleBinding')];
  const identityByKey = new Map(identities.map(identity => [`${identity.kind}\u0000${identity.name}`, identity]));

  for (const namespace of namespaces) {
    const inputs = inputsOf.get(namespace) ?? [];
    const mesh = namespaceMesh(policiesIn.get(namespace) ?? [], auth, namespace, planeOf.get(namespace) ?? SIDECAR);
    if (mesh.open) meshOpen.push(namespace);
    const canReuse = options.reuse !== undefined && reusable(subjects.boundIn, namespace, mesh);
    const earlier = options.reuse?.namespaces.get(namespace);
    if (earlier && canReuse && sameReferences(earlier.global, global) && sameReferences(earlier.inputs, inputs)
      && earlier.cells.every(([key]) => identityByKey.has(key))) {
      for (const [key, access] of earlier.cells) recordAccess(context.accessOf, identityByKey.get(key)!, namespace, access);
      continue;
    }
    const cells = namespaceCells(context, namespace, mesh);
    if (canReuse) options.reuse!.namespaces.set(namespace, { global, inputs, cells });
  }
  // Namespaces are visited in order, so each identity's access is already sorted by namespace.
  const result = identities.filter(identity => context.accessOf.has(identity))
    .map(identity => ({ kind: identity.kind, name: identity.name, access: context.accessOf.get(identity)! }));
  const bound = boundCloudIdentities(objects);
  return {
    namespaces,
    identities: result,
    meshOpen,
    network: networkReachability(objects),
    guard: guardStatus(objects),
    cloudIdentities: bound.map(b => ({ namespace: b.namespace, serviceAccount: b.serviceAccount, value: b.value })),
    sharedCloudIdentities: sharedCloudIdentities(bound),
    escalations: roleEscalations(objects),
    // Of the manifests as written: what a profile controller adds is Kubeflow's, and said once in docs/mesh.md.
    gpuQueues: gpuQueues(written),
    unenforcedPolicies: namespaces.flatMap(namespace => unenforcedPolicies(
      (inputsOf.get(namespace) ?? []).filter(ofKind<AuthorizationPolicyManifest>('AuthorizationPolicy')), planeOf.get(namespace) ?? SIDECAR)),
  };
}

/** Each LocalQueue with the ClusterQueue it feeds and the namespace that admits, sorted by namespace and name. */
function gpuQueues(written: Manifest[]): AccessMatrix['gpuQueues'] {
  const facts = addQueueFacts(emptyQueueFacts(), written);
  return facts.localQueues.map(q => {
    const admits = facts.clusterQueues.get(q.clusterQueue);
    const row = { namespace: q.namespace, localQueue: q.name, clusterQueue: q.clusterQueue };
    return admits === undefined ? row : { ...row, admits };
  }).sort((a, b) => (`${a.namespace}/${a.localQueue}` < `${b.namespace}/${b.localQueue}` ? -1 : 1));
}

/** Namespaced Roles whose rules reach beyond the team-role allowlist, sorted by namespace and name. */
function roleEscalations(objects: Manifest[]): AccessMatrix['escalations'] {
  return objects.filter(ofKind<RoleManifest>('Role')).filter(o => o.metadata?.namespace !== undefined)
    .map(o => ({
      namespace: String(o.metadata!.namespace),
      role: String(o.metadata?.name),
      reason: o.metadata?.annotations?.[ESCALATION_REASON_ANNOTATION],
      grants: [...new Set((o.rules ?? []).flatMap(r =>
        escalations({ apiGroups: r.apiGroups ?? [], resources: r.resources ?? [], verbs: r.verbs ?? [] })))].sort(),
    }))
    .filter(e => e.grants.length > 0)
    .map(e => (e.reason === undefined ? { namespace: e.namespace, role: e.role, grants: e.grants } : e))
    .sort((a, b) => (`${a.namespace}/${a.role}` < `${b.namespace}/${b.role}` ? -1 : 1));
}
