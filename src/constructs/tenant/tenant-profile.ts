import { ApiObject } from 'cdk8s';
import { k8s } from 'cdk8s-plus-28';
import { Construct } from 'constructs';
import { Contributor, ContributorProps } from './contributor';
import { limitRangeProblems, TenantLimitRange } from './limit-range';
import { NetworkPort, networkPolicyProblems, TenantNetworkPolicy } from './network-policy';
import { TenantPriorityClassQuotas } from './priority-class-quotas';
import { TeamRole, teamRoleProblems, TeamRoleOptions } from './team-role';
import { checkedProps, ITenant, registerContributors, TenantReference, TenantReferenceOptions } from './tenant';
import { AmbientModeOptions, ProfilePlugin, ProfilePluginKind, TenantSettings } from './tenant-settings';
import { authProblems, KubeflowAuthOptions, ResolvedKubeflowAuth } from '../../core/auth-options';
import { CLUSTER_AUTH_CONTEXT, CLUSTER_CIDRS_CONTEXT, clusterFactConflicts, resolveClusterFacts } from '../../core/cluster-facts';
import { ContributorRegistry } from '../../core/contributor-registry';
import { TENANT_LABEL } from '../../core/guard-parameters';
import { ContributorOptions, contributorFieldProblems, IdentityKind } from '../../core/identity';
import {
  DEFAULT_NAMESPACE_LABELS,
  DEFAULT_SHARED_SERVICES_LABEL,
  DEFAULT_WAYPOINT_NAME,
  OWNER_WAYPOINT_POLICY_NAME,
  SAME_NAMESPACE_L4_POLICY_NAME,
  isMeshLabelKey,
  WAYPOINT_L4_POLICY_NAME,
} from '../../core/kubeflow-defaults';
import { PROFILE_CONTROLLER_CONTEXT, ProfileController, ProfileDeclaration, profileControllerObjects, profileManifest } from '../../core/kubeflow-profile';
import { waypointPrincipal } from '../../core/naming';
import { POD_SECURITY_LABEL_PREFIX, podSecurityMetadata, podSecurityProblems } from '../../core/pod-security';
import { tenantPriorityProblems } from '../../core/priority-classes';
import { countsWholeUnits, isQuantity, isWholeQuantity, quotaKeyProblem } from '../../core/quantity';
import {
  awsRoleArnProblem,
  describeValue,
  dnsLabelProblem,
  gcpServiceAccountProblem,
  identityProblem,
  labelKeyProblem,
  labelValueProblem,
  namespaceNameProblem,
  principalNamespace,
  throwIfAny,
} from '../../core/validation';
import { AuthorizationPolicySpecRules } from '../../imports/security.istio.io';
import { allowPolicy, IstioSecurityApiVersion, MeshMode, waypointTargetRefs } from '../istio';

/** Properties of a {@link TenantProfile}. */
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
  /** Who reconciles the Profile: the objects it writes are left out of the output. */
  public readonly profileController: ProfileController;

  /**
   * The pod and service ranges this tenant's ipBlocks are kept clear of (the cluster's).
   * @internal
   */
  public readonly _clusterCidrs: string[];
  private readonly clusterFactProblems: string[];
  private readonly registry: ContributorRegistry;
  private readonly teamRoleSubjects: { users: string[]; groups: string[] };
  private readonly teamRoleNames = new Set<string>();
  private readonly declaredPeers: { ingress: string[]; egress: string[] };
  /**
   * The tenant's NetworkPolicies (`addIngress`/`addEgress` add a rule); undefined when
   * `networkPolicy.enabled` is false. A path to another tenant belongs in `allowFrom`/`allowTo`,
   * which also declare it: the isolation check refuses an undeclared one.
   */
  public readonly networkPolicy?: TenantNetworkPolicy;
  private readonly contributorList: Contributor[] = [];

  constructor(scope: Construct, id: string, props: TenantProfileProps) {
    super(scope, id);
    this.name = props.name ?? id;
    this.owner = props.owner;
    // Facts of the cluster (auth, its ranges): the app's when it states them, which the tenant may repeat, not change.
    const clusterAuth: KubeflowAuthOptions | undefined = this.node.tryGetContext(CLUSTER_AUTH_CONTEXT);
    const clusterCidrs: string[] | undefined = this.node.tryGetContext(CLUSTER_CIDRS_CONTEXT);
    const facts = resolveClusterFacts({ auth: clusterAuth ?? props.auth, clusterCidrs: clusterCidrs ?? props.networkPolicy?.clusterCidrs });
    this.clusterFactProblems = clusterFactConflicts(
      {
        auth: clusterAuth === undefined ? undefined : props.auth,
        clusterCidrs: clusterCidrs === undefined ? undefined : props.networkPolicy?.clusterCidrs,
      },
      facts, { auth: 'the TenancyApp\'s auth', clusterCidrs: 'the TenancyApp\'s clusterCidrs' }).map(([field, message]) => `${field}: ${message}`);
    this.auth = facts.auth;
    this._clusterCidrs = facts.clusterCidrs;
    this.istioSecurityApiVersion = props.istioSecurityApiVersion ?? IstioSecurityApiVersion.V1BETA1;
    this.meshMode = props.meshMode ?? MeshMode.SIDECAR;
    if (this.meshMode === MeshMode.AMBIENT) this.waypointName = props.ambient?.waypointName ?? DEFAULT_WAYPOINT_NAME;
    this.profileController = props.profileController ?? this.node.tryGetContext(PROFILE_CONTROLLER_CONTEXT) ?? ProfileController.KUBEFLOW;
    this.registry = new ContributorRegistry(props.owner ?? '');
    registerContributors(this, this.registry);
    this.teamRoleSubjects = {
      users: (props.teamRoles ?? []).flatMap(r => r.users ?? []),
      groups: (props.teamRoles ?? []).flatMap(r => r.groups ?? []),
    };
    // A namespace named in an ingress rule is declared as a source only, in an egress rule as a destination only.
    const named = (rules: Array<{ namespace?: string }> | undefined) =>
      (rules ?? []).map(r => r.namespace).filter((n): n is string => n !== undefined);
    this.declaredPeers = { ingress: named(props.networkPolicy?.additionalIngress), egress: named(props.networkPolicy?.additionalEgress) };

    throwIfAny(this.validate(props).map(p => `tenant "${this.name}": ${p}`));

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

    if (props.networkPolicy?.enabled ?? true) {
      this.networkPolicy = new TenantNetworkPolicy(this, 'NetworkPolicy', checkedProps({
        ...props.networkPolicy,
        clusterCidrs: this._clusterCidrs,
        namespace: this.name,
        sidecarMode: this.meshMode === MeshMode.SIDECAR,
      }));
    }
    if (props.limitRange) {
      new TenantLimitRange(this, 'LimitRange', checkedProps({ ...props.limitRange, namespace: this.name, resourceQuota: props.resourceQuota }));
    }
    if (props.priorityClasses) {
      new TenantPriorityClassQuotas(this, 'PriorityClassQuotas', checkedProps({ ...props.priorityClasses, namespace: this.name }));
    }
    for (const role of props.teamRoles ?? []) {
      this.teamRoleNames.add(role.name);
      new TeamRole(this, `TeamRole-${role.name}`, checkedProps({ ...role, namespace: this.name }));
    }

    // Checked and recorded in validate(), with every other problem of the tenant.
    for (const contributor of props.contributors ?? []) {
      this.contributorList.push(this.newContributor(checkedProps({ ...contributor, tenant: this })));
    }
  }

  /**
   * Who may have access to this tenant: the owner, contributors and team-role
   * subjects, and the namespaces its own network rules name.
   * @internal
   */
  public _declarations(): { users: string[]; groups: string[]; ingressPeers: string[]; egressPeers: string[] } {
    return {
      users: [this.owner, ...this.registry.members().filter(c => c.kind === IdentityKind.USER).map(c => c.name), ...this.teamRoleSubjects.users],
      groups: [...this.registry.members().filter(c => c.kind === IdentityKind.GROUP).map(c => c.name), ...this.teamRoleSubjects.groups],
      ingressPeers: [...this.declaredPeers.ingress],
      egressPeers: [...this.declaredPeers.egress],
    };
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
    const problems = teamRoleProblems(options);
    if (this.teamRoleNames.has(options.name)) problems.push(`teamRoles "${options.name}": defined twice`);
    throwIfAny(problems.map(p => `tenant "${this.name}": ${p}`));
    const role = new TeamRole(this, `TeamRole-${options.name}`, checkedProps({ ...options, namespace: this.name }));
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
    this.peerPolicy().addIngress({ name: `tenant-${other.name}`, namespace: other.name, ports });
    this.declaredPeers.ingress.push(other.name);
  }

  /**
   * Lets this tenant's pods reach another tenant: a NetworkPolicy `allow-egress-tenant-<other>`
   * here, and a declared path for the isolation check. The other tenant needs `allowFrom(this)`.
   * @param ports the ports allowed (default: every port)
   */
  public allowTo(other: ITenant, ports?: NetworkPort[]): void {
    this.peerPolicy().addEgress({ name: `tenant-${other.name}`, namespace: other.name, ports });
    this.declaredPeers.egress.push(other.name);
  }

  private peerPolicy(): TenantNetworkPolicy {
    if (this.networkPolicy === undefined) {
      throwIfAny([`tenant "${this.name}": networkPolicy.enabled is false, so there is no default-deny to open; enable it or leave the path out`]);
    }
    return this.networkPolicy!;
  }

  private newContributor(props: ContributorProps): Contributor {
    return new Contributor(this, `${props.kind ?? IdentityKind.USER}:${props.name}`, props);
  }

  private validate(props: TenantProfileProps): string[] {
    const problems: string[] = [];
    const field = (name: string, problem: string | undefined) => { if (problem) problems.push(`${name}: ${problem}`); };

    field('name', namespaceNameProblem(this.name));
    field('owner', identityProblem(props.owner ?? ''));
    problems.push(...this.clusterFactProblems);
    problems.push(...authProblems(this.auth));
    for (const key of ['ingressGatewayPrincipal', 'pipelinesUiPrincipal', 'notebookControllerPrincipal'] as const) {
      if (namespaceNameProblem(this.name) === undefined && principalNamespace(this.auth[key]) === this.name) {
        problems.push(`auth.${key}: "${this.auth[key]}" is a service account of the tenant's own namespace; its pods could send the user-id header `
          + 'and be admitted as anyone: use the platform component\'s principal');
      }
    }

    if (!Object.values(ProfileController).includes(this.profileController)) {
      problems.push(`profileController: "${this.profileController}" is not allowed; use "${ProfileController.KUBEFLOW}" or "${ProfileController.NONE}"`);
    } else if (this.profileController === ProfileController.KUBEFLOW && props.profileObject === false) {
      problems.push('profileObject: false (in a catalog: cluster.profileObjects) leaves out the Profile, but Kubeflow\'s profile controller writes '
        + `the owner's access from it; keep it, or set profileController to "${ProfileController.NONE}" on a cluster without the controller`);
    }
    if (!Object.values(MeshMode).includes(this.meshMode)) {
      problems.push(`meshMode: "${this.meshMode}" is not allowed; use "sidecar" or "ambient"`);
    }
    if (props.ambient && this.meshMode !== MeshMode.AMBIENT) {
      problems.push('ambient: ambient options are given but meshMode is not "ambient"; set meshMode to ambient or drop them');
    }
    if (props.ambient) {
      field('ambient.waypointName', props.ambient.waypointName === undefined ? undefined : dnsLabelProblem(props.ambient.waypointName));
      field('ambient.waypointNamespace', props.ambient.waypointNamespace === undefined ? undefined : dnsLabelProblem(props.ambient.waypointNamespace));
      const shared = props.ambient.waypointNamespace !== undefined && props.ambient.waypointNamespace !== this.name;
      if (shared) {
        // A policy attaches to a waypoint Gateway only from the Gateway's namespace, and there it would hold
        // for every namespace the waypoint serves: each tenant's members would be admitted to all of them.
        problems.push(`ambient.waypointNamespace: the waypoint is in namespace "${props.ambient.waypointNamespace}", not the tenant's; the `
          + 'tenant\'s identity rules attach to its waypoint with targetRefs, which Istio accepts only in the waypoint\'s namespace, where they '
          + 'would admit the tenant\'s members to every namespace the waypoint serves: drop waypointNamespace (each tenant gets its own waypoint)');
      }
    }
    if (!Object.values(IstioSecurityApiVersion).includes(this.istioSecurityApiVersion)) {
      problems.push(`istioSecurityApiVersion: "${this.istioSecurityApiVersion}" is not allowed; use "v1beta1" or "v1"`);
    }

    for (const [key, value] of Object.entries(props.namespaceLabels ?? {})) {
      if (isMeshLabelKey(key)) {
        problems.push(`namespaceLabels: "${key}" is an Istio label, which only meshMode sets (it could move the tenant's traffic past its `
          + 'waypoint, or to another revision or network); choose the mesh mode instead');
        continue;
      }
      if (key === (props.networkPolicy?.sharedServicesLabel ?? DEFAULT_SHARED_SERVICES_LABEL) || key === DEFAULT_SHARED_SERVICES_LABEL) {
        problems.push(`namespaceLabels: "${key}" marks a shared-services namespace that every tenant may reach; a tenant namespace cannot carry it`);
        continue;
      }
      if (key === TENANT_LABEL) {
        problems.push(`namespaceLabels: "${key}" marks the namespaces the tenancy guard protects and is set by the app when the guard is on; leave it out`);
        continue;
      }
      if (key === 'kubernetes.io/metadata.name') {
        problems.push(`namespaceLabels: "${key}" is set by the API server to the namespace's name, overwriting any value; network policies select namespaces by it, so leave it out`);
        continue;
      }
      if (key.startsWith(POD_SECURITY_LABEL_PREFIX)) {
        problems.push(`namespaceLabels: "${key}" is set by podSecurity; set the level there instead`);
        continue;
      }
      field('namespaceLabels', labelKeyProblem(key));
      field(`namespaceLabels["${key}"]`, labelValueProblem(String(value)));
    }

    for (const [key, value] of Object.entries(props.resourceQuota ?? {})) {
      field(`resourceQuota["${key}"]`, quotaKeyProblem(key));
      if (typeof value !== 'string' || !isQuantity(value)) {
        problems.push(`resourceQuota["${key}"]: ${describeValue(value)} is not a Kubernetes quantity; use e.g. "4", "500m", "100Gi"`);
      } else if (countsWholeUnits(key) && !isWholeQuantity(value)) {
        problems.push(`resourceQuota["${key}"]: "${value}" is not a whole number; ${key} counts ${key.startsWith('requests.') ? 'devices' : 'objects'}, so give a whole number`);
      }
    }

    problems.push(...this.pluginProblems(props.plugins ?? []));
    problems.push(...networkPolicyProblems({ ...props.networkPolicy, clusterCidrs: this._clusterCidrs }));
    if (props.limitRange) problems.push(...limitRangeProblems(props.limitRange, props.resourceQuota));
    if (props.priorityClasses) problems.push(...tenantPriorityProblems(props.priorityClasses));
    problems.push(...podSecurityProblems(props.podSecurity ?? {}));
    const roleNames = new Set<string>();
    for (const role of props.teamRoles ?? []) {
      problems.push(...teamRoleProblems(role));
      if (roleNames.has(role.name)) problems.push(`teamRoles "${role.name}": defined twice`);
      roleNames.add(role.name);
    }

    // Contributors are checked and recorded here, so that all their errors are reported
    // together; the Contributor constructs built from them do not check them again.
    for (const contributor of props.contributors ?? []) {
      const own = contributorFieldProblems(contributor);
      const conflict = own.length > 0 ? undefined
        : this.registry.add(contributor.kind ?? IdentityKind.USER, contributor.name, contributor.role ?? 'edit');
      problems.push(...[...own, ...(conflict ? [conflict] : [])].map(p => `contributor "${contributor.name}": ${p}`));
    }
    return problems;
  }

  private pluginProblems(plugins: ProfilePlugin[]): string[] {
    const problems: string[] = [];
    const kinds = new Set<string>();
    plugins.forEach((plugin, index) => {
      const at = `plugins[${index}]`;
      if (kinds.has(plugin.kind)) problems.push(`${at}: plugin "${plugin.kind}" is given twice; keep one`);
      kinds.add(plugin.kind);
      switch (plugin.kind) {
        case ProfilePluginKind.WORKLOAD_IDENTITY: {
          const problem = gcpServiceAccountProblem(plugin.gcpServiceAccount ?? '');
          if (problem) problems.push(`${at}.gcpServiceAccount: ${problem}`);
          break;
        }
        case ProfilePluginKind.AWS_IAM_FOR_SERVICE_ACCOUNT: {
          const problem = awsRoleArnProblem(plugin.awsIamRole ?? '');
          if (problem) problems.push(`${at}.awsIamRole: ${problem}`);
          break;
        }
        default:
          problems.push(`${at}: unknown plugin kind "${plugin.kind}"; use "${ProfilePluginKind.WORKLOAD_IDENTITY}" or "${ProfilePluginKind.AWS_IAM_FOR_SERVICE_ACCOUNT}"`);
      }
    });
    return problems;
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
