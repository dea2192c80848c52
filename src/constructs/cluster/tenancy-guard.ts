/**
 * Isolation that holds after apply: kube-apiserver's own ValidatingAdmissionPolicies keep tenant
 * owners and contributors from undoing what Git declares (Kubeflow's kubeflow-admin and
 * kubeflow-edit let them manage RoleBindings, NetworkPolicies and AuthorizationPolicies in their
 * namespace).
 */
import { ApiObject } from 'cdk8s';
import { Construct, IConstruct } from 'constructs';
import { GpuQueues } from './gpu-queues';
import { guardManifests, ResolvedGuardSettings } from '../../core/guard-policies';
import { PROFILE_CONTROLLER_CONTEXT, ProfileController } from '../../core/kubeflow-profile';
import { problemsAt, shown, throwIfAny } from '../../core/validation';

/** How the guard's policies act on a request they refuse. */
export enum GuardMode {
  /** Refuse the request (`validationActions: [Deny]`). */
  ENFORCE = 'enforce',
  /**
   * Let it through with a warning to the client and an audit annotation
   * (`validationActions: [Warn, Audit]`): a dry run before enforcing on a live cluster.
   */
  WARN = 'warn',
}

/** The Argo CD application controller's service account in a default install. */
export const ARGOCD_APPLICATION_CONTROLLER = 'system:serviceaccount:argocd:argocd-application-controller';
/** Flux's kustomize-controller service account in a default install. */
export const FLUX_KUSTOMIZE_CONTROLLER = 'system:serviceaccount:flux-system:kustomize-controller';
/** Kubeflow's profile controller (and KFAM, which runs in the same pod) in kubeflow/manifests. */
export const KUBEFLOW_PROFILE_CONTROLLER = 'system:serviceaccount:kubeflow:profiles-controller-service-account';
/** Kueue's controller, as its release manifests install it. */
export const KUEUE_CONTROLLER = 'system:serviceaccount:kueue-system:kueue-controller-manager';
/** The group whose members pass the guard; every such request is recorded in the audit log. */
export const DEFAULT_BREAK_GLASS_GROUP = 'kf-tenancy:break-glass';

/** Options of {@link TenancyGuard}, as a catalog's `cluster.guard` holds them. */
export interface TenancyGuardOptions {
  /**
   * `enforce` refuses what the guard forbids; `warn` lets it through with a warning and an audit
   * annotation, to see what it would refuse on a live cluster before enforcing.
   * @default GuardMode.ENFORCE
   */
  readonly mode?: GuardMode;
  /**
   * User names of the identities that apply the output (`system:serviceaccount:<ns>:<name>`):
   * they alone may change or delete what was written for a tenant.
   * @default - Argo CD's application controller and Flux's kustomize-controller in their default namespaces
   */
  readonly gitOpsIdentities?: string[];
  /**
   * Groups whose members pass the guard, for emergencies. Every request that passes this way
   * carries the audit annotation `<policy>/break-glass`; cluster admins join the group for one
   * command by impersonation (`kubectl --as=$USER --as-group=kf-tenancy:break-glass`), which the
   * audit log records as well.
   * @default ["kf-tenancy:break-glass"]
   */
  readonly breakGlassGroups?: string[];
  /**
   * User name of Kubeflow's profile controller, allowed to rewrite the owner's AuthorizationPolicy
   * and `kf-resource-quota` it derives from each Profile. Used only where Kubeflow's profile
   * controller runs (`profileController: kubeflow`).
   * @default "system:serviceaccount:kubeflow:profiles-controller-service-account"
   */
  readonly profileControllerIdentity?: string;
  /**
   * User name of Kueue's controller, which rewrites the GPU queue objects it reads (finalizers, and
   * quantities in its own spelling: "2.5" becomes "2500m") without changing what they say. Used
   * only when the app has GPU queues.
   * @default "system:serviceaccount:kueue-system:kueue-controller-manager"
   */
  readonly kueueControllerIdentity?: string;
  /**
   * Users (service accounts as `system:serviceaccount:<ns>:<name>`) that RoleBindings in every
   * tenant namespace may bind besides what each tenant declares: the platform's own identities.
   * @default - none
   */
  readonly platformUsers?: string[];
  /**
   * Groups that RoleBindings in every tenant namespace may bind besides what each tenant declares.
   * @default - none
   */
  readonly platformGroups?: string[];
}

/** Properties of {@link TenancyGuard}. */
export interface TenancyGuardProps extends TenancyGuardOptions {
  /**
   * Who reconciles Kubeflow Profiles in the cluster; decides whether the profile controller may
   * write what it derives from Profiles.
   * @default - the app's (TenancyApp `profileController`), else ProfileController.KUBEFLOW
   */
  readonly profileController?: ProfileController;
}

// Marks on the app's root construct, under `Symbol.for` keys as cdk8s and aws-cdk mark theirs: the guard
// of the app, and whether the app writes each tenant's guard parameters on its Namespace (TenancyApp does).
const GUARD_OF_APP = Symbol.for('cdk8s-kubeflow-tenancy.TenancyGuard');
const WRITES_GUARD_PARAMETERS = Symbol.for('cdk8s-kubeflow-tenancy.writesGuardParameters');

/**
 * Marks `app` as writing each tenant's guard parameters on its Namespace (TenancyApp does).
 * @internal
 */
export function _markGuardParameterWriter(app: IConstruct): void {
  Object.defineProperty(app, WRITES_GUARD_PARAMETERS, { value: true, enumerable: false });
}

/**
 * ValidatingAdmissionPolicies that keep each tenant as Git declares it after the output is
 * applied, evaluated by kube-apiserver itself (Kubernetes 1.30+, nothing to deploy). In every
 * namespace labelled `kf-tenancy.io/tenant`:
 *
 * - `kf-tenancy-guard-members`: a RoleBinding may bind only the identities the tenant declares
 *   (owner, contributors, team-role members), the namespace's own service accounts and the
 *   configured platform identities;
 * - `kf-tenancy-guard-managed-objects`: the NetworkPolicies, LimitRanges, ResourceQuotas and
 *   AuthorizationPolicies written for the tenant change or go only through the GitOps identity
 *   (and Kubeflow's profile controller for the two objects it derives from the Profile);
 * - `kf-tenancy-guard-open-access`: a new or changed AuthorizationPolicy must admit only declared
 *   users or groups, or the tenant's own workloads, and a NetworkPolicy may not reach namespaces
 *   other tenants' selectors would match.
 *
 * What differs per tenant is written on the tenant's Namespace by the app (label
 * `kf-tenancy.io/tenant` and `guard.kf-tenancy.io/*` annotations), so the policies and their
 * bindings stay three each whatever the number of tenants. One guard per app; it needs a
 * TenancyApp, which writes those Namespace parameters.
 */
export class TenancyGuard extends Construct {
  /** The guard of the app `scope` belongs to, if it has one. */
  public static of(scope: IConstruct): TenancyGuard | undefined {
    const guard: unknown = Reflect.get(scope.node.root, GUARD_OF_APP);
    return guard instanceof TenancyGuard ? guard : undefined;
  }

  /** How refused requests are handled. */
  public readonly mode: GuardMode;
  /**
   * The settings with defaults applied, for the app's checks against its tenants.
   * @internal
   */
  public readonly _settings: ResolvedGuardSettings;

  constructor(scope: Construct, id: string, props: TenancyGuardProps = {}) {
    super(scope, id);
    const problems: string[] = [];
    const at = problemsAt('guard', problems);
    const root = this.node.root;
    const other = TenancyGuard.of(root);
    if (other) problems.push(`guard: the app already has a tenancy guard (${other.node.path}); keep one per app`);
    this.mode = props.mode ?? GuardMode.ENFORCE;
    if (!Object.values(GuardMode).includes(this.mode)) at('mode', `${shown(this.mode)} is not allowed; use "enforce" or "warn"`);
    const gitOps = props.gitOpsIdentities ?? [ARGOCD_APPLICATION_CONTROLLER, FLUX_KUSTOMIZE_CONTROLLER];
    if (gitOps.length === 0) at('gitOpsIdentities', 'is empty: nothing could change the objects written for tenants; name the identity that applies the output');
    gitOps.forEach((identity, i) => at(`gitOpsIdentities[${i}]`, userNameProblem(identity)));
    const breakGlass = props.breakGlassGroups ?? [DEFAULT_BREAK_GLASS_GROUP];
    breakGlass.forEach((group, i) => at(`breakGlassGroups[${i}]`, groupNameProblem(group)));
    const controllerIdentity = props.profileControllerIdentity ?? KUBEFLOW_PROFILE_CONTROLLER;
    at('profileControllerIdentity', userNameProblem(controllerIdentity));
    const kueueIdentity = props.kueueControllerIdentity ?? KUEUE_CONTROLLER;
    at('kueueControllerIdentity', userNameProblem(kueueIdentity));
    (props.platformUsers ?? []).forEach((user, i) => at(`platformUsers[${i}]`, userNameProblem(user)));
    (props.platformGroups ?? []).forEach((group, i) => at(`platformGroups[${i}]`, groupNameProblem(group)));
    throwIfAny(problems);

    const profileController = props.profileController ?? this.node.tryGetContext(PROFILE_CONTROLLER_CONTEXT) ?? ProfileController.KUBEFLOW;
    const settings: ResolvedGuardSettings = this._settings = {
      validationActions: this.mode === GuardMode.ENFORCE ? ['Deny'] : ['Warn', 'Audit'],
      gitOpsIdentities: [...new Set(gitOps)].sort(),
      breakGlassGroups: [...new Set(breakGlass)].sort(),
      profileControllerIdentity: profileController === ProfileController.KUBEFLOW ? controllerIdentity : undefined,
      platformUsers: [...new Set(props.platformUsers ?? [])].sort(),
      platformGroups: [...new Set(props.platformGroups ?? [])].sort(),
      queues: GpuQueues.of(this) !== undefined,
      cohorts: [...new Set((GpuQueues.of(this)?.options.cohorts ?? []).map(c => c.name))].sort(),
      kueueIdentity,
      workloadClasses: { ...GpuQueues.of(this)?.priorityClassValues },
    };
    for (const manifest of guardManifests(settings)) new ApiObject(this, `${manifest.kind}-${manifest.metadata.name}`, manifest);
    Object.defineProperty(root, GUARD_OF_APP, { value: this, enumerable: false });
    this.node.addValidation({
      validate: () => [
        ...(Reflect.get(root, WRITES_GUARD_PARAMETERS) === true ? [] : [
          'TenancyGuard needs a TenancyApp: the app writes each tenant\'s guard parameters on its Namespace, without which the policies guard nothing',
        ]),
        // The queue policy is written when the guard is built: GpuQueues declared later would go unguarded.
        ...(settings.queues || GpuQueues.of(this) === undefined ? [] : [
          `GpuQueues ${GpuQueues.of(this)!.node.path} is declared after the TenancyGuard, which then has no queue policy; declare GpuQueues first`,
        ]),
      ],
    });
  }
}

/** A user name as the API server reports it: printable ASCII, no whitespace, no wildcard. */
function userNameProblem(value: unknown): string | undefined {
  if (typeof value !== 'string' || value === '') return `${shown(value)} is not a user name; write it as the API server reports it, e.g. "${FLUX_KUSTOMIZE_CONTROLLER}"`;
  if (/[^\x21-\x7e]/.test(value)) return `${shown(value)} contains whitespace or characters outside printable ASCII; write the exact user name`;
  if (value.includes('*')) return `${shown(value)} contains "*"; the guard compares user names exactly, so name each identity`;
  if (value === 'system:anonymous' || value.startsWith('system:unsecured')) return `${shown(value)} would exempt unauthenticated requests`;
  return undefined;
}

function groupNameProblem(value: unknown): string | undefined {
  const problem = userNameProblem(value);
  if (problem) return problem;
  if (['system:authenticated', 'system:unauthenticated', 'system:serviceaccounts'].includes(value as string)) {
    return `${shown(value)} holds every user or every service account; name a group only admins join`;
  }
  return undefined;
}
