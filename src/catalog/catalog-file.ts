/**
 * The shape of a tenants catalog file. The JSON Schema in
 * `schema/tenant-catalog.schema.json` is generated from these types
 * (`npx projen schema`), so the schema and the constructs cannot drift apart.
 */
import type { AuditPolicyOptions } from '../constructs/cluster/audit-policy';
import type { IdentityProviderProps } from '../constructs/cluster/identity-provider';
import type { QuotaAlertsOptions } from '../constructs/cluster/quota-alerts';
import type { ReadOnlyDashboardOptions } from '../constructs/cluster/read-only-dashboard';
import type { TenancyGuardOptions } from '../constructs/cluster/tenancy-guard';
import type { TenantDashboardOptions } from '../constructs/cluster/tenant-dashboard';
import type { TenantSettings } from '../constructs/tenant/tenant-settings';
import type { KubeflowAuthOptions } from '../core/auth-options';
import { ContributorOptions } from '../core/identity';
import { ProfileController } from '../core/kubeflow-profile';
import type { KueueClusterOptions } from '../core/kueue-options';
import { PriorityClassSpec } from '../core/priority-classes';

export const CATALOG_API_VERSION = 'kf-tenancy/v1alpha1';
export const CATALOG_KIND = 'TenantCatalog';

/** One tenant of a catalog. */
export interface CatalogTenant extends TenantSettings {
  /** Tenant and namespace name: a DNS-1123 label, not a reserved namespace. */
  readonly name: string;
  /** The owner's user id (usually an e-mail); gets `kubeflow-admin`. */
  readonly owner: string;
  /** Users and groups with `edit` or `view` access. */
  readonly contributors?: ContributorOptions[];
}

/** Named sets of PriorityClasses. */
export enum PriorityClassPreset {
  /** high-priority-ml 1000000, normal-priority-ml 100000 (global default), low-priority-ml 10000 (never preempts). */
  ML = 'ml',
}

/** Cluster-wide objects the catalog declares. */
export interface ClusterSettings {
  /**
   * Who reconciles Kubeflow Profiles in the cluster: `kubeflow` (Kubeflow's profile controller,
   * which writes the owner's access, the default ServiceAccounts and the quota from each
   * Profile; the output leaves those to it) or `none` (the output holds every object).
   * @default ProfileController.KUBEFLOW
   */
  readonly profileController?: ProfileController;
  /**
   * Write a `kubeflow.org/v1` Profile per tenant; Kubeflow's dashboard finds tenants only
   * through them. `false` only on a cluster without Kubeflow's Profile CRD (and `profileController: none`).
   * @default true
   */
  readonly profileObjects?: boolean;
  /**
   * How the installation identifies users: the identity headers and the principals that forward
   * them. A fact of the cluster: every tenant takes it, and a tenant or `defaults:` that states a
   * field differently is refused (they may repeat it). Fields the identity provider's
   * `kubeflowAuth` sets must agree with it.
   * @default - the identity provider's kubeflowAuth, else Kubeflow's defaults
   */
  readonly auth?: KubeflowAuthOptions;
  /**
   * The cluster's pod and service CIDRs, which no ipBlock of any tenant may reach (on Calico and
   * Cilium an ipBlock matches pods). A fact of the cluster: a tenant's `networkPolicy.clusterCidrs`
   * may repeat it but not differ.
   * @default ["10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16", "100.64.0.0/10", "fc00::/7"]
   */
  readonly clusterCidrs?: string[];
  /**
   * A preset of PriorityClasses.
   * @default - none
   */
  readonly priorityClassPreset?: PriorityClassPreset;
  /**
   * PriorityClasses (in addition to the preset's).
   * @default - none
   */
  readonly priorityClasses?: PriorityClassSpec[];
  /**
   * A PrometheusRule warning each tenant before it hits its quota (`{}` for the defaults).
   * @default - no alerts
   */
  readonly quotaAlerts?: QuotaAlertsOptions;
  /**
   * A Grafana dashboard of the tenants, as a ConfigMap for the Grafana sidecar (`{}` for the defaults).
   * @default - no dashboard
   */
  readonly dashboard?: TenantDashboardOptions;
  /**
   * An Istio policy that refuses the Kubeflow dashboard's routes that create or delete Profiles
   * and add or remove contributors, so members come from Git only (`{}` for the defaults).
   * @default - the dashboard may change members
   */
  readonly readOnlyDashboard?: ReadOnlyDashboardOptions;
  /**
   * ValidatingAdmissionPolicies that keep every tenant as Git declares it after apply: RoleBindings
   * bind only declared members, what was written for a tenant changes only through the GitOps
   * identity, new policies cannot open a tenant (`{}` for the defaults; Kubernetes 1.30+).
   * @default - no guard
   */
  readonly guard?: TenancyGuardOptions;
  /**
   * An audit policy for tenant actions, written to `cluster/audit-policy.yaml` (`{}` for the defaults).
   * @default - no audit policy
   */
  readonly auditPolicy?: AuditPolicyOptions;
  /**
   * Dex's configuration; its `kubeflowAuth` is also the auth setting of every tenant.
   * @default - no identity provider configuration
   */
  readonly identityProvider?: IdentityProviderProps;
  /**
   * GPU queues with Kueue: the GPU flavors and their capacity, the cohort tree and the resources
   * Kueue owns. Tenants then declare their share under `kueue:`.
   * @default - no Kueue objects
   */
  readonly kueue?: KueueClusterOptions;
}

/** A tenants catalog: cluster-wide defaults and the list of tenants. */
export interface CatalogFile {
  /** JSON Schema of this file, for editors. */
  readonly $schema?: string;
  /** Format version of the catalog. */
  readonly apiVersion: 'kf-tenancy/v1alpha1';
  /** Always `TenantCatalog`. */
  readonly kind: 'TenantCatalog';
  /** Cluster-wide objects, such as PriorityClasses. */
  readonly cluster?: ClusterSettings;
  /** Settings every tenant gets unless it sets its own; objects and maps merge key by key, lists are replaced. */
  readonly defaults?: TenantSettings;
  /** The tenants. */
  readonly tenants: CatalogTenant[];
}
