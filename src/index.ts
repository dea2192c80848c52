export { KubeflowAuthOptions, ResolvedKubeflowAuth } from './auth-options';
export { Contributor, ContributorOptions, ContributorProps, ContributorRole, IdentityKind } from './contributor';
export { IstioSecurityApiVersion } from './istio';
export { AmbientModeOptions, MeshMode, ProfilePlugin, ProfilePluginKind, TenantProfile, TenantProfileProps } from './tenant-profile';
export { ManifestFile, TenancyApp } from './tenancy-app';
export { ProfileReader, ProfileSource } from './profile-reader';
