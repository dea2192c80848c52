/**
 * The rules for a tenant's own fields, as pure functions over plain data: the name, the owner,
 * the mesh settings, the Namespace labels, the quota and the Profile plugins. What a tenant's
 * child objects declare (network policy, LimitRange, team roles, contributors) is checked by
 * those objects themselves; `TenantProfile` collects both.
 */
import { authProblemsAt, ResolvedKubeflowAuth } from './auth-options';
import { TENANT_LABEL } from './guard-parameters';
import { IdentityKind } from './identity';
import { DEFAULT_SHARED_SERVICES_LABEL, isMeshLabelKey } from './kubeflow-defaults';
import { ProfileController } from './kubeflow-profile';
import { IstioSecurityApiVersion, MeshMode } from './mesh-mode';
import { POD_SECURITY_LABEL_PREFIX, podSecurityProblems, PodSecurityOptions } from './pod-security';
import { Problem } from './problem';
import { ProfilePlugin, ProfilePluginKind } from './profile-plugins';
import { countsWholeUnits, isQuantity, isWholeQuantity, quotaKeyProblem } from './quantity';
import {
  awsRoleArnProblem, describeValue, dnsLabelProblem, gcpServiceAccountProblem, identityProblem, labelKeyProblem, labelValueProblem,
  namespaceNameProblem, principalNamespace,
} from './validation';

/** A tenant's own fields, with the cluster's facts (auth) and the app's settings already applied. */
export interface TenantFields {
  readonly name: string;
  readonly owner: string;
  readonly auth: ResolvedKubeflowAuth;
  readonly profileController: ProfileController;
  readonly profileObject?: boolean;
  readonly meshMode: MeshMode;
  readonly ambient?: { readonly waypointName?: string; readonly waypointNamespace?: string };
  readonly istioSecurityApiVersion: IstioSecurityApiVersion;
  readonly namespaceLabels?: { readonly [key: string]: string };
  /** The label that marks shared-services namespaces (the tenant's networkPolicy setting). */
  readonly sharedServicesLabel?: string;
  readonly resourceQuota?: { readonly [resource: string]: string };
  readonly plugins?: ProfilePlugin[];
  readonly podSecurity?: PodSecurityOptions;
}

/** Every problem of a tenant's own fields, each naming its field. */
export function tenantFieldProblems(tenant: TenantFields): Problem[] {
  const problems: Problem[] = [];
  const field = (name: string, message: string | undefined) => { if (message) problems.push({ field: name, message }); };
  field('name', namespaceNameProblem(tenant.name));
  field('owner', identityProblem(tenant.owner ?? ''));
  problems.push(...authProblemsAt(tenant.auth, name => `auth.${name}`));
  for (const key of ['ingressGatewayPrincipal', 'pipelinesUiPrincipal', 'notebookControllerPrincipal'] as const) {
    if (namespaceNameProblem(tenant.name) === undefined && principalNamespace(tenant.auth[key]) === tenant.name) {
      field(`auth.${key}`, `"${tenant.auth[key]}" is a service account of the tenant's own namespace; its pods could send the user-id header `
        + 'and be admitted as anyone: use the platform component\'s principal');
    }
  }
  problems.push(...meshProblems(tenant));
  problems.push(...namespaceLabelProblems(tenant.namespaceLabels ?? {}, tenant.sharedServicesLabel));
  problems.push(...resourceQuotaProblems(tenant.resourceQuota ?? {}));
  problems.push(...pluginProblems(tenant.plugins ?? []));
  problems.push(...podSecurityProblems(tenant.podSecurity ?? {}).map(message => ({ message })));
  return problems;
}

/** The profile controller, the mesh mode, the ambient waypoint and the AuthorizationPolicy version. */
function meshProblems(tenant: TenantFields): Problem[] {
  const problems: Problem[] = [];
  const field = (name: string, message: string | undefined) => { if (message) problems.push({ field: name, message }); };
  if (!Object.values(ProfileController).includes(tenant.profileController)) {
    field('profileController', `"${tenant.profileController}" is not allowed; use "${ProfileController.KUBEFLOW}" or "${ProfileController.NONE}"`);
  } else if (tenant.profileController === ProfileController.KUBEFLOW && tenant.profileObject === false) {
    field('profileObject', 'false (in a catalog: cluster.profileObjects) leaves out the Profile, but Kubeflow\'s profile controller writes '
      + `the owner's access from it; keep it, or set profileController to "${ProfileController.NONE}" on a cluster without the controller`);
  }
  if (!Object.values(MeshMode).includes(tenant.meshMode)) field('meshMode', `"${tenant.meshMode}" is not allowed; use "sidecar" or "ambient"`);
  const ambient = tenant.ambient;
  if (ambient && tenant.meshMode !== MeshMode.AMBIENT) {
    field('ambient', 'ambient options are given but meshMode is not "ambient"; set meshMode to ambient or drop them');
  }
  if (ambient) {
    field('ambient.waypointName', ambient.waypointName === undefined ? undefined : dnsLabelProblem(ambient.waypointName));
    field('ambient.waypointNamespace', ambient.waypointNamespace === undefined ? undefined : dnsLabelProblem(ambient.waypointNamespace));
    if (ambient.waypointNamespace !== undefined && ambient.waypointNamespace !== tenant.name) {
      // A policy attaches to a waypoint Gateway only from the Gateway's namespace, and there it would hold
      // for every namespace the waypoint serves: each tenant's members would be admitted to all of them.
      field('ambient.waypointNamespace', `the waypoint is in namespace "${ambient.waypointNamespace}", not the tenant's; the `
        + 'tenant\'s identity rules attach to its waypoint with targetRefs, which Istio accepts only in the waypoint\'s namespace, where they '
        + 'would admit the tenant\'s members to every namespace the waypoint serves: drop waypointNamespace (each tenant gets its own waypoint)');
    }
  }
  if (!Object.values(IstioSecurityApiVersion).includes(tenant.istioSecurityApiVersion)) {
    field('istioSecurityApiVersion', `"${tenant.istioSecurityApiVersion}" is not allowed; use "v1beta1" or "v1"`);
  }
  return problems;
}

/** A Namespace label that only the library sets, and why a tenant may not set it. */
interface ReservedLabelRule {
  readonly reserved: (key: string, sharedServicesLabel: string) => boolean;
  readonly reason: string;
}

/** Labels a tenant may not set on its Namespace, first match wins; any other key must be a valid label. */
const RESERVED_LABEL_RULES: readonly ReservedLabelRule[] = [
  {
    reserved: isMeshLabelKey,
    reason: 'is an Istio label, which only meshMode sets (it could move the tenant\'s traffic past its waypoint, or to another revision or network); '
      + 'choose the mesh mode instead',
  },
  {
    reserved: (key, shared) => key === shared || key === DEFAULT_SHARED_SERVICES_LABEL,
    reason: 'marks a shared-services namespace that every tenant may reach; a tenant namespace cannot carry it',
  },
  {
    reserved: key => key === TENANT_LABEL,
    reason: 'marks the namespaces the tenancy guard protects and is set by the app when the guard is on; leave it out',
  },
  {
    reserved: key => key === 'kubernetes.io/metadata.name',
    reason: 'is set by the API server to the namespace\'s name, overwriting any value; network policies select namespaces by it, so leave it out',
  },
  {
    reserved: key => key.startsWith(POD_SECURITY_LABEL_PREFIX),
    reason: 'is set by podSecurity; set the level there instead',
  },
  {
    // Kueue's configuration may select the namespaces it manages (and so queues) by label.
    reserved: key => /^([^/]*\.)?kueue\.x-k8s\.io\//.test(key),
    reason: 'is a Kueue label, which Kueue\'s configuration may select namespaces by; a tenant\'s queue is set with kueue:',
  },
];

/** The tenant's own Namespace labels: no reserved key (the table above), valid keys and values. */
export function namespaceLabelProblems(labels: { readonly [key: string]: string }, sharedServicesLabel = DEFAULT_SHARED_SERVICES_LABEL): Problem[] {
  const problems: Problem[] = [];
  for (const [key, value] of Object.entries(labels)) {
    const rule = RESERVED_LABEL_RULES.find(r => r.reserved(key, sharedServicesLabel));
    if (rule) {
      problems.push({ field: 'namespaceLabels', message: `"${key}" ${rule.reason}` });
      continue;
    }
    const keyProblem = labelKeyProblem(key);
    if (keyProblem) problems.push({ field: 'namespaceLabels', message: keyProblem });
    const valueProblem = labelValueProblem(String(value));
    if (valueProblem) problems.push({ field: `namespaceLabels["${key}"]`, message: valueProblem });
  }
  return problems;
}

/** The quota of the tenant's Profile: known resource names, quantities, whole numbers where a count is meant. */
export function resourceQuotaProblems(quota: { readonly [resource: string]: string }): Problem[] {
  const problems: Problem[] = [];
  for (const [key, value] of Object.entries(quota)) {
    const field = `resourceQuota["${key}"]`;
    const keyProblem = quotaKeyProblem(key);
    if (keyProblem) problems.push({ field, message: keyProblem });
    if (typeof value !== 'string' || !isQuantity(value)) {
      problems.push({ field, message: `${describeValue(value)} is not a Kubernetes quantity; use e.g. "4", "500m", "100Gi"` });
    } else if (countsWholeUnits(key) && !isWholeQuantity(value)) {
      problems.push({ field, message: `"${value}" is not a whole number; ${key} counts ${key.startsWith('requests.') ? 'devices' : 'objects'}, so give a whole number` });
    }
  }
  return problems;
}

/** Profile plugins: each kind once, known kinds only, each with its required field. */
export function pluginProblems(plugins: readonly ProfilePlugin[]): Problem[] {
  const problems: Problem[] = [];
  const kinds = new Set<string>();
  plugins.forEach((plugin, index) => {
    const at = `plugins[${index}]`;
    if (kinds.has(plugin.kind)) problems.push({ field: at, message: `plugin "${plugin.kind}" is given twice; keep one` });
    kinds.add(plugin.kind);
    switch (plugin.kind) {
      case ProfilePluginKind.WORKLOAD_IDENTITY: {
        const problem = gcpServiceAccountProblem(plugin.gcpServiceAccount ?? '');
        if (problem) problems.push({ field: `${at}.gcpServiceAccount`, message: problem });
        break;
      }
      case ProfilePluginKind.AWS_IAM_FOR_SERVICE_ACCOUNT: {
        const problem = awsRoleArnProblem(plugin.awsIamRole ?? '');
        if (problem) problems.push({ field: `${at}.awsIamRole`, message: problem });
        break;
      }
      default:
        problems.push({
          field: at,
          message: `unknown plugin kind "${plugin.kind}"; use "${ProfilePluginKind.WORKLOAD_IDENTITY}" or "${ProfilePluginKind.AWS_IAM_FOR_SERVICE_ACCOUNT}"`,
        });
    }
  });
  return problems;
}

/** Who may have access to a tenant, as the isolation check and the guard read it. */
export interface TenantMembers {
  /** The owner, the user contributors and the team roles' users. */
  readonly users: string[];
  /** The group contributors and the team roles' groups. */
  readonly groups: string[];
  /** Namespaces the tenant's own ingress rules name: the sources it declares. */
  readonly ingressPeers: string[];
  /** Namespaces the tenant's own egress rules name: the destinations it declares. */
  readonly egressPeers: string[];
}

/** What a tenant declares, as lists (from its props, or as a construct has collected them). */
export interface TenantMembership {
  readonly owner: string;
  readonly contributors: ReadonlyArray<{ readonly kind?: string; readonly name: string }>;
  readonly teamRoles: ReadonlyArray<{ readonly users?: string[]; readonly groups?: string[] }>;
  readonly ingressPeers: readonly string[];
  readonly egressPeers: readonly string[];
}

/** The identities and namespaces a tenant declares: every path into it must come from these. */
export function tenantMembers(membership: TenantMembership): TenantMembers {
  const contributors = (kind: string) => membership.contributors.filter(c => (c.kind ?? IdentityKind.USER) === kind).map(c => c.name);
  return {
    users: [membership.owner, ...contributors(IdentityKind.USER), ...membership.teamRoles.flatMap(r => r.users ?? [])],
    groups: [...contributors(IdentityKind.GROUP), ...membership.teamRoles.flatMap(r => r.groups ?? [])],
    ingressPeers: [...membership.ingressPeers],
    egressPeers: [...membership.egressPeers],
  };
}

/**
 * The namespaces a tenant's own network rules name: in an ingress rule a declared source only,
 * in an egress rule a declared destination only.
 */
export function declaredPeers(networkPolicy: {
  readonly additionalIngress?: ReadonlyArray<{ readonly namespace?: string }>;
  readonly additionalEgress?: ReadonlyArray<{ readonly namespace?: string }>;
} | undefined): { ingressPeers: string[]; egressPeers: string[] } {
  const named = (rules: ReadonlyArray<{ readonly namespace?: string }> | undefined) =>
    (rules ?? []).map(r => r.namespace).filter((n): n is string => n !== undefined);
  return { ingressPeers: named(networkPolicy?.additionalIngress), egressPeers: named(networkPolicy?.additionalEgress) };
}
