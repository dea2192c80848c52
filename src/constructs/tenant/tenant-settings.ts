/**
 * The settings a tenant takes from a catalog's `defaults:` and may override per tenant, and the
 * option types they hold. The construct that applies them is `TenantProfile`
 * (tenant-profile.ts); catalog readers import these types without the construct.
 */
import { LimitRangeOptions } from './limit-range';
import { TenantNetworkPolicyOptions } from './network-policy';
import { TeamRoleOptions } from './team-role';
import { KubeflowAuthOptions } from '../../core/auth-options';
import { ContributorOptions } from '../../core/identity';
import { ProfileController } from '../../core/kubeflow-profile';
import { TenantQueueOptions } from '../../core/kueue-options';
import { IstioSecurityApiVersion, MeshMode } from '../../core/mesh-mode';
import { PodSecurityOptions } from '../../core/pod-security';
import { TenantPriorityClassOptions } from '../../core/priority-classes';
import { ProfilePlugin } from '../../core/profile-plugins';

export { ProfilePlugin, ProfilePluginKind } from '../../core/profile-plugins';

/** Settings for Istio ambient mode. */
export interface AmbientModeOptions {
  /**
   * Name of the waypoint Gateway that enforces L7 policy for the namespace.
   * @default "waypoint"
   */
  readonly waypointName?: string;

  /**
   * Namespace of the waypoint. Only the tenant's own namespace is accepted: the tenant's
   * identity rules attach to the waypoint with `targetRefs`, which Istio reads only in the
   * waypoint's namespace, and a shared waypoint would apply them to every namespace it serves.
   * (Kept so that Profile YAML and catalogs that name it explicitly still read.)
   * @default - the tenant namespace
   */
  readonly waypointNamespace?: string;

  /**
   * Whether to create the waypoint Gateway; false when the mesh team manages it (it must still
   * be named `waypointName`, in the tenant namespace).
   * @default true
   */
  readonly createWaypoint?: boolean;
}

/**
 * Settings a tenant can take from catalog-wide defaults and override per tenant.
 */
export interface TenantSettings {
  /**
   * ResourceQuota `hard` limits, e.g. `{ cpu: '20', 'requests.nvidia.com/gpu': '4' }`.
   * Only keys Kubernetes enforces are accepted.
   * @default - no ResourceQuota
   */
  readonly resourceQuota?: { [resource: string]: string };

  /**
   * Namespace labels merged over Kubeflow's defaults; an empty value removes a default label.
   * Istio's labels (`istio-injection`, `istio.io/...`, `*.istio.io/...`) are set by `meshMode`
   * and refused here.
   * @default - Kubeflow's default labels
   */
  readonly namespaceLabels?: { [key: string]: string };

  /**
   * The Istio data-plane mode.
   * @default MeshMode.SIDECAR
   */
  readonly meshMode?: MeshMode;

  /**
   * Ambient-mode settings; only with `meshMode: MeshMode.AMBIENT`.
   * @default - waypoint "waypoint" created in the tenant namespace
   */
  readonly ambient?: AmbientModeOptions;

  /**
   * API version of the AuthorizationPolicies.
   * @default IstioSecurityApiVersion.V1BETA1
   */
  readonly istioSecurityApiVersion?: IstioSecurityApiVersion;

  /**
   * Headers and principals of the Kubeflow installation.
   * @default - Kubeflow's defaults
   */
  readonly auth?: KubeflowAuthOptions;

  /**
   * Profile plugins (GCP Workload Identity, AWS IAM for ServiceAccounts).
   * @default - none
   */
  readonly plugins?: ProfilePlugin[];

  /**
   * Default-deny NetworkPolicies and their allowances.
   * @default - default deny with the allowances a Kubeflow tenant needs
   */
  readonly networkPolicy?: TenantNetworkPolicyOptions;

  /**
   * A LimitRange with container defaults and bounds.
   * @default - no LimitRange
   */
  readonly limitRange?: LimitRangeOptions;

  /**
   * Which PriorityClasses the tenant may use.
   * @default - every class, without limits
   */
  readonly priorityClasses?: TenantPriorityClassOptions;

  /**
   * Pod Security Admission levels.
   * @default - baseline enforced, warned and audited
   */
  readonly podSecurity?: PodSecurityOptions;

  /**
   * Namespaced Roles for the team (presets or custom) and who holds them.
   * @default - none
   */
  readonly teamRoles?: TeamRoleOptions[];

  /**
   * The tenant's GPU queue in Kueue: its guaranteed share of each GPU flavor, what it may borrow
   * and lend, and its cohort. Needs the cluster's flavors (a catalog's `cluster.kueue`, or a
   * `GpuQueues` construct declared before the tenant).
   * @default - no queue
   */
  readonly kueue?: TenantQueueOptions;
}

/** Properties of a `TenantProfile`. */
export interface TenantProfileProps extends TenantSettings {
  /**
   * The profile and namespace name: a DNS-1123 label, not a reserved namespace.
   * @default - the construct id
   */
  readonly name?: string;

  /** The owner's user id (usually an e-mail); gets `kubeflow-admin` in the namespace. */
  readonly owner: string;

  /**
   * Users and groups with `edit` or `view` access.
   * @default - none
   */
  readonly contributors?: ContributorOptions[];

  /**
   * Who reconciles the tenant's Profile in the cluster, which decides who writes the owner's
   * access, the default ServiceAccounts and the quota. One setting for the whole output: set it
   * on the {@link TenancyApp} (`profileController`) rather than per tenant.
   * @default - the TenancyApp's setting, else ProfileController.KUBEFLOW
   */
  readonly profileController?: ProfileController;

  /**
   * Write the `kubeflow.org/v1` Profile object. Kubeflow's dashboard and access management
   * (KFAM) find tenants only through Profiles; turn it off only on a cluster without Kubeflow's
   * Profile CRD (and so without its profile controller).
   * @default true
   */
  readonly profileObject?: boolean;
}
