/**
 * The access matrix: for every identity bound in the manifests, and every
 * namespace, which verbs it has on the resources reviewers care about. Reads
 * manifests (objects or a folder of YAML); never builds them.
 */
import { DataPlane, dataPlaneOf, namespaceEnforcement, NamespaceEnforcement, SIDECAR, unenforcedPolicies } from './ambient';
import { BoundedText } from './bounded-text';
import { guardLine, guardStatus, GuardStatus } from './guard';
import { MeshRequest } from './mesh';
import { anonymousRequests, decideOnProbes, MeshProbe, meshProbes, unnamedHeaderValue } from './mesh-probes';
import { NetworkPath, networkReachability, NetworkReachability } from './network';
import { RbacModel, RbacRule, Requester, ruleAllows, serviceAccountRequester, userRequester } from './rbac';
import { KubeflowAuthOptions, resolveAuth, ResolvedKubeflowAuth } from '../core/auth-options';
import { boundCloudIdentities, CLOUD_IDENTITY_ANNOTATIONS, sharedCloudIdentities } from '../core/cloud-identity';
import { groupOfHeaderValue } from '../core/group-header';
import { kubeflowClusterRoles } from '../core/kubeflow-cluster-roles';
import { withProfileControllerObjects } from '../core/kubeflow-profile';
import { AuthorizationPolicyManifest, BindingManifest, Manifest, ofKind, RoleManifest } from '../core/manifest';
import { ESCALATION_REASON_ANNOTATION, escalations } from '../core/team-role-allowlist';

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

function sameReferences(a: readonly unknown[], b: readonly unknown[]): boolean {
  return a.length === b.length && a.every((item, i) => item === b[i]);
}

function levelOf(can: (label: string, verb: string) => boolean): AccessLevel {
  if (can('rolebindings', 'create')) return 'admin';
  if (can('pods', 'create')) return 'edit';
  if (can('pods', 'list')) return 'view';
  return 'custom';
}

interface Identity { kind: IdentityAccess['kind']; name: string; requester: Requester }

function isBinding(o: Manifest): o is BindingManifest {
  return o?.kind === 'RoleBinding' || o?.kind === 'ClusterRoleBinding';
}

function identitiesOf(objects: Manifest[], auth: ResolvedKubeflowAuth): Identity[] {
  const found = new Map<string, Identity>();
  for (const o of objects.filter(isBinding)) {
    for (const s of o.subjects ?? []) {
      const name = String(s.name);
      if (s.kind === 'User') found.set(`User/${name}`, { kind: 'User', name, requester: userRequester(name) });
      if (s.kind === 'Group') found.set(`Group/${name}`, { kind: 'Group', name, requester: { user: '', groups: [name] } });
      if (s.kind === 'ServiceAccount') {
        const namespace = String(s.namespace ?? o.metadata?.namespace);
        const requester = serviceAccountRequester(namespace, name);
        found.set(`ServiceAccount/${namespace}/${name}`, { kind: 'ServiceAccount', name: `${namespace}/${name}`, requester });
      }
    }
  }
  for (const o of objects.filter(ofKind<AuthorizationPolicyManifest>('AuthorizationPolicy'))) {
    for (const rule of o.spec?.rules ?? []) {
      for (const condition of rule.when ?? []) {
        const values = (condition.values ?? []).filter(v => v !== '*');
        if (condition.key === `request.headers[${auth.userIdHeader}]`) {
          for (const v of values.filter(x => x.startsWith(auth.userIdPrefix) && !x.includes('*'))) {
            const name = v.slice(auth.userIdPrefix.length);
            found.set(`User/${name}`, { kind: 'User', name, requester: userRequester(name) });
          }
        } else if (condition.key === `request.headers[${auth.groupsHeader}]`) {
          for (const name of new Set(values.map(groupOfHeaderValue).filter((x): x is string => x !== undefined))) {
            found.set(`Group/${name}`, { kind: 'Group', name, requester: { user: '', groups: [name] } });
          }
        }
      }
    }
  }
  return [...found.values()].sort((a, b) => (`${a.kind}/${a.name}` < `${b.kind}/${b.name}` ? -1 : 1));
}

/** What an identity's browser sends through the ingress gateway after the auth proxy (the probe sets method, path and port). */
type GatewayRequest = Omit<MeshRequest, keyof MeshProbe>;

function gatewayRequest(identity: Identity, auth: ResolvedKubeflowAuth): GatewayRequest | undefined {
  const headers: Record<string, string> = {};
  if (identity.kind === 'User') headers[auth.userIdHeader.toLowerCase()] = `${auth.userIdPrefix}${identity.name}`;
  else if (identity.kind === 'Group') headers[auth.groupsHeader.toLowerCase()] = identity.name;
  else return undefined; // service accounts do not come through the gateway
  return { principal: auth.ingressGatewayPrincipal, headers };
}

/**
 * A namespace's policies as its workloads enforce them, the requests that probe them, and which
 * gateway identities can be admitted there. Built when the namespace is evaluated and dropped
 * after, so 10,000 namespaces do not hold their translated policies at once.
 */
interface NamespaceMesh {
  readonly enforcement: NamespaceEnforcement;
  readonly probes: MeshProbe[];
  /** The exact header values (`header\u0000value`) the policies name. */
  readonly headerKeys: string[];
  /** Whether something other than an exact header value may decide (patterns, exclusions, DENY). */
  readonly irregular: boolean;
  /** Whether a gateway request from somebody nobody declared is admitted. */
  readonly open: boolean;
}

function namespaceMesh(list: AuthorizationPolicyManifest[], auth: ResolvedKubeflowAuth, namespace: string, plane: DataPlane): NamespaceMesh {
  const enforcement = namespaceEnforcement(list, namespace, plane);
  const probes = meshProbes(list);
  const anonymous = anonymousRequests(auth.ingressGatewayPrincipal, auth.userIdHeader, auth.groupsHeader, unnamedHeaderValue(list));
  if (anonymous.some(request => decideOnProbes(enforcement, probes, request).admitted)) {
    return { enforcement, probes, headerKeys: [], irregular: false, open: true };
  }
  let irregular = list.some(p => p.spec?.action === 'DENY');
  const headerKeys: string[] = [];
  for (const rule of list.flatMap(p => p.spec?.rules ?? [])) {
    for (const condition of rule?.when ?? []) {
      const header = /^request\.headers\[(.+)\]$/.exec(String(condition.key ?? ''));
      if (!header) continue;
      if (condition.notValues) irregular = true;
      const groups = header[1].toLowerCase() === auth.groupsHeader.toLowerCase();
      for (const value of condition.values ?? []) {
        // A group's list forms index as the group; any other pattern makes every gateway identity a candidate.
        const exact = (groups ? groupOfHeaderValue(String(value)) : undefined) ?? String(value);
        if (exact.includes('*')) irregular = true;
        headerKeys.push(`${header[1].toLowerCase()}\u0000${exact}`);
      }
    }
  }
  return { enforcement, probes, headerKeys, irregular, open: false };
}

/**
 * What the access analysis reads of a manifest, or undefined for kinds it does not read: RBAC
 * objects, AuthorizationPolicies, NetworkPolicies, Namespaces, Profiles and the guard's bindings,
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
      case 'NetworkPolicy':
      case 'Profile':
      case 'ValidatingAdmissionPolicyBinding':
        return { ...base, spec: shared(manifest.spec) };
      default:
        return undefined;
    }
  };
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

  // Which identities a subject key (`User/x`, `Group/g`) stands for: an identity is every key of its requester.
  const identitiesByKey = new Map<string, Identity[]>();
  for (const identity of identities) {
    for (const key of [`User/${identity.requester.user}`, ...identity.requester.groups.map(g => `Group/${g}`)]) push(identitiesByKey, key, identity);
  }
  // Where each subject is bound, so each namespace is evaluated only for identities that may have access there.
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
  const policiesIn = new Map<string, AuthorizationPolicyManifest[]>();
  for (const o of objects.filter(ofKind<AuthorizationPolicyManifest>('AuthorizationPolicy'))) {
    if (o.metadata?.namespace) push(policiesIn, o.metadata.namespace, o);
  }
  const meshOpen: string[] = [];
  const requests = new Map(identities.map(identity => [identity, gatewayRequest(identity, auth)]));
  const identitiesByHeader = new Map<string, Identity[]>();
  for (const identity of identities) {
    for (const [header, value] of Object.entries(requests.get(identity)?.headers ?? {})) push(identitiesByHeader, `${header}\u0000${value}`, identity);
  }
  const viaGateway = identities.filter(identity => requests.get(identity) !== undefined);

  // What decides a namespace's cells: the objects written into it, its Profile (from which the
  // controller's objects derive) and its Namespace (whose labels choose the data plane) and, for
  // all namespaces, the cluster-wide RBAC and the auth.
  const inputsOf = new Map<string, Manifest[]>();
  for (const o of written) {
    const namespace = o.kind === 'Profile' || (o.kind === 'Namespace' && o.apiVersion === 'v1') ? o.metadata?.name : o.metadata?.namespace;
    if (namespace !== undefined) push(inputsOf, namespace, o);
  }
  const global: unknown[] = [options.clusterRoles, JSON.stringify(auth),
    ...written.filter(o => o.kind === 'ClusterRole' || o.kind === 'ClusterRoleBinding')];
  const identityByKey = new Map(identities.map(identity => [`${identity.kind}\u0000${identity.name}`, identity]));
  // Cells that depend on identities declared elsewhere are never taken over: patterns and DENY
  // policies (every gateway identity is a candidate) and bindings of system groups (every user).
  const reusable = (namespace: string, mesh: NamespaceMesh) => !mesh.irregular
    && ![...(boundIn.get(namespace) ?? [])].some(key => key.startsWith('Group/system:'));

  const verbsOfRole = new Map<string, Map<string, Set<string>>>();
  const grantsOf = new Map<string, { level: NamespaceAccess['level']; resources: Record<string, string[]> }>();
  const accessOf = new Map<Identity, Record<string, NamespaceAccess>>();
  for (const namespace of namespaces) {
    const inputs = inputsOf.get(namespace) ?? [];
    const mesh = namespaceMesh(policiesIn.get(namespace) ?? [], auth, namespace, planeOf.get(namespace) ?? SIDECAR);
    if (mesh.open) meshOpen.push(namespace);
    const canReuse = options.reuse !== undefined && reusable(namespace, mesh);
    const earlier = options.reuse?.namespaces.get(namespace);
    if (earlier && canReuse && sameReferences(earlier.global, global) && sameReferences(earlier.inputs, inputs)
      && earlier.cells.every(([key]) => identityByKey.has(key))) {
      for (const [key, access] of earlier.cells) {
        const identity = identityByKey.get(key)!;
        (accessOf.get(identity) ?? accessOf.set(identity, {}).get(identity)!)[namespace] = access;
      }
      continue;
    }
    const cells: Array<[string, NamespaceAccess]> = [];
    const candidates = new Set<Identity>(clusterWide);
    for (const key of boundIn.get(namespace) ?? []) for (const identity of identitiesByKey.get(key) ?? []) candidates.add(identity);
    // Patterns, DENY policies and unknown fields are not indexed by value: every gateway identity is a candidate there.
    const gatewayCandidates = mesh.irregular ? viaGateway : mesh.headerKeys.flatMap(key => identitiesByHeader.get(key) ?? []);
    for (const identity of gatewayCandidates) candidates.add(identity);

    for (const identity of candidates) {
      const request = requests.get(identity);
      const decision = request ? decideOnProbes(mesh.enforcement, mesh.probes, request) : undefined;
      const admittedBy = decision?.admitted ? decision.policy : undefined;
      const grantedBy: string[] = [];
      const roleKeys: string[] = [];
      for (const bound of model.bindingsFor(identity.requester, namespace)) {
        let roleVerbs = verbsOfRole.get(bound.roleKey);
        if (roleVerbs === undefined) verbsOfRole.set(bound.roleKey, roleVerbs = resourceVerbs(bound.rules));
        if (roleVerbs.size === 0) continue;
        grantedBy.push(bound.binding);
        roleKeys.push(bound.roleKey);
      }
      if (roleKeys.length === 0 && admittedBy === undefined) continue;
      // Thousands of identities hold the same roles: their resources and level are computed, and stored, once.
      const grantKey = [...new Set(roleKeys)].sort().join('\n');
      let granted = grantsOf.get(grantKey);
      if (granted === undefined) grantsOf.set(grantKey, granted = combinedAccess(roleKeys.map(key => verbsOfRole.get(key)!)));
      const access = accessOf.get(identity) ?? accessOf.set(identity, {}).get(identity)!;
      access[namespace] = {
        level: granted.level,
        resources: granted.resources,
        grantedBy: [...new Set(grantedBy)].sort(),
        meshIngress: admittedBy !== undefined,
        ...(admittedBy ? { admittedBy } : {}),
      };
      cells.push([`${identity.kind}\u0000${identity.name}`, access[namespace]]);
    }
    if (canReuse) options.reuse!.namespaces.set(namespace, { global, inputs, cells });
  }
  // Namespaces are visited in order, so each identity's access is already sorted by namespace.
  const result = identities.filter(identity => accessOf.has(identity))
    .map(identity => ({ kind: identity.kind, name: identity.name, access: accessOf.get(identity)! }));
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
    unenforcedPolicies: namespaces.flatMap(namespace => unenforcedPolicies(
      (inputsOf.get(namespace) ?? []).filter(ofKind<AuthorizationPolicyManifest>('AuthorizationPolicy')), planeOf.get(namespace) ?? SIDECAR)),
  };
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

/** `edit`, `view (RBAC only)` when the gateway refuses a user or group, `gateway only` without RBAC access. */
function describeLevel(a: NamespaceAccess, serviceAccount: boolean): string {
  if (a.level === 'none') return 'gateway only';
  return !a.meshIngress && !serviceAccount ? `${a.level} (RBAC only)` : a.level;
}

function describeCell(namespace: string, a: NamespaceAccess, serviceAccount: boolean): string {
  return `${describeLevel(a, serviceAccount)} in ${namespace}`;
}

function describeAccess(identity: IdentityAccess): string {
  return Object.entries(identity.access).map(([ns, a]) => describeCell(ns, a, identity.kind === 'ServiceAccount')).join(', ');
}

/** How long a report may be; a GitHub comment holds 65,536 characters. */
export const DEFAULT_REPORT_CHARS = 60_000;

/** How a report is printed. */
export interface ReportOptions {
  /**
   * The most characters the report may have; sections that do not fit are cut, saying what
   * was left out (the JSON matrix keeps everything). 0 for no bound.
   * @default DEFAULT_REPORT_CHARS
   */
  readonly maxChars?: number;
}

const FULL_REPORT = 'The JSON report (--json) has everything; --max-chars 0 prints it all.';

/**
 * The matrix as Markdown, sized for a pull request: findings first (open namespaces, gateway-only
 * and RBAC-only access), then counts per role, identities with access to more than one
 * namespace, counts per namespace, every identity, and the network paths, each cut to fit.
 */
export function accessMarkdown(matrix: AccessMatrix, options: ReportOptions = {}): string {
  const network = matrix.network;
  const out = new BoundedText(options.maxChars ?? DEFAULT_REPORT_CHARS);
  out.add(`Access to ${matrix.namespaces.length} namespaces by ${matrix.identities.length} identities (admin ⊃ edit ⊃ view; `
    + 'users and groups also pass the ingress gateway unless the cell says otherwise).');
  out.add('');
  out.add(guardLine(matrix.guard, matrix.namespaces));

  const cells = matrix.identities.flatMap(identity => Object.entries(identity.access).map(([namespace, access]) =>
    ({ identity, namespace, access, level: describeLevel(access, identity.kind === 'ServiceAccount') })));
  const findings = [
    ...(matrix.meshOpen.length > 0 ? [`- admit every request from the ingress gateway: ${matrix.meshOpen.join(', ')}`] : []),
    ...matrix.unenforcedPolicies.map(u => `- enforced nowhere: AuthorizationPolicy ${u.policy} ${u.reason}`),
    ...matrix.escalations.map(e => `- escalation: Role ${e.namespace}/${e.role} grants ${e.grants.join(', ')}`
      + (e.reason === undefined ? ' (no reason given)' : ` (reason: ${e.reason})`)),
    ...matrix.sharedCloudIdentities.map(s => `- cloud identity ${s.value} is bound in ${s.namespaces.length} namespaces: ${s.namespaces.join(', ')}`),
    ...(network.openIngress.length > 0 ? [`- network open to every namespace (no ingress policy): ${network.openIngress.join(', ')}`] : []),
    ...(network.openEgress.length > 0 ? [`- network reaches every namespace (no egress policy): ${network.openEgress.join(', ')}`] : []),
    ...cells.filter(c => c.level === 'gateway only').map(c => `- gateway only: ${c.identity.name} in ${c.namespace} (admitted by ${c.access.admittedBy}, no RBAC access)`),
    ...cells.filter(c => c.level.endsWith('(RBAC only)')).map(c => `- RBAC only: ${c.identity.name} has ${c.access.level} in ${c.namespace}, the gateway refuses it`),
  ];
  if (findings.length > 0) out.section(['', `Findings (${findings.length}):`, ''], findings, 'findings');

  const roles = new Map<string, Record<IdentityAccess['kind'], number>>();
  for (const cell of cells) {
    const counts = roles.get(cell.level) ?? roles.set(cell.level, { User: 0, Group: 0, ServiceAccount: 0 }).get(cell.level)!;
    counts[cell.identity.kind]++;
  }
  out.section(['', 'Access by role (identity and namespace pairs):', '', '| role | users | groups | service accounts |', '|---|---|---|---|'],
    [...roles].sort(([a], [b]) => (a < b ? -1 : 1)).map(([role, n]) => `| ${role} | ${n.User} | ${n.Group} | ${n.ServiceAccount} |`), 'roles');

  const wide = matrix.identities.filter(i => Object.keys(i.access).length > 1)
    .sort((a, b) => Object.keys(b.access).length - Object.keys(a.access).length);
  if (wide.length > 0) {
    out.section(['', `Identities with access to more than one namespace (${wide.length}):`, '', '| identity | kind | access |', '|---|---|---|'],
      wide.map(i => `| ${i.name} | ${i.kind} | ${describeAccess(i)} |`), 'identities');
  }

  const perNamespace = new Map<string, Map<string, number>>();
  for (const cell of cells) {
    const counts = perNamespace.get(cell.namespace) ?? perNamespace.set(cell.namespace, new Map()).get(cell.namespace)!;
    counts.set(cell.level, (counts.get(cell.level) ?? 0) + 1);
  }
  const count = (counts: Map<string, number> | undefined, level: string) => (counts?.get(level) ?? 0) + (counts?.get(`${level} (RBAC only)`) ?? 0);
  out.section(['', 'Per namespace (identities, RBAC-only ones included):', '', '| namespace | admin | edit | view | custom | gateway only |', '|---|---|---|---|---|---|'],
    matrix.namespaces.map(ns => {
      const counts = perNamespace.get(ns);
      return `| ${ns} | ${count(counts, 'admin')} | ${count(counts, 'edit')} | ${count(counts, 'view')} | ${count(counts, 'custom')} | ${counts?.get('gateway only') ?? 0} |`;
    }), 'namespaces');

  out.section(['', 'Every identity:', '', '| identity | kind | access |', '|---|---|---|'],
    matrix.identities.map(i => `| ${i.name} | ${i.kind} | ${describeAccess(i)} |`), 'identities');

  if (matrix.cloudIdentities.length > 0) {
    out.section(['', `Cloud identities (${matrix.cloudIdentities.length}):`, '', '| namespace | service account | cloud identity |', '|---|---|---|'],
      matrix.cloudIdentities.map(c => `| ${c.namespace} | ${c.serviceAccount} | ${c.value} |`), 'cloud identities');
  }

  out.section(['', `Network paths between namespaces (${network.paths.length}; traffic within a namespace not shown):`, '', '| from | to | ports | pods |', '|---|---|---|---|'],
    network.paths.map(p => `| ${p.from} | ${p.to} | ${p.ports.join(' ')} | ${p.pods ?? 'all'} |`), 'network paths');
  return out.text(FULL_REPORT);
}

/** Whether both ends of `networkPath` are unrestricted in `m` (namespaces outside the manifests count as unrestricted). */
function impliedByOpenness(m: OpennessIndex, networkPath: NetworkPath): boolean {
  return (!m.namespaces.has(networkPath.from) || m.openEgress.has(networkPath.from))
    && (!m.namespaces.has(networkPath.to) || m.openIngress.has(networkPath.to));
}

/** A matrix's namespaces and open ones, as sets (the diff asks once per path). */
interface OpennessIndex {
  readonly namespaces: Set<string>;
  readonly openIngress: Set<string>;
  readonly openEgress: Set<string>;
}

function opennessIndex(m: AccessMatrix): OpennessIndex {
  return { namespaces: new Set(m.namespaces), openIngress: new Set(m.network.openIngress), openEgress: new Set(m.network.openEgress) };
}

/** How much a level opens: base level, then whether the gateway also admits (RBAC only is less). */
function levelRank(level: string): number {
  const base = level.startsWith('admin') ? 4 : level.startsWith('edit') ? 3 : level.startsWith('view') ? 2 : level.startsWith('custom') ? 2 : 1;
  return base * 2 + (level.endsWith('(RBAC only)') ? 0 : 1);
}

const GUARD_STRENGTH: Record<GuardStatus['state'], number> = { enforce: 3, warn: 2, partial: 1, absent: 0 };

/** The order of a diff: what opens access first, then what changes it, then what closes it. */
enum Relevance {
  GUARD_WEAKENED,
  NEW_ACCESS,
  WIDENED,
  NEWLY_OPEN,
  NEW_PATH,
  CHANGED,
  REMOVED,
}

interface DiffEntry {
  readonly relevance: Relevance;
  readonly line: string;
}

function isWider(before: Record<string, string[]>, after: Record<string, string[]>): boolean {
  return Object.entries(after).some(([label, verbs]) => verbs.some(verb => !(before[label] ?? []).includes(verb)));
}

function diffEntries(before: AccessMatrix, after: AccessMatrix): DiffEntry[] {
  const index = (m: AccessMatrix) => {
    const map = new Map<string, { level: string; resources: Record<string, string[]> }>();
    for (const i of m.identities) {
      for (const [ns, a] of Object.entries(i.access)) {
        map.set(`${i.kind}\u0000${i.name}\u0000${ns}`, { level: describeLevel(a, i.kind === 'ServiceAccount'), resources: a.resources });
      }
    }
    return map;
  };
  const old = index(before);
  const now = index(after);
  const entries: DiffEntry[] = [];
  const add = (relevance: Relevance, line: string) => entries.push({ relevance, line });
  if (before.guard.state !== after.guard.state) {
    add(GUARD_STRENGTH[after.guard.state] < GUARD_STRENGTH[before.guard.state] ? Relevance.GUARD_WEAKENED : Relevance.CHANGED,
      `~ tenancy guard: ${before.guard.state} → ${after.guard.state}`);
  }
  for (const key of [...new Set([...old.keys(), ...now.keys()])].sort()) {
    const [, name, ns] = key.split('\u0000');
    const a = old.get(key);
    const b = now.get(key);
    if (a && !b) {add(Relevance.REMOVED, `- ${name}: ${a.level} in ${ns}`);} else if (!a && b) {add(Relevance.NEW_ACCESS, `+ ${name}: ${b.level} in ${ns}`);} else if (a && b && a.level !== b.level) {add(levelRank(b.level) > levelRank(a.level) ? Relevance.WIDENED : Relevance.CHANGED, `~ ${name}: ${a.level} → ${b.level} in ${ns}`);} else if (a && b && JSON.stringify(a.resources) !== JSON.stringify(b.resources)) {
      add(isWider(a.resources, b.resources) ? Relevance.WIDENED : Relevance.CHANGED, `~ ${name}: ${b.level} in ${ns} (verbs changed)`);
    }
  }
  const paths = (m: AccessMatrix) => new Map(m.network.paths.map(p => [`${p.from} → ${p.to}${p.pods ? ` (pods ${p.pods})` : ''}`, p]));
  const oldPaths = paths(before);
  const newPaths = paths(after);
  const openBefore = opennessIndex(before);
  const openAfter = opennessIndex(after);
  for (const key of [...new Set([...oldPaths.keys(), ...newPaths.keys()])].sort()) {
    const a = oldPaths.get(key);
    const b = newPaths.get(key);
    // A path that the other side's open namespaces still allow is not a change.
    if (a && !b && !impliedByOpenness(openAfter, a)) {add(Relevance.REMOVED, `- network: ${key} on ${a.ports.join(' ')}`);} else if (!a && b && !impliedByOpenness(openBefore, b)) {add(Relevance.NEW_PATH, `+ network: ${key} on ${b.ports.join(' ')}`);} else if (a && b && a.ports.join(' ') !== b.ports.join(' ')) {
      const wider = b.ports.includes('all') ? !a.ports.includes('all') : b.ports.some(port => !a.ports.includes(port));
      add(wider ? Relevance.NEW_PATH : Relevance.CHANGED, `~ network: ${key} on ${a.ports.join(' ')} → ${b.ports.join(' ')}`);
    }
  }
  const open = (label: string, x: string[], y: string[]) => {
    const [xs, ys] = [new Set(x), new Set(y)];
    for (const ns of y.filter(n => !xs.has(n))) add(Relevance.NEWLY_OPEN, `+ ${label}: ${ns}`);
    for (const ns of x.filter(n => !ys.has(n))) add(Relevance.REMOVED, `- ${label}: ${ns}`);
  };
  const bindings = (m: AccessMatrix) => new Set(m.cloudIdentities.map(c => `${c.namespace}/${c.serviceAccount} → ${c.value}`));
  const [oldBindings, newBindings] = [bindings(before), bindings(after)];
  for (const line of [...newBindings].filter(b => !oldBindings.has(b)).sort()) add(Relevance.NEW_ACCESS, `+ cloud identity: ${line}`);
  for (const line of [...oldBindings].filter(b => !newBindings.has(b)).sort()) add(Relevance.REMOVED, `- cloud identity: ${line}`);
  open('admits every gateway request', before.meshOpen, after.meshOpen);
  open('network open to every namespace', before.network.openIngress, after.network.openIngress);
  open('network reaches every namespace', before.network.openEgress, after.network.openEgress);
  // Stable: within a relevance, the order they were found in (identities, paths, openness; each sorted).
  return entries.map((entry, i) => ({ entry, i })).sort((x, y) => x.entry.relevance - y.entry.relevance || x.i - y.i).map(x => x.entry);
}

/**
 * What changed between two matrices, most security-relevant first: the guard weakened, new access,
 * widened roles, namespaces newly open, new network paths, then other changes and what was lost.
 * One line per identity and namespace whose access changed, and one per network path.
 */
export function accessDiff(before: AccessMatrix, after: AccessMatrix): string[] {
  return diffEntries(before, after).map(e => e.line);
}

/** The diff as text for a pull-request comment: as many lines as fit, then a count of the rest. */
export function accessDiffReport(before: AccessMatrix, after: AccessMatrix, options: ReportOptions = {}): string {
  const entries = diffEntries(before, after);
  if (entries.length === 0) return 'no change in access\n';
  const out = new BoundedText(options.maxChars ?? DEFAULT_REPORT_CHARS);
  let shown = 0;
  for (const entry of entries) {
    if (!out.add(entry.line)) break;
    shown++;
  }
  if (shown === entries.length) return out.text(FULL_REPORT);
  const rest = entries.slice(shown);
  const gains = rest.filter(e => e.relevance < Relevance.CHANGED).length;
  const losses = rest.filter(e => e.relevance === Relevance.REMOVED).length;
  return out.text(FULL_REPORT) + `… ${rest.length} more changes not shown (${gains} widen access, ${losses} remove it, `
    + `${rest.length - gains - losses} other); --max-chars 0 prints them all\n`;
}
