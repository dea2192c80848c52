import * as fs from 'fs';
import * as path from 'path';
import { cli } from './support/cli';
import { EXAMPLES } from './support/paths';
import { tempDir } from './support/synth';

const PROFILES = path.join(EXAMPLES, 'profiles');

/** A live cluster as `kubectl get profiles,rolebindings,namespaces -A -o yaml` prints it. */
function clusterDump(owner = 'user@example.com', namespaceOwner = owner): string {
  const file = path.join(tempDir(), 'live.yaml');
  fs.writeFileSync(file, `apiVersion: v1
kind: List
items:
  - apiVersion: kubeflow.org/v1
    kind: Profile
    metadata: {name: kubeflow-user-example-com}
    spec: {owner: {kind: User, name: ${owner}}}
  - apiVersion: v1
    kind: Namespace
    metadata: {name: kubeflow-user-example-com, annotations: {owner: ${namespaceOwner}}}
  - apiVersion: rbac.authorization.k8s.io/v1
    kind: RoleBinding
    metadata:
      name: user-reviewer-example-com-clusterrole-view
      namespace: kubeflow-user-example-com
      annotations: {role: view, user: reviewer@example.com}
    roleRef: {apiGroup: rbac.authorization.k8s.io, kind: ClusterRole, name: kubeflow-view}
    subjects: [{apiGroup: rbac.authorization.k8s.io, kind: User, name: reviewer@example.com}]
`);
  return file;
}

/** What Git declares. */
function gitCatalog(contributors: string): string {
  const file = path.join(tempDir(), 'tenants.yaml');
  fs.writeFileSync(file, `apiVersion: kf-tenancy/v1alpha1
kind: TenantCatalog
tenants:
  - name: kubeflow-user-example-com
    owner: user@example.com
    contributors: ${contributors}
  - name: team-new
    owner: new@example.com
`);
  return file;
}

describe('kf-tenancy import --drift-from: the live cluster against Git', () => {
  test('a member added by hand, a member Git declares but the cluster lacks, a tenant not applied yet', () => {
    const result = cli(['import', clusterDump(), '--drift-from', gitCatalog('[{name: dev@example.com, role: edit}]')]);
    expect(result.code).toBe(1);
    const lines = result.stdout.trim().split('\n');
    expect(lines).toHaveLength(3);
    expect(lines[0]).toMatch(/^tenant "kubeflow-user-example-com": in the cluster, not in Git: User "reviewer@example.com" view \(RoleBinding "user-reviewer-example-com-clusterrole-view" at .*live\.yaml:\d+\)$/);
    expect(lines[1]).toBe('tenant "kubeflow-user-example-com": in Git, not in the cluster: User "dev@example.com" edit');
    expect(lines[2]).toMatch(/^tenant "team-new": in Git, not in the cluster: no Profile \(declared at .*tenants\.yaml:\d+\)$/);
    expect(result.stderr).toContain('3 differences between the cluster and Git');
  });

  test('no drift when the cluster holds what Git declares', () => {
    const git = gitCatalog('[{name: reviewer@example.com, role: view}]');
    fs.writeFileSync(git, fs.readFileSync(git, 'utf8').replace(/  - name: team-new\n    owner: new@example.com\n/, ''));
    const result = cli(['import', clusterDump(), '--drift-from', git]);
    expect({ code: result.code, out: result.stdout }).toEqual({ code: 0, out: 'no drift: the cluster holds what Git declares\n' });
  });

  test('an owner changed in the cluster is reported', () => {
    const result = cli(['import', clusterDump('boss@example.com'), '--drift-from', gitCatalog('[{name: reviewer@example.com, role: view}]')]);
    expect(result.stdout).toContain('tenant "kubeflow-user-example-com": owner: "boss@example.com" in the cluster, "user@example.com" in Git');
  });

  test('a namespace whose owner annotation differs from its Profile\'s owner only in case is an error naming tenant and field', () => {
    const result = cli(['import', clusterDump('user@example.com', 'User@Example.com'), path.join(PROFILES, 'kfam-rolebindings.yaml')]);
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(/live\.yaml:\d+: tenant "kubeflow-user-example-com": owner: "user@example.com" differs from the namespace's owner annotation "User@Example.com" \(only in case\)/);
  });
});
