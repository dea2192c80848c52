import * as fs from 'fs';
import * as path from 'path';
import { cli } from './support/cli';
import { tempDir } from './support/synth';
import { accessMatrix, readManifestDir } from '../src/analysis/access';

const CATALOG = path.join(__dirname, '..', 'examples', 'tenants.yaml');

function synth(catalogText: string, dir: string, name: string): string {
  const file = path.join(dir, `${name}.yaml`);
  fs.writeFileSync(file, catalogText);
  const out = path.join(dir, name);
  expect(cli(['synth', file, '--out', out]).code).toBe(0);
  return out;
}

describe('access matrix of the bundled example', () => {
  const dir = tempDir();
  const out = synth(fs.readFileSync(CATALOG, 'utf8'), dir, 'example');
  const matrix = accessMatrix(readManifestDir(out));
  const of = (name: string) => matrix.identities.find(i => i.name === name)!;

  test('owners are admin, contributors edit, service accounts edit/view, each in its own tenant only', () => {
    expect(of('bob@company.com').access).toEqual({ 'team-ml-platform': expect.objectContaining({ level: 'admin' }) });
    expect(of('carol@company.com').access).toEqual({ 'team-ml-platform': expect.objectContaining({ level: 'edit' }) });
    expect(of('ml-engineers@company.com').kind).toBe('Group');
    expect(Object.keys(of('ml-engineers@company.com').access)).toEqual(['team-ml-platform']);
    expect(of('team-research/default-viewer').access['team-research'].level).toBe('view');
    expect(matrix.namespaces).toEqual(['fraud-detection-team', 'team-data-science', 'team-ml-platform', 'team-research']);
  });

  test('verbs per resource and the granting bindings are recorded', () => {
    const carol = of('carol@company.com').access['team-ml-platform'];
    expect(carol.resources.pods).toEqual(['get', 'list', 'watch', 'create', 'update', 'patch', 'delete']);
    expect(carol.resources.rolebindings).toBeUndefined();
    expect(carol.resources['*']).toBeUndefined();
    expect(carol.grantedBy).toEqual(['RoleBinding team-ml-platform/user-carol-company-com-clusterrole-edit']);
    // The data-scientist team role reads pods and secrets but never writes secrets.
    const scientists = of('data-scientists@company.com').access['team-data-science'];
    expect(scientists.resources.secrets).toEqual(['get', 'list', 'watch']);
    expect(scientists.resources['pods/log']).toEqual(['get', 'list', 'watch']);
  });

  test('kf-tenancy access prints Markdown and writes JSON', () => {
    const json = path.join(dir, 'access.json');
    const result = cli(['access', out, '--json', json]);
    expect(result.code).toBe(0);
    expect(result.stdout).toContain('| carol@company.com | User | edit in team-ml-platform |');
    expect(result.stdout).toContain('| bob@company.com | User | admin in team-ml-platform |');
    expect(JSON.parse(fs.readFileSync(json, 'utf8'))).toEqual(matrix);
  });
});

describe('kf-tenancy access --diff', () => {
  test('adding one contributor is one line', () => {
    const dir = tempDir();
    const catalog = fs.readFileSync(CATALOG, 'utf8');
    const before = synth(catalog, dir, 'before');
    const after = synth(catalog.replace('    owner: researcher@company.com\n', '    owner: researcher@company.com\n    contributors: [{name: erin@company.com}]\n'), dir, 'after');
    expect(cli(['access', after, '--diff', before])).toEqual({ code: 0, stdout: '+ erin@company.com: edit in team-research\n', stderr: '' });
    expect(cli(['access', before, '--diff', after]).stdout).toBe('- erin@company.com: edit in team-research\n');
    expect(cli(['access', before, '--diff', before]).stdout).toBe('no change in access\n');
  });

  test('a role change is one line', () => {
    const dir = tempDir();
    const catalog = fs.readFileSync(CATALOG, 'utf8');
    const before = synth(catalog, dir, 'before');
    const after = synth(catalog.replace('      - name: analyst2@company.com\n', '      - {name: analyst2@company.com, role: view}\n'), dir, 'after');
    expect(cli(['access', after, '--diff', before]).stdout).toBe('~ analyst2@company.com: edit → view in fraud-detection-team\n');
  });
});

describe('kf-tenancy access inputs', () => {
  test('--cluster-roles replaces the bundled Kubeflow roles', () => {
    const dir = tempDir();
    const out = synth(fs.readFileSync(CATALOG, 'utf8'), dir, 'example');
    const roles = path.join(dir, 'roles.yaml');
    fs.writeFileSync(roles, 'apiVersion: rbac.authorization.k8s.io/v1\nkind: ClusterRole\nmetadata: {name: kubeflow-view}\nrules:\n  - {apiGroups: [""], resources: [pods], verbs: [list]}\n');
    const result = cli(['access', out, '--cluster-roles', roles]);
    expect(result.stdout).toContain('| team-research/default-viewer | ServiceAccount | view in team-research |');
    // kubeflow-edit and kubeflow-admin do not exist in that cluster: owners and editors get nothing from them.
    expect(result.stdout).not.toContain('carol@company.com');
  });

  test('errors for a missing folder or a file without ClusterRoles', () => {
    expect(cli(['access', '/nonexistent'])).toMatchObject({ code: 1, stderr: expect.stringContaining('/nonexistent: not a folder') });
    const dir = tempDir();
    fs.mkdirSync(path.join(dir, 'out'));
    fs.writeFileSync(path.join(dir, 'none.yaml'), 'apiVersion: v1\nkind: ConfigMap\nmetadata: {name: x}\n');
    expect(cli(['access', path.join(dir, 'out'), '--cluster-roles', path.join(dir, 'none.yaml')]).stderr).toContain('none.yaml: no ClusterRole found');
  });
});
