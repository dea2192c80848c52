/**
 * Checks of settings that are fine for one tenant alone but open a path once other tenants
 * exist: a principal or waypoint in another tenant's namespace, a platform namespace that is
 * a tenant, a tenant carrying a label another tenant's shared-services rule selects. They
 * run over every tenant of a run, before anything is built, and blame the tenant and field
 * that cause the path (the isolation check catches the same paths in the output).
 */
import type { ProfileSource } from './profile-reader';
import type { TenantSettings } from '../constructs/tenant/tenant-settings';
import { resolveAuth } from '../core/auth-options';
import { pluginCloudIdentities } from '../core/cloud-identity';
import { DEFAULT_SHARED_SERVICES_LABEL } from '../core/kubeflow-defaults';
import { namespaceNameProblem, principalNamespace } from '../core/validation';

const PRINCIPAL_FIELDS = ['ingressGatewayPrincipal', 'pipelinesUiPrincipal', 'notebookControllerPrincipal'] as const;
const PLATFORM_NAMESPACE_FIELDS = ['istioNamespace', 'kubeflowNamespace', 'dnsNamespace'] as const;

/** Problems across tenants, each as `location: tenant "name": field: message`. */
export function crossTenantProblems(sources: ProfileSource[]): string[] {
  // A tenant whose name is refused (reserved, malformed) is reported by its own checks; comparing
  // other tenants' settings with it would only repeat that error in their names.
  const named = sources.filter(s => typeof s.props.name === 'string' && namespaceNameProblem(s.props.name) === undefined);
  const tenants = new Set(named.map(s => s.props.name!));
  const problems: string[] = [];
  // Which shared-services labels some tenant's egress selects, and who selects them.
  const sharedLabels = new Map<string, string>();
  for (const source of named) {
    const policy = source.props.networkPolicy ?? {};
    if ((policy.enabled ?? true) && (policy.allowSharedServices ?? true)) {
      const label = policy.sharedServicesLabel ?? DEFAULT_SHARED_SERVICES_LABEL;
      if (!sharedLabels.has(label)) sharedLabels.set(label, source.props.name!);
    }
  }
  // Which tenant each cloud identity belongs to: the first that names it.
  const cloudOwners = new Map<string, string>();
  for (const source of named) {
    const name = source.props.name!;
    for (const identity of pluginCloudIdentities(source.props.plugins ?? [])) {
      const owner = cloudOwners.get(identity.key);
      if (owner === undefined) {cloudOwners.set(identity.key, name);} else if (owner !== name) {
        problems.push(`${source.location}: tenant "${name}": plugins: cloud identity "${identity.value}" is also tenant "${owner}"'s; `
          + 'two tenants bound to one cloud identity reach each other\'s cloud resources (buckets, registries, secrets): give each tenant its own');
      }
    }
  }
  for (const source of named) {
    const name = source.props.name!;
    const at = (field: string, message: string) => problems.push(`${source.location}: tenant "${name}": ${field}: ${message}`);
    const other = (namespace: string | undefined) => namespace !== undefined && namespace !== name && tenants.has(namespace);

    const auth = resolveAuth(source.props.auth);
    for (const field of PRINCIPAL_FIELDS) {
      const namespace = principalNamespace(auth[field]);
      if (other(namespace)) {
        at(`auth.${field}`, `"${auth[field]}" is a service account of tenant "${namespace}", whose pods could then send the user-id header `
          + 'and be admitted as this tenant\'s owner; use the platform component\'s principal');
      }
    }
    for (const field of PLATFORM_NAMESPACE_FIELDS) {
      const namespace = source.props.networkPolicy?.[field];
      if (namespace !== undefined && tenants.has(namespace)) {
        at(`networkPolicy.${field}`, `"${namespace}" is a tenant, not the platform's namespace; the allowances for the platform would open `
          + 'this tenant to it. Name the namespace the platform component runs in');
      }
    }
    for (const [key, value] of Object.entries(source.props.namespaceLabels ?? {})) {
      const selector = sharedLabels.get(key);
      if (selector !== undefined && String(value) === 'true') {
        at(`namespaceLabels["${key}"]`, `is the shared-services label that tenant "${selector}" (and every tenant with its setting) may reach; `
          + 'a tenant namespace may not carry it, whatever its own networkPolicy.sharedServicesLabel says');
      }
    }
  }
  return problems;
}

/**
 * What `defaults:` may not hold: every tenant takes the defaults, so a peer, principal or waypoint
 * naming one tenant opens every tenant to it, and a cloud identity there is shared by every tenant.
 * Each problem is `[path under defaults, message]`; the reader adds `file:line`.
 */
export function defaultsProblems(defaults: TenantSettings | undefined, tenants: Set<string>): Array<[Array<string | number>, string]> {
  const problems: Array<[Array<string | number>, string]> = [];
  if (!defaults) return problems;
  const perTenant = 'set it on the tenants that need it instead';
  const policy = defaults.networkPolicy ?? {};
  for (const direction of ['additionalIngress', 'additionalEgress'] as const) {
    (policy[direction] ?? []).forEach((rule, i) => {
      const named = rule.namespace ?? rule.namespaceLabels?.['kubernetes.io/metadata.name'];
      if (named !== undefined && tenants.has(named)) {
        problems.push([['networkPolicy', direction, i], `names tenant "${named}"; in defaults it would open every tenant to it (and it to itself): ${perTenant}`]);
      }
    });
  }
  for (const field of ['istioNamespace', 'kubeflowNamespace', 'dnsNamespace'] as const) {
    const namespace = policy[field];
    if (namespace !== undefined && tenants.has(namespace)) {
      problems.push([['networkPolicy', field], `"${namespace}" is a tenant; in defaults every tenant would open to it as if it were the platform: name the platform's namespace`]);
    }
  }
  for (const field of PRINCIPAL_FIELDS) {
    const namespace = principalNamespace(defaults.auth?.[field] ?? '');
    if (namespace !== undefined && tenants.has(namespace)) {
      problems.push([['auth', field], `is a service account of tenant "${namespace}", which every tenant would then trust to forward users: name the platform component's principal`]);
    }
  }
  (defaults.teamRoles ?? []).forEach((role, i) => {
    for (const field of ['users', 'groups'] as const) {
      if ((role[field] ?? []).length > 0) {
        problems.push([['teamRoles', i, field], `in defaults, the role's ${field} would hold it in every tenant, each of which would count them as its members: `
          + 'name the holders on each tenant\'s own team role']);
      }
    }
  });
  (defaults.plugins ?? []).forEach((plugin, i) => {
    for (const identity of pluginCloudIdentities([plugin])) {
      problems.push([['plugins', i], `cloud identity "${identity.value}" in defaults would be shared by every tenant, each reaching the others' cloud resources: ${perTenant}, one identity per tenant`]);
    }
  });
  return problems;
}
