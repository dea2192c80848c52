/**
 * A Kubernetes RBAC evaluator for access analysis: reads Roles, ClusterRoles
 * and their bindings (as plain manifests) and answers "may this identity do
 * this?" with the authorizer's rules: verbs, API groups, resources and
 * subresources (including "*" and "*\/sub"), resourceNames, RoleBinding scoping
 * of ClusterRoles, and ClusterRole aggregation by label selector.
 *
 * Analysis reads output; it never builds it.
 */
import { labelSelectorMatches } from '../core/label-selector';
import { BindingManifest, Manifest, RbacRule, RbacSubject, RoleManifest } from '../core/manifest';

export { RbacRule } from '../core/manifest';

/** Who asks, as the API server's authenticator sees it. */
export interface Requester {
  readonly user: string;
  readonly groups: string[];
}

/** What is asked. */
export interface AccessRequest {
  readonly verb: string;
  /** "" for the core group. */
  readonly apiGroup: string;
  readonly resource: string;
  readonly subresource?: string;
  /** Object name, for requests on one object. */
  readonly name?: string;
  /** Namespace; undefined for cluster-scoped requests. */
  readonly namespace?: string;
}

/** A user, with the group every authenticated user has. */
export function userRequester(user: string, groups: string[] = []): Requester {
  return { user, groups: [...groups, 'system:authenticated'] };
}

/** A service account, with the groups the API server gives it. */
export function serviceAccountRequester(namespace: string, name: string): Requester {
  return {
    user: `system:serviceaccount:${namespace}:${name}`,
    groups: ['system:serviceaccounts', `system:serviceaccounts:${namespace}`, 'system:authenticated'],
  };
}


function subjectMatches(subject: RbacSubject, bindingNamespace: string | undefined, requester: Requester): boolean {
  switch (subject.kind) {
    case 'User': return subject.name === requester.user;
    case 'Group': return subject.name !== undefined && requester.groups.includes(subject.name);
    case 'ServiceAccount': {
      const namespace = subject.namespace ?? bindingNamespace;
      return requester.user === `system:serviceaccount:${namespace}:${subject.name}`;
    }
    default: return false;
  }
}

function resourceMatches(rule: RbacRule, request: AccessRequest): boolean {
  const combined = request.subresource ? `${request.resource}/${request.subresource}` : request.resource;
  return (rule.resources ?? []).some(r => r === '*' || r === combined
    || (request.subresource !== undefined && r === `*/${request.subresource}`));
}

/** True when `rule` covers `request` (namespace scoping is the binding's business). */
export function ruleAllows(rule: RbacRule, request: AccessRequest): boolean {
  if (!rule.verbs.some(v => v === '*' || v === request.verb)) return false;
  if (!(rule.apiGroups ?? []).some(g => g === '*' || g === request.apiGroup)) return false;
  if (!resourceMatches(rule, request)) return false;
  if ((rule.resourceNames ?? []).length > 0) return request.name !== undefined && rule.resourceNames!.includes(request.name);
  return true;
}

/** Where a grant comes from, for reports that name the object. */
export interface Grant {
  readonly binding: string;
  readonly role: string;
  readonly rule: RbacRule;
}

/** A binding that applies to a requester, with the rules of its role. */
export interface BoundRole {
  /** `RoleBinding ns/name` or `ClusterRoleBinding name`. */
  readonly binding: string;
  /** `ClusterRole name` or `Role name`, as the binding refers to it. */
  readonly role: string;
  /** Identifies the rules: a ClusterRole's name, or a Role's namespace and name. */
  readonly roleKey: string;
  readonly rules: RbacRule[];
}

/** The RBAC objects of a set of manifests, with ClusterRole aggregation applied. */
export class RbacModel {
  private readonly roles = new Map<string, RbacRule[]>();
  private readonly clusterRoles = new Map<string, RbacRule[]>();
  private readonly roleBindings = new Map<string, BindingManifest[]>();
  private readonly clusterRoleBindings: BindingManifest[] = [];

  /** @param objects any manifests; non-RBAC objects are ignored */
  constructor(objects: Manifest[]) {
    const clusterRoleObjects: RoleManifest[] = [];
    for (const o of objects) {
      if (o?.apiVersion !== 'rbac.authorization.k8s.io/v1') continue;
      const namespace = String(o.metadata?.namespace);
      if (o.kind === 'Role') this.roles.set(`${namespace}/${o.metadata?.name}`, (o as RoleManifest).rules ?? []);
      if (o.kind === 'ClusterRole') clusterRoleObjects.push(o);
      if (o.kind === 'RoleBinding') (this.roleBindings.get(namespace) ?? this.roleBindings.set(namespace, []).get(namespace)!).push(o);
      if (o.kind === 'ClusterRoleBinding') this.clusterRoleBindings.push(o);
    }
    this.aggregate(clusterRoleObjects);
  }

  /** The rules of a ClusterRole after aggregation (empty if unknown). */
  public clusterRoleRules(name: string): RbacRule[] {
    return this.clusterRoles.get(name) ?? [];
  }

  /**
   * The bindings that apply to `requester` in `namespace` (every ClusterRoleBinding naming it, and
   * the RoleBindings of that namespace), each with the rules of the role it refers to.
   */
  public bindingsFor(requester: Requester, namespace: string | undefined): BoundRole[] {
    const found: BoundRole[] = [];
    const consider = (binding: BindingManifest, scopedTo: string | undefined) => {
      const bindingNamespace = binding.metadata?.namespace;
      if (!(binding.subjects ?? []).some(s => subjectMatches(s, bindingNamespace, requester))) return;
      const ref = binding.roleRef ?? {};
      const isRole = ref.kind === 'Role';
      const rules = isRole ? this.roles.get(`${scopedTo}/${ref.name}`) ?? [] : this.clusterRoleRules(String(ref.name));
      found.push({
        binding: bindingNamespace ? `${binding.kind} ${bindingNamespace}/${binding.metadata?.name}` : `${binding.kind} ${binding.metadata?.name}`,
        role: `${ref.kind} ${ref.name}`,
        // A Role is its namespace's; a ClusterRole is the same wherever it is bound.
        roleKey: isRole ? `Role ${scopedTo}/${ref.name}` : `ClusterRole ${ref.name}`,
        rules,
      });
    };
    for (const binding of this.clusterRoleBindings) consider(binding, undefined);
    // A RoleBinding grants only in its own namespace, whatever role it refers to.
    if (namespace !== undefined) {
      for (const binding of this.roleBindings.get(namespace) ?? []) consider(binding, namespace);
    }
    return found;
  }

  /** Every grant that allows `request` for `requester`; empty means denied. */
  public grants(requester: Requester, request: AccessRequest): Grant[] {
    return this.bindingsFor(requester, request.namespace).flatMap(bound =>
      bound.rules.filter(rule => ruleAllows(rule, request)).map(rule => ({ binding: bound.binding, role: bound.role, rule })));
  }

  /** True when some binding allows `request` for `requester`. */
  public allows(requester: Requester, request: AccessRequest): boolean {
    return this.grants(requester, request).length > 0;
  }

  /**
   * The aggregation controller sets an aggregated ClusterRole's rules to the
   * union of the rules of the ClusterRoles its selectors match; aggregated roles
   * can feed others (kubeflow-view → kubeflow-edit → kubeflow-admin), so repeat
   * until nothing changes.
   */
  private aggregate(objects: RoleManifest[]): void {
    const nameOf = (o: RoleManifest) => String(o.metadata?.name);
    for (const o of objects) this.clusterRoles.set(nameOf(o), o.aggregationRule ? [] : (o.rules ?? []));
    const aggregated = objects.filter(o => o.aggregationRule);
    for (let changed = true, rounds = 0; changed && rounds <= objects.length; rounds++) {
      changed = false;
      for (const target of aggregated) {
        const rules: RbacRule[] = [];
        for (const source of objects) {
          if (source === target) continue;
          const labels = source.metadata?.labels ?? {};
          if ((target.aggregationRule?.clusterRoleSelectors ?? []).some(s => labelSelectorMatches(s, labels))) {
            rules.push(...this.clusterRoles.get(nameOf(source))!);
          }
        }
        const unique = [...new Map(rules.map(r => [JSON.stringify(r), r])).values()];
        if (unique.length !== this.clusterRoles.get(nameOf(target))!.length) {
          this.clusterRoles.set(nameOf(target), unique);
          changed = true;
        }
      }
    }
  }
}
