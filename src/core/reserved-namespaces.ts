/**
 * The one registry of namespaces no tenant may take: Kubernetes' and Kubeflow's own
 * (`RESERVED_NAMESPACES`), and, per run, every namespace the output writes into or trusts: the
 * GitOps controllers' (`--argocd`, `--flux`), those of identities the guard exempts, and the
 * platform principals'. A tenant there would get `kubeflow-admin` beside what the platform runs,
 * and could run pods as the identities the platform trusts.
 */
import { RESERVED_NAMESPACE_PREFIXES, RESERVED_NAMESPACES } from './kubeflow-defaults';

/** Where a run's own namespaces come from, each as the setting that names them. */
export interface RunNamespaces {
  /** Namespaces the output writes objects into (GitOps files, platform pieces), by setting. */
  readonly written?: Array<[setting: string, namespace: string | undefined]>;
  /** User names the run trusts or exempts (guard settings), by setting; service accounts name their namespace. */
  readonly trustedUsers?: Array<[setting: string, user: string | undefined]>;
}

/** The namespace of a service-account user name `system:serviceaccount:<ns>:<name>`, if it is one. */
export function serviceAccountUserNamespace(user: string): string | undefined {
  return /^system:serviceaccount:([a-z0-9]([-a-z0-9]*[a-z0-9])?):[^:]+$/.exec(user)?.[1];
}

/** Namespace → the reason no tenant may take it, for one run. */
export function reservedNamespaces(run: RunNamespaces = {}): Map<string, string> {
  const registry = new Map<string, string>();
  for (const namespace of RESERVED_NAMESPACES) registry.set(namespace, 'a namespace of Kubernetes, Kubeflow or its components');
  for (const [setting, namespace] of run.written ?? []) {
    if (namespace !== undefined && !registry.has(namespace)) registry.set(namespace, `the output writes platform objects there (${setting}; or give that setting another namespace)`);
  }
  for (const [setting, user] of run.trustedUsers ?? []) {
    const namespace = user === undefined ? undefined : serviceAccountUserNamespace(user);
    if (namespace !== undefined && !registry.has(namespace)) {
      registry.set(namespace, `service account "${user}" runs there and is trusted (${setting}; or trust an identity outside the tenants)`);
    }
  }
  return registry;
}

/** Why `name` may not be a tenant in this run, or undefined. */
export function reservedNamespaceProblem(name: string, registry: Map<string, string>): string | undefined {
  const prefix = RESERVED_NAMESPACE_PREFIXES.find(p => name.startsWith(p));
  const why = registry.get(name) ?? (prefix ? `Kubernetes distributions and platform components install into ${prefix}*` : undefined);
  return why === undefined ? undefined
    : `"${name}" is a reserved namespace: ${why}; a tenant there would get kubeflow-admin where the platform runs: choose a team-specific name`;
}
