/**
 * The access matrix: for every identity bound in the manifests, and every
 * namespace, which verbs it has on the resources reviewers care about. Reads
 * manifests (objects or a folder of YAML); never builds them.
 */
import * as fs from 'fs';
import * as path from 'path';
import { parseAllDocuments } from 'yaml';
import { AccessRequest, RbacModel, Requester, serviceAccountRequester, userRequester } from './rbac';

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
  readonly level: AccessLevel;
  /** Verbs per resource label, only resources with at least one verb. */
  readonly resources: Record<string, string[]>;
  /** The bindings that grant it. */
  readonly grantedBy: string[];
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
}

/** Every YAML object under `dir`, kustomizations and GitOps folders left out. */
export function readManifestDir(dir: string): any[] {
  const objects: any[] = [];
  const walk = (sub: string) => {
    for (const entry of fs.readdirSync(path.join(dir, sub), { withFileTypes: true }).sort((a, b) => (a.name < b.name ? -1 : 1))) {
      const rel = path.join(sub, entry.name);
      if (entry.isDirectory()) {
        if (sub === '' && (entry.name === 'argocd' || entry.name === 'flux')) continue;
        walk(rel);
      } else if (/\.ya?ml$/.test(entry.name) && entry.name !== 'kustomization.yaml') {
        objects.push(...parseAllDocuments(fs.readFileSync(path.join(dir, rel), 'utf8')).map(d => d.toJS()).filter(d => d));
      }
    }
  };
  walk('');
  return objects;
}

/** Kubeflow's ClusterRoles as shipped by kubeflow/manifests, bundled as data. */
export function kubeflowClusterRoles(): any[] {
  const file = path.join(__dirname, '..', '..', 'data', 'kubeflow-clusterroles.yaml');
  return parseAllDocuments(fs.readFileSync(file, 'utf8')).map(d => d.toJS()).filter(d => d);
}

function levelOf(can: (label: string, verb: string) => boolean): AccessLevel {
  if (can('rolebindings', 'create')) return 'admin';
  if (can('pods', 'create')) return 'edit';
  if (can('pods', 'list')) return 'view';
  return 'custom';
}

interface Identity { kind: IdentityAccess['kind']; name: string; requester: Requester }

function identitiesOf(objects: any[]): Identity[] {
  const found = new Map<string, Identity>();
  for (const o of objects) {
    if (o?.kind !== 'RoleBinding' && o?.kind !== 'ClusterRoleBinding') continue;
    for (const s of o.subjects ?? []) {
      if (s.kind === 'User') found.set(`User/${s.name}`, { kind: 'User', name: s.name, requester: userRequester(s.name) });
      if (s.kind === 'Group') found.set(`Group/${s.name}`, { kind: 'Group', name: s.name, requester: { user: '', groups: [s.name] } });
      if (s.kind === 'ServiceAccount') {
        const namespace = s.namespace ?? o.metadata.namespace;
        const requester = serviceAccountRequester(namespace, s.name);
        found.set(`ServiceAccount/${namespace}/${s.name}`, { kind: 'ServiceAccount', name: `${namespace}/${s.name}`, requester });
      }
    }
  }
  return [...found.values()].sort((a, b) => (`${a.kind}/${a.name}` < `${b.kind}/${b.name}` ? -1 : 1));
}

/**
 * Computes the matrix over every Namespace in `objects`.
 * @param clusterRoles ClusterRoles that exist in the cluster but not in the manifests (Kubeflow's by default)
 */
export function accessMatrix(objects: any[], clusterRoles: any[] = kubeflowClusterRoles()): AccessMatrix {
  const model = new RbacModel([...clusterRoles, ...objects]);
  const namespaces = objects.filter(o => o?.apiVersion === 'v1' && o.kind === 'Namespace').map(o => o.metadata.name).sort();
  // Where each subject is bound, so each identity is evaluated only where it may have access.
  const boundIn = new Map<string, Set<string>>();
  const clusterWide = new Set<string>();
  for (const o of objects) {
    if (o?.kind !== 'RoleBinding' && o?.kind !== 'ClusterRoleBinding') continue;
    for (const s of o.subjects ?? []) {
      const key = s.kind === 'ServiceAccount' ? `User/system:serviceaccount:${s.namespace ?? o.metadata.namespace}:${s.name}` : `${s.kind}/${s.name}`;
      if (o.kind === 'ClusterRoleBinding') clusterWide.add(key);
      else (boundIn.get(key) ?? boundIn.set(key, new Set()).get(key)!).add(o.metadata.namespace);
    }
  }
  const candidates = (requester: Requester): string[] => {
    const keys = [`User/${requester.user}`, ...requester.groups.map(g => `Group/${g}`)];
    if (keys.some(k => clusterWide.has(k))) return namespaces;
    const set = new Set(keys.flatMap(k => [...(boundIn.get(k) ?? [])]));
    return namespaces.filter(ns => set.has(ns));
  };
  const identities: IdentityAccess[] = [];
  for (const identity of identitiesOf(objects)) {
    const access: Record<string, NamespaceAccess> = {};
    for (const namespace of candidates(identity.requester)) {
      const resources: Record<string, string[]> = {};
      const grantedBy = new Set<string>();
      for (const resource of RESOURCES) {
        const verbs = VERBS.filter(verb => {
          const { apiGroup, subresource } = resource;
          const request: AccessRequest = { verb, apiGroup, resource: resource.resource, subresource, namespace };
          const grants = model.grants(identity.requester, request);
          for (const grant of grants) grantedBy.add(grant.binding);
          return grants.length > 0;
        });
        if (verbs.length > 0) resources[resource.label] = verbs;
      }
      if (Object.keys(resources).length > 0) {
        const can = (label: string, verb: string) => resources[label]?.includes(verb) ?? false;
        access[namespace] = { level: levelOf(can), resources, grantedBy: [...grantedBy].sort() };
      }
    }
    if (Object.keys(access).length > 0) identities.push({ kind: identity.kind, name: identity.name, access });
  }
  return { namespaces, identities };
}

function describeAccess(access: Record<string, NamespaceAccess>): string {
  return Object.entries(access).map(([ns, a]) => `${a.level} in ${ns}`).join(', ');
}

/** The matrix as Markdown, one row per identity, compact enough for a pull-request comment. */
export function accessMarkdown(matrix: AccessMatrix): string {
  const lines = [
    `Access to ${matrix.namespaces.length} namespaces by ${matrix.identities.length} identities (admin ⊃ edit ⊃ view).`,
    '',
    '| identity | kind | access |',
    '|---|---|---|',
    ...matrix.identities.map(i => `| ${i.name} | ${i.kind} | ${describeAccess(i.access)} |`),
  ];
  return lines.join('\n') + '\n';
}

/** What changed between two matrices: one line per identity and namespace. */
export function accessDiff(before: AccessMatrix, after: AccessMatrix): string[] {
  const index = (m: AccessMatrix) => {
    const map = new Map<string, NamespaceAccess>();
    for (const i of m.identities) for (const [ns, a] of Object.entries(i.access)) map.set(`${i.kind}\u0000${i.name}\u0000${ns}`, a);
    return map;
  };
  const old = index(before);
  const now = index(after);
  const keys = [...new Set([...old.keys(), ...now.keys()])].sort();
  const lines: string[] = [];
  for (const key of keys) {
    const [, name, ns] = key.split('\u0000');
    const a = old.get(key);
    const b = now.get(key);
    if (a && !b) {lines.push(`- ${name}: ${a.level} in ${ns}`);} else if (!a && b) {lines.push(`+ ${name}: ${b.level} in ${ns}`);} else if (a && b && JSON.stringify(a.resources) !== JSON.stringify(b.resources)) {
      lines.push(a.level === b.level ? `~ ${name}: ${a.level} in ${ns} (verbs changed)` : `~ ${name}: ${a.level} → ${b.level} in ${ns}`);
    }
  }
  return lines;
}
