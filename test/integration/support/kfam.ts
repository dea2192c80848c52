/**
 * How Kubeflow's access management service (KFAM) lists a user's bindings, replayed step by
 * step against the live API server. Line numbers are those of kubeflow/dashboard d842464
 * (the same logic as v1.10.0, which kubeflow/manifests 009c880 pins):
 * components/access-management/kfam/api_default.go (KA) and .../kfam/bindings.go (KB).
 */
import { api } from './cluster';

/** One row of the dashboard's contributor list: a user and the role KFAM reports. */
export interface KfamBinding {
  readonly namespace: string;
  readonly user: string;
  /** admin (owner), edit (contributor) or view. */
  readonly role: string;
}

/** The outcome of KFAM's bindings call: its rows, or the error that fails the whole call. */
export interface KfamListing {
  readonly bindings: KfamBinding[];
  readonly error?: string;
}

// KB: roleRef kubeflow-admin|edit|view → the role shown.
const ROLE_OF_CLUSTER_ROLE: Record<string, string> = { 'kubeflow-admin': 'admin', 'kubeflow-edit': 'edit', 'kubeflow-view': 'view' };

/** GET /kfam/v1/bindings without a namespace: what the dashboard's env-info call receives. */
export async function kfamListBindings(): Promise<KfamListing> {
  // KA L239-252: without a namespace query, list Profile objects and scan only the namespaces
  // named like them ("by default scan all namespaces created by profile CR").
  const profiles = await api('GET', '/apis/kubeflow.org/v1/profiles');
  if (profiles.status !== 200) return { bindings: [], error: `listing Profiles: ${profiles.status}` };
  const bindings: KfamBinding[] = [];
  for (const profile of profiles.json.items) {
    const namespace = profile.metadata.name;
    const roleBindings = await api('GET', `/apis/rbac.authorization.k8s.io/v1/namespaces/${namespace}/rolebindings`);
    if (roleBindings.status !== 200) return { bindings: [], error: `listing RoleBindings in ${namespace}: ${roleBindings.status}` };
    for (const binding of roleBindings.json.items) {
      const annotations = binding.metadata.annotations ?? {};
      // KB L204-217: only bindings that carry both the `user` and the `role` annotation.
      if (annotations.user === undefined || annotations.role === undefined) continue;
      // KB L218-221: a kept binding with more or fewer than one subject fails the whole call.
      if ((binding.subjects ?? []).length !== 1) {
        return { bindings: [], error: `RoleBinding ${namespace}/${binding.metadata.name} has ${(binding.subjects ?? []).length} subjects` };
      }
      bindings.push({
        namespace,
        user: binding.subjects[0].name,
        role: ROLE_OF_CLUSTER_ROLE[binding.roleRef.name] ?? binding.roleRef.name,
      });
    }
  }
  return { bindings: bindings.sort((a, b) => `${a.namespace} ${a.user}`.localeCompare(`${b.namespace} ${b.user}`)) };
}

/** KA L134-135, L188, L324-332: a contributor change needs the namespace's Profile to exist. */
export async function kfamCanManage(namespace: string): Promise<boolean> {
  return (await api('GET', `/apis/kubeflow.org/v1/profiles/${namespace}`)).status === 200;
}
