export { KubeflowAuthOptions, ResolvedKubeflowAuth } from './core/auth-options';
export { ContributorOptions, ContributorRole, IdentityKind } from './core/identity';
export { Contributor, ContributorProps } from './constructs/tenant/contributor';
export { ITenant, TenantReferenceOptions } from './constructs/tenant/tenant';
export { IstioSecurityApiVersion, MeshMode } from './constructs/istio';
export { ProfileController } from './core/kubeflow-profile';
export { TenantProfile, TenantProfileProps } from './constructs/tenant/tenant-profile';
export { AmbientModeOptions, ProfilePlugin, ProfilePluginKind, TenantSettings } from './constructs/tenant/tenant-settings';
export { ManifestFile, TenancyApp, TenancyAppProps } from './synth/tenancy-app';
export { ArgoCdOptions, FluxOptions } from './synth/gitops';
export { ProfileReader, ProfileSource } from './catalog/profile-reader';
export { TenantCatalog, TenantCatalogProps } from './synth/tenant-catalog';
export { NetworkPeerRule, NetworkPort, NetworkProtocol, TenantNetworkPolicy, TenantNetworkPolicyOptions, TenantNetworkPolicyProps } from './constructs/tenant/network-policy';
export { ContainerLimits, LimitRangeOptions, TenantLimitRange, TenantLimitRangeProps, VolumeClaimLimits } from './constructs/tenant/limit-range';
export { PreemptionPolicy, PriorityClassSpec, TenantPriorityClassOptions } from './core/priority-classes';
export { PriorityClasses, PriorityClassesProps } from './constructs/cluster/priority-classes';
export { TenantPriorityClassQuotas, TenantPriorityClassQuotasProps } from './constructs/tenant/priority-class-quotas';
export { TeamRole, TeamRoleOptions, TeamRolePreset, TeamRoleProps, TeamRoleRule } from './constructs/tenant/team-role';
export { PodSecurityLevel, PodSecurityOptions } from './core/pod-security';
export { ClusterSettings, PriorityClassPreset } from './catalog/catalog-file';
export { QuotaAlertName, QuotaAlerts, QuotaAlertsOptions, QuotaAlertsProps } from './constructs/cluster/quota-alerts';
export { TenantDashboard, TenantDashboardOptions, TenantDashboardProps } from './constructs/cluster/tenant-dashboard';
export { AuditLevel, AuditPolicy, AuditPolicyOptions, AuditPolicyProps, AuditWebhookOptions } from './constructs/cluster/audit-policy';
export { DexStaticClient, IdentityProvider, IdentityProviderProps, LdapConnector, OidcConnector } from './constructs/cluster/identity-provider';
export { DashboardVersion, ReadOnlyDashboard, ReadOnlyDashboardOptions, ReadOnlyDashboardProps } from './constructs/cluster/read-only-dashboard';
export { GuardMode, TenancyGuard, TenancyGuardOptions, TenancyGuardProps } from './constructs/cluster/tenancy-guard';
export {
  CohortReclaimPreemption, FlavorQuota, FlavorTaint, GpuFlavorOptions, KueueClusterOptions, KueueCohortOptions, QueuePreemptionOptions,
  TaintEffect, TenantQueueOptions, WithinQueuePreemption,
} from './core/kueue-options';
export { GpuQueues, GpuQueuesProps } from './constructs/cluster/gpu-queues';
export { TenantQueue, TenantQueueProps } from './constructs/tenant/tenant-queue';
