import { ApiObject } from 'cdk8s';
import { k8s } from 'cdk8s-plus-28';
import { Construct } from 'constructs';
import { allowPolicy } from './istio';
import { KUBEFLOW_CLUSTER_ROLE_PREFIX, RBAC_API_GROUP } from './kubeflow-defaults';
import { contributorBindingName } from './naming';
import type { TenantProfile } from './tenant-profile';
import { identityProblem, throwIfAny } from './validation';

/** The access a contributor gets in a tenant namespace. */
export enum ContributorRole {
  /** Bound to ClusterRole `kubeflow-edit`: create and change workloads. */
  EDIT = 'edit',
  /** Bound to ClusterRole `kubeflow-view`: read only. */
  VIEW = 'view',
}

/** Whether an identity is a single user or a group of users. */
export enum IdentityKind {
  /** A user, matched on the user-id header (as KFAM does). */
  USER = 'User',
  /** A group, matched on the groups header that Kubeflow's auth proxy sets since 1.9. */
  GROUP = 'Group',
}

/** A contributor to a tenant, as declared in a catalog or a Profile. */
export interface ContributorOptions {
  /** The user's id (usually an e-mail) or the group's name, as the auth proxy reports it. */
  readonly name: string;

  /**
   * User or group.
   * @default IdentityKind.USER
   */
  readonly kind?: IdentityKind;

  /**
   * The access granted.
   * @default ContributorRole.EDIT
   */
  readonly role?: ContributorRole;
}

/** Properties of a {@link Contributor}. */
export interface ContributorProps extends ContributorOptions {
  /** The tenant the contributor gets access to. */
  readonly tenant: TenantProfile;
}

/** Messages for a contributor's own fields (identity, kind, role). */
export function contributorFieldProblems(options: ContributorOptions): string[] {
  const problems: string[] = [];
  const identity = identityProblem(options.name ?? '');
  if (identity) problems.push(`name ${identity}`);
  if (options.kind !== undefined && !Object.values(IdentityKind).includes(options.kind)) {
    problems.push(`kind "${options.kind}" is not allowed; use "User" or "Group"`);
  }
  if (options.role !== undefined && !Object.values(ContributorRole).includes(options.role)) {
    problems.push(`role "${options.role}" is not allowed; use "edit" or "view"`);
  }
  return problems;
}

/**
 * Access for one user or group to a tenant, written exactly as KFAM writes it:
 * a RoleBinding to `kubeflow-<role>` and an Istio AuthorizationPolicy, both named
 * `<kind>-<safe-name>-clusterrole-<role>`.
 *
 * Users carry the `user` and `role` annotations, so the Kubeflow dashboard lists
 * them under Manage Contributors. Groups carry `group` and `role` instead: KFAM has
 * no group support, and a `user` annotation would make the dashboard offer to
 * remove a "user" that does not exist.
 */
export class Contributor extends Construct {
  /** The identity, as given. */
  public readonly identity: string;
  /** User or group. */
  public readonly kind: IdentityKind;
  /** The access granted. */
  public readonly role: ContributorRole;
  /** Name of the RoleBinding and AuthorizationPolicy. */
  public readonly bindingName: string;
  /** The tenant namespace. */
  public readonly namespace: string;

  constructor(scope: Construct, id: string, props: ContributorProps) {
    super(scope, id);
    const tenant = props.tenant;
    const label = `tenant "${tenant.name}": contributor "${props.name}"`;
    const problems = contributorFieldProblems(props).map(p => `${label}: ${p}`);
    throwIfAny(problems);

    this.identity = props.name;
    this.kind = props.kind ?? IdentityKind.USER;
    this.role = props.role ?? ContributorRole.EDIT;
    this.namespace = tenant.name;
    this.bindingName = contributorBindingName(this.kind, this.identity, this.role);
    throwIfAny(tenant._registerContributor(this.kind, this.identity, this.role).map(p => `${label}: ${p}`));

    const isUser = this.kind === IdentityKind.USER;
    const annotations: Record<string, string> = isUser
      ? { user: this.identity, role: this.role }
      : { group: this.identity, role: this.role };

    new k8s.KubeRoleBinding(this, 'RoleBinding', {
      metadata: { name: this.bindingName, namespace: this.namespace, annotations },
      roleRef: { apiGroup: RBAC_API_GROUP, kind: 'ClusterRole', name: `${KUBEFLOW_CLUSTER_ROLE_PREFIX}${this.role}` },
      subjects: [{ apiGroup: RBAC_API_GROUP, kind: this.kind, name: this.identity }],
    });

    const auth = tenant.auth;
    // The groups header is a list ("a,b,c"); Istio matches only exact, prefix or
    // suffix, so the group must be the whole value, the first or the last item.
    // None of these can admit a different group or a name that merely starts with it.
    const headerMatch = isUser
      ? { key: `request.headers[${auth.userIdHeader}]`, values: [`${auth.userIdPrefix}${this.identity}`] }
      : { key: `request.headers[${auth.groupsHeader}]`, values: [this.identity, `${this.identity},*`, `*,${this.identity}`] };
    allowPolicy(this, 'AuthorizationPolicy', {
      name: this.bindingName,
      namespace: this.namespace,
      annotations,
      apiVersion: tenant.istioSecurityApiVersion,
      rules: [{
        from: [{ source: { principals: [auth.ingressGatewayPrincipal, auth.pipelinesUiPrincipal] } }],
        when: [headerMatch],
      }],
    });
  }

  /** The objects this contributor synthesizes. */
  public get apiObjects(): ApiObject[] {
    return this.node.children.filter((c): c is ApiObject => c instanceof ApiObject);
  }
}
