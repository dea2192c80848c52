import { ApiObject, App, AppProps, Yaml } from 'cdk8s';
import { IConstruct } from 'constructs';
import { kubeflowClusterRoles } from './analysis/access';
import {
  crossTenantViolations, DeclaredTenant, namespacePeers, NamespacePeer, SourceReference, sourceReferences, tenantViolations,
} from './analysis/isolation';
import { RbacModel } from './analysis/rbac';
import { argoCdManifest, ArgoCdOptions, ARGOCD_FILE, FLUX_FILE, fluxManifest, FluxOptions } from './gitops';
import { withGuardParameters } from './guard-parameters';
import { IdentityProvider } from './identity-provider';
import { PROFILE_CONTROLLER_CONTEXT, ProfileController, withProfileControllerObjects } from './kubeflow-profile';
import { OutputStage } from './output-writer';
import { ParallelFileWriter, PendingFile } from './parallel-writer';
import { QuotaAlerts } from './quota-alerts';
import { _markGuardParameterWriter, TenancyGuard } from './tenancy-guard';
import { TenantDashboard } from './tenant-dashboard';
import { TenantProfile } from './tenant-profile';
import { messagesOf, throwIfAny } from './validation';

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
   * Serialize and write YAML on a worker thread while the main thread builds
   * objects. Turn off where worker threads are unavailable.
   * @default true
   */
  readonly parallelWrites?: boolean;

  /**
   * Fail when any path into a tenant does not come from what the tenant
   * declares: an undeclared identity bound or admitted in its namespace, a
   * ClusterRoleBinding, a policy that admits every request, or a NetworkPolicy
   * that opens one tenant to another.
   * @default true
   */
  readonly isolationCheck?: boolean;

  /**
   * Who reconciles Kubeflow Profiles in the target cluster, for every tenant of the app:
   * Kubeflow's profile controller (the output leaves to it what it writes from each Profile)
   * or nothing (the output holds every object).
   * @default ProfileController.KUBEFLOW
   */
  readonly profileController?: ProfileController;

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
  'Namespace', 'Profile', 'PriorityClass', 'ServiceAccount', 'ResourceQuota', 'LimitRange', 'Role', 'ClusterRole', 'RoleBinding', 'ClusterRoleBinding',
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

function kustomization(resources: string[], namespaceSyncWave: boolean = false): string {
  const doc: any = { apiVersion: 'kustomize.config.k8s.io/v1beta1', kind: 'Kustomization', resources };
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
  private readonly parallel: boolean;
  private cachedTenantKustomization?: string;
  private readonly isolationCheck: boolean;
  /** Who reconciles the tenants' Profiles. */
  public readonly profileController: ProfileController;
  private isolation?: IsolationState;

  constructor(props: TenancyAppProps = {}) {
    super(props);
    this.argoCd = props.argoCd;
    this.flux = props.flux;
    this.force = props.force ?? false;
    this.parallel = props.parallelWrites ?? true;
    this.isolationCheck = props.isolationCheck ?? true;
    this.profileController = props.profileController ?? ProfileController.KUBEFLOW;
    this.node.setContext(PROFILE_CONTROLLER_CONTEXT, this.profileController);
    _markGuardParameterWriter(this);
  }

  /** Renders every file in memory, in a stable order, without writing. */
  public renderManifests(): ManifestFile[] {
    const files: ManifestFile[] = [];
    this._emitAll(file => files.push({
      path: file.path,
      tenant: file.tenant,
      content: file.docs ? Yaml.stringify(...file.docs) : file.content!,
    }));
    return files.sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
  }

  /** Validates the whole tree and writes the files under `outdir`. */
  public override synth(): void {
    this.checkTenantNames(this.partition().tenants);
    this._writeWith(emit => this._emitAll(emit));
  }

  /**
   * Runs `produce` with an `emit` that writes files into a staged output folder
   * (on the writer threads), then swaps the output in; on any error nothing is
   * written. The streaming `kf-tenancy synth` produces with `_emitTenant` per
   * tenant and `_emitRest`.
   * @internal
   */
  public _writeWith<T>(produce: (emit: (file: EmittedFile) => void) => T): T {
    const stage = OutputStage.open(this.outdir, this.force);
    const writer = new ParallelFileWriter(stage.dir, this.parallel);
    let result: T;
    try {
      result = produce(file => writer.write(file));
      writer.finish();
    } catch (error) {
      writer.abort();
      stage.discard();
      throw error;
    }
    stage.commit(writer.paths);
    return result;
  }

  /**
   * Validates one tenant's subtree and emits its files.
   * @internal
   */
  public _emitTenant(tenant: TenantProfile, emit: (file: EmittedFile) => void): void {
    const constructs = tenant.node.findAll();
    const errors: string[] = [];
    for (const construct of constructs) {
      for (const message of construct.node.validate()) errors.push(`${construct.node.path}: ${message}`);
    }
    const objects = constructs.filter((c): c is ApiObject => c instanceof ApiObject);
    errors.push(...duplicateObjects(objects));
    throwIfAny(errors);
    const folder = `${TENANTS_DIR}/${tenant.name}`;
    let docs = objects.map(o => o.toJson()).sort(compareObjects);
    if (TenancyGuard.of(this)) {
      // The guard's policies read the tenant's declarations from its Namespace.
      const { users, groups } = tenant._declarations();
      const guarded = withGuardParameters(docs, { name: tenant.name, users, groups, auth: tenant.auth, profileController: tenant.profileController });
      throwIfAny(guarded.problem ? [guarded.problem] : []);
      docs = guarded.docs;
    }
    if (this.isolationCheck) throwIfAny(this.checkTenant(tenant, docs));
    emit({ path: `${folder}/${MANIFEST_FILE}`, tenant: tenant.name, docs });
    emit({ path: `${folder}/${KUSTOMIZATION_FILE}`, tenant: tenant.name, content: this.tenantKustomization() });
  }

  /**
   * Emits everything but the tenants already emitted: objects outside tenants,
   * every kustomization above the tenant folders, and the GitOps files.
   * @internal
   */
  public _emitRest(emit: (file: EmittedFile) => void, emittedTenants: string[]): void {
    const { tenants, others } = this.partition();
    if (tenants.length > 0) throw new Error('_emitRest: tenants left in the tree; emit and remove them first');
    this.emitLayout(emit, emittedTenants, others);
  }

  /**
   * Validates the whole tree and emits every file.
   * @internal
   */
  public _emitAll(emit: (file: EmittedFile) => void): void {
    this.isolation = undefined;
    const { tenants, others } = this.partition();
    this.checkTenantNames(tenants);

    const errors: string[] = [];
    const emitted: string[] = [];
    for (const tenant of [...tenants].sort((a, b) => (a.name < b.name ? -1 : 1))) {
      try {
        this._emitTenant(tenant, emit);
        emitted.push(tenant.name);
      } catch (error) {
        errors.push(...messagesOf(error));
      }
    }
    try {
      this.emitLayout(emit, emitted, others);
    } catch (error) {
      errors.push(...messagesOf(error));
    }
    throwIfAny(errors);
  }

  private checkTenantNames(tenants: TenantProfile[]): void {
    const counts = new Map<string, number>();
    for (const tenant of tenants) counts.set(tenant.name, (counts.get(tenant.name) ?? 0) + 1);
    const duplicates = [...counts].filter(([, n]) => n > 1).sort();
    throwIfAny(duplicates.map(([name, n]) => `tenant "${name}": is declared ${n} times; tenant names must be unique`));
    throwIfAny(tenants.filter(t => t.profileController !== this.profileController).map(t =>
      `tenant "${t.name}": profileController: "${t.profileController}" differs from the app's "${this.profileController}"; `
      + 'one cluster has one profile controller: set it once, on the TenancyApp'));
  }

  private isolationState(): IsolationState {
    this.isolation ??= {
      clusterRoles: new RbacModel(kubeflowClusterRoles()),
      tenants: new Map(),
      peers: [],
      sources: [],
      foreign: [],
    };
    return this.isolation;
  }

  /** Isolation violations in one tenant's own objects; records what the cross-tenant checks need. */
  private checkTenant(tenant: TenantProfile, docs: any[]): string[] {
    const state = this.isolationState();
    const declared = { namespace: tenant.name, ...tenant._declarations() };
    const namespace = docs.find(d => d.kind === 'Namespace' && d.metadata?.name === tenant.name);
    // What the cluster will hold: with a profile controller, it adds the owner's access to the output.
    docs = withProfileControllerObjects(docs, () => tenant.auth);
    state.tenants.set(tenant.name, { declared, auth: tenant.auth, labels: namespace?.metadata?.labels ?? {} });
    state.peers.push(...namespacePeers(tenant.name, docs));
    state.sources.push(...sourceReferences(tenant.name, docs));
    // Objects a tenant writes into other namespaces are checked against those at the end.
    state.foreign.push(...docs.filter(d => d.metadata?.namespace !== undefined && d.metadata.namespace !== tenant.name));
    return tenantViolations(declared, docs, state.clusterRoles, tenant.auth);
  }

  /** Objects outside tenants that reach into them, and cross-tenant network paths. */
  private checkOutsideObjects(outside: any[]): string[] {
    const state = this.isolationState();
    return crossTenantViolations(state.tenants, [...outside, ...state.foreign], state.clusterRoles, state.peers, state.sources);
  }

  /** Tenants of the tree, and constructs outside every tenant. */
  private partition(): { tenants: TenantProfile[]; others: IConstruct[] } {
    const tenants: TenantProfile[] = [];
    const others: IConstruct[] = [];
    const visit = (construct: IConstruct) => {
      if (construct instanceof TenantProfile) {
        tenants.push(construct);
        return;
      }
      others.push(construct);
      for (const child of construct.node.children) visit(child);
    };
    visit(this);
    return { tenants, others };
  }

  private tenantKustomization(): string {
    this.cachedTenantKustomization ??= kustomization([MANIFEST_FILE], this.argoCd !== undefined);
    return this.cachedTenantKustomization;
  }

  /** Objects outside tenants, every parent kustomization and the GitOps files. */
  private emitLayout(emit: (file: EmittedFile) => void, tenants: string[], others: IConstruct[]): void {
    const errors: string[] = [];
    for (const construct of others) {
      for (const message of construct.node.validate()) errors.push(`${construct.node.path}: ${message}`);
    }
    const objects = others.filter((c): c is ApiObject => c instanceof ApiObject);
    errors.push(...duplicateObjects(objects));
    const globalDefaults = objects.filter(o => o.kind === 'PriorityClass' && o.toJson().globalDefault === true).map(o => `"${o.name}"`);
    if (globalDefaults.length > 1) {
      errors.push(`PriorityClasses ${globalDefaults.join(' and ')} are all globalDefault; at most one class in the cluster may be`);
    }
    throwIfAny(errors);

    const jsons = objects.map(o => o.toJson());
    throwIfAny(platformNamespaceClashes(others, new Set(tenants)));
    if (this.isolationCheck) {
      const violations = this.checkOutsideObjects(jsons);
      this.isolation = undefined;
      throwIfAny(violations);
    }
    const groups = new Map<string, any[]>();
    for (const json of jsons) {
      const folder = json.metadata?.namespace ? `${NAMESPACES_DIR}/${json.metadata.namespace}` : CLUSTER_DIR;
      if (!groups.has(folder)) groups.set(folder, []);
      groups.get(folder)!.push(json);
    }
    const folders = [...groups.keys()].sort();
    for (const folder of folders) {
      emit({ path: `${folder}/${MANIFEST_FILE}`, docs: groups.get(folder)!.sort(compareObjects) });
      emit({ path: `${folder}/${KUSTOMIZATION_FILE}`, content: kustomization([MANIFEST_FILE], this.argoCd !== undefined) });
    }
    // Configuration files for cluster components (an audit policy): under cluster/, never applied.
    for (const file of clusterFiles(others)) emit({ path: `${CLUSTER_DIR}/${file.fileName}`, docs: [file.document] });

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
    if (this.argoCd) emit({ path: ARGOCD_FILE, content: argoCdManifest(this.argoCd, groups.has(CLUSTER_DIR)) });
    if (this.flux) emit({ path: FLUX_FILE, content: fluxManifest(this.flux, sortedTenants, groups.has(CLUSTER_DIR)) });
  }
}

interface IsolationState {
  readonly clusterRoles: RbacModel;
  readonly tenants: Map<string, DeclaredTenant>;
  readonly peers: NamespacePeer[];
  readonly sources: SourceReference[];
  readonly foreign: any[];
}

/** A file as emitted: YAML documents or ready text. */
export interface EmittedFile extends PendingFile {
  readonly tenant?: string;
}

/** Files that constructs outside tenants ask to have written under cluster/ (see AuditPolicy). */
function clusterFiles(others: IConstruct[]): Array<{ fileName: string; document: unknown }> {
  const files = others.flatMap(c => (typeof (c as any)._clusterFiles === 'function' ? (c as any)._clusterFiles() : []));
  const names = files.map(f => f.fileName);
  const duplicates = [...new Set(names.filter((n, i) => names.indexOf(n) !== i))];
  throwIfAny(duplicates.map(n => `cluster/${n}: written by more than one construct; keep one AuditPolicy per app`));
  return files.sort((a, b) => (a.fileName < b.fileName ? -1 : 1));
}

/**
 * Tenants named like a namespace the platform pieces (quota alerts, dashboard, identity
 * provider) write to: the tenant's owner would get kubeflow-admin where they run. Other
 * objects an app adds to a tenant namespace are the isolation check's concern.
 */
function platformNamespaceClashes(others: IConstruct[], tenants: Set<string>): string[] {
  const platform = others.filter(c => c instanceof QuotaAlerts || c instanceof TenantDashboard || c instanceof IdentityProvider);
  const byNamespace = new Map<string, string[]>();
  for (const object of platform.flatMap(c => c.node.findAll()).filter((c): c is ApiObject => c instanceof ApiObject)) {
    const ns = object.metadata.namespace;
    if (ns !== undefined && tenants.has(ns)) (byNamespace.get(ns) ?? byNamespace.set(ns, []).get(ns)!).push(`${object.kind} ${object.name}`);
  }
  return [...byNamespace].sort(([a], [b]) => (a < b ? -1 : 1)).map(([ns, objects]) =>
    `tenant "${ns}": name: "${ns}" is also the namespace of platform objects (${objects.sort().join(', ')}); `
    + 'the tenant\'s owner would get kubeflow-admin where they run: rename the tenant, or give the platform piece another namespace');
}

/** Objects of the same group, kind, namespace and name. */
function duplicateObjects(objects: ApiObject[]): string[] {
  const errors: string[] = [];
  const seen = new Map<string, string>();
  for (const object of objects) {
    const key = `${object.apiGroup}/${object.kind}/${object.metadata.namespace ?? ''}/${object.name}`;
    const previous = seen.get(key);
    if (previous !== undefined) {
      errors.push(`${object.node.path}: ${object.kind} "${object.name}"${object.metadata.namespace ? ` in namespace "${object.metadata.namespace}"` : ''} is also defined by ${previous}; names must be unique`);
    } else {
      seen.set(key, object.node.path);
    }
  }
  return errors;
}
