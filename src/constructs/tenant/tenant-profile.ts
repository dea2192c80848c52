import { ApiObject } from 'cdk8s';
import { k8s } from 'cdk8s-plus-28';
import { Construct } from 'constructs';
import { Contributor, ContributorProps } from './contributor';
import { TenantLimitRange } from './limit-range';
import { NetworkPort, networkPolicyProblems, TenantNetworkPolicy } from './network-policy';
import { TenantPriorityClassQuotas } from './priority-class-quotas';
import { TeamRole, TeamRoleOptions } from './team-role';
import { ITenant, registerContributors, TenantReference, TenantReferenceOptions } from './tenant';
import { ownProblems, queueProblems, resolveTenant } from './tenant-problems';
import { TenantQueue } from './tenant-queue';
import { AmbientModeOptions, ProfilePluginKind, TenantProfileProps } from './tenant-settings';

export { TenantProfileProps } from './tenant-settings';
import { ResolvedKubeflowAuth } from '../../core/auth-options';
import { CLUSTER_AUTH_CONTEXT, CLUSTER_CIDRS_CONTEXT } from '../../core/cluster-facts';
import { ContributorRegistry } from '../../core/contributor-registry';
import { ContributorOptions, IdentityKind } from '../../core/identity';
import {
  DEFAULT_NAMESPACE_LABELS,
  DEFAULT_WAYPOINT_NAME,
  OWNER_WAYPOINT_POLICY_NAME,
  SAME_NAMESPACE_L4_POLICY_NAME,
  WAYPOINT_L4_POLICY_NAME,
} from '../../core/kubeflow-defaults';
import { PROFILE_CONTROLLER_CONTEXT, ProfileController, ProfileDeclaration, profileControllerObjects, profileManifest } from '../../core/kubeflow-profile';
import { KueueClusterOptions, TenantQueueOptions } from '../../core/kueue-options';
import { waypointPrincipal } from '../../core/naming';
import { podSecurityMetadata } from '../../core/pod-security';
import { inTenant, Problem } from '../../core/problem';
import { declaredPeers, TenantMembers, tenantMembers } from '../../core/tenant-rules';
import { problemsOf, TenancyValidationError, throwIfAny } from '../../core/validation';
import { AuthorizationPolicySpecRules } from '../../imports/security.istio.io';
import { GpuQueues } from '../cluster/gpu-queues';
import { allowPolicy, IstioSecurityApiVersion, MeshMode, waypointTargetRefs } from '../istio';


/**
 * One Kubeflow tenant: its `Profile`, namespace and access, synthesized at build time.
 *
 * Objects: the `kubeflow.org/v1` Profile, the Namespace (owner annotation, Kubeflow and mesh
 * labels), one {@link Contributor} per contributor, the ambient waypoint and its L4 policy in
 * ambient mode, and what the tenant declares beyond Kubeflow (network policies, LimitRange,
 * priority-class quotas, team roles). Where no profile controller runs
 * (`ProfileController.NONE`), also what the controller would write from the Profile: RoleBinding
 * `namespaceAdmin`, AuthorizationPolicy `ns-owner-access-istio`, ServiceAccounts and
 * RoleBindings `default-editor` and `default-viewer`, and ResourceQuota `kf-resource-quota`.
 */
export class TenantProfile extends Construct implements ITenant {
  /**
   * A tenant declared in another app or repository, to add contributors or team roles to it
   * from this one. Nothing is checked against its other members: its own app does that.
   */
  public static fromName(scope: Construct, id: string, name: string, options: TenantReferenceOptions = {}): ITenant {
    return new TenantReference(scope, id, name, options);
  }

  /** Profile and namespace name. */
  public readonly name: string;
  /** Owner's user id. */
  public readonly owner: string;
  /** Auth settings with defaults applied. */
  public readonly auth: ResolvedKubeflowAuth;
  /** The AuthorizationPolicy API version in use. */
  public readonly istioSecurityApiVersion: IstioSecurityApiVersion;
  /** The mesh mode in use. */
  public readonly meshMode: MeshMode;
  /** In ambient mode, the waypoint Gateway the tenant's identity policies attach to; undefined in sidecar mode. */
  public readonly waypointName?: string;
  /**
   * The cluster's GPU flavors this tenant's queue is checked against, when the app declares them.
   * @internal
   */
  public readonly _kueue?: KueueClusterOptions;
  /**
   * The tenant's GPU queue, when it has one (for the capacity check over every tenant).
   * @internal
   */
  public _queue?: TenantQueueOptions;
  /** Who reconciles the Profile: the objects it writes are left out of the output. */
  public readonly profileController: ProfileController;

  /**
   * The pod and service ranges this tenant's ipBlocks are kept clear of (the cluster's).
   * @internal
   */
  public readonly _clusterCidrs: string[];
  private readonly registry: ContributorRegistry;
  private readonly teamRoleSubjects: { users: string[]; groups: string[] };
  private readonly teamRoleNames = new Set<string>();
  private readonly peers: { ingressPeers: string[]; egressPeers: string[] };
  private networkPolicies?: TenantNetworkPolicy;
  private readonly contributorList: Contributor[] = [];

  constructor(scope: Construct, id: string, props: TenantProfileProps) {
    super(scope, id);
    const tenant = resolveTenant(props, id, {
      clusterAuth: this.node.tryGetContext(CLUSTER_AUTH_CONTEXT),
      clusterCidrs: this.node.tryGetContext(CLUSTER_CIDRS_CONTEXT),
      profileController: this.node.tryGetContext(PROFILE_CONTROLLER_CONTEXT),
      kueue: GpuQueues.of(this)?.options,
    });
    this.name = tenant.name;
    this.owner = props.owner;
    this.auth = tenant.auth;
    this._clusterCidrs = tenant.clusterCidrs;
    this.istioSecurityApiVersion = tenant.istioSecurityApiVersion;
    this.meshMode = tenant.meshMode;
    this.waypointName = tenant.waypointName;
    this.profileController = tenant.profileController;
    this._kueue = tenant.kueue;
    this.registry = new ContributorRegistry(props.owner ?? '');
    registerContributors(this, this.registry);
    this.teamRoleSubjects = {
      users: (props.teamRoles ?? []).flatMap(r => r.users ?? []),
      groups: (props.teamRoles ?? []).flatMap(r => r.groups ?? []),
    };
    this.peers = declaredPeers(props.networkPolicy);
    const own = ownProblems(props, tenant);
    this.profileObjects(props);
    // Each child checks its own props; the tenant reports their problems with its own, all at once.
    throwIfAny([...own, ...inTenant(this.name, this.children(props))]);
  }

  /**
   * Who may have access to this tenant: the owner, contributors and team-role
   * subjects, and the namespaces its own network rules name.
   * @internal
   */
  public _declarations(): TenantMembers {
    return tenantMembers({ owner: this.owner, contributors: this.registry.members(), teamRoles: [this.teamRoleSubjects], ...this.peers });
  }

  /**
   * The tenant's NetworkPolicies (`addIngress`/`addEgress` add a rule); undefined when
   * `networkPolicy.enabled` is false. A path to another tenant belongs in `allowFrom`/`allowTo`,
   * which also declare it: the isolation check refuses an undeclared one.
   */
  public get networkPolicy(): TenantNetworkPolicy | undefined {
    return this.networkPolicies;
  }

  /** Contributors added so far. */
  public get contributors(): Contributor[] {
    return [...this.contributorList];
  }

  /**
   * Grants a user or group `edit` or `view` in this tenant.
   * Throws if the identity is invalid, is the owner, is already a contributor,
   * or its KFAM name collides with another contributor's.
   */
  public addContributor(options: ContributorOptions): Contributor {
    const contributor = this.newContributor({ ...options, tenant: this });
    this.contributorList.push(contributor);
    return contributor;
  }

  /**
   * Adds a team role (a Role and its RoleBinding) after construction; its users and groups
   * become declared members of the tenant, as those of `teamRoles` are.
   * Throws if the role is invalid or its name is taken.
   */
  public addTeamRole(options: TeamRoleOptions): TeamRole {
    if (this.teamRoleNames.has(options.name)) throwIfAny([{ tenant: this.name, message: `teamRoles "${options.name}": defined twice` }]);
    const role = this.asTenant(() => new TeamRole(this, `TeamRole-${options.name}`, { ...options, namespace: this.name }));
    this.teamRoleNames.add(options.name);
    this.teamRoleSubjects.users.push(...options.users ?? []);
    this.teamRoleSubjects.groups.push(...options.groups ?? []);
    return role;
  }

  /**
   * Opens this tenant to the pods of another tenant: a NetworkPolicy
   * `allow-ingress-tenant-<other>` here, and a declared path for the isolation check.
   * Every tenant denies egress by default, so the other tenant needs `allowTo(this)` too.
   * @param ports the ports allowed (default: every port)
   */
  public allowFrom(other: ITenant, ports?: NetworkPort[]): void {
    this.asTenant(() => this.peerPolicy().addIngress({ name: `tenant-${other.name}`, namespace: other.name, ports }));
    this.peers.ingressPeers.push(other.name);
  }

  /**
   * Lets this tenant's pods reach another tenant: a NetworkPolicy `allow-egress-tenant-<other>`
   * here, and a declared path for the isolation check. The other tenant needs `allowFrom(this)`.
   * @param ports the ports allowed (default: every port)
   */
  public allowTo(other: ITenant, ports?: NetworkPort[]): void {
    this.asTenant(() => this.peerPolicy().addEgress({ name: `tenant-${other.name}`, namespace: other.name, ports }));
    this.peers.egressPeers.push(other.name);
  }

  /** The Namespace, the Profile, what the profile controller would write (when none runs) and the ambient waypoint. */
  private profileObjects(props: TenantProfileProps): void {
    const podSecurity = podSecurityMetadata(props.podSecurity);
    const labels = { ...this.namespaceLabels(props), ...podSecurity.labels };
    new k8s.KubeNamespace(this, 'Namespace', {
      metadata: { name: this.name, annotations: { owner: this.owner, ...podSecurity.annotations }, labels },
    });

    const profile = this.profileDeclaration(props);
    if (props.profileObject ?? true) new ApiObject(this, 'Profile', profileManifest(profile));
    // Built only where used: with the controller in sidecar mode (the common case) nothing of it is written.
    const controllerObjects = () => profileControllerObjects(profile, this.auth, `security.istio.io/${this.istioSecurityApiVersion}`);
    if (this.profileController === ProfileController.NONE) {
      // The same objects the controller writes, from the same code the access analysis expands Profiles with;
      // in ambient mode the owner's policy is attached to the waypoint, the only proxy that reads its header rule.
      for (const object of controllerObjects()) {
        new ApiObject(this, `${object.kind}-${object.metadata.name}`, this.waypointName !== undefined && object.kind === 'AuthorizationPolicy'
          ? { ...object, spec: { ...object.spec as object, targetRefs: waypointTargetRefs(this.waypointName) } } : object);
      }
    } else if (this.waypointName !== undefined) {
      // The controller's `ns-owner-access-istio` is namespace-wide: ztunnel drops its HTTP rules and the waypoint
      // never sees it. The same rules, attached to the waypoint, under a name the controller does not own.
      const owner = controllerObjects().find(o => o.kind === 'AuthorizationPolicy')!;
      allowPolicy(this, 'OwnerWaypointAuthorizationPolicy', {
        name: OWNER_WAYPOINT_POLICY_NAME,
        namespace: this.name,
        annotations: owner.metadata.annotations,
        apiVersion: this.istioSecurityApiVersion,
        waypoint: this.waypointName,
        rules: (owner.spec as { rules: AuthorizationPolicySpecRules[] }).rules,
      });
    }
    if (this.meshMode === MeshMode.AMBIENT) this.ambientWaypoint(props.ambient ?? {});
  }

  /** Builds what the tenant declares beyond its Profile; returns the problems the children report. */
  private children(props: TenantProfileProps): Problem[] {
    const problems: Problem[] = [];
    const collect = <T>(build: () => T): T | undefined => {
      try {
        return build();
      } catch (error) {
        problems.push(...problemsOf(error));
        return undefined;
      }
    };
    const networkPolicy = { ...props.networkPolicy, clusterCidrs: this._clusterCidrs };
    if (props.networkPolicy?.enabled ?? true) {
      this.networkPolicies = collect(() => new TenantNetworkPolicy(this, 'NetworkPolicy', {
        ...networkPolicy, namespace: this.name, sidecarMode: this.meshMode === MeshMode.SIDECAR,
      }));
    } else {
      // Off, the policy is not built, but the switch itself is checked (it needs a reason).
      problems.push(...networkPolicyProblems(networkPolicy).map(message => ({ message })));
    }
    if (props.limitRange) {
      collect(() => new TenantLimitRange(this, 'LimitRange', { ...props.limitRange, namespace: this.name, resourceQuota: props.resourceQuota }));
    }
    if (props.priorityClasses) collect(() => new TenantPriorityClassQuotas(this, 'PriorityClassQuotas', { ...props.priorityClasses!, namespace: this.name }));
    for (const role of props.teamRoles ?? []) {
      if (this.teamRoleNames.has(role.name)) {
        problems.push({ message: `teamRoles "${role.name}": defined twice` });
        continue;
      }
      this.teamRoleNames.add(role.name);
      collect(() => new TeamRole(this, `TeamRole-${role.name}`, { ...role, namespace: this.name }));
    }
    const queue = queueProblems(props, this._kueue);
    problems.push(...queue);
    if (props.kueue && this._kueue && queue.length === 0) {
      new TenantQueue(this, 'Queue', { ...props.kueue, namespace: this.name, cluster: this._kueue });
      this._queue = props.kueue;
    }
    for (const contributor of props.contributors ?? []) {
      const built = collect(() => this.newContributor({ ...contributor, tenant: this }));
      if (built) this.contributorList.push(built);
    }
    return problems;
  }

  /** Runs `change`, naming this tenant in the problems it throws. */
  private asTenant<T>(change: () => T): T {
    try {
      return change();
    } catch (error) {
      throw new TenancyValidationError(inTenant(this.name, problemsOf(error)));
    }
  }

  private peerPolicy(): TenantNetworkPolicy {
    if (this.networkPolicies === undefined) {
      throwIfAny([{
        tenant: this.name, message: 'networkPolicy.enabled is false, so there is no default-deny to open', fix: 'enable it or leave the path out',
      }]);
    }
    return this.networkPolicies!;
  }

  private newContributor(props: ContributorProps): Contributor {
    return new Contributor(this, `${props.kind ?? IdentityKind.USER}:${props.name}`, props);
  }

  private namespaceLabels(props: TenantProfileProps): Record<string, string> {
    const labels: Record<string, string> = { ...DEFAULT_NAMESPACE_LABELS };
    for (const [key, value] of Object.entries(props.namespaceLabels ?? {})) {
      if (value === '') delete labels[key];
      else labels[key] = value;
    }
    if (this.meshMode === MeshMode.SIDECAR) {
      labels['istio-injection'] = 'enabled';
    } else {
      const waypoint = this.waypoint(props.ambient ?? {});
      labels['istio-injection'] = 'disabled';
      labels['istio.io/dataplane-mode'] = 'ambient';
      labels['istio.io/use-waypoint'] = waypoint.name;
      labels['istio.io/use-waypoint-namespace'] = waypoint.namespace;
      labels['istio.io/ingress-use-waypoint'] = 'true';
    }
    return labels;
  }

  private profileDeclaration(props: TenantProfileProps): ProfileDeclaration {
    return {
      name: this.name,
      owner: this.owner,
      resourceQuota: props.resourceQuota,
      plugins: (props.plugins ?? []).map(plugin => {
        switch (plugin.kind) {
          case ProfilePluginKind.WORKLOAD_IDENTITY:
            return { kind: plugin.kind, spec: { gcpServiceAccount: plugin.gcpServiceAccount } };
          default:
            return {
              kind: plugin.kind,
              spec: { awsIamRole: plugin.awsIamRole, ...(plugin.annotateOnly === undefined ? {} : { annotateOnly: plugin.annotateOnly }) },
            };
        }
      }),
    };
  }

  private waypoint(options: AmbientModeOptions): { name: string; namespace: string; create: boolean } {
    const namespace = options.waypointNamespace ?? this.name;
    return {
      name: options.waypointName ?? DEFAULT_WAYPOINT_NAME,
      namespace,
      create: options.createWaypoint ?? namespace === this.name,
    };
  }

  private ambientWaypoint(options: AmbientModeOptions): void {
    const waypoint = this.waypoint(options);
    if (waypoint.create) {
      new ApiObject(this, 'Waypoint', {
        apiVersion: 'gateway.networking.k8s.io/v1',
        kind: 'Gateway',
        metadata: { name: waypoint.name, namespace: waypoint.namespace, labels: { 'gateway.istio.io/managed': 'Istio' } },
        spec: {
          gatewayClassName: 'istio-waypoint',
          listeners: [{ name: 'mesh', port: 15008, protocol: 'HBONE' }],
        },
      });
    }
    // What ztunnel admits: requests the waypoint forwards (it has checked them), and the namespace's own workloads,
    // which also reach each other by pod address, past the waypoint. Nobody else: not the ingress gateway.
    allowPolicy(this, 'WaypointL4AuthorizationPolicy', {
      name: WAYPOINT_L4_POLICY_NAME,
      namespace: this.name,
      apiVersion: this.istioSecurityApiVersion,
      rules: [{ from: [{ source: { principals: [waypointPrincipal(waypoint.namespace, waypoint.name)] } }] }],
    });
    allowPolicy(this, 'SameNamespaceL4AuthorizationPolicy', {
      name: SAME_NAMESPACE_L4_POLICY_NAME,
      namespace: this.name,
      apiVersion: this.istioSecurityApiVersion,
      rules: [{ from: [{ source: { namespaces: [this.name] } }] }],
    });
  }
}
