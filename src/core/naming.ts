/**
 * KFAM's naming rule for contributor bindings, written from its description in
 * the reference: lowercase `<kind>-<name>-clusterrole-<role>` where every run of
 * non-alphanumeric characters becomes a single "-".
 */

const NON_ALPHANUMERIC_RUN = /[^a-zA-Z0-9]+/g;

/** Replaces every run of non-alphanumeric characters with "-" (KFAM's "safe" form). */
export function safeName(value: string): string {
  return value.replace(NON_ALPHANUMERIC_RUN, '-');
}

/**
 * The name KFAM gives a contributor's RoleBinding and AuthorizationPolicy.
 * @param kind subject kind, `User` or `Group`
 * @param name the identity as the auth proxy reports it
 * @param role `edit` or `view`
 */
export function contributorBindingName(kind: string, name: string, role: string): string {
  return safeName(`${kind}-${safeName(name)}-ClusterRole-${role}`).toLowerCase();
}

/**
 * The principal of an Istio-managed waypoint Gateway `name` in `namespace`: its pods run as a
 * ServiceAccount named after the Gateway (the library assumes trust domain `cluster.local`).
 */
export function waypointPrincipal(namespace: string, name: string): string {
  return `cluster.local/ns/${namespace}/sa/${name}`;
}
