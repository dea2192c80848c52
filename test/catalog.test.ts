import * as fs from 'fs';
import * as path from 'path';
import { Chart } from 'cdk8s';
import { ExampleTeams } from '../examples/teams';
import { IdentityKind, MeshMode, PriorityClassPreset, TenancyApp, TenantCatalog } from '../src';
import { cli } from './support/cli';
import { EXAMPLES } from './support/paths';
import { listFiles, manifestFiles, only, parseYaml, renderObjects, tempDir } from './support/synth';
import { mergeSettings } from '../src/catalog/catalog-reader';

const CATALOG = path.join(EXAMPLES, 'tenants.yaml');
const PROFILES = path.join(EXAMPLES, 'profiles', 'profile.yaml');

/** Every file under `dir` with its content. */
function snapshotDir(dir: string): Record<string, string> {
  return Object.fromEntries(listFiles(dir).map(f => [f, fs.readFileSync(path.join(dir, f), 'utf8')]));
}

function write(dir: string, name: string, text: string): string {
  const file = path.join(dir, name);
  fs.writeFileSync(file, text);
  return file;
}

describe('mergeSettings', () => {
  test('maps and objects merge key by key, the tenant winning; lists and scalars are replaced', () => {
    const merged = mergeSettings(
      {
        resourceQuota: { cpu: '10', memory: '10Gi' },
        namespaceLabels: { tier: 'gold' },
        auth: { userIdHeader: 'x-auth-request-email', userIdPrefix: 'p:' },
        meshMode: MeshMode.AMBIENT,
        plugins: [{ kind: 'WorkloadIdentity' as any, gcpServiceAccount: 'a@p.iam.gserviceaccount.com' }],
      },
      { name: 't', owner: 'o@c.io', resourceQuota: { cpu: '20' }, auth: { userIdPrefix: '' }, plugins: [], meshMode: MeshMode.SIDECAR },
    );
    expect(merged).toEqual({
      name: 't',
      owner: 'o@c.io',
      resourceQuota: { cpu: '20', memory: '10Gi' },
      namespaceLabels: { tier: 'gold' },
      auth: { userIdHeader: 'x-auth-request-email', userIdPrefix: '' },
      meshMode: MeshMode.SIDECAR,
      plugins: [],
    });
  });

  test('no defaults leave the tenant unchanged', () => {
    const tenant = { name: 't', owner: 'o@c.io' };
    expect(mergeSettings(undefined, tenant)).toBe(tenant);
  });
});

describe('TenantCatalog', () => {
  test('from code: defaults reach every tenant, per-tenant values override', () => {
    const app = new TenancyApp();
    const catalog = new TenantCatalog(new Chart(app, 'c'), 'catalog', {
      defaults: { resourceQuota: { 'cpu': '8', 'requests.nvidia.com/gpu': '1' }, namespaceLabels: { 'cost-center': 'ml' } },
      tenants: [
        { name: 'team-a', owner: 'a@c.io' },
        { name: 'team-b', owner: 'b@c.io', resourceQuota: { 'requests.nvidia.com/gpu': '4' }, contributors: [{ name: 'g', kind: IdentityKind.GROUP }] },
      ],
    });
    expect(catalog.tenants.map(t => t.name)).toEqual(['team-a', 'team-b']);
    const objects = renderObjects(app);
    // The quota reaches the Profile, from which Kubeflow's profile controller writes kf-resource-quota.
    expect(objects.filter(o => o.kind === 'Profile').map(o => [o.metadata.name, o.spec.resourceQuotaSpec.hard])).toEqual([
      ['team-a', { 'cpu': '8', 'requests.nvidia.com/gpu': '1' }],
      ['team-b', { 'cpu': '8', 'requests.nvidia.com/gpu': '4' }],
    ]);
    expect(objects.filter(o => o.kind === 'Namespace').map(o => o.metadata.labels['cost-center'])).toEqual(['ml', 'ml']);
  });

  test('from code: errors of all tenants are reported together, with their index', () => {
    expect(() => new TenantCatalog(new Chart(new TenancyApp(), 'c'), 'catalog', {
      tenants: [{ name: 'Bad', owner: 'a@c.io' }, { owner: 'b@c.io' }, { name: 'ok', owner: 'o@c.io', resourceQuota: { gpu: '1' } }],
    })).toThrow(/3 validation errors:\n {2}- tenants\[0\]: tenant "Bad": name: .*\n {2}- tenants\[1\]: tenant has no name; set "name"\n {2}- tenants\[2\]: tenant "ok": resourceQuota\["gpu"\]/);
  });

  test('from code as from YAML: a tenant may allow only PriorityClasses the cluster section defines', () => {
    const message = 'tenant "team-a": priorityClasses: "nope" is not a PriorityClass of the catalog; known: high-priority-ml, normal-priority-ml, low-priority-ml';
    expect(() => new TenantCatalog(new Chart(new TenancyApp(), 'c'), 'catalog', {
      cluster: { priorityClassPreset: PriorityClassPreset.ML },
      tenants: [{ name: 'team-a', owner: 'a@c.io', priorityClasses: { allowed: ['high-priority-ml', 'nope'] } }],
    })).toThrow(`tenants[0]: ${message}`);
    const file = path.join(tempDir(), 'c.yaml');
    fs.writeFileSync(file, 'apiVersion: kf-tenancy/v1alpha1\nkind: TenantCatalog\ncluster: {priorityClassPreset: ml}\n'
      + 'tenants:\n  - {name: team-a, owner: a@c.io, priorityClasses: {allowed: [high-priority-ml, nope]}}\n');
    const result = cli(['validate', file]);
    expect(result.stderr).toContain(`${file}:5: ${message}`);
  });

  test('the example catalog gives the same bytes as the TypeScript example', () => {
    const fromYaml = new TenancyApp();
    TenantCatalog.fromFiles(new Chart(fromYaml, 'tenants'), 'catalog', [CATALOG]);
    const fromCode = new TenancyApp();
    new ExampleTeams(fromCode, 'example-teams');
    expect(fromYaml.renderManifests()).toEqual(fromCode.renderManifests());
    expect(manifestFiles(fromYaml).map(f => f.path)).toContain('cluster/manifests.yaml');
    // cluster/, namespaces/auth (Dex), namespaces/kubeflow (read-only dashboard), namespaces/monitoring (alerts, dashboard), four tenants.
    expect(manifestFiles(fromYaml)).toHaveLength(8);
  });
});

describe('kf-tenancy synth with catalogs', () => {
  test('catalogs and Profile YAML together', () => {
    const out = path.join(tempDir(), 'out');
    const result = cli(['synth', CATALOG, PROFILES, '--out', out]);
    expect(result).toMatchObject({ code: 0, stdout: `wrote 6 tenants to ${out}\n` });
    expect(listFiles(out).filter(f => f.startsWith('tenants/') && f.endsWith('/manifests.yaml'))).toHaveLength(6);
  });

  test('a tenant in both a catalog and a Profile is refused', () => {
    const dir = tempDir();
    const profile = write(dir, 'p.yaml', 'apiVersion: kubeflow.org/v1\nkind: Profile\nmetadata: {name: team-research}\nspec: {owner: {kind: User, name: x@c.io}}\n');
    const result = cli(['synth', CATALOG, profile, '--out', path.join(dir, 'out')]);
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(/p\.yaml:1: tenant "team-research": is also declared at .*tenants\.yaml:\d+/);
  });

  test('same bytes whatever the order of tenants, contributors and keys', () => {
    const dir = tempDir();
    const ordered = write(dir, 'a.yaml', `apiVersion: kf-tenancy/v1alpha1
kind: TenantCatalog
defaults: {resourceQuota: {cpu: "4", memory: 8Gi}}
tenants:
  - {name: t-one, owner: o1@c.io, contributors: [{name: a@c.io}, {name: b@c.io, role: view}, {name: g1, kind: Group}], resourceQuota: {pods: "10", cpu: "2"}}
  - {name: t-two, owner: o2@c.io, namespaceLabels: {x: "1", a: "2"}}
`);
    const shuffled = write(dir, 'b.yaml', `tenants:
  - {namespaceLabels: {a: "2", x: "1"}, owner: o2@c.io, name: t-two}
  - {resourceQuota: {cpu: "2", pods: "10"}, contributors: [{kind: Group, name: g1}, {role: view, name: b@c.io}, {name: a@c.io}], owner: o1@c.io, name: t-one}
defaults: {resourceQuota: {memory: 8Gi, cpu: "4"}}
kind: TenantCatalog
apiVersion: kf-tenancy/v1alpha1
`);
    expect(cli(['synth', ordered, '--out', path.join(dir, 'o1')]).code).toBe(0);
    expect(cli(['synth', shuffled, '--out', path.join(dir, 'o2')]).code).toBe(0);
    expect(snapshotDir(path.join(dir, 'o2'))).toEqual(snapshotDir(path.join(dir, 'o1')));
  });

  test('removing a tenant removes its folder', () => {
    const dir = tempDir();
    const out = path.join(dir, 'out');
    expect(cli(['synth', CATALOG, '--out', out]).code).toBe(0);
    const catalog = fs.readFileSync(CATALOG, 'utf8');
    const withoutResearch = catalog.replace(/ {2}- name: team-research[\s\S]*?(?=\n {2}- name: fraud-detection-team)/, '');
    expect(withoutResearch).not.toContain('team-research');
    expect(cli(['synth', write(dir, 'smaller.yaml', withoutResearch), '--out', out]).code).toBe(0);
    expect(listFiles(out).filter(f => f.includes('team-research'))).toEqual([]);
    expect(fs.readFileSync(path.join(out, 'tenants', 'kustomization.yaml'), 'utf8')).not.toContain('team-research');
    expect(listFiles(out).filter(f => f.startsWith('tenants/') && f.endsWith('/manifests.yaml'))).toHaveLength(3);
  });

  test('an unrelated file in --out makes synth refuse and is kept; --force writes and still keeps it', () => {
    const out = tempDir();
    fs.writeFileSync(path.join(out, 'README.md'), 'hand-written');
    const refused = cli(['synth', CATALOG, '--out', out]);
    expect(refused.code).toBe(1);
    expect(refused.stderr).toContain(`output folder "${out}" holds 1 file this tool did not write ("README.md")`);
    expect(refused.stderr).toContain('--force');
    expect(listFiles(out)).toEqual(['README.md']);

    expect(cli(['synth', CATALOG, '--out', out, '--force']).code).toBe(0);
    expect(fs.readFileSync(path.join(out, 'README.md'), 'utf8')).toBe('hand-written');
    expect(listFiles(out).filter(f => f.startsWith('tenants/') && f.endsWith('/manifests.yaml'))).toHaveLength(4);
    // A second forced run replaces only its own files.
    expect(cli(['synth', PROFILES, '--out', out, '--force']).code).toBe(0);
    expect(listFiles(out).filter(f => f.endsWith('/manifests.yaml'))).toEqual([
      'tenants/kubeflow-user-example-com/manifests.yaml', 'tenants/team-alpha/manifests.yaml',
    ]);
    expect(listFiles(out)).toContain('README.md');
  });

  test('kustomization files list every file and folder exactly once', () => {
    const out = path.join(tempDir(), 'out');
    expect(cli(['synth', CATALOG, PROFILES, '--out', out]).code).toBe(0);
    const reached: string[] = [];
    const visit = (dir: string) => {
      const kustomization = parseYaml(fs.readFileSync(path.join(out, dir, 'kustomization.yaml'), 'utf8'))[0];
      for (const resource of kustomization.resources) {
        const rel = dir ? `${dir}/${resource}` : resource;
        reached.push(rel);
        if (fs.statSync(path.join(out, rel)).isDirectory()) visit(rel);
      }
    };
    visit('');
    const manifests = listFiles(out).filter(f => f.endsWith('/manifests.yaml'));
    expect(reached.filter(r => r.endsWith('.yaml')).sort()).toEqual(manifests);
    expect(new Set(reached).size).toBe(reached.length);
  });

  test('--argocd writes an ApplicationSet over tenants/* and puts Namespaces in sync wave -2, Profiles in -1', () => {
    const out = path.join(tempDir(), 'out');
    expect(cli(['synth', CATALOG, '--out', out, '--argocd', '--repo-url', 'https://git.example.com/platform.git', '--repo-path', 'clusters/prod']).code).toBe(0);
    const appSet = parseYaml(fs.readFileSync(path.join(out, 'argocd/applicationset.yaml'), 'utf8')).find(d => d.kind === 'ApplicationSet');
    expect(appSet.kind).toBe('ApplicationSet');
    expect(appSet.spec.generators).toEqual([{ git: { repoURL: 'https://git.example.com/platform.git', revision: 'HEAD', directories: [{ path: 'clusters/prod/tenants/*' }] } }]);
    expect(appSet.spec.template.spec.destination.namespace).toBe('{{.path.basename}}');
    const tenantKustomization = parseYaml(fs.readFileSync(path.join(out, 'tenants/team-research/kustomization.yaml'), 'utf8'))[0];
    expect(tenantKustomization.patches).toEqual([
      { target: { kind: 'Namespace' }, patch: '- op: add\n  path: /metadata/annotations/argocd.argoproj.io~1sync-wave\n  value: "-2"\n' },
      { target: { kind: 'Profile' }, patch: '- op: add\n  path: /metadata/annotations\n  value:\n    argocd.argoproj.io/sync-wave: "-1"\n' },
    ]);
    expect(fs.readFileSync(path.join(out, 'kustomization.yaml'), 'utf8')).not.toContain('argocd');
  });

  test('--argocd-ignore-profile-plugins leaves Profiles\' spec.plugins to the cluster, and only in tenant Applications', () => {
    const out = path.join(tempDir(), 'out');
    const args = ['synth', CATALOG, '--out', out, '--argocd', '--repo-url', 'https://git.example.com/platform.git', '--repo-path', 'dist'];
    expect(cli([...args, '--argocd-ignore-profile-plugins']).code).toBe(0);
    const docs = parseYaml(fs.readFileSync(path.join(out, 'argocd/applicationset.yaml'), 'utf8'));
    const template = docs.find(d => d.kind === 'ApplicationSet').spec.template.spec;
    expect(template.ignoreDifferences).toEqual([{ group: 'kubeflow.org', kind: 'Profile', jsonPointers: ['/spec/plugins'] }]);
    expect(template.syncPolicy.syncOptions).toEqual(['ServerSideApply=true', 'RespectIgnoreDifferences=true']);
    const plain = path.join(tempDir(), 'plain');
    expect(cli(['synth', CATALOG, '--out', plain, '--argocd', '--repo-url', 'https://git.example.com/platform.git', '--repo-path', 'dist']).code).toBe(0);
    const plainTemplate = parseYaml(fs.readFileSync(path.join(plain, 'argocd/applicationset.yaml'), 'utf8')).find(d => d.kind === 'ApplicationSet').spec.template.spec;
    expect(plainTemplate.ignoreDifferences).toBeUndefined();
    expect(plainTemplate.syncPolicy.syncOptions).toEqual(['ServerSideApply=true']);
  });

  test('--argocd without --repo-url is an error', () => {
    const result = cli(['synth', CATALOG, '--out', path.join(tempDir(), 'o'), '--argocd']);
    expect(result.code).toBe(1);
    expect(result.stderr).toContain('--argocd needs --repo-url');
  });

  test('--flux writes one Kustomization per tenant and one per shared folder', () => {
    const out = path.join(tempDir(), 'out');
    expect(cli(['synth', CATALOG, '--out', out, '--flux', '--flux-source', 'platform', '--repo-path', 'clusters/prod/']).code).toBe(0);
    const docs = parseYaml(fs.readFileSync(path.join(out, 'flux/kustomizations.yaml'), 'utf8'));
    expect(docs.map(d => [d.metadata.name, d.spec.path, d.spec.dependsOn])).toEqual([
      ['kf-tenancy-cluster', './clusters/prod/cluster', undefined],
      ['kf-tenancy-namespaces', './clusters/prod/namespaces', [{ name: 'kf-tenancy-cluster' }]],
      ...['fraud-detection-team', 'team-data-science', 'team-ml-platform', 'team-research']
        .map(t => [`tenant-${t}`, `./clusters/prod/tenants/${t}`, [{ name: 'kf-tenancy-cluster' }]]),
    ]);
    expect(only(docs, 'Kustomization', 'tenant-team-research').spec).toEqual({
      interval: '10m',
      path: './clusters/prod/tenants/team-research',
      prune: true,
      sourceRef: { kind: 'GitRepository', name: 'platform' },
      dependsOn: [{ name: 'kf-tenancy-cluster' }],
    });
  });

  test('--argocd and --flux need a repository path: an absolute --out alone, an absolute path or ".." is refused', () => {
    const out = path.join(tempDir(), 'out');
    const absolute = cli(['synth', CATALOG, '--out', out, '--flux']);
    expect(absolute.code).toBe(1);
    expect(absolute.stderr).toContain(`--out ${out} is an absolute path`);
    expect(absolute.stderr).toContain('--repo-path');
    for (const [repoPath, message] of [['/srv/dist', '--repo-path: "/srv/dist" is absolute'], ['dist/../../x', '--repo-path: "dist/../../x" leaves the repository']]) {
      const result = cli(['synth', CATALOG, '--out', out, '--flux', '--repo-path', repoPath]);
      expect(result.code).toBe(1);
      expect(result.stderr).toContain(message);
    }
    expect(fs.existsSync(out)).toBe(false);
    // A relative --out is the repository path when none is given, as before.
    const cwd = process.cwd();
    const dir = tempDir();
    process.chdir(dir);
    try {
      expect(cli(['synth', CATALOG, '--out', 'deploy/out', '--flux']).code).toBe(0);
    } finally {
      process.chdir(cwd);
    }
    expect(parseYaml(fs.readFileSync(path.join(dir, 'deploy/out/flux/kustomizations.yaml'), 'utf8'))[0].spec.path).toBe('./deploy/out/cluster');
  });

  test('a progress line every 500 tenants when stderr is a terminal, none otherwise', () => {
    const dir = tempDir();
    const tenants = Array.from({ length: 1000 }, (_, i) => `  - {name: t-${i}, owner: o${i}@c.io}`).join('\n');
    const catalog = write(dir, 'big.yaml', `apiVersion: kf-tenancy/v1alpha1\nkind: TenantCatalog\ntenants:\n${tenants}\n`);
    const tty = cli(['validate', catalog], { isTTY: true });
    expect(tty.stderr).toBe('kf-tenancy: 500/1000 tenants built\nkf-tenancy: 1000/1000 tenants built\n');
    expect(tty.stdout).toBe('1000 tenants valid\n');
    expect(cli(['validate', catalog]).stderr).toBe('');
  });

  test('validate checks without writing', () => {
    const dir = tempDir();
    expect(cli(['validate', CATALOG, PROFILES])).toEqual({ code: 0, stdout: '6 tenants valid\n', stderr: '' });
    const bad = write(dir, 'bad.yaml', 'apiVersion: kf-tenancy/v1alpha1\nkind: TenantCatalog\ntenants:\n  - {name: kubeflow, owner: a@c.io}\n');
    const result = cli(['validate', bad]);
    expect(result.code).toBe(1);
    expect(result.stderr).toContain('bad.yaml:4: tenant "kubeflow": name: "kubeflow" is a reserved namespace');
    expect(listFiles(dir)).toEqual(['bad.yaml']);
  });

  test('validate --json writes the same problems as data, fields in one order', () => {
    const dir = tempDir();
    const good = path.join(dir, 'good.json');
    expect(cli(['validate', CATALOG, '--json', good]).code).toBe(0);
    expect(JSON.parse(fs.readFileSync(good, 'utf8'))).toEqual({ valid: true, tenants: 4, problems: [] });
    const bad = write(dir, 'bad.yaml', 'apiVersion: kf-tenancy/v1alpha1\nkind: TenantCatalog\ntenants:\n'
      + '  - {name: team-a, owner: a@c.io, contributors: [{name: b@c.io}, {name: b@c.io}]}\n');
    const out = path.join(dir, 'bad.json');
    const result = cli(['validate', bad, '--json', out]);
    expect(result.code).toBe(1);
    const text = fs.readFileSync(out, 'utf8');
    expect(JSON.parse(text)).toEqual({
      valid: false,
      tenants: 0,
      problems: [{ location: `${bad}:4`, tenant: 'team-a', field: 'contributor "b@c.io"', message: 'is listed twice (as edit and edit)', fix: 'keep one entry' }],
    });
    expect(text.indexOf('"location"')).toBeLessThan(text.indexOf('"tenant"'));
    // The text on stderr is the same problem, formatted.
    expect(result.stderr).toContain(`${bad}:4: tenant "team-a": contributor "b@c.io": is listed twice (as edit and edit); keep one entry`);
  });
});

describe('bad catalogs: message with file and line, non-zero exit, nothing written', () => {
  const HEADER = 'apiVersion: kf-tenancy/v1alpha1\nkind: TenantCatalog\n';
  test.each([
    ['unknown key', `${HEADER}tenants:\n  - name: team-a\n    ownr: a@c.io\n`,
      [':4: tenant "team-a": entry: missing required key "owner"', ':5: tenant "team-a": entry: unknown key "ownr"; known keys: '], ''],
    ['unknown key in defaults', `${HEADER}defaults:\n  resourceQuotas: {cpu: "1"}\ntenants: []\n`,
      [':4: defaults: unknown key "resourceQuotas"; known keys: resourceQuota, namespaceLabels'], ''],
    ['wrong type', `${HEADER}tenants:\n  - name: team-a\n    owner: a@c.io\n    contributors: carol@c.io\n`,
      [':6: tenant "team-a": contributors: must be a list, not "carol@c.io"'], ''],
    ['an empty value', `${HEADER}tenants:\n  - {name: team-a, owner: a@c.io, meshMode: ambient, ambient: null}\n`,
      [':4: tenant "team-a": ambient: must be a mapping, not null (an empty value)'], ''],
    ['wrong enum value', `${HEADER}tenants:\n  - name: team-a\n    owner: a@c.io\n    contributors:\n      - {name: carol@c.io, role: admin}\n`,
      [':7: tenant "team-a": contributors[0].role: "admin" is not allowed; use "edit" or "view"'], ''],
    ['duplicate tenant', `${HEADER}tenants:\n  - {name: team-a, owner: a@c.io}\n  - {name: team-b, owner: b@c.io}\n  - {name: team-a, owner: c@c.io}\n`,
      [':6: tenant "team-a": is also declared at ', 'cat.yaml:4; tenant names must be unique'], ''],
    ['YAML syntax error', `${HEADER}tenants:\n  - {name: team-a, owner: a@c.io\n  - {name: team-b}\n`, ['YAML syntax error'], ':5'],
    ['duplicate YAML key', `${HEADER}tenants:\n  - name: team-a\n    owner: a@c.io\n    owner: b@c.io\n`, [':6: YAML syntax error: Map keys must be unique'], ''],
    ['missing kind header', 'tenants:\n  - {name: team-a, owner: a@c.io}\n', [':1: not a Kubeflow Profile'], ''],
  ])('%s', (_name, text, messages, alsoContains) => {
    const dir = tempDir();
    const file = write(dir, 'cat.yaml', text);
    const out = path.join(dir, 'out');
    const result = cli(['synth', file, '--out', out]);
    expect(result.code).toBe(1);
    for (const message of messages) expect(result.stderr).toContain(message);
    expect(result.stderr).toContain(`${file}:${alsoContains.replace(':', '')}`);
    expect(listFiles(out)).toEqual([]);
  });
});
