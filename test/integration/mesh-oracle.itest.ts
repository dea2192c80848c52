/**
 * The mesh evaluator (src/analysis/mesh.ts) against Istio's own code in a real Envoy: for the
 * semantic edge cases, seeded random policies, the bundled example, the Profile example and seeded
 * random catalogs (with hostile policies written by hand), every request the access analysis evaluates gets
 * the same verdict and deciding policy from both, and the policies Istio's validation refuses are
 * the ones `istioPolicyProblems` refuses.
 */
import * as fs from 'fs';
import * as path from 'path';
import { ApiObject, Chart } from 'cdk8s';
import { EXAMPLE_CATALOG, synthCatalog } from './support/cluster';
import { OracleRequest, OracleVerdict, runOracle } from './support/mesh-oracle';
import { IdentityKind, ProfileController, TenancyApp, TenantCatalog, TenantProfile } from '../../src';
import { accessMatrix } from '../../src/analysis/access';
import { decide, enforcedPolicies, MeshDecision } from '../../src/analysis/mesh';
import { anonymousRequests, meshProbes, unnamedHeaderValue } from '../../src/analysis/mesh-probes';
import { readManifestDir } from '../../src/catalog/manifest-reader';
import { KubeflowAuthOptions, resolveAuth, ResolvedKubeflowAuth } from '../../src/core/auth-options';
import { istioPolicyProblems } from '../../src/core/istio-validation';
import { KNATIVE_PROBE_PATHS } from '../../src/core/kubeflow-defaults';
import { withProfileControllerObjects } from '../../src/core/kubeflow-profile';
import { AuthorizationPolicyManifest, AuthorizationRuleSpec, Manifest } from '../../src/core/manifest';
import { ACCEPTED_POLICIES, allow, deny, INVALID_POLICIES, MESH_CASES, NS, req } from '../support/mesh-cases';
import { renderObjects } from '../support/synth';

const ROOT = path.join(__dirname, '..', '..');
/** Other seeds and sizes for a longer search by hand: MESH_ORACLE_SEED=11 MESH_ORACLE_RUNS=300 npm run test:integration -- mesh-oracle. */
const SEED = Number(process.env.MESH_ORACLE_SEED ?? 7);
const RUNS = Number(process.env.MESH_ORACLE_RUNS ?? 30);

/** Disagreements between the oracle and `meshDecision` for `requests` to a workload with `labels` in `namespace`. */
function disagreements(label: string, namespace: string, policies: AuthorizationPolicyManifest[], requests: OracleRequest[],
  labels: Record<string, string> = {}): { differences: string[]; oracle: Map<string, OracleVerdict>; ours: Map<string, MeshDecision> } {
  // What the oracle's connections are: to 127.0.0.1, with server name "localhost" over mTLS.
  requests = requests.map(r => ({ destinationIp: '127.0.0.1', ...(r.principal ? { sni: 'localhost' } : {}), ...r }));
  const result = runOracle(namespace, policies, requests, labels);
  const invalid = result.invalid.map(i => `${label}: Istio refuses ${i.invalid}: ${i.error}`);
  const enforced = enforcedPolicies(policies, labels);
  const ours = new Map(requests.map(r => [r.id, decide(enforced, r)]));
  const differences = requests.flatMap(r => {
    const o = result.verdicts.get(r.id);
    const m = ours.get(r.id)!;
    if (o === undefined) return [`${label} ${r.id}: no verdict from the oracle`];
    // Only a 403 from the RBAC filter is a denial; anything else (a 400 for a request Envoy will not parse) decides nothing.
    if (o.status !== 200 && !(o.status === 403 && o.details.startsWith('rbac_access_denied'))) return [`${label} ${r.id}: the oracle answered ${o.status} ${o.details}`];
    return o.allowed === m.admitted && o.policy === m.policy ? []
      : [`${label} ${r.id} (${r.principal || 'plaintext'} ${r.method} ${r.path} :${r.port} ${JSON.stringify(r.headers)}): `
        + `Istio+Envoy ${o.allowed ? 'allow' : 'deny'} ${o.policy || '-'}, meshDecision ${m.admitted ? 'allow' : 'deny'} ${m.policy || '-'}`];
  });
  return { differences: [...invalid, ...differences], oracle: result.verdicts, ours };
}

describe('Istio semantics, case by case', () => {
  test.each(MESH_CASES.map(c => [c.name, c] as const))('%s', (_name, c) => {
    expect(disagreements(c.name, NS, c.policies, c.requests, c.labels).differences).toEqual([]);
  });

  test("the policies Istio's validation refuses are the ones istioPolicyProblems refuses", () => {
    const verdicts = INVALID_POLICIES.map(p => ({
      name: p.metadata!.name,
      istio: runOracle(NS, [p], []).invalid.length > 0,
      ours: istioPolicyProblems(p).length > 0,
    }));
    expect(verdicts).toEqual(INVALID_POLICIES.map(p => ({ name: p.metadata!.name, istio: true, ours: true })));
    const accepted = ACCEPTED_POLICIES.map(p => ({ name: p.metadata!.name, istio: runOracle(NS, [p], []).invalid, ours: istioPolicyProblems(p) }));
    expect(accepted).toEqual(ACCEPTED_POLICIES.map(p => ({ name: p.metadata!.name, istio: [], ours: [] })));
  });
});

/** A small deterministic generator (an LCG), so every run is reproducible from its seed. */
function random(seed: number): { next: () => number; pick: <T>(items: readonly T[]) => T } {
  let state = seed;
  const next = () => {
    state = (state * 1103515245 + 12345) % 2147483648;
    return state / 2147483648;
  };
  return { next, pick: items => items[Math.floor(next() * items.length)] };
}

// Small vocabularies, so values collide with each other and with the requests often.
const PATHS = ['/a', '/a/', '/a/b', '/a*', '*b', '*', '/{*}/b', '/a/{**}', '/A', '/a?x', '/%61'];
const REQUEST_PATHS = ['/a', '/a/', '/a/b', '/ab', '/b', '/x/b', '/A', '/a?x=1', '/%61', '/a/./b', '/c/../a', '/a/b/c'];
const METHODS = ['GET', 'POST', 'G*', '*'];
const PRINCIPALS = ['cluster.local/ns/team-a/sa/x', 'cluster.local/ns/team-b/sa/y', 'cluster.local/ns/istio-system/sa/gw'];
const PRINCIPAL_PATTERNS = [...PRINCIPALS, '*', '*/sa/x', 'cluster.local/ns/team-*', 'cluster.local/ns/team-b/sa/y*'];
const NAMESPACES = ['team-a', 'team-b', 'team-*', '*', 'istio-system'];
const HEADER_VALUES = ['alice', 'bob', 'al*', '*ce', '*', ''];
const PORTS = ['8080', '9090'];

function randomRule(r: ReturnType<typeof random>, header = 'x-user'): AuthorizationRuleSpec {
  const rule: AuthorizationRuleSpec = {};
  const some = <T>(items: readonly T[]) => Array.from({ length: 1 + Math.floor(r.next() * 2) }, () => r.pick(items));
  if (r.next() < 0.5) {
    const source = r.pick([
      () => ({ principals: some(PRINCIPAL_PATTERNS) }), () => ({ notPrincipals: some(PRINCIPAL_PATTERNS) }),
      () => ({ namespaces: some(NAMESPACES) }), () => ({ notNamespaces: some(NAMESPACES) }),
    ])();
    rule.from = [{ source }];
  }
  if (r.next() < 0.6) {
    const operation: Record<string, string[]> = {};
    if (r.next() < 0.6) operation[r.next() < 0.8 ? 'paths' : 'notPaths'] = some(PATHS);
    if (r.next() < 0.3) operation[r.next() < 0.8 ? 'methods' : 'notMethods'] = some(METHODS);
    if (r.next() < 0.3 || Object.keys(operation).length === 0) operation[r.next() < 0.8 ? 'ports' : 'notPorts'] = some(PORTS);
    rule.to = [{ operation }];
  }
  if (r.next() < 0.5) {
    const values = some(HEADER_VALUES).filter(v => v !== '');
    rule.when = [r.next() < 0.7 && values.length > 0
      ? { key: `request.headers[${header}]`, values } : { key: `request.headers[${header}]`, notValues: values.length ? values : ['bob'] }];
  }
  return rule;
}

describe('seeded random policies and requests', () => {
  test(`${RUNS + 10} namespaces of random policies, 30 requests each (seed ${SEED + 2020}), agree`, () => {
    const r = random(SEED + 2020);
    const differences: string[] = [];
    let allowed = 0;
    let decidedBy = 0;
    const total = (RUNS + 10) * 30;
    for (let n = 0; n < RUNS + 10; n++) {
      const policies = Array.from({ length: 1 + Math.floor(r.next() * 4) }, (_, i) => {
        const rules = Array.from({ length: Math.floor(r.next() * 3) }, () => randomRule(r));
        const action = r.next() < 0.3 ? 'DENY' : 'ALLOW';
        return action === 'DENY' && rules.length === 0 ? deny(`p${i}`, {}) : (action === 'DENY' ? deny : allow)(`p${i}`, ...rules);
      });
      const requests = Array.from({ length: 30 }, (_, i) => req(`r${i}`, {
        principal: r.next() < 0.25 ? '' : r.pick(PRINCIPALS),
        method: r.pick(['GET', 'POST', 'PUT']),
        path: r.pick(REQUEST_PATHS),
        port: Number(r.pick(PORTS)),
        headers: r.next() < 0.7 ? { 'x-user': r.pick(HEADER_VALUES) } : {},
      }));
      const result = disagreements(`namespace ${n}`, NS, policies, requests);
      differences.push(...result.differences);
      allowed += [...result.oracle.values()].filter(v => v.allowed).length;
      decidedBy += [...result.oracle.values()].filter(v => v.policy !== '').length;
    }
    expect(differences).toEqual([]);
    // Not a trivial agreement: both verdicts, and deciding policies, occur often.
    expect(allowed).toBeGreaterThan(total / 5);
    expect(total - allowed).toBeGreaterThan(total / 5);
    expect(decidedBy).toBeGreaterThan(total / 3);
  });
});

/**
 * Every request the access analysis evaluates for the objects of one synthesis, and what the
 * analysis reports, checked against the oracle namespace by namespace: the gateway with each
 * identity's headers (and with headers naming nobody), the pipelines UI with each user's header,
 * every namespace's service accounts and a plaintext caller, each on every probe of the namespace
 * and on Knative's probe paths.
 */
function checkAccess(label: string, written: Manifest[], authOptions: KubeflowAuthOptions = {}): { requests: number; admitted: number } {
  const auth: ResolvedKubeflowAuth = resolveAuth(authOptions);
  const objects = withProfileControllerObjects(written, () => auth);
  const matrix = accessMatrix(written, { auth: authOptions });
  const policies = objects.filter((o): o is AuthorizationPolicyManifest => o.kind === 'AuthorizationPolicy');
  const accounts = [...new Set(objects.filter(o => o.kind === 'ServiceAccount').map(o => `${o.metadata?.namespace}/${o.metadata?.name}`)
    .concat(matrix.namespaces.flatMap(ns => [`${ns}/default-editor`, `${ns}/default-viewer`])))].sort();
  const headersOf = (kind: string, name: string): Record<string, string> => (kind === 'User'
    ? { [auth.userIdHeader.toLowerCase()]: `${auth.userIdPrefix}${name}` } : { [auth.groupsHeader.toLowerCase()]: name });
  const gatewayIdentities = [...matrix.identities.filter(i => i.kind !== 'ServiceAccount').map(i => ({ kind: i.kind, name: i.name })),
    { kind: 'User', name: 'stranger@example.com' }];
  const differences: string[] = [];
  let requests = 0;
  let admitted = 0;
  for (const namespace of matrix.namespaces) {
    const own = policies.filter(p => p.metadata?.namespace === namespace);
    const probes = meshProbes(own);
    const all = [...probes, ...KNATIVE_PROBE_PATHS.map(p => ({ method: 'GET', path: p, port: probes[0].port }))];
    const batch: OracleRequest[] = [];
    const add = (id: string, principal: string, headers: Record<string, string>) => all.forEach((probe, i) =>
      batch.push({ id: `${id}#${i}`, principal, headers: { host: `notebook.${namespace}`, ...headers }, sourceIp: '127.0.0.1', ...probe }));
    for (const identity of gatewayIdentities) add(`gateway:${identity.kind}/${identity.name}`, auth.ingressGatewayPrincipal, headersOf(identity.kind, identity.name));
    const anonymous = anonymousRequests(auth.ingressGatewayPrincipal, auth.userIdHeader, auth.groupsHeader, unnamedHeaderValue(own));
    anonymous.forEach((request, i) => add(`gateway:anonymous-${i}`, request.principal, request.headers));
    for (const identity of gatewayIdentities.filter(i => i.kind === 'User')) add(`pipelines-ui:${identity.name}`, auth.pipelinesUiPrincipal, headersOf('User', identity.name));
    for (const account of accounts) {
      const [ns, sa] = account.split('/');
      add(`sa:${account}`, `cluster.local/ns/${ns}/sa/${sa}`, {});
    }
    add('plaintext', '', {});
    const result = disagreements(`${label} ${namespace}`, namespace, own, batch);
    differences.push(...result.differences);
    requests += batch.length;
    admitted += [...result.oracle.values()].filter(v => v.allowed).length;

    // What the report says of each gateway identity equals the oracle on the probes, first admitted probe deciding.
    const reached = (id: string) => probes.map((_, i) => result.oracle.get(`${id}#${i}`)!).find(v => v.allowed);
    const open = anonymous.some((_, i) => reached(`gateway:anonymous-${i}`) !== undefined);
    if (open !== matrix.meshOpen.includes(namespace)) {
      differences.push(`${label} ${namespace}: meshOpen ${!open}, the oracle admits anonymous callers: ${open}: ${JSON.stringify(own.map(p => p.spec))}`);
    }
    for (const identity of gatewayIdentities) {
      const verdict = reached(`gateway:${identity.kind}/${identity.name}`);
      const cell = matrix.identities.find(i => i.kind === identity.kind && i.name === identity.name)?.access[namespace];
      if (open && cell === undefined) continue; // an open namespace is reported once, not per identity
      const reported = { meshIngress: cell?.meshIngress ?? false, admittedBy: cell?.admittedBy };
      const expected = { meshIngress: verdict !== undefined, admittedBy: verdict?.policy || undefined };
      if (JSON.stringify(reported) !== JSON.stringify(expected)) {
        differences.push(`${label} ${namespace} ${identity.kind} ${identity.name}: report ${JSON.stringify(reported)}, oracle ${JSON.stringify(expected)}`);
      }
    }
  }
  expect(differences).toEqual([]);
  return { requests, admitted };
}

describe('the access analysis agrees with Istio and Envoy', () => {
  test.each(['none', 'kubeflow'] as const)('the bundled example (profile controller: %s)', controller => {
    const out = synthCatalog(fs.readFileSync(EXAMPLE_CATALOG, 'utf8'), 'example', controller);
    const { requests, admitted } = checkAccess('example', readManifestDir(out));
    expect(requests).toBeGreaterThan(200);
    expect(admitted).toBeGreaterThan(20);
  });

  test('the Profile example', () => {
    const app = new TenancyApp({ profileController: ProfileController.KUBEFLOW });
    TenantCatalog.fromFiles(new Chart(app, 'tenants'), 'catalog', [path.join(ROOT, 'examples', 'profiles', 'profile.yaml')]);
    const { admitted } = checkAccess('profiles', renderObjects(app));
    expect(admitted).toBeGreaterThan(0);
  });

  test(`${RUNS} seeded random catalogs (seed ${SEED}), with policies written by hand past the isolation check`, () => {
    const r = random(SEED);
    const people = Array.from({ length: 8 }, (_, i) => `person${i}@example.com`);
    const groups = ['g-ml', 'g-data', 'g-ops'];
    const auths: KubeflowAuthOptions[] = [{}, { userIdHeader: 'x-auth-request-email', userIdPrefix: 'accounts:', groupsHeader: 'x-auth-request-groups' }];
    // What a hand edit in Git could add to a tenant's namespace (the isolation check and the guard
    // refuse these; the report must still read them as the mesh does).
    const handWritten = (auth: ResolvedKubeflowAuth, owner: string): AuthorizationRuleSpec[] => {
      const user = `request.headers[${auth.userIdHeader}]`;
      const group = `request.headers[${auth.groupsHeader}]`;
      const gateway = { from: [{ source: { principals: [auth.ingressGatewayPrincipal] } }] };
      return [
        { ...gateway, when: [{ key: user, values: [`${auth.userIdPrefix}person*`] }] },
        { ...gateway, when: [{ key: group, values: ['*'] }] },
        { ...gateway, when: [{ key: user, notValues: [`${auth.userIdPrefix}${owner}`] }] },
        { ...gateway, to: [{ operation: { paths: ['/api/*'] } }] },
        { ...gateway, to: [{ operation: { ports: ['8888'] } }], when: [{ key: user, values: [`${auth.userIdPrefix}${r.pick(people)}`] }] },
        { from: [{ source: { namespaces: ['t*'] } }] },
        randomRule(r, auth.userIdHeader),
      ];
    };
    let withHandWritten = 0;
    for (let run = 0; run < RUNS; run++) {
      const authOptions = r.pick(auths);
      const auth = resolveAuth(authOptions);
      const profileController = r.pick([ProfileController.NONE, ProfileController.KUBEFLOW]);
      const app = new TenancyApp({ profileController, auth: authOptions, isolationCheck: false });
      const chart = new Chart(app, 'c');
      const tenants = 1 + Math.floor(r.next() * 3);
      let handEdited = false;
      for (let t = 0; t < tenants; t++) {
        const ns = `t${t}`;
        const owner = r.pick(people);
        const members = Array.from({ length: Math.floor(r.next() * 4) }, () => (r.next() < 0.3
          ? { name: r.pick(groups), kind: IdentityKind.GROUP, role: r.pick(['edit', 'view']) as any }
          : { name: r.pick(people), kind: IdentityKind.USER, role: r.pick(['edit', 'view']) as any }))
          .filter((m, i, all) => m.name !== owner && all.findIndex(o => o.name === m.name) === i);
        const tenant = new TenantProfile(chart, ns, { name: ns, owner, contributors: members });
        if (r.next() < 0.4) {
          handEdited = true;
          for (let p = 0; p < 1 + Math.floor(r.next() * 2); p++) {
            const action = r.next() < 0.25 ? 'DENY' : 'ALLOW';
            const annotations = r.next() < 0.15 ? { 'istio.io/dry-run': 'true' } : undefined;
            new ApiObject(tenant, `hand-${p}`, {
              apiVersion: 'security.istio.io/v1',
              kind: 'AuthorizationPolicy',
              metadata: { name: `hand-${p}`, namespace: ns, ...(annotations ? { annotations } : {}) },
              spec: { action, rules: [r.pick(handWritten(auth, owner))] },
            });
          }
        }
      }
      if (handEdited) withHandWritten++;
      checkAccess(`run ${run}`, renderObjects(app), authOptions);
    }
    expect(withHandWritten).toBeGreaterThan(RUNS / 5);
  });
});
