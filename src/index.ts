export { KubeflowAuthOptions, ResolvedKubeflowAuth } from './auth-options';
export { Contributor, ContributorOptions, ContributorProps, ContributorRole, IdentityKind } from './contributor';
export { IstioSecurityApiVersion } from './istio';
export { AmbientModeOptions, MeshMode, ProfilePlugin, ProfilePluginKind, TenantProfile, TenantProfileProps, TenantSettings } from './tenant-profile';
export { ManifestFile, TenancyApp, TenancyAppProps } from './tenancy-app';
export { ArgoCdOptions, FluxOptions } from './gitops';
export { ProfileReader, ProfileSource } from './profile-reader';
export { TenantCatalog, TenantCatalogProps } from './tenant-catalog';
