import { ApiObject, App, AppProps, Yaml } from 'cdk8s';
import { IConstruct } from 'constructs';
import { argoCdManifest, ArgoCdOptions, ARGOCD_FILE, FLUX_FILE, fluxManifest, FluxOptions } from './gitops';
import { writeOutput } from './output-writer';
import { TenantProfile } from './tenant-profile';
import { throwIfAny } from './validation';

/** One synthesized file. */
export interface ManifestFile {
  /** Path relative to the output directory, with "/" separators. */
  readonly path: string;
  /**
   * The tenant the file belongs to.
   * @default - none (cluster-wide or GitOps file)
   */
  readonly tenant?: string;
  /** File content (YAML). */
  readonly content: string;
}

/** Properties of a {@link TenancyApp}. */
export interface TenancyAppProps extends AppProps {
  /**
   * Also write an Argo CD ApplicationSet (`argocd/applicationset.yaml`) over `tenants/*`.
   * Tenant kustomizations then put Namespaces in sync wave -1.
   * @default - no Argo CD objects
   */
  readonly argoCd?: ArgoCdOptions;

  /**
   * Also write Flux Kustomizations (`flux/kustomizations.yaml`), one per tenant.
   * @default - no Flux objects
   */
  readonly flux?: FluxOptions;

  /**
   * Write even when the output folder holds files this tool did not write
   * (they are kept, never deleted).
   * @default false
   */
  readonly force?: boolean;
}

/** Folder (under the output directory) of each tenant's manifests. */
export const TENANTS_DIR = 'tenants';
/** Folder of cluster-scoped objects that belong to no tenant. */
export const CLUSTER_DIR = 'cluster';
/** Folder of namespaced objects outside every tenant namespace. */
export const NAMESPACES_DIR = 'namespaces';
const MANIFEST_FILE = 'manifests.yaml';
const KUSTOMIZATION_FILE = 'kustomization.yaml';

// Namespaces first so a plain `kubectl apply -f` of a folder never meets a missing namespace.
const KIND_ORDER = [
  'Namespace', 'PriorityClass', 'ServiceAccount', 'ResourceQuota', 'LimitRange', 'Role', 'ClusterRole', 'RoleBinding', 'ClusterRoleBinding',
  'NetworkPolicy', 'AuthorizationPolicy', 'Gateway',
];

function kindRank(kind: string): number {
  const rank = KIND_ORDER.indexOf(kind);
  return rank === -1 ? KIND_ORDER.length : rank;
}

function compareObjects(a: any, b: any): number {
  return kindRank(a.kind) - kindRank(b.kind)
    || a.kind.localeCompare(b.kind, 'en')
    || String(a.metadata?.namespace ?? '').localeCompare(String(b.metadata?.namespace ?? ''), 'en')
    || String(a.metadata?.name).localeCompare(String(b.metadata?.name), 'en')
    || String(a.apiVersion).localeCompare(String(b.apiVersion), 'en');
}

/** Nearest TenantProfile at or above `node`, if any. */
function owningTenant(node: IConstruct): TenantProfile | undefined {
  for (let current: IConstruct | undefined = node; current; current = current.node.scope) {
    if (current instanceof TenantProfile) return current;
  }
  return undefined;
}

function kustomization(resources: string[], namespaceSyncWave: boolean = false): string {
  const doc: any = { apiVersion: 'kustomize.config.k8s.io/v1beta1', kind: 'Kustomization', resources };
  if (namespaceSyncWave) {
    // Argo CD orders by sync wave across the Application; Namespaces go first.
    doc.patches = [{
      target: { kind: 'Namespace' },
      patch: '- op: add\n  path: /metadata/annotations/argocd.argoproj.io~1sync-wave\n  value: "-1"\n',
    }];
  }
  return Yaml.stringify(doc);
}

/**
 * A cdk8s App that writes one folder per tenant, ready for GitOps, and scales linearly.
 *
 * `App.synth()` re-validates and re-resolves the whole app for every chart, which
 * is quadratic in the number of charts. This app walks the construct tree once:
 * it validates every construct, resolves every object once, groups objects by
 * tenant and writes:
 *
 * - `tenants/<name>/manifests.yaml` and `kustomization.yaml` per tenant,
 * - `cluster/` for cluster-scoped objects of no tenant, `namespaces/<ns>/` for
 *   namespaced objects outside tenant namespaces,
 * - a `kustomization.yaml` in every folder and at the root, so `kustomize build`
 *   of the output yields every object exactly once,
 * - optionally Argo CD (`argocd/`) and Flux (`flux/`) objects.
 *
 * Nothing is written when any construct is invalid; the output is staged and
 * swapped in whole.
 */
export class TenancyApp extends App {
  private readonly argoCd?: ArgoCdOptions;
  private readonly flux?: FluxOptions;
  private readonly force: boolean;

  constructor(props: TenancyAppProps = {}) {
    super(props);
    this.argoCd = props.argoCd;
    this.flux = props.flux;
    this.force = props.force ?? false;
  }

  /** Renders every file in memory, in a stable order, without writing. */
  public renderManifests(): ManifestFile[] {
    const objects = this.node.findAll().filter((c): c is ApiObject => c instanceof ApiObject);
    this.validateOnce(objects);

    const groups = new Map<string, { tenant?: string; docs: any[] }>();
    for (const object of objects) {
      const tenant = owningTenant(object);
      const json = object.toJson();
      let folder: string;
      if (tenant) folder = `${TENANTS_DIR}/${tenant.name}`;
      else if (json.metadata?.namespace) folder = `${NAMESPACES_DIR}/${json.metadata.namespace}`;
      else folder = CLUSTER_DIR;
      let group = groups.get(folder);
      if (!group) {
        group = { tenant: tenant?.name, docs: [] };
        groups.set(folder, group);
      }
      group.docs.push(json);
    }

    const files: ManifestFile[] = [];
    const folders = [...groups.keys()].sort();
    for (const folder of folders) {
      const group = groups.get(folder)!;
      group.docs.sort(compareObjects);
      files.push({ path: `${folder}/${MANIFEST_FILE}`, tenant: group.tenant, content: Yaml.stringify(...group.docs) });
      files.push({ path: `${folder}/${KUSTOMIZATION_FILE}`, tenant: group.tenant, content: kustomization([MANIFEST_FILE], this.argoCd !== undefined) });
    }

    // Parent kustomizations: tenants/ and namespaces/ list their sub-folders; the root lists the top folders.
    const top: string[] = [];
    for (const parent of [CLUSTER_DIR, NAMESPACES_DIR, TENANTS_DIR]) {
      const children = folders.filter(f => f.startsWith(`${parent}/`)).map(f => f.slice(parent.length + 1));
      if (parent === CLUSTER_DIR ? groups.has(CLUSTER_DIR) : children.length > 0) top.push(parent);
      if (children.length > 0) files.push({ path: `${parent}/${KUSTOMIZATION_FILE}`, content: kustomization(children) });
    }
    files.push({ path: KUSTOMIZATION_FILE, content: kustomization(top) });

    const tenants = folders.filter(f => f.startsWith(`${TENANTS_DIR}/`)).map(f => f.slice(TENANTS_DIR.length + 1));
    if (this.argoCd) files.push({ path: ARGOCD_FILE, content: argoCdManifest(this.argoCd, groups.has(CLUSTER_DIR)) });
    if (this.flux) files.push({ path: FLUX_FILE, content: fluxManifest(this.flux, tenants, groups.has(CLUSTER_DIR)) });
    return files.sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
  }

  /** Validates the whole tree and writes the files under `outdir`. */
  public override synth(): void {
    writeOutput(this.outdir, this.renderManifests(), this.force);
  }

  private validateOnce(objects: ApiObject[]): void {
    const errors: string[] = [];
    const tenants = new Map<string, number>();
    for (const construct of this.node.findAll()) {
      if (construct instanceof TenantProfile) tenants.set(construct.name, (tenants.get(construct.name) ?? 0) + 1);
      for (const message of construct.node.validate()) errors.push(`${construct.node.path}: ${message}`);
    }
    const duplicateTenants = new Set<string>();
    for (const [name, count] of [...tenants].sort()) {
      if (count > 1) {
        duplicateTenants.add(name);
        errors.push(`tenant "${name}": is declared ${count} times; tenant names must be unique`);
      }
    }
    const seen = new Map<string, string>();
    for (const object of objects) {
      const key = `${object.apiGroup}/${object.kind}/${object.metadata.namespace ?? ''}/${object.name}`;
      const previous = seen.get(key);
      const inDuplicateTenant = duplicateTenants.has(object.metadata.namespace ?? (object.kind === 'Namespace' ? object.name : ''));
      if (previous !== undefined && !inDuplicateTenant) {
        errors.push(`${object.node.path}: ${object.kind} "${object.name}"${object.metadata.namespace ? ` in namespace "${object.metadata.namespace}"` : ''} is also defined by ${previous}; names must be unique`);
      }
      if (previous === undefined) seen.set(key, object.node.path);
    }
    const globalDefaults = objects.filter(o => o.kind === 'PriorityClass' && o.toJson().globalDefault === true).map(o => `"${o.name}"`);
    if (globalDefaults.length > 1) {
      errors.push(`PriorityClasses ${globalDefaults.join(' and ')} are all globalDefault; at most one class in the cluster may be`);
    }
    throwIfAny(errors);
  }
}
