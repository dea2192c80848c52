import * as fs from 'fs';
import * as path from 'path';
import { ApiObject, App, AppProps, Yaml } from 'cdk8s';
import { IConstruct } from 'constructs';
import { TenantProfile } from './tenant-profile';
import { throwIfAny } from './validation';

/** One synthesized manifest file. */
export interface ManifestFile {
  /** Path relative to the output directory, with "/" separators. */
  readonly path: string;
  /** The tenant the file belongs to, if any. */
  readonly tenant?: string;
  /** Multi-document YAML. */
  readonly content: string;
}

/** Folder (under the output directory) of each tenant's manifests. */
export const TENANTS_DIR = 'tenants';
/** Folder of cluster-scoped objects that belong to no tenant. */
export const CLUSTER_DIR = 'cluster';
/** Folder of namespaced objects outside every tenant namespace. */
export const NAMESPACES_DIR = 'namespaces';
const MANIFEST_FILE = 'manifests.yaml';
const OWNED_DIRS = [TENANTS_DIR, CLUSTER_DIR, NAMESPACES_DIR];

// Namespaces first so a plain `kubectl apply -f` of a folder never meets a missing namespace.
const KIND_ORDER = ['Namespace', 'ServiceAccount', 'ResourceQuota', 'LimitRange', 'Role', 'ClusterRole', 'RoleBinding', 'ClusterRoleBinding', 'AuthorizationPolicy', 'Gateway'];

function kindRank(kind: string): number {
  const rank = KIND_ORDER.indexOf(kind);
  return rank === -1 ? KIND_ORDER.length : rank;
}

function compareObjects(a: any, b: any): number {
  return kindRank(a.kind) - kindRank(b.kind)
    || a.kind.localeCompare(b.kind, 'en')
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

/**
 * A cdk8s App that writes one folder per tenant and scales linearly.
 *
 * `App.synth()` re-validates and re-resolves the whole app for every chart, which
 * is quadratic in the number of charts. This app walks the construct tree once:
 * it validates every construct, resolves every object once, groups objects by
 * tenant and writes `tenants/<name>/manifests.yaml`, `cluster/manifests.yaml` and
 * `namespaces/<ns>/manifests.yaml`. Put the tenants in any number of charts.
 *
 * Nothing is written when any construct is invalid; files are staged and then
 * swapped in, so a failed run leaves the previous output untouched.
 */
export class TenancyApp extends App {
  constructor(props: AppProps = {}) {
    super(props);
  }

  /** Renders every manifest file in memory, in a stable order, without writing. */
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

    return [...groups.keys()].sort().map(folder => {
      const group = groups.get(folder)!;
      group.docs.sort(compareObjects);
      return { path: `${folder}/${MANIFEST_FILE}`, tenant: group.tenant, content: Yaml.stringify(...group.docs) };
    });
  }

  /** Validates the whole tree and writes the manifests under `outdir`. */
  public override synth(): void {
    const files = this.renderManifests();
    writeManifests(this.outdir, files);
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
      const group = object.apiGroup;
      const key = `${group}/${object.kind}/${object.metadata.namespace ?? ''}/${object.name}`;
      const previous = seen.get(key);
      const inDuplicateTenant = duplicateTenants.has(object.metadata.namespace ?? (object.kind === 'Namespace' ? object.name : ''));
      if (previous !== undefined && !inDuplicateTenant) {
        errors.push(`${object.node.path}: ${object.kind} "${object.name}"${object.metadata.namespace ? ` in namespace "${object.metadata.namespace}"` : ''} is also defined by ${previous}; names must be unique`);
      }
      if (previous === undefined) seen.set(key, object.node.path);
    }
    throwIfAny(errors);
  }
}

/**
 * Writes files under `outdir`, replacing the folders this library owns
 * (`tenants/`, `cluster/`, `namespaces/`) as a whole so that removed tenants
 * disappear. Files are written to a staging folder first.
 */
export function writeManifests(outdir: string, files: ManifestFile[]): void {
  const parent = path.dirname(path.resolve(outdir));
  fs.mkdirSync(parent, { recursive: true });
  const staging = fs.mkdtempSync(path.join(parent, `.${path.basename(outdir)}.staging-`));
  try {
    for (const file of files) {
      const target = path.join(staging, ...file.path.split('/'));
      fs.mkdirSync(path.dirname(target), { recursive: true });
      fs.writeFileSync(target, file.content);
    }
    fs.mkdirSync(outdir, { recursive: true });
    for (const dir of OWNED_DIRS) {
      const old = path.join(outdir, dir);
      fs.rmSync(old, { recursive: true, force: true });
      const fresh = path.join(staging, dir);
      if (fs.existsSync(fresh)) fs.renameSync(fresh, old);
    }
  } finally {
    fs.rmSync(staging, { recursive: true, force: true });
  }
}
