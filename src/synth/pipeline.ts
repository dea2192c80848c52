/**
 * The one synthesis pipeline: model → constructs → checks → files. `kf-tenancy synth` and
 * `validate`, `cdk8s synth` and `TenancyApp.synth()` all run it; they differ only in where the
 * tenants come from:
 *
 * - {@link synthesizeSources}: tenants read from files (the CLI). Each tenant is built, checked,
 *   emitted and dropped from the tree before the next, so memory stays flat.
 * - {@link synthesizeTree}: tenants already in the construct tree (TypeScript or Python apps).
 *
 * The settings (what `TenancyAppProps` say, defaults applied) are passed in, resolved once.
 *
 * Both emit through a {@link SynthesisRun}, which checks each tenant once when it is emitted
 * and everything that spans tenants once at the end, and both write through
 * {@link writeStaged}: nothing reaches the output folder unless every check passed.
 */
import { ApiObject, App, Chart } from 'cdk8s';
import { IConstruct } from 'constructs';
import {
  duplicateObjects, globalDefaultProblems, IsolationRun, istioValidationProblems, platformNamespaceClashes, tenantNameProblems,
} from './checks';
import { ArgoCdOptions, FluxOptions } from './gitops';
import { Emit, OutputLayout } from './layout';
import { OutputStage } from './output-stage';
import { ParallelFileWriter } from './parallel-writer';
import { addClusterObjects, buildTenants, hasClusterObjects, ProgressCallback, withTenantLocation } from './tenant-builder';
import { TenancySources } from '../catalog/sources';
import { AuditPolicy } from '../constructs/cluster/audit-policy';
import { GpuQueues } from '../constructs/cluster/gpu-queues';
import { TenancyGuard } from '../constructs/cluster/tenancy-guard';
import { TenantProfile } from '../constructs/tenant/tenant-profile';
import { exemptionProblems } from '../core/guard-exemptions';
import { withGuardParameters } from '../core/guard-parameters';
import { ProfileController } from '../core/kubeflow-profile';
import { capacityPlan, overCommitted } from '../core/kueue';
import { KueueClusterOptions, TenantQueueOptions } from '../core/kueue-options';
import { Manifest } from '../core/manifest';
import { atLocation, inCluster, inTenant, Problem } from '../core/problem';
import { reservedNamespaceProblem, reservedNamespaces } from '../core/reserved-namespaces';
import { problemsOf, throwIfAny } from '../core/validation';

/** How an app synthesizes: what TenancyAppProps say, with defaults applied. */
export interface SynthesisSettings {
  readonly outdir: string;
  readonly argoCd?: ArgoCdOptions;
  readonly flux?: FluxOptions;
  readonly force: boolean;
  readonly parallelWrites: boolean;
  readonly isolationCheck: boolean;
  readonly profileController: ProfileController;
}

/**
 * One synthesis: emits each tenant's folder as it comes, then the rest; every check runs once,
 * here. The tenant folders and the isolation check's records are the only state.
 */
export class SynthesisRun {
  /** Names of the tenants emitted so far. */
  public readonly emitted: string[] = [];
  private readonly settings: SynthesisSettings;
  private readonly layout: OutputLayout;
  private readonly isolation?: IsolationRun;
  private readonly guard?: TenancyGuard;
  /** Each emitted tenant's GPU queue, for the capacity check over all of them. */
  private readonly queues: TenantQueueOptions[] = [];
  private readonly kueue?: KueueClusterOptions;
  /** Namespaces no tenant of this run may take (core/reserved-namespaces.ts). */
  private readonly reserved: Map<string, string>;

  constructor(root: IConstruct, settings: SynthesisSettings, private readonly emit: Emit) {
    this.settings = settings;
    this.layout = new OutputLayout(settings);
    this.isolation = settings.isolationCheck ? new IsolationRun() : undefined;
    this.guard = TenancyGuard.of(root);
    this.kueue = GpuQueues.of(root)?.options;
    const guard = this.guard?._settings;
    this.reserved = reservedNamespaces({
      written: [['argoCd.namespace', this.settings.argoCd && (this.settings.argoCd.namespace ?? 'argocd')],
        ['flux.namespace', this.settings.flux && (this.settings.flux.namespace ?? 'flux-system')]],
      trustedUsers: [
        ...(guard?.gitOpsIdentities ?? []).map((u): [string, string] => ['guard.gitOpsIdentities', u]),
        ...(guard?.platformUsers ?? []).map((u): [string, string] => ['guard.platformUsers', u]),
        ['guard.profileControllerIdentity', guard?.profileControllerIdentity],
      ],
    });
  }

  /**
   * Checks and emits each tenant as it comes, adding every tenant's problems to `errors` (with the
   * `file:line` it was read from, when known) instead of stopping at the first.
   */
  public tenants(tenants: Iterable<{ readonly tenant: TenantProfile; readonly location?: string }>, errors: Problem[]): void {
    for (const { tenant, location } of tenants) {
      try {
        this.tenant(tenant);
      } catch (error) {
        errors.push(...atLocation(location, problemsOf(error)));
      }
    }
  }

  /** Checks one tenant's subtree and emits its folder; throws its problems. */
  public tenant(tenant: TenantProfile): void {
    const reserved = reservedNamespaceProblem(tenant.name, this.reserved);
    let docs = checkSubtree(tenant.node.findAll(), tenant.name, reserved ? [{ tenant: tenant.name, field: 'name', message: reserved }] : []);
    if (this.guard) {
      // The guard's policies read the tenant's declarations from its Namespace.
      const { users, groups } = tenant._declarations();
      const guarded = withGuardParameters(docs, { name: tenant.name, users, groups, auth: tenant.auth, profileController: tenant.profileController });
      const exemptions = exemptionProblems(this.guard._settings, { name: tenant.name, users, groups });
      throwIfAny(inTenant(tenant.name, [...exemptions, ...(guarded.problem ? [guarded.problem] : [])]));
      docs = guarded.docs;
    }
    if (this.isolation) throwIfAny(this.isolation.checkTenant(tenant, docs));
    this.layout.emitTenant(this.emit, tenant.name, docs);
    this.emitted.push(tenant.name);
    if (tenant._queue) this.queues.push(tenant._queue);
  }

  /**
   * Checks the constructs outside tenants (`others`), against each other and against every
   * tenant emitted, and emits their folders, the kustomizations and the GitOps files.
   */
  public rest(others: IConstruct[]): void {
    const docs = checkSubtree(others);
    throwIfAny(globalDefaultProblems(docs.filter(d => d.kind === 'PriorityClass')));
    throwIfAny(platformNamespaceClashes(others, new Set(this.emitted)));
    // The tenants' guaranteed GPUs fit in what the cluster has: Kueue would accept more, and fail to keep the promise.
    // As the capacity command reports it: a cluster field.
    if (this.kueue) throwIfAny(inCluster(overCommitted(capacityPlan(this.kueue, this.queues))));
    if (this.isolation) throwIfAny(this.isolation.checkOutside(docs));
    this.layout.emitRest(this.emit, this.emitted, docs, clusterFiles(others));
  }
}

/**
 * The one check of a subtree of constructs (a tenant, or everything outside tenants): what each
 * construct's own validations (`node.addValidation`) report, objects defined twice, and what
 * Istio's admission would refuse of its AuthorizationPolicies. Throws the problems (with `earlier`
 * ones), else returns the objects as manifests.
 */
function checkSubtree(constructs: IConstruct[], tenant?: string, earlier: Problem[] = []): Manifest[] {
  const objects = constructs.filter((c): c is ApiObject => c instanceof ApiObject);
  throwIfAny([
    ...earlier,
    ...constructs.flatMap(c => c.node.validate().map(message => ({ message: `${c.node.path}: ${message}` }))),
    ...duplicateObjects(objects).map(message => ({ message })),
  ]);
  const docs: Manifest[] = objects.map(o => o.toJson());
  throwIfAny(istioValidationProblems(docs, tenant));
  return docs;
}

/** Tenants in the tree, and every construct outside them. */
function partition(root: IConstruct): { tenants: TenantProfile[]; others: IConstruct[] } {
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
  visit(root);
  return { tenants, others };
}

/** The tenants of an app's tree and the constructs outside them, their names checked. */
export interface TreePlan {
  readonly tenants: TenantProfile[];
  readonly others: IConstruct[];
}

/** Finds the tenants in `app`'s tree; throws when two share a name (before anything is opened for writing). */
export function planTree(root: IConstruct, settings: SynthesisSettings): TreePlan {
  const plan = partition(root);
  throwIfAny(tenantNameProblems(plan.tenants, settings.profileController));
  return plan;
}

/** Synthesizes the tenants already in `app`'s tree; every tenant's errors are thrown together. */
export function synthesizeTree(root: IConstruct, settings: SynthesisSettings, emit: Emit, plan: TreePlan = planTree(root, settings)): void {
  const { tenants, others } = plan;
  const run = new SynthesisRun(root, settings, emit);
  const errors: Problem[] = [];
  run.tenants([...tenants].sort((a, b) => (a.name < b.name ? -1 : 1)).map(tenant => ({ tenant })), errors);
  try {
    run.rest(others);
  } catch (error) {
    errors.push(...problemsOf(error));
  }
  throwIfAny(errors);
}

/**
 * Builds, checks and emits the tenants read from files one at a time, dropping each from
 * `app`'s tree once emitted. Errors of every tenant are collected and thrown together at the
 * end, each with the `file:line` it comes from. Returns the number of tenants.
 */
export function synthesizeSources(app: App, settings: SynthesisSettings, sources: TenancySources, emit: Emit,
  onProgress?: ProgressCallback, every: number = 500): number {
  const errors: Problem[] = hasClusterObjects(sources) ? addClusterObjects(new Chart(app, 'cluster'), sources) : [];
  const run = new SynthesisRun(app, settings, emit);
  const built = buildTenants(sources.tenants, errors, {
    scopeOf: name => new Chart(app, `tenant-${name}`),
    release: chart => app.node.tryRemoveChild(chart.node.id),
    onProgress,
    every,
  });
  run.tenants(built, errors);
  if (errors.length === 0) {
    try {
      const { tenants, others } = partition(app);
      if (tenants.length > 0) throw new Error('synthesizeSources: the app holds tenants of its own; synthesize it with TenancyApp.synth()');
      run.rest(others);
    } catch (error) {
      errors.push(...withTenantLocation(problemsOf(error), sources.tenants));
    }
  }
  throwIfAny(errors);
  return run.emitted.length;
}

/**
 * Runs `produce` with an `emit` that writes files into a staged output folder (on the writer
 * threads), then swaps the output in; on any error nothing is written.
 */
export function writeStaged<T>(settings: SynthesisSettings, produce: (emit: Emit) => T): T {
  const stage = OutputStage.open(settings.outdir, settings.force);
  const writer = new ParallelFileWriter(stage.dir, settings.parallelWrites);
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

/** Files that constructs outside tenants ask to have written under cluster/ (an audit policy). */
function clusterFiles(others: IConstruct[]): Array<{ fileName: string; document: unknown }> {
  const files = others.filter((c): c is AuditPolicy => c instanceof AuditPolicy).flatMap(c => c._clusterFiles());
  const names = files.map(f => f.fileName);
  const duplicates = [...new Set(names.filter((n, i) => names.indexOf(n) !== i))];
  throwIfAny(duplicates.map(n => ({ message: `cluster/${n}: written by more than one construct`, fix: 'keep one AuditPolicy per app' })));
  return files.sort((a, b) => (a.fileName < b.fileName ? -1 : 1));
}
