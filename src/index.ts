export { KubeflowAuthOptions, ResolvedKubeflowAuth } from './auth-options';
export { Contributor, ContributorOptions, ContributorProps, ContributorRole, IdentityKind } from './contributor';
export { IstioSecurityApiVersion } from './istio';
export { ProfileController } from './kubeflow-profile';
export { AmbientModeOptions, MeshMode, ProfilePlugin, ProfilePluginKind, TenantProfile, TenantProfileProps, TenantSettings } from './tenant-profile';
export { ManifestFile, TenancyApp, TenancyAppProps } from './tenancy-app';
export { ArgoCdOptions, FluxOptions } from './gitops';
export { ProfileReader, ProfileSource } from './profile-reader';
export { TenantCatalog, TenantCatalogProps } from './tenant-catalog';
export { NetworkPeerRule, NetworkPort, NetworkProtocol, TenantNetworkPolicy, TenantNetworkPolicyOptions, TenantNetworkPolicyProps } from './network-policy';
export { ContainerLimits, LimitRangeOptions, TenantLimitRange, TenantLimitRangeProps, VolumeClaimLimits } from './limit-range';
export {
  PreemptionPolicy, PriorityClasses, PriorityClassesProps, PriorityClassSpec,
  TenantPriorityClassOptions, TenantPriorityClassQuotas, TenantPriorityClassQuotasProps,
} from './priority-classes';
export { TeamRole, TeamRoleOptions, TeamRolePreset, TeamRoleProps, TeamRoleRule } from './team-role';
export { PodSecurityLevel, PodSecurityOptions } from './pod-security';
export { ClusterSettings, PriorityClassPreset } from './catalog-file';
export { QuotaAlertName, QuotaAlerts, QuotaAlertsOptions, QuotaAlertsProps } from './quota-alerts';
export { TenantDashboard, TenantDashboardOptions, TenantDashboardProps } from './tenant-dashboard';
export { AuditLevel, AuditPolicy, AuditPolicyOptions, AuditPolicyProps, AuditWebhookOptions } from './audit-policy';
export { DexStaticClient, IdentityProvider, IdentityProviderProps, LdapConnector, OidcConnector } from './identity-provider';
export { ReadOnlyDashboard, ReadOnlyDashboardOptions, ReadOnlyDashboardProps } from './read-only-dashboard';
export { GuardMode, TenancyGuard, TenancyGuardOptions, TenancyGuardProps } from './tenancy-guard';
