/**
 * What a contributor, a team role or a platform piece needs to know about a tenant, without
 * depending on the {@link TenantProfile} construct that declares it (cdk8s-plus' `IServiceAccount`
 * and aws-cdk's `IRole` play the same part). A tenant declared in another app or repository is
 * referenced with {@link TenantProfile.fromName}.
 */
import { Construct, IConstruct } from 'constructs';
import { ResolvedKubeflowAuth, resolveAuth, KubeflowAuthOptions } from '../../core/auth-options';
import { ContributorRegistry } from '../../core/contributor-registry';
import { IstioSecurityApiVersion } from '../istio';

/** A Kubeflow tenant: a Profile and its namespace. */
export interface ITenant extends IConstruct {
  /** Profile and namespace name. */
  readonly name: string;
  /** Auth settings with defaults applied: how the mesh identifies users and groups. */
  readonly auth: ResolvedKubeflowAuth;
  /** The AuthorizationPolicy API version in use. */
  readonly istioSecurityApiVersion: IstioSecurityApiVersion;
  /**
   * In Istio ambient mode, the waypoint Gateway (in the tenant namespace) that the tenant's
   * identity policies attach to; undefined in sidecar mode.
   */
  readonly waypointName?: string;
}

/** How to reference a tenant declared elsewhere. */
export interface TenantReferenceOptions {
  /**
   * The auth settings the tenant was declared with.
   * @default - Kubeflow's defaults
   */
  readonly auth?: KubeflowAuthOptions;
  /**
   * The AuthorizationPolicy API version the cluster serves.
   * @default IstioSecurityApiVersion.V1BETA1
   */
  readonly istioSecurityApiVersion?: IstioSecurityApiVersion;
  /**
   * The waypoint Gateway of an ambient-mode tenant, in its namespace: contributors added here
   * attach their policies to it.
   * @default - the tenant runs in sidecar mode
   */
  readonly waypointName?: string;
}

/** A tenant declared in another app or repository; objects added to it go into its namespace. */
export class TenantReference extends Construct implements ITenant {
  public readonly name: string;
  public readonly auth: ResolvedKubeflowAuth;
  public readonly istioSecurityApiVersion: IstioSecurityApiVersion;
  public readonly waypointName?: string;

  constructor(scope: Construct, id: string, name: string, options: TenantReferenceOptions = {}) {
    super(scope, id);
    this.name = name;
    this.auth = resolveAuth(options.auth);
    this.istioSecurityApiVersion = options.istioSecurityApiVersion ?? IstioSecurityApiVersion.V1BETA1;
    this.waypointName = options.waypointName;
  }
}

// A tenant declared in this app carries the registry of its contributors under this symbol, so that one
// added later (`new Contributor`) is checked against them (owner, twice, KFAM name clash). A referenced
// tenant has none here: its own app checks it. A `Symbol.for` key, as cdk8s and aws-cdk mark their
// constructs: the state travels with the object, not in a module-level table.
const CONTRIBUTOR_REGISTRY = Symbol.for('cdk8s-kubeflow-tenancy.ContributorRegistry');

/** Records the registry of a tenant declared in this app. */
export function registerContributors(tenant: ITenant, registry: ContributorRegistry): void {
  Object.defineProperty(tenant, CONTRIBUTOR_REGISTRY, { value: registry, enumerable: false });
}

/** The registry of a tenant declared in this app, if it is one. */
export function contributorsOf(tenant: ITenant): ContributorRegistry | undefined {
  const registry: unknown = Reflect.get(tenant, CONTRIBUTOR_REGISTRY);
  return registry instanceof ContributorRegistry ? registry : undefined;
}
