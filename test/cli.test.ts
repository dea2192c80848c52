import * as fs from 'fs';
import * as path from 'path';
import { cli as runCli } from './support/cli';
import { EXAMPLE_PROFILES } from './support/paths';
import { listFiles, parseYaml, tempDir } from './support/synth';


const cli = (...args: string[]) => runCli(args);

describe('kf-tenancy synth', () => {
  test('the Kubeflow docs batch profile.yaml (two profiles) gives two tenant folders', () => {
    const out = tempDir();
    const result = cli('synth', EXAMPLE_PROFILES, '--out', out);
    expect(result).toEqual({ code: 0, stdout: `wrote 2 tenants to ${out}\n`, stderr: '' });
    expect(listFiles(out)).toEqual([
      '.kf-tenancy-files',
      'kustomization.yaml',
      'tenants/kubeflow-user-example-com/kustomization.yaml',
      'tenants/kubeflow-user-example-com/manifests.yaml',
      'tenants/kustomization.yaml',
      'tenants/team-alpha/kustomization.yaml',
      'tenants/team-alpha/manifests.yaml',
    ]);
    const alpha = parseYaml(fs.readFileSync(path.join(out, 'tenants/team-alpha/manifests.yaml'), 'utf8'));
    expect(alpha.map(o => `${o.kind}/${o.metadata.name}`)).toContain('RoleBinding/group-alpha-readers-example-com-clusterrole-view');
    // The quota is in the Profile; Kubeflow's profile controller writes kf-resource-quota from it.
    expect(alpha.find(o => o.kind === 'Profile').spec.resourceQuotaSpec.hard).toEqual({ 'cpu': '8', 'memory': '32Gi', 'requests.nvidia.com/gpu': '1' });
  });

  test('v1beta1 Profiles and kind: List are read; contributor role defaults to edit', () => {
    const dir = tempDir();
    const file = path.join(dir, 'list.yaml');
    fs.writeFileSync(file, `apiVersion: v1
kind: List
items:
  - apiVersion: kubeflow.org/v1beta1
    kind: Profile
    metadata: {name: team-b}
    spec:
      owner: {kind: User, name: b@c.io}
      contributors: [{kind: User, name: c@c.io}]
      plugins:
        - kind: AwsIamForServiceAccount
          spec: {awsIamRole: "arn:aws:iam::123456789012:role/b", annotateOnly: true}
`);
    const out = path.join(dir, 'out');
    expect(cli('synth', file, '-o', out).code).toBe(0);
    const objects = parseYaml(fs.readFileSync(path.join(out, 'tenants/team-b/manifests.yaml'), 'utf8'));
    const binding = objects.find(o => o.kind === 'RoleBinding' && o.metadata.name === 'user-c-c-io-clusterrole-edit');
    expect([binding?.metadata.namespace, binding?.roleRef.name, binding?.subjects]).toEqual(
      ['team-b', 'kubeflow-edit', [{ apiGroup: 'rbac.authorization.k8s.io', kind: 'User', name: 'c@c.io' }]]);
    // The plugin reaches the Profile as the CRD has it (the controller annotates default-editor)...
    expect(objects.find(o => o.kind === 'Profile').spec.plugins)
      .toEqual([{ kind: 'AwsIamForServiceAccount', spec: { awsIamRole: 'arn:aws:iam::123456789012:role/b', annotateOnly: true } }]);
    // ...and, for a cluster without the controller, default-editor carries the annotation itself.
    const none = path.join(dir, 'none');
    expect(cli('synth', file, '-o', none, '--profile-controller', 'none').code).toBe(0);
    const written = parseYaml(fs.readFileSync(path.join(none, 'tenants/team-b/manifests.yaml'), 'utf8'));
    expect(written.find(o => o.metadata.name === 'default-editor' && o.kind === 'ServiceAccount').metadata.annotations)
      .toEqual({ 'eks.amazonaws.com/role-arn': 'arn:aws:iam::123456789012:role/b' });
  });

  test('a tenant that left the input disappears from the output; a failed run keeps the last output', () => {
    const dir = tempDir();
    const out = path.join(dir, 'out');
    expect(cli('synth', EXAMPLE_PROFILES, '--out', out).code).toBe(0);
    const single = path.join(dir, 'one.yaml');
    fs.writeFileSync(single, fs.readFileSync(EXAMPLE_PROFILES, 'utf8').split('---')[0]);
    expect(cli('synth', single, '--out', out).code).toBe(0);
    expect(listFiles(out).filter(f => f.startsWith('tenants/'))).toEqual([
      'tenants/kubeflow-user-example-com/kustomization.yaml',
      'tenants/kubeflow-user-example-com/manifests.yaml',
      'tenants/kustomization.yaml',
    ]);
    const before = fs.readFileSync(path.join(out, 'tenants/kubeflow-user-example-com/manifests.yaml'), 'utf8');
    fs.writeFileSync(single, 'apiVersion: kubeflow.org/v1\nkind: Profile\nmetadata: {name: BAD}\nspec: {owner: {kind: User, name: x@y.io}}\n');
    expect(cli('synth', single, '--out', out).code).toBe(1);
    expect(fs.readFileSync(path.join(out, 'tenants/kubeflow-user-example-com/manifests.yaml'), 'utf8')).toBe(before);
    expect(fs.readdirSync(dir).filter(f => f.includes('staging'))).toEqual([]);
  });

  test('output does not depend on the order of profiles or contributors', () => {
    const dir = tempDir();
    const doc = (name: string, contributors: string[]) => `apiVersion: kubeflow.org/v1
kind: Profile
metadata: {name: ${name}}
spec:
  owner: {kind: User, name: o@c.io}
  contributors: [${contributors.map(c => `{name: ${c}}`).join(', ')}]
`;
    const a = path.join(dir, 'a.yaml');
    const b = path.join(dir, 'b.yaml');
    fs.writeFileSync(a, [doc('t-one', ['x@c.io', 'y@c.io', 'z@c.io']), doc('t-two', ['p@c.io', 'q@c.io'])].join('---\n'));
    fs.writeFileSync(b, [doc('t-two', ['q@c.io', 'p@c.io']), doc('t-one', ['z@c.io', 'x@c.io', 'y@c.io'])].join('---\n'));
    expect(cli('synth', a, '--out', path.join(dir, 'outa')).code).toBe(0);
    expect(cli('synth', b, '--out', path.join(dir, 'outb')).code).toBe(0);
    for (const file of listFiles(path.join(dir, 'outa'))) {
      expect(fs.readFileSync(path.join(dir, 'outb', file), 'utf8')).toBe(fs.readFileSync(path.join(dir, 'outa', file), 'utf8'));
    }
    expect(listFiles(path.join(dir, 'outb'))).toEqual(listFiles(path.join(dir, 'outa')));
  });

  test('--serial (no writer threads) writes the same bytes', () => {
    const dir = tempDir();
    expect(cli('synth', EXAMPLE_PROFILES, '--out', path.join(dir, 'threads')).code).toBe(0);
    expect(cli('synth', EXAMPLE_PROFILES, '--out', path.join(dir, 'serial'), '--serial').code).toBe(0);
    const read = (sub: string) => listFiles(path.join(dir, sub)).map(f => [f, fs.readFileSync(path.join(dir, sub, f), 'utf8')]);
    expect(read('serial')).toEqual(read('threads'));
  });

  test('missing file and missing arguments fail with non-zero exit', () => {
    const missing = cli('synth', '/nonexistent/profiles.yaml');
    expect(missing.code).toBe(1);
    expect(missing.stderr).toContain('/nonexistent/profiles.yaml: cannot read: ENOENT');
    expect(cli('synth').code).not.toBe(0);
  });
});
