import { k8s } from 'cdk8s-plus-28';
import { Construct } from 'constructs';
import { contributorsOf, ITenant } from './tenant';
import { groupHeaderValues } from '../../core/group-header';
import { ContributorOptions, ContributorRole, contributorFieldProblems, IdentityKind } from '../../core/identity';
import { KUBEFLOW_CLUSTER_ROLE_PREFIX, RBAC_API_GROUP } from '../../core/kubeflow-defaults';
import { contributorBindingName } from '../../core/naming';
import { throwIfAny } from '../../core/validation';
import { allowPolicy } from '../istio';

/** Properties of a {@link Contributor}. */
export interface ContributorProps extends ContributorOptions {
  /** The tenant the contributor gets access to. */
  readonly tenant: ITenant;
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
    // Checked before the construct exists: a contributor listed twice would otherwise clash as a construct id.
    const tenant = props.tenant;
    const kind = props.kind ?? IdentityKind.USER;
    const role = props.role ?? ContributorRole.EDIT;
    const own = contributorFieldProblems(props);
    const conflict = own.length > 0 ? undefined : contributorsOf(tenant)?.add(kind, props.name, role);
    const at = { tenant: tenant.name, field: `contributor "${props.name}"` };
    throwIfAny([...own.map(message => ({ ...at, message })), ...(conflict ? [{ ...at, ...conflict }] : [])]);
    super(scope, id);

    this.identity = props.name;
    this.kind = kind;
    this.role = role;
    this.namespace = tenant.name;
    this.bindingName = contributorBindingName(this.kind, this.identity, this.role);

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
      : { key: `request.headers[${auth.groupsHeader}]`, values: groupHeaderValues(this.identity) };
    allowPolicy(this, 'AuthorizationPolicy', {
      name: this.bindingName,
      namespace: this.namespace,
      annotations,
      apiVersion: tenant.istioSecurityApiVersion,
      // Ambient mode: only the waypoint reads the header (ztunnel sees no HTTP).
      waypoint: tenant.waypointName,
      rules: [{
        from: [{ source: { principals: [auth.ingressGatewayPrincipal, auth.pipelinesUiPrincipal] } }],
        when: [headerMatch],
      }],
    });
  }
}
