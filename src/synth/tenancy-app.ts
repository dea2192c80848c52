import { App, AppProps, Yaml } from 'cdk8s';
import { ArgoCdOptions, FluxOptions, gitOpsOptionProblems } from './gitops';
import { planTree, SynthesisSettings, synthesizeTree, writeStaged } from './pipeline';
import { _markGuardParameterWriter } from '../constructs/cluster/tenancy-guard';
import { KubeflowAuthOptions } from '../core/auth-options';
import { CLUSTER_AUTH_CONTEXT, CLUSTER_CIDRS_CONTEXT } from '../core/cluster-facts';
import { PROFILE_CONTROLLER_CONTEXT, ProfileController } from '../core/kubeflow-profile';
import { TenancyValidationError, throwIfAny } from '../core/validation';

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
   * How the installation identifies users (identity headers, proxy principals): a fact of the
   * cluster that every tenant takes. A tenant whose own `auth` states a field differently is refused.
   * @default - Kubeflow's defaults (each tenant's `auth` must then agree with the others')
   */
  readonly auth?: KubeflowAuthOptions;

  /**
   * The cluster's pod and service CIDRs, which no tenant's ipBlock may reach: a fact of the
   * cluster that every tenant takes. A tenant whose `networkPolicy.clusterCidrs` differs is refused.
   * @default - every private range (each tenant's clusterCidrs must then agree with the others')
   */
  readonly clusterCidrs?: string[];

  /**
   * Write even when the output folder holds files this tool did not write
   * (they are kept, never deleted).
   * @default false
   */
  readonly force?: boolean;
}

/**
 * A cdk8s App that writes one folder per tenant, ready for GitOps, and scales linearly.
 *
 * `App.synth()` re-validates and re-resolves the whole app for every chart, which
 * is quadratic in the number of charts. This app runs the library's synthesis
 * pipeline instead (the same as `kf-tenancy synth`): it walks the construct tree
 * once, validates every construct, resolves every object once, groups objects by
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
  /** Who reconciles the tenants' Profiles. */
  public readonly profileController: ProfileController;
  /**
   * How the app synthesizes: its props with defaults applied, resolved once.
   * @internal
   */
  public readonly _synthesis: SynthesisSettings;

  constructor(props: TenancyAppProps = {}) {
    super(props);
    // cdk8s' own file layout options have no meaning here: the layout is one folder per tenant.
    const unsupported = (['yamlOutputType', 'outputFileExtension', 'recordConstructMetadata'] as const).filter(key => props[key] !== undefined);
    if (unsupported.length > 0) {
      throw new TenancyValidationError(unsupported.map(key => `TenancyApp: ${key} is not supported: the output is one folder per tenant `
        + '(tenants/<name>/manifests.yaml and kustomization.yaml), cluster/ and namespaces/<ns>/; remove it, or use a plain cdk8s App for other layouts'));
    }
    throwIfAny(gitOpsOptionProblems(props.argoCd, props.flux));
    this.profileController = props.profileController ?? ProfileController.KUBEFLOW;
    this.node.setContext(PROFILE_CONTROLLER_CONTEXT, this.profileController);
    if (props.auth !== undefined) this.node.setContext(CLUSTER_AUTH_CONTEXT, props.auth);
    if (props.clusterCidrs !== undefined) this.node.setContext(CLUSTER_CIDRS_CONTEXT, props.clusterCidrs);
    this._synthesis = {
      outdir: this.outdir,
      argoCd: props.argoCd,
      flux: props.flux,
      force: props.force ?? false,
      parallelWrites: props.parallelWrites ?? true,
      isolationCheck: props.isolationCheck ?? true,
      profileController: this.profileController,
    };
    _markGuardParameterWriter(this);
  }

  /** Renders every file in memory, in a stable order, without writing. */
  public renderManifests(): ManifestFile[] {
    const files: ManifestFile[] = [];
    synthesizeTree(this, this._synthesis, file => files.push({
      path: file.path,
      tenant: file.tenant,
      content: file.docs ? Yaml.stringify(...file.docs) : file.content!,
    }));
    return files.sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
  }

  /** Validates the whole tree and writes the files under `outdir`; on any error nothing is written. */
  public override synth(): void {
    const plan = planTree(this, this._synthesis);
    writeStaged(this._synthesis, emit => synthesizeTree(this, this._synthesis, emit, plan));
  }
}
