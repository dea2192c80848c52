/**
 * The generated adversary: a seeded property test that walks the catalog's JSON Schema, attacks
 * every leaf with hostile values (test/support/adversary.ts), runs `kf-tenancy synth` in-process
 * on each mutant, and requires one of two outcomes:
 *
 * - refused cleanly: exit code 1, the errors listed, nothing written; or
 * - accepted, and the oracle, computed from the mutated declarations alone, finds no identity,
 *   network path, mesh source, shared cloud identity, ipBlock or guard exemption that the
 *   declarations do not give.
 *
 * Anything else (exit code 2, a stack trace, an exception) is an internal error. Every escape
 * is reported by class (oracle rule and mutated leaves), with the smallest mutant found.
 *
 * KF_TENANCY_ADVERSARY_RUNS=<n> runs n mutants instead of the default (bounded for `npm test`),
 * KF_TENANCY_ADVERSARY_SEED=<n> changes the seed, KF_TENANCY_ADVERSARY_REPORT=<file> writes every
 * finding as JSON.
 */
import * as fs from 'fs';
import * as path from 'path';
import fc from 'fast-check';
import {
  AppliedMutation,
  baseCatalog,
  baseProfiles,
  BASE_TENANTS,
  buildMutant,
  contextFor,
  declarations,
  describeMutation,
  entriesFor,
  hostileValues,
  InputKind,
  kubernetesCidr,
  leavesFor,
  leafMatches,
  Mutant,
  MutationChoice,
  MUTATIONS,
  oracle,
  PROFILE_LEAVES,
  reachedProtected,
  schemaLeaves,
  SchemaLeaf,
  Violation,
  DEFAULT_PROTECTED,
} from './support/adversary';
import { cli } from './support/cli';
import { CATALOG_SCHEMA } from './support/paths';
import { listFiles, tempDir } from './support/synth';
import { readManifestDir } from '../src/catalog/manifest-reader';
import { Manifest } from '../src/core/manifest';

const SCHEMA = JSON.parse(fs.readFileSync(CATALOG_SCHEMA, 'utf8'));
const LEAVES = schemaLeaves(SCHEMA);

/** The default run: about 15 s on a 2-core machine with coverage on; the deadline keeps slower machines bounded. */
const DEFAULT_RUNS = 700;
const DEFAULT_DEADLINE_MS = 18_000;
const RUNS = Number(process.env.KF_TENANCY_ADVERSARY_RUNS ?? DEFAULT_RUNS);
const SEED = Number(process.env.KF_TENANCY_ADVERSARY_SEED ?? 20260611);
/** A longer run asked for explicitly is not cut short. */
const DEADLINE_MS = process.env.KF_TENANCY_ADVERSARY_RUNS ? Number.POSITIVE_INFINITY : DEFAULT_DEADLINE_MS;

/* ------------------------------------------------------------------------------------------ */
/* Running synth                                                                              */
/* ------------------------------------------------------------------------------------------ */

type Outcome =
  | { readonly kind: 'accepted'; readonly manifests: Manifest[]; readonly files: string[] }
  | { readonly kind: 'refused'; readonly stderr: string }
  | { readonly kind: 'internal'; readonly detail: string };

/** `kf-tenancy synth FILE --out DIR --serial` in-process, and the output read back. */
function synthesize(mutant: Mutant): Outcome {
  const dir = tempDir();
  try {
    const inputs = mutant.files.map(file => {
      fs.writeFileSync(path.join(dir, file.name), file.text);
      return path.join(dir, file.name);
    });
    const out = path.join(dir, 'out');
    let result: ReturnType<typeof cli>;
    try {
      // --serial: the same pipeline without starting writer threads for every mutant.
      result = cli(['synth', ...inputs, '--out', out, '--serial']);
    } catch (error) {
      return { kind: 'internal', detail: `synth threw ${String(error instanceof Error ? error.stack : error)}` };
    }
    if (result.code === 0) return { kind: 'accepted', manifests: readManifestDir(out), files: listFiles(out) };
    const clean = result.code === 1 && /nothing written; \d+ errors?:\n/.test(result.stderr)
      && !/\n\s+at .*:\d+:\d+/.test(result.stderr) && !fs.existsSync(out);
    return clean ? { kind: 'refused', stderr: result.stderr } : { kind: 'internal', detail: `exit code ${result.code}: ${result.stderr.slice(0, 600)}` };
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

/** A finding: an oracle violation, or an internal error. */
interface Finding {
  readonly rule: Violation['rule'] | 'internal-error';
  readonly tenant: string;
  readonly detail: string;
}

/** Synthesizes a mutant and judges the outcome: what it breaks, if anything. */
function examine(mutant: Mutant): { outcome: Outcome['kind']; findings: Finding[] } {
  const outcome = synthesize(mutant);
  if (outcome.kind === 'refused') return { outcome: outcome.kind, findings: [] };
  if (outcome.kind === 'internal') return { outcome: outcome.kind, findings: [{ rule: 'internal-error', tenant: '-', detail: outcome.detail }] };
  try {
    return { outcome: outcome.kind, findings: oracle(declarations(mutant), outcome.manifests, outcome.files) };
  } catch (error) {
    // The access analysis failing on synth's own output is a bug too.
    const detail = `analysis of accepted output threw ${String(error instanceof Error ? error.stack : error)}`;
    return { outcome: outcome.kind, findings: [{ rule: 'internal-error', tenant: '-', detail }] };
  }
}

/* ------------------------------------------------------------------------------------------ */
/* Mutants                                                                                    */
/* ------------------------------------------------------------------------------------------ */

interface MutantSpec {
  readonly input: InputKind;
  readonly guard: boolean;
  readonly choices: MutationChoice[];
}

const choiceArb: fc.Arbitrary<MutationChoice> = fc.record({
  leaf: fc.nat(),
  value: fc.nat(),
  placement: fc.record({ tenant: fc.nat(), item: fc.nat() }),
});
/** Mostly catalogs, then Profiles alone and a catalog with a Profile beside it; one or two mutations each. */
const specArb: fc.Arbitrary<MutantSpec> = fc.record({
  input: fc.constantFrom<InputKind>('catalog', 'catalog', 'catalog', 'catalog', 'profiles', 'mixed'),
  guard: fc.boolean(),
  choices: fc.array(choiceArb, { minLength: 1, maxLength: 2 }),
});

/** The leaves each input attacks, computed once. */
const LEAVES_FOR: Record<InputKind, SchemaLeaf[]> = {
  catalog: leavesFor('catalog', LEAVES), profiles: leavesFor('profiles', LEAVES), mixed: leavesFor('mixed', LEAVES),
};

function build(spec: MutantSpec): Mutant {
  return buildMutant(spec.input, spec.guard, spec.choices, LEAVES_FOR[spec.input]);
}

/** A class of escapes: the oracle rule and the leaves whose mutation causes it. */
interface EscapeClass {
  readonly key: string;
  count: number;
  readonly example: { readonly mutations: string[]; readonly finding: Finding; readonly input: string };
}

/**
 * The smallest mutant that still breaks the same rule: each of two mutations alone is tried, so
 * a class names the leaf that matters rather than an innocent companion.
 */
function minimal(spec: MutantSpec, rule: string): { mutant: Mutant; finding: Finding } | undefined {
  if (spec.choices.length < 2) return undefined;
  for (const choice of spec.choices) {
    const single = build({ ...spec, choices: [choice] });
    const found = examine(single).findings.find(v => v.rule === rule);
    if (found) return { mutant: single, finding: found };
  }
  return undefined;
}

function classKey(rule: string, mutations: AppliedMutation[]): string {
  return `${rule} @ ${[...new Set(mutations.map(m => m.leaf))].sort().join(' + ')}`;
}

/* ------------------------------------------------------------------------------------------ */
/* Tests                                                                                      */
/* ------------------------------------------------------------------------------------------ */

describe('the schema walk', () => {
  test('lists every leaf, through $refs, lists and maps; defaults have the tenants\' settings', () => {
    const paths = LEAVES.map(l => l.path);
    expect(paths).toEqual(expect.arrayContaining([
      'tenants[].networkPolicy.additionalEgress[].cidr', 'defaults.auth.userIdHeader', 'cluster.guard.gitOpsIdentities[]',
      'tenants[].resourceQuota{}', 'tenants[].contributors[].role', 'cluster.identityProvider.kubeflowAuth.ingressGatewayPrincipal',
      'tenants[].teamRoles[].rules[].verbs[]', 'defaults.networkPolicy.additionalIngress[].ports[].port',
    ]));
    const settings = (root: string) => paths.filter(p => p.startsWith(root)).map(p => p.slice(root.length)).sort();
    const tenantOnly = ['name', 'owner', 'contributors[].name', 'contributors[].kind', 'contributors[].role'].sort();
    expect(settings('tenants[].').filter(p => !tenantOnly.includes(p))).toEqual(settings('defaults.'));
    expect(LEAVES.find(l => l.path === 'tenants[].contributors[].role')).toMatchObject({ type: 'string', shape: 'scalar', allowed: ['edit', 'view'] });
    expect(LEAVES.find(l => l.path === 'tenants[].networkPolicy.istiodPorts[]')).toMatchObject({ type: 'number', shape: 'list' });
    expect(LEAVES.find(l => l.path === 'tenants[].namespaceLabels{}')).toMatchObject({ type: 'string', shape: 'map' });
    expect(LEAVES.find(l => l.path === 'cluster.profileObjects')).toMatchObject({ type: 'boolean' });
  });

  test('every leaf of the schema has a mutation', () => {
    // A new schema field fails here, by name, until the dictionary has a row for it.
    const unattacked = [...LEAVES, ...PROFILE_LEAVES].filter(leaf => {
      const values = BASE_TENANTS.flatMap((_, tenant) => hostileValues(leaf, contextFor(leaf, { tenant, item: 0 })));
      return entriesFor(leaf).length === 0 || values.length === 0;
    }).map(leaf => leaf.path);
    expect(unattacked).toEqual([]);
  });

  test('every row of the dictionary attacks some leaf', () => {
    const all = [...LEAVES, ...PROFILE_LEAVES];
    expect(MUTATIONS.filter(row => !all.some(leaf => leafMatches(row.pattern, leaf.path))).map(row => row.pattern)).toEqual([]);
  });
});

describe('the oracle', () => {
  const accepted = (mutant: Mutant): { manifests: Manifest[]; files: string[] } => {
    const outcome = synthesize(mutant);
    if (outcome.kind !== 'accepted') throw new Error(`base input not accepted: ${JSON.stringify(outcome)}`);
    return outcome;
  };
  const base = (input: InputKind, guard: boolean): Mutant => buildMutant(input, guard, [], LEAVES_FOR[input]);

  test.each([['catalog', false], ['catalog', true], ['profiles', false], ['mixed', true]] as const)('finds nothing in the base %s (guard: %s)', (input, guard) => {
    const mutant = base(input, guard);
    const { manifests, files } = accepted(mutant);
    expect(oracle(declarations(mutant), manifests, files)).toEqual([]);
  });

  test('sees every kind of escape planted in accepted output', () => {
    const mutant = base('catalog', true);
    const { manifests, files } = accepted(mutant);
    const binding = (name: string, ns: string, role: string, subjects: Array<Record<string, string>>): Manifest => ({
      apiVersion: 'rbac.authorization.k8s.io/v1',
      kind: 'RoleBinding',
      metadata: { name, namespace: ns },
      roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: role },
      subjects,
    });
    const policy = (name: string, ns: string, spec: Record<string, unknown>): Manifest => ({
      apiVersion: 'networking.k8s.io/v1', kind: 'NetworkPolicy', metadata: { name, namespace: ns }, spec: { podSelector: {}, ...spec },
    });
    const authorization = (name: string, ns: string, rules: unknown[]): Manifest => ({
      apiVersion: 'security.istio.io/v1beta1', kind: 'AuthorizationPolicy', metadata: { name, namespace: ns }, spec: { action: 'ALLOW', rules },
    });
    const gateway = 'cluster.local/ns/istio-system/sa/istio-ingressgateway-service-account';
    const planted: Manifest[] = [
      binding('sneaky', 'team-a', 'kubeflow-edit', [{ apiGroup: 'rbac.authorization.k8s.io', kind: 'User', name: 'bob@b.io' }, { kind: 'ServiceAccount', name: 'default-editor', namespace: 'team-c' }]),
      binding('carl-admin', 'team-a', 'kubeflow-admin', [{ apiGroup: 'rbac.authorization.k8s.io', kind: 'User', name: 'carl@a.io' }]),
      policy('octal', 'team-b', { policyTypes: ['Egress'], egress: [{ to: [{ ipBlock: { cidr: '010.0.0.0/8' } }] }] }),
      policy('to-c', 'team-a', { policyTypes: ['Egress'], egress: [{ to: [{ namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'team-c' } } }] }] }),
      policy('from-a', 'team-c', { policyTypes: ['Ingress'], ingress: [{ from: [{ namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'team-a' } } }] }] }),
      authorization('neighbour', 'team-c', [{ from: [{ source: { principals: ['cluster.local/ns/team-a/sa/default-editor'] } }] }]),
      authorization('gateway', 'team-a', [{ from: [{ source: { principals: [gateway] } }] }]),
      authorization('client-header', 'team-b', [{ from: [{ source: { principals: [gateway] } }], when: [{ key: 'request.headers[x-user]', values: ['bob@b.io'] }] }]),
      { apiVersion: 'v1', kind: 'ServiceAccount', metadata: { name: 'borrowed', namespace: 'team-c', annotations: { 'eks.amazonaws.com/role-arn': 'arn:aws:iam::123456789012:role/ml/Team-B' } } },
      {
        apiVersion: 'v1',
        kind: 'ConfigMap',
        metadata: { name: 'dex', namespace: 'auth' },
        data: { 'config.yaml': 'connectors:\n  - {type: oidc, id: corp, config: {claimMapping: {groups: preferred_username}}}\n' },
      },
      // team-c feeds team-a's ClusterQueue; a shared ClusterQueue admits every namespace.
      { apiVersion: 'kueue.x-k8s.io/v1beta2', kind: 'LocalQueue', metadata: { name: 'borrowed', namespace: 'team-c' }, spec: { clusterQueue: 'team-a' } },
      { apiVersion: 'kueue.x-k8s.io/v1beta2', kind: 'ClusterQueue', metadata: { name: 'shared' }, spec: { namespaceSelector: {} } },
    ];
    const guardPolicy = manifests.find(o => o.kind === 'ValidatingAdmissionPolicy' && o.metadata?.name === 'kf-tenancy-guard-members')!;
    const widened = JSON.parse(JSON.stringify(guardPolicy).replace('system:serviceaccount:argocd:argocd-application-controller', 'system:serviceaccount:team-a:default-editor'));
    // team-c without its NetworkPolicies: open both ways though its network policy is on.
    const kept = manifests.filter(o => o !== guardPolicy && !(o.kind === 'NetworkPolicy' && o.metadata?.namespace === 'team-c'));
    const found = oracle(declarations(mutant), [...kept, widened, ...planted], [...files, 'namespaces/team-b/manifests.yaml']);
    expect([...new Set(found.map(v => v.rule))].sort()).toEqual([
      'cloud-identity-shared', 'guard-exempts-tenant', 'idp-groups-user-claim', 'ipblock-reaches-cluster', 'mesh-client-header', 'mesh-open', 'mesh-proxy-unconditioned',
      'mesh-source-other-tenant', 'network-open', 'network-path', 'network-selects-tenant', 'platform-object-in-tenant', 'queue-crosses-tenant', 'role-exceeded',
      'undeclared-identity',
    ]);
    expect(found.map(v => v.detail)).toEqual(expect.arrayContaining([
      expect.stringContaining('User "bob@b.io" has edit'), expect.stringContaining('ServiceAccount "team-c/default-editor" has edit'),
      expect.stringContaining('User "carl@a.io" has admin'), expect.stringContaining('"010.0.0.0/8"'), expect.stringContaining('team-a → team-c'),
      expect.stringContaining('LocalQueue team-c/borrowed feeds ClusterQueue team-a, which admits team-a'),
      expect.stringContaining('ClusterQueue shared admits more than one namespace'),
    ]));
  });

  test.each([
    ['10.0.0.0/8', '10.0.0.0/8'], ['010.0.0.0/8', '10.0.0.0/8'], ['10.0.0.1/8', '10.0.0.0/8'], ['10.0.0.0/08', '10.0.0.0/8'],
    ['::ffff:10.0.0.0/104', '10.0.0.0/8'], ['::ffff:a00:0/104', '10.0.0.0/8'], ['::ffff:0:0/80', '0.0.0.0/0'], ['172.016.0.0/12', '172.16.0.0/12'],
    ['0x0a.0.0.0/8', undefined], ['10/8', undefined], [' 10.0.0.0/8', undefined], ['10.0.0.0', undefined], ['256.0.0.0/8', undefined],
  ])('Kubernetes reads %j as %s', (cidr, expected) => {
    const range = kubernetesCidr(cidr);
    const shown = range === undefined ? undefined : reachedProtected(cidr, [], [range])[0];
    expect(shown).toBe(expected);
  });

  test('an ipBlock reaches what its exceptions leave of the cluster\'s ranges', () => {
    const cluster = DEFAULT_PROTECTED.map(c => kubernetesCidr(c)!);
    expect(reachedProtected('0.0.0.0/0', ['10.0.0.0/8', '172.16.0.0/12', '192.168.0.0/16', '100.64.0.0/10'], cluster)).toEqual([]);
    // 012 is octal 10 to some parsers; Kubernetes reads 12.0.0.0/8, so 10/8 is not excepted.
    expect(reachedProtected('0.0.0.0/0', ['012.0.0.0/8', '172.16.0.0/12', '192.168.0.0/16', '100.64.0.0/10'], cluster)).toEqual(['10.0.0.0/8']);
    expect(reachedProtected('::/0', [], cluster)).toEqual(['fc000000000000000000000000000000/7 (IPv6)']);
  });
});

describe('the generated adversary', () => {
  const timeout = Math.max(120_000, RUNS * 400);

  test(`${RUNS} mutants (seed ${SEED}): refused cleanly, or accepted with the oracle holding`, () => {
    const started = Date.now();
    const specs = fc.sample(specArb, { seed: SEED, numRuns: RUNS });
    const classes = new Map<string, EscapeClass>();
    const all: Array<{ mutations: string[]; findings: Finding[] }> = [];
    const leavesHit = new Set<string>();
    const outcomes: Record<Outcome['kind'], number> = { accepted: 0, refused: 0, internal: 0 };
    let run = 0;
    for (const spec of specs) {
      if (Date.now() - started > DEADLINE_MS) break;
      run++;
      const mutant = build(spec);
      mutant.mutations.forEach(m => leavesHit.add(m.leaf));
      const { outcome, findings } = examine(mutant);
      outcomes[outcome]++;
      if (findings.length === 0) continue;
      all.push({ mutations: mutant.mutations.map(describeMutation), findings });
      for (const rule of new Set(findings.map(v => v.rule))) {
        const smaller = minimal(spec, rule);
        const shown = smaller?.mutant ?? mutant;
        const finding = smaller?.finding ?? findings.find(v => v.rule === rule)!;
        const key = classKey(rule, shown.mutations);
        const known = classes.get(key);
        if (known) known.count++;
        else classes.set(key, { key, count: 1, example: { mutations: shown.mutations.map(describeMutation), finding, input: shown.files.map(f => `# ${f.name}\n${f.text}`).join('') } });
      }
    }
    if (process.env.KF_TENANCY_ADVERSARY_REPORT) {
      const dump = { seed: SEED, runs: run, classes: [...classes.values()], all };
      fs.writeFileSync(process.env.KF_TENANCY_ADVERSARY_REPORT, JSON.stringify(dump, null, 2));
    }
    const leaves = LEAVES.length + PROFILE_LEAVES.length;
    console.log(`adversary: ${run} mutants in ${((Date.now() - started) / 1000).toFixed(1)} s (seed ${SEED}): ${outcomes.accepted} accepted, `
      + `${outcomes.refused} refused, ${outcomes.internal} internal errors; ${leavesHit.size} of ${leaves} leaves attacked; ${all.length} with findings in ${classes.size} classes`);
    // Not vacuous: mutants reach both outcomes.
    expect({ accepted: outcomes.accepted > 0, refused: outcomes.refused > 0 }).toEqual({ accepted: true, refused: true });
    const report = [...classes.values()].sort((a, b) => (a.key < b.key ? -1 : 1))
      .map(c => `${c.key} (${c.count}×)\n    mutant: ${c.example.mutations.join('; ')}\n    ${c.example.finding.tenant}: ${c.example.finding.detail.slice(0, 400)}`);
    expect(report).toEqual([]);
  }, timeout);

  test('mutants are the base input with the hostile value at the chosen place', () => {
    // One mutation at a fixed place: the catalog changes there and only there.
    const leaf = LEAVES.findIndex(l => l.path === 'tenants[].networkPolicy.additionalEgress[].cidr');
    const mutant = buildMutant('catalog', false, [{ leaf, value: 1, placement: { tenant: 0, item: 0 } }], LEAVES);
    expect(mutant.mutations.map(describeMutation)).toEqual([
      'tenants[0].networkPolicy.additionalEgress[0].cidr = "010.0.0.0/8" (with namespace=deleted, namespaceLabels=deleted, podLabels=deleted)',
    ]);
    const expected = baseCatalog(false);
    const tenants = expected.tenants as Array<{ networkPolicy: { additionalEgress: Array<Record<string, unknown>> } }>;
    tenants[0].networkPolicy.additionalEgress[0] = { name: 'to-b', ports: [{ port: 8080 }], cidr: '010.0.0.0/8' };
    expect(mutant.documents).toEqual([expected]);
    const profile = buildMutant('profiles', false, [{ leaf: PROFILE_LEAVES.findIndex(l => l.path === 'profile.spec.owner.name'), value: 0, placement: { tenant: 2, item: 0 } }], PROFILE_LEAVES);
    expect(profile.mutations.map(describeMutation)).toEqual(['profile[team-c].spec.owner.name = "alice@a.io"']);
    expect(profile.documents.slice(0, 2)).toEqual(baseProfiles().slice(0, 2));
  });
});
