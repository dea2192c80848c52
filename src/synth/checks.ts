/**
 * The checks of a synthesis that need more than one construct: duplicate objects, tenant names,
 * platform pieces in a tenant's namespace, and the isolation check over every tenant. Each runs
 * once, from the pipeline.
 */
import { ApiObject } from 'cdk8s';
import { IConstruct } from 'constructs';
import {
  crossTenantViolations, DeclaredTenant, meshEnforcementViolations, namespacePeers, NamespacePeer, SourceReference, sourceReferences,
  tenantViolations,
} from '../analysis/isolation';
import { addQueueFacts, emptyQueueFacts } from '../analysis/kueue';
import { RbacModel } from '../analysis/rbac';
import { IdentityProvider } from '../constructs/cluster/identity-provider';
import { QuotaAlerts } from '../constructs/cluster/quota-alerts';
import { ReadOnlyDashboard } from '../constructs/cluster/read-only-dashboard';
import { TenantDashboard } from '../constructs/cluster/tenant-dashboard';
import { TenantProfile } from '../constructs/tenant/tenant-profile';
import { boundCloudIdentities } from '../core/cloud-identity';
import { istioPolicyProblems } from '../core/istio-validation';
import { kubeflowClusterRoles } from '../core/kubeflow-cluster-roles';
import { ProfileController, withProfileControllerObjects } from '../core/kubeflow-profile';
import { AuthorizationPolicyManifest, Manifest, ofKind } from '../core/manifest';
import { Problem } from '../core/problem';

/** Objects of the same group, kind, namespace and name. */
export function duplicateObjects(objects: ApiObject[]): string[] {
  const errors: string[] = [];
  const seen = new Map<string, string>();
  for (const object of objects) {
    const key = `${object.apiGroup}/${object.kind}/${object.metadata.namespace ?? ''}/${object.name}`;
    const previous = seen.get(key);
    if (previous !== undefined) {
      errors.push(`${object.node.path}: ${object.kind} "${object.name}"${object.metadata.namespace ? ` in namespace "${object.metadata.namespace}"` : ''} is also defined by ${previous}; names must be unique`);
    } else {
      seen.set(key, object.node.path);
    }
  }
  return errors;
}

/** Tenants of a tree declared twice, or with another profile controller than the app's. */
export function tenantNameProblems(tenants: TenantProfile[], profileController: ProfileController): Problem[] {
  const counts = new Map<string, number>();
  for (const tenant of tenants) counts.set(tenant.name, (counts.get(tenant.name) ?? 0) + 1);
  const duplicates = [...counts].filter(([, n]) => n > 1).sort();
  return [
    ...duplicates.map(([name, n]) => ({ tenant: name, message: `is declared ${n} times`, fix: 'tenant names must be unique' })),
    ...tenants.filter(t => t.profileController !== profileController).map(t => ({
      tenant: t.name,
      field: 'profileController',
      message: `"${t.profileController}" differs from the app's "${profileController}"`,
      fix: 'one cluster has one profile controller: set it once, on the TenancyApp',
    })),
    ...clusterFactDisagreements(tenants),
  ];
}

/** Tenants of one app whose cluster facts (auth, pod and service ranges) differ from the first tenant's, by name. */
function clusterFactDisagreements(tenants: TenantProfile[]): Problem[] {
  const sorted = [...tenants].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  const first = sorted[0];
  if (first === undefined) return [];
  const cidrs = (t: TenantProfile) => [...t._clusterCidrs].sort().join(', ');
  const problems: Problem[] = [];
  for (const tenant of sorted.slice(1)) {
    if (JSON.stringify(tenant.auth) !== JSON.stringify(first.auth)) {
      problems.push({
        tenant: tenant.name,
        field: 'auth',
        message: `differs from tenant "${first.name}"'s`,
        fix: 'headers and proxy principals are facts of the cluster, one for every tenant: set them once, as the TenancyApp\'s auth (a catalog: cluster.auth)',
      });
    }
    if (cidrs(tenant) !== cidrs(first)) {
      problems.push({
        tenant: tenant.name,
        field: 'networkPolicy.clusterCidrs',
        message: `[${cidrs(tenant)}] differs from tenant "${first.name}"'s [${cidrs(first)}]`,
        fix: 'the pod and service ranges are facts of the cluster: set them once, as the TenancyApp\'s clusterCidrs (a catalog: cluster.clusterCidrs)',
      });
    }
  }
  return problems;
}

/**
 * AuthorizationPolicies that Istio's admission validation would refuse (core/istio-validation.ts):
 * GitOps could not apply them, and the access analysis would read a policy the mesh never enforces.
 * `tenant` names the tenant whose objects these are.
 */
export function istioValidationProblems(objects: Manifest[], tenant?: string): Problem[] {
  return objects.filter(ofKind<AuthorizationPolicyManifest>('AuthorizationPolicy')).flatMap(policy => {
    const object = `AuthorizationPolicy ${policy.metadata?.namespace}/${policy.metadata?.name}`;
    return istioPolicyProblems(policy).map(problem => ({
      tenant, object, message: `${object}: ${problem.field}: ${problem.message}`, fix: 'Istio\'s admission validation refuses this policy',
    }));
  });
}

/** More than one PriorityClass of the whole app marked globalDefault. */
export function globalDefaultProblems(objects: Manifest[]): string[] {
  const defaults = objects.filter(o => o.kind === 'PriorityClass' && o.globalDefault === true).map(o => `"${o.metadata?.name}"`);
  return defaults.length > 1 ? [`PriorityClasses ${defaults.join(' and ')} are all globalDefault; at most one class in the cluster may be`] : [];
}

/** The platform pieces with a namespace setting: each writes objects the tenant's owner must not control. */
const PLATFORM_PIECES = [QuotaAlerts, TenantDashboard, IdentityProvider, ReadOnlyDashboard];

/**
 * Tenants named like a namespace the platform pieces (quota alerts, dashboard, identity
 * provider) write to: the tenant's owner would get kubeflow-admin where they run. Other
 * objects an app adds to a tenant namespace are the isolation check's concern.
 */
export function platformNamespaceClashes(others: IConstruct[], tenants: Set<string>): Problem[] {
  const platform = others.filter(c => PLATFORM_PIECES.some(piece => c instanceof piece));
  const byNamespace = new Map<string, string[]>();
  for (const object of platform.flatMap(c => c.node.findAll()).filter((c): c is ApiObject => c instanceof ApiObject)) {
    const ns = object.metadata.namespace;
    if (ns !== undefined && tenants.has(ns)) (byNamespace.get(ns) ?? byNamespace.set(ns, []).get(ns)!).push(`${object.kind} ${object.name}`);
  }
  return [...byNamespace].sort(([a], [b]) => (a < b ? -1 : 1)).map(([ns, objects]) => ({
    tenant: ns,
    field: 'name',
    message: `"${ns}" is also the namespace of platform objects (${objects.sort().join(', ')})`,
    fix: 'the tenant\'s owner would get kubeflow-admin where they run: rename the tenant, or give the platform piece another namespace',
  }));
}

/**
 * The isolation check over one synthesis: each tenant's own objects when it is emitted, then,
 * once every tenant is known, the objects outside tenants and the paths between tenants.
 * Keeps only what the final check needs (declarations, peers, objects written into other
 * namespaces), so memory grows with the tenants' declarations, not with their objects.
 */
export class IsolationRun {
  private readonly clusterRoles = new RbacModel(kubeflowClusterRoles());
  private readonly tenants = new Map<string, DeclaredTenant>();
  private readonly peers: NamespacePeer[] = [];
  private readonly sources: SourceReference[] = [];
  private readonly foreign: Manifest[] = [];
  /** The Kueue queues written so far (small: names and one namespace each). */
  private readonly queues = emptyQueueFacts();
  /** Which tenant each cloud identity (by key) was first bound in. */
  private readonly cloudOwners = new Map<string, string>();

  /** Violations in one tenant's own objects (`docs`, as written); records what the final check needs. */
  public checkTenant(tenant: TenantProfile, docs: Manifest[]): Problem[] {
    const declared = { namespace: tenant.name, ...tenant._declarations(), clusterCidrs: tenant._clusterCidrs };
    const namespace = docs.find(d => d.kind === 'Namespace' && d.metadata?.name === tenant.name);
    // What the cluster will hold: with a profile controller, it adds the owner's access to the output.
    const cluster = withProfileControllerObjects(docs, () => tenant.auth);
    this.tenants.set(tenant.name, { declared, auth: tenant.auth, labels: namespace?.metadata?.labels ?? {} });
    this.peers.push(...namespacePeers(tenant.name, cluster));
    this.sources.push(...sourceReferences(tenant.name, cluster));
    // Objects a tenant writes into other namespaces are checked against those at the end.
    this.foreign.push(...cluster.filter(d => d.metadata?.namespace !== undefined && d.metadata.namespace !== tenant.name));
    addQueueFacts(this.queues, cluster.filter(d => d.metadata?.namespace === undefined || d.metadata.namespace === tenant.name));
    return [
      ...tenantViolations(declared, cluster, this.clusterRoles, tenant.auth),
      ...meshEnforcementViolations(tenant.name, docs, cluster, tenant.auth),
      ...this.cloudIdentityViolations(tenant.name, cluster),
    ];
  }

  /** Cloud identities this tenant binds that an earlier tenant binds too (each belongs to one tenant). */
  private cloudIdentityViolations(tenant: string, cluster: Manifest[]): Problem[] {
    const violations: Problem[] = [];
    for (const bound of boundCloudIdentities(cluster.filter(d => d.metadata?.namespace === tenant))) {
      const owner = this.cloudOwners.get(bound.key);
      if (owner === undefined) {this.cloudOwners.set(bound.key, tenant);} else if (owner !== tenant) {
        const object = `ServiceAccount ${tenant}/${bound.serviceAccount}`;
        violations.push({
          tenant,
          object,
          message: `${object} is bound to cloud identity "${bound.value}", which tenant "${owner}" is bound to as well`,
          fix: 'the two tenants would reach each other\'s cloud resources: give each tenant its own',
        });
      }
    }
    return violations;
  }

  /** Objects outside tenants that reach into them, and cross-tenant network paths. */
  public checkOutside(outside: Manifest[]): Problem[] {
    return crossTenantViolations(this.tenants, [...outside, ...this.foreign], this.clusterRoles, this.peers, this.sources, this.queues);
  }
}
