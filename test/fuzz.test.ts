/**
 * Fuzzing the command line with fast-check: random YAML, and random catalogs built from
 * hostile pieces (wildcards, invisible characters, principals, ipBlocks, empty lists,
 * platform namespaces, wrong types), thrown at synth, validate, import and access for a
 * bounded time. Whatever the input: exit code 0 or 1, no stack trace, and nothing written
 * when the command fails.
 */
import * as fs from 'fs';
import * as path from 'path';
import fc from 'fast-check';
import { stringify } from 'yaml';
import { cli } from './support/cli';
import { listFiles, tempDir } from './support/synth';

const SECONDS_PER_PROPERTY = 15;

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

  // Not a vacuous run: the generators reach both outcomes of synth and validate.
  afterAll(() => {
    for (const command of ['synth', 'validate']) {
      const [succeeded, failed] = outcomes[command] ?? [0, 0];
      expect({ command, succeeded: succeeded > 0, failed: failed > 0 }).toEqual({ command, succeeded: true, failed: true });
    }
  });
});
