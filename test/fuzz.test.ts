/**
 * Fuzzing the command line with fast-check: random YAML, and random catalogs built from
 * hostile pieces (wildcards, invisible characters, principals, ipBlocks, empty lists,
 * platform namespaces, wrong types), thrown at synth, validate, import and access for a
 * bounded time. Whatever the input: exit code 0 or 1, no stack trace, and nothing written
 * when the command fails.
 */
import { execFileSync } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';
import fc from 'fast-check';
import { stringify } from 'yaml';
import { cli } from './support/cli';
import { listFiles, tempDir } from './support/synth';

const SECONDS_PER_PROPERTY = 12;

const nasty = fc.constantFrom('*', '*@company.com', 'bob*', 'a\u200b@b.io', 'a\u202e@b.io', 'a\r\n@b.io', 'a\u0000b', '\u0430lice@b.io',
  'system:masters', 'a,b', '', ' ', '0755', 'kube-system', 'kubeflow', 'oauth2-proxy', 'monitoring', 'team-a', 'team-b',
  'cluster.local/ns/team-b/sa/default-editor', '0.0.0.0/0', '10.0.0.0/8', '::/0', 'user-agent', 'host', 'x'.repeat(300));
const text = fc.oneof(nasty, fc.string({ maxLength: 20 }), fc.stringMatching(/^[a-z][a-z0-9-]{0,12}@[a-z]{1,8}\.io$/));
const scalar = fc.oneof(text, fc.integer(), fc.double(), fc.boolean(), fc.constant(null));
const anyValue = fc.letrec(tie => ({
  value: fc.oneof({ depthSize: 'small' }, scalar, fc.array(tie('value'), { maxLength: 4 }), fc.dictionary(text, tie('value'), { maxKeys: 4 })),
})).value;

const ports = fc.oneof(fc.constant([]), fc.array(fc.oneof(fc.integer({ min: -1, max: 70000 }), fc.double()), { maxLength: 3 }));
const peer = fc.record({
  name: fc.oneof(fc.constantFrom('peer', 'db'), text),
  cidr: fc.option(fc.constantFrom('0.0.0.0/0', '10.1.0.0/16', '203.0.113.0/24', '::/0', 'nonsense'), { nil: undefined }),
  exceptCidrs: fc.option(fc.array(fc.constantFrom('169.254.0.0/16', '10.0.0.0/8'), { maxLength: 2 }), { nil: undefined }),
  namespace: fc.option(fc.constantFrom('team-b', 'registry', 'kubeflow'), { nil: undefined }),
  namespaceLabels: fc.option(fc.oneof(fc.constant({}), fc.constant({ 'app.kubernetes.io/part-of': 'kubeflow-profile' }), fc.constant({ team: 'x' })), { nil: undefined }),
  ports: fc.option(fc.constantFrom([], [{ port: 5432 }]), { nil: undefined }),
}, { requiredKeys: ['name'] });
const tenantEntry = fc.record({
  name: fc.oneof(fc.constantFrom('team-a', 'team-b', 'team-c'), text, scalar),
  owner: fc.oneof(text, scalar),
  contributors: fc.array(fc.record({ name: fc.oneof(text, scalar), kind: fc.constantFrom('User', 'Group', 'Robot'), role: fc.constantFrom('edit', 'view', 'admin') },
    { requiredKeys: ['name'] }), { maxLength: 3 }),
  resourceQuota: fc.dictionary(fc.constantFrom('cpu', 'pods', 'requests.nvidia.com/gpu', 'gpu', 'memory'), fc.oneof(fc.constantFrom('4', '2.5', '1e400', '500m', '-1'), scalar), { maxKeys: 3 }),
  namespaceLabels: fc.dictionary(fc.constantFrom('kf-tenancy.io/shared-services', 'kubernetes.io/metadata.name', 'team', 'istio-injection'), fc.constantFrom('true', 'x', ''), { maxKeys: 2 }),
  auth: fc.record({ userIdHeader: fc.oneof(fc.constantFrom('kubeflow-userid', 'user-agent', 'host'), text), pipelinesUiPrincipal: fc.oneof(nasty, text) }, { requiredKeys: [] }),
  networkPolicy: fc.record({
    kubeflowServicePorts: ports,
    istiodPorts: ports,
    allowInternet: fc.boolean(),
    internetExcept: fc.constantFrom([], ['10.0.0.0/8']),
    sharedServicesLabel: fc.constantFrom('kf-tenancy.io/shared-services', 'example.com/shared'),
    additionalIngress: fc.array(peer, { maxLength: 2 }),
    additionalEgress: fc.array(peer, { maxLength: 2 }),
    kubeflowNamespace: fc.constantFrom('kubeflow', 'team-b'),
  }, { requiredKeys: [] }),
  teamRoles: fc.array(fc.record({
    name: fc.constantFrom('lead', 'eng'),
    preset: fc.constantFrom('ml-engineer', 'nope'),
    users: fc.array(fc.oneof(text, scalar), { maxLength: 2 }),
    rules: fc.array(fc.record({ apiGroups: fc.constant(['']), resources: fc.constantFrom(['pods'], ['namespaces'], ['nodes'], ['*']), verbs: fc.constantFrom(['get'], ['bind'], ['patch'], ['*']) }), { maxLength: 2 }),
  }, { requiredKeys: ['name'] }), { maxLength: 2 }),
  meshMode: fc.constantFrom('sidecar', 'ambient', 'mesh'),
}, { requiredKeys: ['name', 'owner'] });
const email = fc.stringMatching(/^[a-z][a-z0-9]{0,8}@[a-z]{1,8}\.io$/);
/** A valid tenant, then (maybe) one hostile setting from the random tenant merged over it. */
const validTenant = (name: string) => fc.record({
  owner: email,
  contributors: fc.uniqueArray(fc.record({ name: email, role: fc.constantFrom('edit', 'view') }), { maxLength: 3, selector: c => c.name }),
  resourceQuota: fc.constantFrom({}, { cpu: '4' }, { 'requests.nvidia.com/gpu': '2', 'pods': '20' }),
}).map(t => ({ name, ...t, contributors: t.contributors.filter(c => c.name !== t.owner) }));
const mutated = (name: string) => fc.tuple(validTenant(name), tenantEntry, fc.constantFrom('none', 'owner', 'contributors', 'resourceQuota',
  'namespaceLabels', 'auth', 'networkPolicy', 'teamRoles', 'meshMode'))
  .map(([valid, random, field]) => (field === 'none' ? valid : { ...valid, [field]: (random as any)[field] ?? (valid as any)[field] }));
const catalog = fc.oneof(
  fc.tuple(mutated('team-a'), mutated('team-b')).map(tenants => ({ tenants })),
  fc.record({ tenants: fc.array(tenantEntry, { maxLength: 3 }) }),
).map(doc => stringify({ apiVersion: 'kf-tenancy/v1alpha1', kind: 'TenantCatalog', ...doc }));

const outcomes: Record<string, number[]> = {};

/** Runs a command and checks the promise: exit 0 or 1, no stack trace, nothing written on failure. */
function holds(args: string[], out?: string): void {
  const result = cli(args);
  (outcomes[args[0]] ??= [0, 0])[result.code === 0 ? 0 : 1]++;
  expect([0, 1]).toContain(result.code);
  expect(result.stderr).not.toMatch(/\n\s+at .*:\d+:\d+/);
  expect(result.stderr).not.toContain('internal error');
  expect(result.stderr).not.toContain('There is already a Construct');
  if (result.code !== 0 && out !== undefined) {
    const written = !fs.existsSync(out) ? [] : fs.statSync(out).isDirectory() ? listFiles(out) : [out];
    expect(written).toEqual([]);
  }
}

function fuzz(inputs: fc.Arbitrary<string>, run: (file: string, dir: string) => void): void {
  fc.assert(fc.property(inputs, input => {
    const dir = tempDir();
    const file = path.join(dir, 'input.yaml');
    fs.writeFileSync(file, input);
    run(file, dir);
    fs.rmSync(dir, { recursive: true, force: true });
  }), { numRuns: 400, interruptAfterTimeLimit: SECONDS_PER_PROPERTY * 1000, seed: 20261124 });
}

const randomYaml = fc.oneof(anyValue.map(v => stringify(v)), fc.string({ maxLength: 200 }), catalog);

/** Kubeflow Profiles with hostile and misspelt fields at every level, one or two per file. */
const profileDoc = fc.record({
  apiVersion: fc.constantFrom('kubeflow.org/v1', 'kubeflow.org/v1beta1', 'kubeflow.org/v2'),
  kind: fc.constantFrom('Profile', 'Profile', 'List'),
  metadata: fc.record({ name: fc.oneof(fc.constantFrom('team-a', 'team-b', 'constructor', 'kube-system'), text, scalar) }, { requiredKeys: [] }),
  spec: fc.oneof(scalar, fc.record({
    owner: fc.oneof(scalar, fc.record({ kind: fc.constantFrom('User', 'Group', 'ServiceAccount'), name: fc.oneof(text, scalar), nmae: text }, { requiredKeys: [] })),
    contributors: fc.oneof(scalar, fc.array(fc.record({ kind: fc.constantFrom('User', 'Group'), name: fc.oneof(text, scalar), role: fc.constantFrom('edit', 'view', 'admin'), rol: text },
      { requiredKeys: [] }), { maxLength: 3 })),
    plugins: fc.oneof(scalar, fc.array(fc.record({
      kind: fc.constantFrom('WorkloadIdentity', 'AwsIamForServiceAccount', 'Other'),
      spec: fc.oneof(scalar, fc.record(
        { gcpServiceAccount: fc.oneof(text, scalar), awsIamRole: fc.oneof(text, scalar), annotateOnly: scalar }, { requiredKeys: [] })),
    }, { requiredKeys: [] }), { maxLength: 2 })),
    resourceQuotaSpec: fc.oneof(scalar, fc.record({ hard: fc.dictionary(text, scalar, { maxKeys: 3 }), hrad: scalar }, { requiredKeys: [] })),
    spex: scalar,
  }, { requiredKeys: [] })),
}, { requiredKeys: ['apiVersion', 'kind'] });
const profiles = fc.array(profileDoc, { minLength: 1, maxLength: 2 }).map(docs => docs.map(d => stringify(d)).join('---\n'));

/** Option values as a hostile user or script might pass them. */
const optionValue = fc.oneof(nasty, fc.string({ maxLength: 30 }), fc.constantFrom('https://user:tok@git.example.com/r.git', 'git@h:r.git', '-1', '1e9', '../..', '/', '\u001b[2J'));

describe('fuzz: exit code 0 or 1, no stack trace, nothing written on failure', () => {
  test('synth', () => fuzz(fc.oneof(catalog, randomYaml), (file, dir) => holds(['synth', file, '--out', path.join(dir, 'out')], path.join(dir, 'out'))));
  test('validate', () => fuzz(fc.oneof(catalog, randomYaml), file => holds(['validate', file])));
  test('import', () => fuzz(randomYaml, (file, dir) => holds(['import', file, '-o', path.join(dir, 'catalog.yaml')], path.join(dir, 'catalog.yaml'))));
  test('access', () => fuzz(randomYaml, (file, dir) => {
    const manifests = path.join(dir, 'manifests');
    fs.mkdirSync(manifests);
    fs.copyFileSync(file, path.join(manifests, 'objects.yaml'));
    holds(['access', manifests]);
  }));

  test('synth and import of Profile input', () => fuzz(profiles, (file, dir) => {
    holds(['synth', file, '--out', path.join(dir, 'out')], path.join(dir, 'out'));
    holds(['import', file, '-o', path.join(dir, 'catalog.yaml')], path.join(dir, 'catalog.yaml'));
  }));

  test('option values', () => {
    const dir = tempDir();
    const file = path.join(dir, 'tenants.yaml');
    fs.writeFileSync(file, 'apiVersion: kf-tenancy/v1alpha1\nkind: TenantCatalog\ntenants:\n  - {name: team-a, owner: a@c.io}\n');
    const out = path.join(dir, 'out');
    fc.assert(fc.property(optionValue, optionValue, (first, second) => {
      // Each command starts without an output folder, so "nothing written" sees only its own files.
      const fresh = () => fs.rmSync(out, { recursive: true, force: true });
      fresh();
      holds(['synth', file, '--out', out, '--argocd', '--repo-url', first, '--revision', second, '--repo-path', 'dist'], out);
      fresh();
      holds(['synth', file, '--out', out, '--flux', '--flux-source', first, '--repo-path', second], out);
      holds(['access', out, '--max-chars', first, '--user-id-header', second]);
    }), { numRuns: 200, interruptAfterTimeLimit: SECONDS_PER_PROPERTY * 1000, seed: 20261205 });
  });

  test('file kinds: FIFO, folder, device, dangling link, empty file', () => {
    const dir = tempDir();
    const fifo = path.join(dir, 'fifo.yaml');
    execFileSync('mkfifo', [fifo]);
    const dangling = path.join(dir, 'dangling.yaml');
    fs.symlinkSync(path.join(dir, 'nowhere.yaml'), dangling);
    const empty = path.join(dir, 'empty.yaml');
    fs.writeFileSync(empty, '');
    for (const input of [fifo, dir, '/dev/null', '/dev/zero', dangling, empty]) {
      holds(['synth', input, '--out', path.join(dir, 'out')], path.join(dir, 'out'));
      holds(['validate', input]);
      holds(['import', input]);
      holds(['import', input, '--drift-from', input]);
    }
  });

  // Not a vacuous run: the generators reach both outcomes of synth and validate.
  afterAll(() => {
    for (const command of ['synth', 'validate']) {
      const [succeeded, failed] = outcomes[command] ?? [0, 0];
      expect({ command, succeeded: succeeded > 0, failed: failed > 0 }).toEqual({ command, succeeded: true, failed: true });
    }
  });
});
