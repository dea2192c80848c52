import * as fs from 'fs';
import * as path from 'path';
import { Chart } from 'cdk8s';
import { TenancyApp, TenantProfile } from '../src';
import { cli } from './support/cli';
import { listFiles, tempDir } from './support/synth';

/** Runs `kf-tenancy synth` on YAML text and returns exit code, stderr and the files written. */
function synthYaml(yamlText: string) {
  const dir = tempDir();
  const input = path.join(dir, 'profiles.yaml');
  fs.writeFileSync(input, yamlText);
  const out = path.join(dir, 'out');
  const { code, stderr, stdout } = cli(['synth', input, '--out', out]);
  return { code, stderr, stdout, written: listFiles(out), input };
}

const GOOD = `apiVersion: kubeflow.org/v1
kind: Profile
metadata: {name: good-team}
spec:
  owner: {kind: User, name: good@company.com}
`;

function profile(name: string, spec: string): string {
  return `apiVersion: kubeflow.org/v1
kind: Profile
metadata: {name: ${JSON.stringify(name)}}
spec:
${spec.split('\n').map(l => `  ${l}`).join('\n')}
`;
}
const OWNER = 'owner: {kind: User, name: lead@company.com}';

describe('each invalid input is refused with a message naming tenant and field, and nothing is written', () => {
  test.each([
    ['name is not a DNS-1123 label', profile('Team_A', OWNER), 'tenant "Team_A": name: "Team_A" is not a DNS-1123 label', 'did you mean "team-a"?'],
    ['name longer than 63 characters', profile('t'.repeat(64), OWNER), `tenant "${'t'.repeat(64)}": name:`, 'at most 63'],
    ['reserved namespace kube-system', profile('kube-system', OWNER), 'tenant "kube-system": name: "kube-system" is a reserved namespace', 'choose a team-specific name'],
    ['reserved namespace kubeflow', profile('kubeflow', OWNER), 'tenant "kubeflow": name: "kubeflow" is a reserved namespace', 'choose a team-specific name'],
    ['reserved namespace istio-system', profile('istio-system', OWNER), 'tenant "istio-system": name: "istio-system" is a reserved namespace', ''],
    ['empty owner', profile('team-a', 'owner: {kind: User, name: ""}'), 'tenant "team-a": owner: is empty', 'give the e-mail'],
    ['malformed owner', profile('team-a', 'owner: {kind: User, name: "lead@@company.com"}'), 'tenant "team-a": owner: "lead@@company.com" is not a well-formed e-mail', ''],
    ['malformed contributor', profile('team-a', `${OWNER}\ncontributors: [{kind: User, name: "carol @company.com"}]`),
      'tenant "team-a": contributor "carol @company.com": name "carol @company.com" contains whitespace', 'remove them'],
    ['system group contributor', profile('team-a', `${OWNER}\ncontributors: [{kind: Group, name: "system:authenticated"}]`),
      'tenant "team-a": contributor "system:authenticated": name "system:authenticated" is a Kubernetes system identity', ''],
    ['the same person twice', profile('team-a', `${OWNER}\ncontributors: [{name: carol@company.com}, {name: Carol@Company.com, role: view}]`),
      'tenant "team-a": contributor "Carol@Company.com": is listed twice (as edit and view)', 'keep one entry'],
    ['the owner as a contributor', profile('team-a', `${OWNER}\ncontributors: [{name: lead@company.com, role: view}]`),
      'tenant "team-a": contributor "lead@company.com": is the owner', 'remove it from the contributors'],
    ['two identities with colliding safe names', profile('team-a', `${OWNER}\ncontributors: [{name: a..b@x.io}, {name: a.b@x.io}]`),
      'tenant "team-a": contributor "a.b@x.io": collides with contributor "a..b@x.io"', 'user-a-b-x-io-clusterrole-<role>'],
    ['unknown role', profile('team-a', `${OWNER}\ncontributors: [{name: carol@company.com, role: admin}]`),
      'tenant "team-a": contributor "carol@company.com": role "admin" is not allowed', 'use "edit" or "view"'],
    ['unknown contributor kind', profile('team-a', `${OWNER}\ncontributors: [{kind: ServiceAccount, name: x}]`),
      'tenant "team-a": contributor "x": kind "ServiceAccount" is not allowed', 'use "User" or "Group"'],
    ['unknown plugin', profile('team-a', `${OWNER}\nplugins: [{kind: WorkloadIdentityy, spec: {gcpServiceAccount: a@p.iam.gserviceaccount.com}}]`),
      'tenant "team-a": plugins[0]: unknown plugin kind "WorkloadIdentityy"', 'use "WorkloadIdentity" or "AwsIamForServiceAccount"'],
    ['empty AWS role ARN', profile('team-a', `${OWNER}\nplugins: [{kind: AwsIamForServiceAccount, spec: {awsIamRole: ""}}]`),
      'tenant "team-a": plugins[0].awsIamRole: is empty', 'arn:aws:iam::'],
    ['malformed quantity', profile('team-a', `${OWNER}\nresourceQuotaSpec: {hard: {cpu: lots}}`),
      'tenant "team-a": resourceQuota["cpu"]: "lots" is not a Kubernetes quantity', 'use e.g. "4", "500m", "100Gi"'],
    ['quota key gpu', profile('team-a', `${OWNER}\nresourceQuotaSpec: {hard: {gpu: "4"}}`),
      'tenant "team-a": resourceQuota["gpu"]: "gpu" is not enforced by Kubernetes', 'use "requests.nvidia.com/gpu"'],
    ['quota key nvidia.com/gpu', profile('team-a', `${OWNER}\nresourceQuotaSpec: {hard: {nvidia.com/gpu: "4"}}`),
      'tenant "team-a": resourceQuota["nvidia.com/gpu"]: "nvidia.com/gpu" is not enforced', 'use "requests.nvidia.com/gpu"'],
  ])('%s', (_case, badProfile, message, hint) => {
    // GIVEN a file with one valid and one invalid profile
    const result = synthYaml(`${GOOD}---\n${badProfile}`);
    // THEN the command fails, names the bad tenant and field with a hint, and writes nothing
    expect(result.code).toBe(1);
    expect(result.stderr).toContain(message);
    expect(result.stderr).toContain(hint);
    expect(result.stderr).toContain(`${result.input}:7: `);
    expect(result.stderr).not.toContain('good-team');
    expect(result.written).toEqual([]);
  });

  test('errors of several tenants are reported together', () => {
    const result = synthYaml([
      profile('Bad_One', OWNER),
      profile('bad-two', `${OWNER}\nresourceQuotaSpec: {hard: {gpu: "1", memory: "lots"}}`),
      GOOD,
    ].join('---\n'));
    expect(result.code).toBe(1);
    expect(result.stderr).toContain('nothing written; 3 errors');
    expect(result.stderr).toContain('tenant "Bad_One": name:');
    expect(result.stderr).toContain('tenant "bad-two": resourceQuota["gpu"]');
    expect(result.stderr).toContain('tenant "bad-two": resourceQuota["memory"]');
    expect(result.written).toEqual([]);
  });

  test('a tenant declared twice is refused', () => {
    const result = synthYaml(`${GOOD}---\n${GOOD}`);
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(/:7: tenant "good-team": is also declared at .*:1; tenant names must be unique/);
    expect(result.written).toEqual([]);
  });

  test('documents that are not Profiles, and YAML syntax errors, name the file and line', () => {
    const notProfile = synthYaml(`${GOOD}---\napiVersion: v1\nkind: ConfigMap\nmetadata: {name: x}\n`);
    expect(notProfile.stderr).toContain(':7: not a Kubeflow Profile (found v1 ConfigMap)');
    expect(notProfile.written).toEqual([]);
    const syntax = synthYaml(`${GOOD}---\napiVersion: kubeflow.org/v1\nkind: Profile\nmetadata: {name: [oops\n`);
    expect(syntax.code).toBe(1);
    expect(syntax.stderr).toMatch(/profiles\.yaml:\d+: YAML syntax error/);
    expect(syntax.written).toEqual([]);
  });
});

describe('TypeScript API', () => {
  test('the constructor reports all errors of a tenant at once', () => {
    const chart = new Chart(new TenancyApp(), 'c');
    expect(() => new TenantProfile(chart, 'kubeflow', { owner: '', resourceQuota: { gpu: 'x' } })).toThrow(
      /4 validation errors:\n {2}- tenant "kubeflow": name: .*reserved.*\n {2}- tenant "kubeflow": owner: is empty.*\n {2}- tenant "kubeflow": resourceQuota\["gpu"\]: "gpu" is not enforced.*\n {2}- tenant "kubeflow": resourceQuota\["gpu"\]: "x" is not a Kubernetes quantity/,
    );
  });

  test('mesh labels cannot be overridden and ambient options need ambient mode', () => {
    const chart = new Chart(new TenancyApp(), 'c');
    expect(() => new TenantProfile(chart, 'team-a', {
      owner: 'o@c.io',
      namespaceLabels: { 'istio-injection': 'disabled' },
      ambient: { waypointName: 'wp' },
    })).toThrow(/ambient: ambient options are given but meshMode is not "ambient"[\s\S]*namespaceLabels: "istio-injection" is an Istio label, which only meshMode sets/);
  });

  test('no Istio label at all: a canary waypoint, a revision or a network would move the tenant\'s traffic', () => {
    const chart = new Chart(new TenancyApp(), 'c');
    const keys = ['istio.io/use-waypoint-canary', 'istio.io/use-waypoint-canary-namespace', 'istio.io/rev', 'topology.istio.io/network',
      'ISTIO.IO/rev', 'networking.istio.io/x'];
    expect(() => new TenantProfile(chart, 'team-a', { owner: 'o@c.io', namespaceLabels: Object.fromEntries(keys.map(k => [k, 'x'])) }))
      .toThrow(new RegExp(keys.map(k => `namespaceLabels: "${k.replace(/\./g, '\\.')}" is an Istio label`).join('[\\s\\S]*')));
    // Labels merely mentioning istio elsewhere stay the user's.
    expect(() => new TenantProfile(chart, 'team-b', { owner: 'o@c.io', namespaceLabels: { 'team.example.com/istio.io': 'x', 'notistio.io/a': 'b' } })).not.toThrow();
  });

  test('duplicate tenants in one app fail synth and leave the output untouched', () => {
    const outdir = tempDir();
    fs.writeFileSync(path.join(outdir, 'keep.txt'), 'mine');
    const app = new TenancyApp({ outdir });
    new TenantProfile(new Chart(app, 'one'), 'team-a', { owner: 'o@c.io' });
    new TenantProfile(new Chart(app, 'two'), 'team-a', { owner: 'p@c.io' });
    expect(() => app.synth()).toThrow('tenant "team-a": is declared 2 times; tenant names must be unique');
    expect(listFiles(outdir)).toEqual(['keep.txt']);
  });
});

describe('Profile input is as strict as the catalog: unknown keys at every level, with file:line and a did-you-mean', () => {
  test.each([
    ['a misspelt role (it made a viewer an editor)', profile('team-a', `${OWNER}\ncontributors: [{kind: User, name: v@company.com, rol: view}]`), 6,
      'spec.contributors[0]: unknown key "rol"; did you mean "role"?'],
    ['a misspelt owner name', profile('team-a', 'owner: {kind: User, nmae: lead@company.com}'), 5, 'spec.owner: unknown key "nmae"; did you mean "name"?'],
    ['a misspelt quota', profile('team-a', `${OWNER}\nresourceQuotaSpec: {hrad: {cpu: "1"}}`), 6, 'spec.resourceQuotaSpec: unknown key "hrad"; did you mean "hard"?'],
    ['a misspelt spec field', profile('team-a', `${OWNER}\ncontributers: []`), 6, 'spec: unknown key "contributers"; did you mean "contributors"?'],
    ['an unknown plugin field', profile('team-a', `${OWNER}\nplugins: [{kind: WorkloadIdentity, spec: {gcpServiceAcount: a@p.iam.gserviceaccount.com}}]`), 6,
      'spec.plugins[0].spec: unknown key "gcpServiceAcount"; did you mean "gcpServiceAccount"?'],
    ['a field of another plugin kind', profile('team-a', `${OWNER}\nplugins: [{kind: WorkloadIdentity, spec: {gcpServiceAccount: a@p.iam.gserviceaccount.com, awsIamRole: "arn:aws:iam::123456789012:role/a"}}]`), 6,
      'spec.plugins[0].spec.awsIamRole belongs to plugin kind AwsIamForServiceAccount, not WorkloadIdentity'],
    ['annotateOnly as a string', profile('team-a', `${OWNER}\nplugins: [{kind: AwsIamForServiceAccount, spec: {awsIamRole: "arn:aws:iam::123456789012:role/a", annotateOnly: "yes"}}]`), 6,
      'spec.plugins[0].spec.annotateOnly: "yes" is not true or false'],
    ['a misspelt plugin key', profile('team-a', `${OWNER}\nplugins: [{kind: WorkloadIdentity, sepc: {gcpServiceAccount: a@p.iam.gserviceaccount.com}}]`), 6,
      'spec.plugins[0]: unknown key "sepc"; did you mean "spec"?'],
  ])('%s', (_, text, line, message) => {
    const result = synthYaml(text);
    expect({ code: result.code, written: result.written }).toEqual({ code: 1, written: [] });
    expect(result.stderr).toContain(`profiles.yaml:${line}: tenant "team-a": ${message}`);
  });

  test('a misspelt top-level spec is named as such, not as a missing owner', () => {
    const result = synthYaml('apiVersion: kubeflow.org/v1\nkind: Profile\nmetadata: {name: team-a}\nspex:\n  owner: {kind: User, name: a@c.io}\n');
    expect(result.code).toBe(1);
    expect(result.stderr).toContain('profiles.yaml:4: tenant "team-a": Profile: unknown key "spex"; did you mean "spec"?');
    expect(result.stderr).not.toContain('owner');
  });

  test('what kubectl get -o yaml adds (status, any metadata) is accepted', () => {
    const result = synthYaml('apiVersion: kubeflow.org/v1\nkind: Profile\nmetadata: {name: team-a, uid: abc, resourceVersion: "7", labels: {x: y}}\n'
      + 'spec:\n  owner: {kind: User, name: a@c.io, apiGroup: rbac.authorization.k8s.io}\nstatus: {conditions: []}\n');
    expect({ code: result.code, stderr: result.stderr }).toEqual({ code: 0, stderr: '' });
  });
});
