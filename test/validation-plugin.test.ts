import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';
import { cli } from './support/cli';
import { listFiles, tempDir } from './support/synth';
import { IsolationCheck, PluginContext } from '../src/validation-plugin';
import { EXAMPLE_CATALOG, ROOT } from './support/paths';

const CATALOG = EXAMPLE_CATALOG;

const EXTRA_BINDING = [
  '---',
  'apiVersion: rbac.authorization.k8s.io/v1',
  'kind: RoleBinding',
  'metadata: {name: hand-added, namespace: team-research}',
  'roleRef: {apiGroup: rbac.authorization.k8s.io, kind: ClusterRole, name: kubeflow-edit}',
  'subjects: [{apiGroup: rbac.authorization.k8s.io, kind: User, name: mallory@company.com}]',
  '',
].join('\n');

/** The example's manifests, written by kf-tenancy synth. */
function exampleOutput(): string {
  const out = path.join(tempDir(), 'dist');
  expect(cli(['synth', CATALOG, '--out', out]).code).toBe(0);
  return out;
}

/** A context like cdk8s-cli's, recording what the plugin reports. */
function context(manifests: string[]) {
  const violations: any[] = [];
  let status: string | undefined;
  const ctx: PluginContext = {
    manifests,
    report: { addViolation: v => violations.push(v), submit: s => { status = s; } },
  };
  return { ctx, violations, status: () => status };
}

describe('IsolationCheck validation plugin', () => {
  const out = exampleOutput();
  const manifests = () => listFiles(out).filter(f => f.endsWith('.yaml')).map(f => path.join(out, f));

  test('passes on the example and fails on a hand-added cross-tenant binding, naming the object and its file', async () => {
    const ok = context(manifests());
    await new IsolationCheck({ catalog: CATALOG }).validate(ok.ctx);
    expect(ok.status()).toBe('success');
    expect(ok.violations).toEqual([]);

    const file = path.join(out, 'tenants', 'team-research', 'manifests.yaml');
    fs.appendFileSync(file, EXTRA_BINDING);
    const bad = context(manifests());
    await new IsolationCheck({ catalog: [CATALOG] }).validate(bad.ctx);
    expect(bad.status()).toBe('failure');
    expect(bad.violations).toEqual([expect.objectContaining({
      recommendation: expect.stringContaining('User "mallory@company.com" gets ClusterRole kubeflow-edit through RoleBinding team-research/hand-added'),
      violatingResources: [{ resourceName: 'RoleBinding team-research/hand-added', locations: ['RoleBinding team-research/hand-added'], manifestPath: file }],
    })]);
  });

  test('without a catalog it fails and says what to add', async () => {
    const run = context(manifests());
    await new IsolationCheck().validate(run.ctx);
    expect(run.status()).toBe('failure');
    expect(run.violations[0].fix).toContain('properties: {catalog:');
  });

  test('a catalog error is reported, not thrown', async () => {
    const broken = path.join(tempDir(), 'broken.yaml');
    fs.writeFileSync(broken, 'kind: TenantCatalog\ntenants: [{name: Bad_Name}]\n');
    const run = context(manifests());
    await new IsolationCheck({ catalog: broken }).validate(run.ctx);
    expect(run.status()).toBe('failure');
    expect(run.violations[0].recommendation).toContain('cannot run the check');
  });

  // The plugin reads who belongs where from the catalog without building tenants; it checks them
  // as `kf-tenancy validate` does, so an invalid or repeated tenant declares nobody.
  test.each([
    ['a tenant declared again in another file, by another owner', 'tenants: [{name: team-research, owner: mallory@company.com}]', 'is also declared at'],
    ['a reserved namespace', 'tenants: [{name: kube-system, owner: a@company.com}]', 'tenant "kube-system": name:'],
    ['an owner that is not an identity', 'tenants: [{name: team-x, owner: "bad owner"}]', 'tenant "team-x": owner:'],
    ['the owner as a contributor', 'tenants: [{name: team-x, owner: a@company.com, contributors: [{name: a@company.com}]}]', 'is the owner'],
    ['a contributor listed twice', 'tenants: [{name: team-x, owner: a@company.com, contributors: [{name: b@company.com}, {name: b@company.com}]}]', 'is listed twice'],
    ['a team-role user that is not an identity', 'tenants: [{name: team-x, owner: a@company.com, teamRoles: [{name: r, preset: ml-engineer, users: ["b c"]}]}]', 'teamRoles "r"'],
    ['an additional ingress namespace that is not a name', 'tenants: [{name: team-x, owner: a@company.com, networkPolicy: {additionalIngress: [{name: m, namespace: Bad_NS}]}}]',
      'networkPolicy.additionalIngress[0].namespace'],
    // Alone: two catalogs of one run must state the same cluster facts.
    ['a user-id header Istio cannot match', 'cluster: {auth: {userIdHeader: "x user"}}\ntenants: [{name: team-x, owner: a@company.com}]', 'auth.userIdHeader', true],
  ])('%s fails the check instead of declaring anyone', async (_, body, message, alone = false) => {
    const extra = path.join(tempDir(), 'extra.yaml');
    fs.writeFileSync(extra, `apiVersion: kf-tenancy/v1alpha1\nkind: TenantCatalog\n${body}\n`);
    const run = context(manifests());
    await new IsolationCheck({ catalog: alone ? [extra] : [CATALOG, extra] }).validate(run.ctx);
    expect(run.status()).toBe('failure');
    expect(run.violations.map(v => v.recommendation).join('\n')).toContain('cannot run the check');
    expect(run.violations.map(v => v.recommendation).join('\n')).toContain(message);
  });

  test('a setup problem keeps its own fix', async () => {
    const extra = path.join(tempDir(), 'extra.yaml');
    fs.writeFileSync(extra, 'apiVersion: kf-tenancy/v1alpha1\nkind: TenantCatalog\ntenants: [{name: team-x, owner: a@company.com, contributors: [{name: a@company.com}]}]\n');
    const run = context(manifests());
    await new IsolationCheck({ catalog: [CATALOG, extra] }).validate(run.ctx);
    expect(run.violations).toEqual([expect.objectContaining({ fix: 'remove it from the contributors' })]);
  });

  test('a manifest that is not valid YAML is reported with its file and line, not skipped', async () => {
    // The plugin once parsed manifests by hand and dropped documents that did not parse, so a
    // broken file passed the check unread.
    const broken = path.join(tempDir(), 'broken.k8s.yaml');
    fs.writeFileSync(broken, EXTRA_BINDING + 'metadata: {name: [unclosed\n');
    const run = context([...manifests(), broken]);
    await new IsolationCheck({ catalog: CATALOG }).validate(run.ctx);
    expect(run.status()).toBe('failure');
    expect(run.violations.map(v => v.recommendation).join('\n')).toMatch(new RegExp(`cannot run the check: ${broken.replace(/[.]/g, '\\.')}:\\d+: YAML`));
  });
});

describe('cdk8s synth runs the plugin from cdk8s.yaml', () => {
  test('a plain cdk8s app that writes a hand-added binding fails the synth with exit code 2', () => {
    const project = tempDir();
    const source = exampleOutput();
    // An app that writes the example's manifests plus one binding kf-tenancy did not declare.
    fs.writeFileSync(path.join(project, 'app.js'), [
      "const fs = require('fs');",
      `fs.cpSync(${JSON.stringify(source)}, process.env.CDK8S_OUTDIR, { recursive: true });`,
      `if (process.env.ESCALATE) fs.appendFileSync(process.env.CDK8S_OUTDIR + '/tenants/team-research/manifests.yaml', ${JSON.stringify(EXTRA_BINDING)});`,
      '',
    ].join('\n'));
    fs.writeFileSync(path.join(project, 'cdk8s.yaml'), [
      'language: typescript',
      'app: node app.js',
      'output: dist',
      'validations:',
      `  - package: ${path.join(__dirname, 'support', 'isolation-plugin-from-source.js')}`,
      '    class: IsolationCheck',
      '    version: 0.0.0',
      `    properties: {catalog: ${CATALOG}}`,
      '',
    ].join('\n'));
    const cdk8s = (env: Record<string, string>) => spawnSync(process.execPath, [path.join(ROOT, 'node_modules', 'cdk8s-cli', 'bin', 'cdk8s'), 'synth', '--no-check-upgrade'],
      { cwd: project, env: { ...process.env, ...env }, encoding: 'utf8' });
    const clean = cdk8s({});
    expect({ status: clean.status, out: clean.stdout }).toEqual({ status: 0, out: expect.stringContaining('Validations ended succesfully') });
    const escalated = cdk8s({ ESCALATE: '1' });
    expect(escalated.status).toBe(2);
    expect(escalated.stdout).toContain('kf-tenancy tenant isolation');
    expect(escalated.stdout).toContain('RoleBinding team-research/hand-added');
  });
});
