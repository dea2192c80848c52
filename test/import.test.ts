import * as fs from 'fs';
import * as path from 'path';
import { cli } from './support/cli';
import { EXAMPLE_PROFILES } from './support/paths';
import { listFiles, parseYaml, tempDir } from './support/synth';


function dirContents(dir: string): Record<string, string> {
  return Object.fromEntries(listFiles(dir).map(f => [f, fs.readFileSync(path.join(dir, f), 'utf8')]));
}

// What `kubectl get rolebindings -A -o yaml` prints for a KFAM-managed cluster (abridged).
const ROLEBINDINGS = `apiVersion: v1
kind: List
items:
  - apiVersion: rbac.authorization.k8s.io/v1
    kind: RoleBinding
    metadata:
      name: namespaceAdmin
      namespace: team-alpha
      annotations: {role: admin, user: alpha-lead@example.com}
    roleRef: {apiGroup: rbac.authorization.k8s.io, kind: ClusterRole, name: kubeflow-admin}
    subjects: [{apiGroup: rbac.authorization.k8s.io, kind: User, name: alpha-lead@example.com}]
  - apiVersion: rbac.authorization.k8s.io/v1
    kind: RoleBinding
    metadata:
      name: user-zed-example-com-clusterrole-view
      namespace: team-alpha
      annotations: {role: view, user: zed@example.com}
      resourceVersion: "123"
      uid: 0b1c
    roleRef: {apiGroup: rbac.authorization.k8s.io, kind: ClusterRole, name: kubeflow-view}
    subjects: [{apiGroup: rbac.authorization.k8s.io, kind: User, name: zed@example.com}]
  - apiVersion: rbac.authorization.k8s.io/v1
    kind: RoleBinding
    metadata:
      name: user-alpha-dev-example-com-clusterrole-edit
      namespace: team-alpha
      annotations: {role: edit, user: alpha-dev@example.com}
    roleRef: {apiGroup: rbac.authorization.k8s.io, kind: ClusterRole, name: kubeflow-edit}
    subjects: [{apiGroup: rbac.authorization.k8s.io, kind: User, name: alpha-dev@example.com}]
  - apiVersion: rbac.authorization.k8s.io/v1
    kind: RoleBinding
    metadata: {name: default-editor, namespace: team-alpha}
    roleRef: {apiGroup: rbac.authorization.k8s.io, kind: ClusterRole, name: kubeflow-edit}
    subjects: [{kind: ServiceAccount, name: default-editor, namespace: team-alpha}]
  - apiVersion: rbac.authorization.k8s.io/v1
    kind: RoleBinding
    metadata:
      name: user-x-example-com-clusterrole-edit
      namespace: orphan-ns
      annotations: {role: edit, user: x@example.com}
    roleRef: {apiGroup: rbac.authorization.k8s.io, kind: ClusterRole, name: kubeflow-edit}
    subjects: [{apiGroup: rbac.authorization.k8s.io, kind: User, name: x@example.com}]
`;

describe('kf-tenancy import', () => {
  test('round trip: synth of the imported catalog equals synth of the Profiles', () => {
    const dir = tempDir();
    const catalog = path.join(dir, 'catalog.yaml');
    const imported = cli(['import', EXAMPLE_PROFILES, '--out', catalog]);
    expect(imported.code).toBe(0);
    expect(imported.stderr).toBe(`kf-tenancy import: wrote 2 tenants to ${catalog}\n`);
    expect(cli(['synth', catalog, '--out', path.join(dir, 'from-catalog')]).code).toBe(0);
    expect(cli(['synth', EXAMPLE_PROFILES, '--out', path.join(dir, 'from-profiles')]).code).toBe(0);
    expect(dirContents(path.join(dir, 'from-catalog'))).toEqual(dirContents(path.join(dir, 'from-profiles')));
  });

  test('prints the catalog on stdout, sorted, with the Profile fields', () => {
    const result = cli(['import', EXAMPLE_PROFILES]);
    expect(result.code).toBe(0);
    expect(parseYaml(result.stdout)[0]).toEqual({
      apiVersion: 'kf-tenancy/v1alpha1',
      kind: 'TenantCatalog',
      tenants: [
        { name: 'kubeflow-user-example-com', owner: 'user@example.com' },
        {
          name: 'team-alpha',
          owner: 'alpha-lead@example.com',
          contributors: [
            { name: 'alpha-readers@example.com', kind: 'Group', role: 'view' },
            { name: 'alpha-dev@example.com', kind: 'User', role: 'edit' },
          ],
          resourceQuota: { 'cpu': '8', 'memory': '32Gi', 'requests.nvidia.com/gpu': '1' },
        },
      ],
    });
  });

  test('adds contributors from exported RoleBindings; skips owners, service accounts, repeats and foreign namespaces', () => {
    const dir = tempDir();
    const bindings = path.join(dir, 'rolebindings.yaml');
    fs.writeFileSync(bindings, ROLEBINDINGS);
    const result = cli(['import', EXAMPLE_PROFILES, bindings]);
    expect(result.code).toBe(0);
    const alpha = parseYaml(result.stdout)[0].tenants.find((t: any) => t.name === 'team-alpha');
    expect(alpha.contributors).toEqual([
      { name: 'alpha-readers@example.com', kind: 'Group', role: 'view' },
      { name: 'alpha-dev@example.com', kind: 'User', role: 'edit' },
      { name: 'zed@example.com', kind: 'User', role: 'view' },
    ]);
    expect(result.stderr).toContain('rolebindings.yaml:22: skipped RoleBinding "user-alpha-dev-example-com-clusterrole-edit": User "alpha-dev@example.com" is listed twice');
    expect(result.stderr).toContain('rolebindings.yaml:35: skipped RoleBinding "user-x-example-com-clusterrole-edit": namespace "orphan-ns" has no Profile in the input');

    // The imported catalog synthesizes the contributor exactly as KFAM named it.
    const catalog = path.join(dir, 'catalog.yaml');
    fs.writeFileSync(catalog, result.stdout);
    const out = path.join(dir, 'out');
    expect(cli(['synth', catalog, '--out', out]).code).toBe(0);
    const objects = parseYaml(fs.readFileSync(path.join(out, 'tenants/team-alpha/manifests.yaml'), 'utf8'));
    expect(objects.filter(o => o.kind === 'RoleBinding').map(o => o.metadata.name)).toContain('user-zed-example-com-clusterrole-view');
  });

  test('a bad Profile fails the import with file and line', () => {
    const dir = tempDir();
    const file = path.join(dir, 'p.yaml');
    fs.writeFileSync(file, 'apiVersion: kubeflow.org/v1\nkind: Profile\nmetadata: {name: x}\nspec: {owner: {kind: Group, name: g}}\n');
    const result = cli(['import', file, '--out', path.join(dir, 'c.yaml')]);
    expect(result.code).toBe(1);
    expect(result.stderr).toContain(`${file}:1: tenant "x": spec.owner.kind "Group" is not allowed`);
    expect(listFiles(dir)).toEqual(['p.yaml']);
  });
});
