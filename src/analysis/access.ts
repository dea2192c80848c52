/**
 * The access matrix: for every identity bound in the manifests, and every
 * namespace, which verbs it has on the resources reviewers care about. Reads
 * manifests (objects or a folder of YAML); never builds them.
 */
import { guardLine, guardStatus, GuardStatus } from './guard';
import { meshDecision, MeshRequest } from './mesh';
import { NetworkPath, networkReachability, NetworkReachability } from './network';
import { AccessRequest, RbacModel, Requester, serviceAccountRequester, userRequester } from './rbac';
import { KubeflowAuthOptions, resolveAuth, ResolvedKubeflowAuth } from '../core/auth-options';
import { kubeflowClusterRoles } from '../core/kubeflow-cluster-roles';
import { withProfileControllerObjects } from '../core/kubeflow-profile';
import { AuthorizationPolicyManifest, BindingManifest, Manifest, ofKind } from '../core/manifest';

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
          for (const name of new Set(values.map(v => v.replace(/^\*,|,\*$/g, '')).filter(x => !x.includes('*') && !x.includes(',')))) {
            found.set(`Group/${name}`, { kind: 'Group', name, requester: { user: '', groups: [name] } });
          }
        }
      }
    }
  }
  return [...found.values()].sort((a, b) => (`${a.kind}/${a.name}` < `${b.kind}/${b.name}` ? -1 : 1));
}

/** The request an identity's browser sends through the ingress gateway after the auth proxy. */
function gatewayRequest(identity: Identity, auth: ResolvedKubeflowAuth): MeshRequest | undefined {
  const headers: Record<string, string> = {};
  if (identity.kind === 'User') headers[auth.userIdHeader.toLowerCase()] = `${auth.userIdPrefix}${identity.name}`;
  else if (identity.kind === 'Group') headers[auth.groupsHeader.toLowerCase()] = identity.name;
  else return undefined; // service accounts do not come through the gateway
  const [, namespace] = /^cluster\.local\/ns\/([^/]+)\//.exec(auth.ingressGatewayPrincipal) ?? [];
  return { principal: auth.ingressGatewayPrincipal, namespace: namespace ?? 'istio-system', method: 'GET', path: '/', headers };
}

/** Exact header values a namespace's AuthorizationPolicies name, and whether anything else can admit a request. */
interface MeshIndex {
  readonly policies: Map<string, AuthorizationPolicyManifest[]>;
  /** Namespaces where an exact header value admits: `header\u0000value` → namespaces. */
  readonly byHeaderValue: Map<string, Set<string>>;
  /** Namespaces where something other than an exact header value may decide (patterns, DENY, unknown fields). */
  readonly irregular: Set<string>;
  /** Namespaces that admit any gateway request. */
  readonly open: string[];
}

function meshIndex(objects: Manifest[], namespaces: string[], auth: ResolvedKubeflowAuth): MeshIndex {
  const policies = new Map<string, AuthorizationPolicyManifest[]>();
  for (const o of objects.filter(ofKind<AuthorizationPolicyManifest>('AuthorizationPolicy'))) {
    const namespace = o.metadata?.namespace;
    if (!namespace) continue;
    (policies.get(namespace) ?? policies.set(namespace, []).get(namespace)!).push(o);
  }
  const byHeaderValue = new Map<string, Set<string>>();
  const irregular = new Set<string>();
  const open: string[] = [];
  const gateway = gatewayRequest({ kind: 'User', name: '', requester: userRequester('') }, auth)!;
  for (const ns of namespaces) {
    const list = policies.get(ns) ?? [];
    // A request with headers nobody is named by: admitted means the namespace is open to the gateway.
    const anonymous = { ...gateway, headers: { [auth.userIdHeader.toLowerCase()]: '\u0000', [auth.groupsHeader.toLowerCase()]: '\u0000' } };
    if (meshDecision(list, anonymous).admitted) {
      open.push(ns);
      continue;
    }
    if (list.some(p => p.spec?.action === 'DENY')) irregular.add(ns);
    for (const rule of list.flatMap(p => p.spec?.rules ?? [])) {
      for (const condition of rule.when ?? []) {
        const header = /^request\.headers\[(.+)\]$/.exec(String(condition.key ?? ''));
        if (!header) continue;
        if (condition.notValues) irregular.add(ns);
        for (const value of condition.values ?? []) {
          const exact = String(value).replace(/^\*,|,\*$/g, '');
          if (exact.includes('*')) irregular.add(ns);
          const key = `${header[1].toLowerCase()}\u0000${exact}`;
          (byHeaderValue.get(key) ?? byHeaderValue.set(key, new Set()).get(key)!).add(ns);
        }
      }
    }
  }
  return { policies, byHeaderValue, irregular, open };
}

/**
 * Computes the matrix over every Namespace in `objects`: RBAC access, admission
 * through the ingress gateway, and network paths between namespaces.
 */
export function accessMatrix(written: Manifest[], options: AccessMatrixOptions = {}): AccessMatrix {
  const auth = resolveAuth(options.auth);
  // With Kubeflow's profile controller, the owner's access is written from each Profile in the cluster.
  const objects: Manifest[] = withProfileControllerObjects(written, () => auth);
  const model = new RbacModel([...(options.clusterRoles ?? kubeflowClusterRoles()), ...objects]);
  const namespaces = objects.filter(o => o?.apiVersion === 'v1' && o.kind === 'Namespace').map(o => String(o.metadata?.name)).sort();
  // Where each subject is bound, so each identity is evaluated only where it may have access.
  const boundIn = new Map<string, Set<string>>();
  const clusterWide = new Set<string>();
  for (const o of objects.filter(isBinding)) {
    for (const s of o.subjects ?? []) {
      const key = s.kind === 'ServiceAccount' ? `User/system:serviceaccount:${s.namespace ?? o.metadata?.namespace}:${s.name}` : `${s.kind}/${s.name}`;
      if (o.kind === 'ClusterRoleBinding') clusterWide.add(key);
      else (boundIn.get(key) ?? boundIn.set(key, new Set()).get(key)!).add(String(o.metadata?.namespace));
    }
  }
  const candidates = (requester: Requester): string[] => {
    const keys = [`User/${requester.user}`, ...requester.groups.map(g => `Group/${g}`)];
    if (keys.some(k => clusterWide.has(k))) return namespaces;
    const set = new Set(keys.flatMap(k => [...(boundIn.get(k) ?? [])]));
    return namespaces.filter(ns => set.has(ns));
  };
  const mesh = meshIndex(objects, namespaces, auth);
  const meshCandidates = (request: MeshRequest): Set<string> => {
    const found = new Set(mesh.irregular);
    for (const [header, value] of Object.entries(request.headers)) {
      for (const ns of mesh.byHeaderValue.get(`${header}\u0000${value}`) ?? []) found.add(ns);
    }
    return found;
  };
  const identities: IdentityAccess[] = [];
  for (const identity of identitiesOf(objects, auth)) {
    const access: Record<string, NamespaceAccess> = {};
    const request = gatewayRequest(identity, auth);
    const admittedIn = new Map<string, string>();
    if (request) {
      for (const ns of meshCandidates(request)) {
        const decision = meshDecision(mesh.policies.get(ns) ?? [], request);
        if (decision.admitted) admittedIn.set(ns, decision.policy);
      }
    }
    for (const namespace of new Set([...candidates(identity.requester), ...admittedIn.keys()])) {
      const resources: Record<string, string[]> = {};
      const grantedBy = new Set<string>();
      for (const resource of RESOURCES) {
        const verbs = VERBS.filter(verb => {
          const { apiGroup, subresource } = resource;
          const accessRequest: AccessRequest = { verb, apiGroup, resource: resource.resource, subresource, namespace };
          const grants = model.grants(identity.requester, accessRequest);
          for (const grant of grants) grantedBy.add(grant.binding);
          return grants.length > 0;
        });
        if (verbs.length > 0) resources[resource.label] = verbs;
      }
      const admittedBy = admittedIn.get(namespace);
      if (Object.keys(resources).length > 0 || admittedBy !== undefined) {
        const can = (label: string, verb: string) => resources[label]?.includes(verb) ?? false;
        access[namespace] = {
          level: Object.keys(resources).length > 0 ? levelOf(can) : 'none',
          resources,
          grantedBy: [...grantedBy].sort(),
          meshIngress: admittedBy !== undefined,
          ...(admittedBy ? { admittedBy } : {}),
        };
      }
    }
    const sorted: Record<string, NamespaceAccess> = {};
    for (const ns of Object.keys(access).sort()) sorted[ns] = access[ns];
    if (Object.keys(sorted).length > 0) identities.push({ kind: identity.kind, name: identity.name, access: sorted });
  }
  return { namespaces, identities, meshOpen: mesh.open, network: networkReachability(objects), guard: guardStatus(objects) };
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

/** The matrix as Markdown, one row per identity, compact enough for a pull-request comment. */
export function accessMarkdown(matrix: AccessMatrix): string {
  const network = matrix.network;
  const lines = [
    `Access to ${matrix.namespaces.length} namespaces by ${matrix.identities.length} identities (admin ⊃ edit ⊃ view; `
      + 'users and groups also pass the ingress gateway unless the cell says otherwise).',
    '',
    guardLine(matrix.guard, matrix.namespaces),
    '',
    '| identity | kind | access |',
    '|---|---|---|',
    ...matrix.identities.map(i => `| ${i.name} | ${i.kind} | ${describeAccess(i)} |`),
  ];
  if (matrix.meshOpen.length > 0) lines.push('', `Admit every request from the ingress gateway: ${matrix.meshOpen.join(', ')}.`);
  lines.push('', `Network paths between namespaces (${network.paths.length}; traffic within a namespace not shown):`, '');
  if (network.openIngress.length > 0) lines.push(`- open to every namespace (no ingress policy): ${network.openIngress.join(', ')}`);
  if (network.openEgress.length > 0) lines.push(`- reach every namespace (no egress policy): ${network.openEgress.join(', ')}`);
  if (network.openIngress.length > 0 || network.openEgress.length > 0) lines.push('');
  lines.push('| from | to | ports | pods |', '|---|---|---|---|');
  for (const p of network.paths) lines.push(`| ${p.from} | ${p.to} | ${p.ports.join(' ')} | ${p.pods ?? 'all'} |`);
  return lines.join('\n') + '\n';
}

/** Whether both ends of `networkPath` are unrestricted in `m` (namespaces outside the manifests count as unrestricted). */
function impliedByOpenness(m: AccessMatrix, networkPath: NetworkPath): boolean {
  const known = (ns: string) => m.namespaces.includes(ns);
  return (!known(networkPath.from) || m.network.openEgress.includes(networkPath.from))
    && (!known(networkPath.to) || m.network.openIngress.includes(networkPath.to));
}

/**
 * What changed between two matrices: one line per identity and namespace whose
 * access changed, and one per network path gained, lost or changed.
 */
export function accessDiff(before: AccessMatrix, after: AccessMatrix): string[] {
  const index = (m: AccessMatrix) => {
    const map = new Map<string, { level: string; resources: string }>();
    for (const i of m.identities) {
      for (const [ns, a] of Object.entries(i.access)) {
        map.set(`${i.kind}\u0000${i.name}\u0000${ns}`, { level: describeLevel(a, i.kind === 'ServiceAccount'), resources: JSON.stringify(a.resources) });
      }
    }
    return map;
  };
  const old = index(before);
  const now = index(after);
  const lines: string[] = [];
  for (const key of [...new Set([...old.keys(), ...now.keys()])].sort()) {
    const [, name, ns] = key.split('\u0000');
    const a = old.get(key);
    const b = now.get(key);
    if (a && !b) lines.push(`- ${name}: ${a.level} in ${ns}`);
    else if (!a && b) lines.push(`+ ${name}: ${b.level} in ${ns}`);
    else if (a && b && a.level !== b.level) lines.push(`~ ${name}: ${a.level} → ${b.level} in ${ns}`);
    else if (a && b && a.resources !== b.resources) lines.push(`~ ${name}: ${b.level} in ${ns} (verbs changed)`);
  }
  const paths = (m: AccessMatrix) => new Map(m.network.paths.map(p => [`${p.from} → ${p.to}${p.pods ? ` (pods ${p.pods})` : ''}`, p]));
  const oldPaths = paths(before);
  const newPaths = paths(after);
  for (const key of [...new Set([...oldPaths.keys(), ...newPaths.keys()])].sort()) {
    const a = oldPaths.get(key);
    const b = newPaths.get(key);
    // A path that the other side's open namespaces still allow is not a change.
    if (a && !b && !impliedByOpenness(after, a)) lines.push(`- network: ${key} on ${a.ports.join(' ')}`);
    else if (!a && b && !impliedByOpenness(before, b)) lines.push(`+ network: ${key} on ${b.ports.join(' ')}`);
    else if (a && b && a.ports.join(' ') !== b.ports.join(' ')) lines.push(`~ network: ${key} on ${a.ports.join(' ')} → ${b.ports.join(' ')}`);
  }
  const open = (label: string, x: string[], y: string[]) => {
    for (const ns of y.filter(n => !x.includes(n))) lines.push(`+ ${label}: ${ns}`);
    for (const ns of x.filter(n => !y.includes(n))) lines.push(`- ${label}: ${ns}`);
  };
  if (before.guard.state !== after.guard.state) lines.push(`~ tenancy guard: ${before.guard.state} → ${after.guard.state}`);
  open('admits every gateway request', before.meshOpen, after.meshOpen);
  open('network open to every namespace', before.network.openIngress, after.network.openIngress);
  open('network reaches every namespace', before.network.openEgress, after.network.openEgress);
  return lines;
}
