/**
 * The output folder layout: one folder per tenant, `cluster/` and `namespaces/<ns>/` for the
 * rest, a kustomization in every folder, objects in a stable order, and the GitOps files.
 * Pure: manifests and names in, files out.
 */
import { Yaml } from 'cdk8s';
import { argoCdManifest, ArgoCdOptions, ARGOCD_FILE, FLUX_FILE, fluxManifest, FluxOptions } from './gitops';
import { PendingFile } from './parallel-writer';
import { Manifest } from '../core/manifest';

/** Folder (under the output directory) of each tenant's manifests. */
export const TENANTS_DIR = 'tenants';
/** Folder of cluster-scoped objects that belong to no tenant. */
export const CLUSTER_DIR = 'cluster';
/** Folder of namespaced objects outside every tenant namespace. */
export const NAMESPACES_DIR = 'namespaces';
export const MANIFEST_FILE = 'manifests.yaml';
export const KUSTOMIZATION_FILE = 'kustomization.yaml';

/** A file as emitted: YAML documents or ready text, and the tenant it belongs to. */
export interface EmittedFile extends PendingFile {
  readonly tenant?: string;
}

/** Receives the files of a synthesis, in order. */
export type Emit = (file: EmittedFile) => void;

// Namespaces first so a plain `kubectl apply -f` of a folder never meets a missing namespace.
const KIND_ORDER = [
  'Namespace', 'Profile', 'PriorityClass', 'ServiceAccount', 'ResourceQuota', 'LimitRange', 'Role', 'ClusterRole', 'RoleBinding', 'ClusterRoleBinding',
  'NetworkPolicy', 'AuthorizationPolicy', 'Gateway',
];

function kindRank(kind: string): number {
  const rank = KIND_ORDER.indexOf(kind);
  return rank === -1 ? KIND_ORDER.length : rank;
}

/** The order of objects in a manifests file: by kind (Namespaces first), namespace, name, apiVersion. */
export function compareObjects(a: Manifest, b: Manifest): number {
  const kindA = String(a.kind);
  const kindB = String(b.kind);
  return kindRank(kindA) - kindRank(kindB)
    || kindA.localeCompare(kindB, 'en')
    || String(a.metadata?.namespace ?? '').localeCompare(String(b.metadata?.namespace ?? ''), 'en')
    || String(a.metadata?.name).localeCompare(String(b.metadata?.name), 'en')
    || String(a.apiVersion).localeCompare(String(b.apiVersion), 'en');
}

/** A kustomization listing `resources`; with Argo CD, Namespaces and Profiles in early sync waves. */
export function kustomization(resources: string[], namespaceSyncWave: boolean = false): string {
  const doc: Record<string, unknown> = { apiVersion: 'kustomize.config.k8s.io/v1beta1', kind: 'Kustomization', resources };
  if (namespaceSyncWave) {
    // Argo CD orders by sync wave across the Application: Namespaces, then Profiles (the
    // profile controller finds its namespace owned), then the rest.
    // Namespaces carry annotations (owner); Profiles are written without any, so theirs is added whole.
    doc.patches = [
      { target: { kind: 'Namespace' }, patch: '- op: add\n  path: /metadata/annotations/argocd.argoproj.io~1sync-wave\n  value: "-2"\n' },
      { target: { kind: 'Profile' }, patch: '- op: add\n  path: /metadata/annotations\n  value:\n    argocd.argoproj.io/sync-wave: "-1"\n' },
    ];
  }
  return Yaml.stringify(doc);
}

/** Where the files go and which GitOps files come with them. */
export interface LayoutOptions {
  readonly argoCd?: ArgoCdOptions;
  readonly flux?: FluxOptions;
}

/** Writes the layout's files; the kustomization of a tenant folder is the same for every tenant. */
export class OutputLayout {
  private readonly tenantKustomization: string;

  constructor(private readonly options: LayoutOptions) {
    this.tenantKustomization = kustomization([MANIFEST_FILE], options.argoCd !== undefined);
  }

  /** A tenant's folder: its objects, sorted, and its kustomization. */
  public emitTenant(emit: Emit, tenant: string, docs: Manifest[]): void {
    const folder = `${TENANTS_DIR}/${tenant}`;
    emit({ path: `${folder}/${MANIFEST_FILE}`, tenant, docs: [...docs].sort(compareObjects) });
    emit({ path: `${folder}/${KUSTOMIZATION_FILE}`, tenant, content: this.tenantKustomization });
  }

  /**
   * Everything but the tenant folders: objects outside tenants (cluster/ or namespaces/<ns>/),
   * configuration files under cluster/, every parent kustomization and the GitOps files.
   */
  public emitRest(emit: Emit, tenants: string[], objects: Manifest[], clusterFiles: Array<{ fileName: string; document: unknown }>): void {
    const groups = new Map<string, Manifest[]>();
    for (const object of objects) {
      const folder = object.metadata?.namespace ? `${NAMESPACES_DIR}/${object.metadata.namespace}` : CLUSTER_DIR;
      if (!groups.has(folder)) groups.set(folder, []);
      groups.get(folder)!.push(object);
    }
    const folders = [...groups.keys()].sort();
    for (const folder of folders) {
      emit({ path: `${folder}/${MANIFEST_FILE}`, docs: groups.get(folder)!.sort(compareObjects) });
      emit({ path: `${folder}/${KUSTOMIZATION_FILE}`, content: kustomization([MANIFEST_FILE], this.options.argoCd !== undefined) });
    }
    // Configuration files for cluster components (an audit policy): under cluster/, never applied.
    for (const file of clusterFiles) emit({ path: `${CLUSTER_DIR}/${file.fileName}`, docs: [file.document] });

    // Parent kustomizations: tenants/ and namespaces/ list their sub-folders; the root lists the top folders.
    const sortedTenants = [...tenants].sort();
    const children: Record<string, string[]> = {
      [CLUSTER_DIR]: [],
      [NAMESPACES_DIR]: folders.filter(f => f.startsWith(`${NAMESPACES_DIR}/`)).map(f => f.slice(NAMESPACES_DIR.length + 1)),
      [TENANTS_DIR]: sortedTenants,
    };
    const top: string[] = [];
    for (const parent of [CLUSTER_DIR, NAMESPACES_DIR, TENANTS_DIR]) {
      if (parent === CLUSTER_DIR ? groups.has(CLUSTER_DIR) : children[parent].length > 0) top.push(parent);
      if (children[parent].length > 0) emit({ path: `${parent}/${KUSTOMIZATION_FILE}`, content: kustomization(children[parent]) });
    }
    emit({ path: KUSTOMIZATION_FILE, content: kustomization(top) });
    const shared = { cluster: groups.has(CLUSTER_DIR), namespaces: children[NAMESPACES_DIR].length > 0 };
    if (this.options.argoCd) emit({ path: ARGOCD_FILE, content: argoCdManifest(this.options.argoCd, shared) });
    if (this.options.flux) emit({ path: FLUX_FILE, content: fluxManifest(this.options.flux, sortedTenants, shared) });
  }
}
