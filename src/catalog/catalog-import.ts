/**
 * Converts what a running Kubeflow holds (Profiles, and the contributor
 * RoleBindings KFAM created) into a tenants catalog, for moving to GitOps.
 */
import { stringify } from 'yaml';
import { CATALOG_API_VERSION, CATALOG_KIND, CatalogTenant } from './catalog-file';
import { profilesFromDocument, ProfileSource } from './profile-reader';
import { readYamlFiles } from './yaml-source';
import type { TenantProfileProps } from '../constructs/tenant/tenant-profile';
import { ContributorRegistry } from '../core/contributor-registry';
import { ContributorOptions, ContributorRole, IdentityKind } from '../core/identity';
import { BindingManifest, Manifest } from '../core/manifest';
import { throwIfAny } from '../core/validation';

export interface ImportResult {
  /** The catalog as YAML. */
  readonly yaml: string;
  /** Number of tenants. */
  readonly tenants: number;
  /** What was skipped and why. */
  readonly notes: string[];
}

interface FoundBinding {
  readonly namespace: string;
  readonly name: string;
  readonly kind: IdentityKind;
  readonly identity: string;
  readonly role: ContributorRole;
  readonly location: string;
}

/** A contributor RoleBinding as KFAM (or this tool) writes it, or undefined for any other binding. */
function contributorBinding(value: BindingManifest, location: string): FoundBinding | undefined {
  const annotations = value?.metadata?.annotations ?? {};
  const role = annotations.role;
  if (role !== ContributorRole.EDIT && role !== ContributorRole.VIEW) return undefined;
  if (value.roleRef?.kind !== 'ClusterRole' || value.roleRef?.name !== `kubeflow-${role}`) return undefined;
  const subjects = value.subjects ?? [];
  if (subjects.length !== 1) return undefined;
  const subject = subjects[0];
  if ((subject.kind !== IdentityKind.USER && subject.kind !== IdentityKind.GROUP) || typeof subject.name !== 'string') return undefined;
  return {
    namespace: String(value.metadata?.namespace),
    name: String(value.metadata?.name),
    kind: subject.kind,
    identity: subject.name,
    role,
    location,
  };
}

function compareText(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/** What a running Kubeflow holds, as `kubectl get profiles,rolebindings,namespaces -A -o yaml` prints it. */
interface ClusterState {
  readonly profiles: ProfileSource[];
  readonly bindings: FoundBinding[];
  /** Namespace name → its `owner` annotation, for the namespaces the input holds. */
  readonly namespaceOwners: Map<string, string | undefined>;
}

/** Reads Profiles, contributor RoleBindings and Namespaces from files; every problem has its file:line. */
function readClusterState(files: string[]): ClusterState {
  const errors: string[] = [];
  const profiles: ProfileSource[] = [];
  const bindings: FoundBinding[] = [];
  const namespaceOwners = new Map<string, string | undefined>();
  for (const doc of readYamlFiles(files, errors)) {
    const value = doc.value;
    // `kubectl get ... -o yaml` prints a List; each item is a manifest, or something the readers refuse.
    const list = value as { kind?: unknown; items?: unknown };
    const items: Array<[Manifest, string]> = typeof list?.kind === 'string' && list.kind.endsWith('List') && Array.isArray(list.items)
      ? list.items.map((item: Manifest, i: number) => [item, doc.locate(['items', i])])
      : [[value as Manifest, doc.locate([])]];
    const profileItems = items.filter(([item]) => item?.kind !== 'RoleBinding' && item?.kind !== 'Namespace');
    for (const [item, location] of items) {
      if (item?.kind === 'RoleBinding') {
        const binding = contributorBinding(item, location);
        if (binding) bindings.push(binding);
      }
      if (item?.kind === 'Namespace' && typeof item.metadata?.name === 'string') {
        const owner = item.metadata.annotations?.owner;
        namespaceOwners.set(item.metadata.name, typeof owner === 'string' ? owner : undefined);
      }
    }
    if (profileItems.length > 0) {
      profiles.push(...profilesFromDocument({
        value: { kind: 'List', items: profileItems.map(([item]) => item) },
        locate: (path, key) => (path[0] === 'items' && typeof path[1] === 'number' ? profileItems[path[1]][1] : doc.locate(path, key)),
      }, errors));
    }
  }
  // The profile controller takes over an existing namespace only when its owner annotation
  // equals the Profile's owner exactly, case included; otherwise it stops reconciling it.
  for (const profile of profiles) {
    const name = profile.props.name!;
    if (!namespaceOwners.has(name)) continue;
    const annotated = namespaceOwners.get(name);
    if (annotated !== profile.props.owner) {
      errors.push(`${profile.location}: tenant "${name}": owner: "${profile.props.owner}" differs from the namespace's owner annotation `
        + `${annotated === undefined ? '(none)' : `"${annotated}"`}${annotated?.toLowerCase() === profile.props.owner.toLowerCase() ? ' (only in case)' : ''}; `
        + 'Kubeflow\'s profile controller refuses a namespace its Profile\'s owner does not own (exact match): make them equal');
    }
  }
  throwIfAny(errors);
  return { profiles, bindings, namespaceOwners };
}

/** Reads Profiles and RoleBindings from files and returns the equivalent catalog. */
export function catalogFromFiles(files: string[]): ImportResult {
  const errors: string[] = [];
  const { profiles, bindings } = readClusterState(files);

  const notes: string[] = [];
  const byName = new Map<string, { tenant: TenantProfileProps; contributors: ContributorOptions[]; registry: ContributorRegistry }>();
  for (const profile of profiles) {
    const props = profile.props;
    const name = props.name!;
    if (byName.has(name)) {
      errors.push(`${profile.location}: tenant "${name}": Profile given twice`);
      continue;
    }
    const registry = new ContributorRegistry(props.owner);
    for (const c of props.contributors ?? []) registry.add(c.kind ?? IdentityKind.USER, c.name, c.role ?? ContributorRole.EDIT);
    byName.set(name, { tenant: props, contributors: [...(props.contributors ?? [])], registry });
  }
  throwIfAny(errors);

  for (const binding of bindings) {
    const entry = byName.get(binding.namespace);
    if (!entry) {
      notes.push(`${binding.location}: skipped RoleBinding "${binding.name}": namespace "${binding.namespace}" has no Profile in the input`);
      continue;
    }
    const problem = entry.registry.add(binding.kind, binding.identity, binding.role);
    if (problem) {
      notes.push(`${binding.location}: skipped RoleBinding "${binding.name}": ${binding.kind} "${binding.identity}" ${problem.message}`);
      continue;
    }
    entry.contributors.push({ name: binding.identity, kind: binding.kind, role: binding.role });
  }

  const withoutUndefined = <T extends object>(object: T): T => Object.fromEntries(Object.entries(object).filter(([, v]) => v !== undefined)) as T;
  const tenants: CatalogTenant[] = [...byName.keys()].sort(compareText).map(name => {
    const { tenant, contributors } = byName.get(name)!;
    const explicit = contributors.map(c => ({ name: c.name, kind: c.kind ?? IdentityKind.USER, role: c.role ?? ContributorRole.EDIT }));
    explicit.sort((a, b) => compareText(a.kind, b.kind) || compareText(a.name, b.name));
    return {
      name,
      owner: tenant.owner,
      ...(explicit.length > 0 ? { contributors: explicit } : {}),
      ...(tenant.resourceQuota ? { resourceQuota: tenant.resourceQuota } : {}),
      ...(tenant.plugins ? { plugins: tenant.plugins.map(withoutUndefined) } : {}),
    };
  });
  const yaml = stringify({ apiVersion: CATALOG_API_VERSION, kind: CATALOG_KIND, tenants }, { lineWidth: 0 });
  return { yaml, tenants: tenants.length, notes };
}

/** A member as `Kind "name" role`, for drift lines. */
function member(kind: string, name: string, role: string): string {
  return `${kind} "${name}" ${role}`;
}

/**
 * Drift between a running cluster (Profiles, contributor RoleBindings, Namespaces as `kubectl get
 * ... -o yaml` prints them) and what Git declares (tenants catalogs or Profile YAML): members
 * added or removed by hand, owners that differ, tenants on one side only. One line per
 * difference, sorted; none when the cluster holds exactly what Git declares.
 */
export function clusterDrift(clusterFiles: string[], declared: ProfileSource[]): string[] {
  const cluster = readClusterState(clusterFiles);
  // A dump without Profiles would report every tenant missing: it is the wrong input, not drift.
  if (cluster.profiles.length === 0) {
    throwIfAny([`${clusterFiles.join(', ')}: holds no kubeflow.org Profile, so there is nothing to compare with Git; `
      + 'dump the cluster with `kubectl get profiles,rolebindings,namespaces -A -o yaml > live.yaml` and give that file']);
  }
  const lines: string[] = [];
  const live = new Map(cluster.profiles.map(p => [p.props.name!, p]));
  const wanted = new Map(declared.map(p => [p.props.name!, p]));
  const membersInCluster = new Map<string, Map<string, string>>();
  for (const binding of cluster.bindings) {
    const members = membersInCluster.get(binding.namespace) ?? membersInCluster.set(binding.namespace, new Map()).get(binding.namespace)!;
    members.set(member(binding.kind, binding.identity, binding.role), `RoleBinding "${binding.name}" at ${binding.location}`);
  }
  for (const name of [...new Set([...live.keys(), ...wanted.keys()])].sort(compareText)) {
    const inCluster = live.get(name);
    const inGit = wanted.get(name);
    const at = `tenant "${name}"`;
    if (!inGit) {
      lines.push(`${at}: in the cluster, not in Git: Profile at ${inCluster!.location}`);
      continue;
    }
    if (!inCluster) {
      lines.push(`${at}: in Git, not in the cluster: no Profile (declared at ${inGit.location})`);
      continue;
    }
    if (inCluster.props.owner !== inGit.props.owner) {
      lines.push(`${at}: owner: "${inCluster.props.owner}" in the cluster, "${inGit.props.owner}" in Git`);
    }
    const declaredMembers = inGit.props.contributors ?? [];
    const gitMembers = new Set(declaredMembers.map(c => member(c.kind ?? IdentityKind.USER, c.name, c.role ?? ContributorRole.EDIT)));
    const clusterMembers = membersInCluster.get(name) ?? new Map<string, string>();
    for (const [who, where] of [...clusterMembers].sort(([a], [b]) => compareText(a, b))) {
      if (!gitMembers.has(who)) lines.push(`${at}: in the cluster, not in Git: ${who} (${where})`);
    }
    for (const who of [...gitMembers].sort(compareText)) {
      if (!clusterMembers.has(who)) lines.push(`${at}: in Git, not in the cluster: ${who}`);
    }
  }
  return lines;
}
