import { allow, deny, GATEWAY, MESH_CASES, policy } from './support/mesh-cases';
import { istioMatch, meshDecision, MeshRequest, normalizedPath, ruleMatches } from '../src/analysis/mesh';
import { meshProbes, unnamedHeaderValue } from '../src/analysis/mesh-probes';

const request = (headers: Record<string, string>, overrides: Partial<MeshRequest> = {}): MeshRequest =>
  ({ principal: GATEWAY, method: 'GET', path: '/', port: 8080, headers, ...overrides });
const userIs = (value: string) => ({ when: [{ key: 'request.headers[kubeflow-userid]', values: [value] }] });
const plain = (overrides: Partial<MeshRequest> = {}) => request({}, { principal: '', ...overrides });

describe('Istio string matching', () => {
  test.each([
    ['a@c.io', 'a@c.io', true],
    ['a@c.io', 'b@c.io', false],
    ['a@*', 'a@c.io', true],
    ['a@*', 'b@c.io', false],
    ['*@c.io', 'a@c.io', true],
    ['*@c.io', 'a@d.io', false],
    ['*', 'anything', true],
    ['*', '', false],
    // Istio tests a leading `*` before a trailing one: `*a*` is the suffix "a*".
    ['*a*', 'xa*', true],
    ['*a*', 'ax', false],
  ])('%s against %s: %s', (pattern, value, expected) => {
    expect(istioMatch(pattern, value)).toBe(expected);
  });

  test('a missing value never matches; for headers `*` is presence, so an empty value matches', () => {
    expect(istioMatch('*', undefined)).toBe(false);
    expect(istioMatch('*', '', true)).toBe(true);
  });
});

describe('the divergences Istio and Envoy showed (each pinned to what the oracle said)', () => {
  test('an exact path matches the request path without its query string', () => {
    const exact = allow('exact', { to: [{ operation: { paths: ['/exact'] } }] });
    expect(meshDecision([exact], plain({ path: '/exact?a=1' }))).toEqual({ admitted: true, policy: 'team-a/exact' });
    expect(meshDecision([exact], plain({ path: '/exact/' })).admitted).toBe(false);
  });

  test('a `*` header value is a presence match: a header sent empty matches', () => {
    const present = allow('present', { when: [{ key: 'request.headers[x-any]', values: ['*'] }] });
    expect(meshDecision([present], plain({ headers: { 'x-any': '' } }))).toEqual({ admitted: true, policy: 'team-a/present' });
    expect(meshDecision([present], plain()).admitted).toBe(false);
  });

  test('ports in an operation: a DENY rule denies on its port, an ALLOW rule admits on its port', () => {
    const denyMetrics = deny('deny-metrics', { to: [{ operation: { ports: ['9090'] } }] });
    const owner = allow('owner', { from: [{ source: { principals: [GATEWAY] } }], ...userIs('alice@example.com') });
    const alice = (port: number) => request({ 'kubeflow-userid': 'alice@example.com' }, { port });
    expect(meshDecision([denyMetrics, owner], alice(9090))).toEqual({ admitted: false, policy: 'team-a/deny-metrics' });
    expect(meshDecision([denyMetrics, owner], alice(8080))).toEqual({ admitted: true, policy: 'team-a/owner' });
    const portOnly = allow('port-only', { to: [{ operation: { ports: ['8888'] } }] });
    expect(meshDecision([portOnly], plain({ port: 8888 }))).toEqual({ admitted: true, policy: 'team-a/port-only' });
    expect(meshDecision([portOnly], plain({ port: 8080 })).admitted).toBe(false);
  });

  test('a policy annotated istio.io/dry-run: "true" is not enforced', () => {
    const dryDeny = policy('dry', { action: 'DENY', rules: [{ to: [{ operation: { paths: ['/shadow'] } }] }] }, { 'istio.io/dry-run': 'true' });
    expect(meshDecision([dryDeny], plain({ path: '/shadow' }))).toEqual({ admitted: true, policy: '' });
    // An ALLOW policy in dry-run leaves the workload without enforced ALLOW policies: everything passes.
    const dryAllow = policy('dry-allow', { action: 'ALLOW', rules: [{ to: [{ operation: { paths: ['/only'] } }] }] }, { 'istio.io/dry-run': 'True' });
    expect(meshDecision([dryAllow], plain({ path: '/other' })).admitted).toBe(true);
    const notDry = policy('not-dry', { action: 'DENY', rules: [{}] }, { 'istio.io/dry-run': 'F' });
    expect(meshDecision([notDry], plain()).admitted).toBe(false);
  });

  test('path templates: {*} is one segment, {**} the rest', () => {
    const one = allow('one', { to: [{ operation: { paths: ['/api/{*}/status'] } }] });
    expect(meshDecision([one], plain({ path: '/api/v1/status' })).admitted).toBe(true);
    expect(meshDecision([one], plain({ path: '/api/v1/status?x=1' })).admitted).toBe(true);
    expect(meshDecision([one], plain({ path: '/api/v1/v2/status' })).admitted).toBe(false);
    expect(meshDecision([one], plain({ path: '/api//status' })).admitted).toBe(false);
    const any = allow('any', { to: [{ operation: { paths: ['/files/{**}'] } }] });
    expect(['/files/', '/files/a/b', '/files', '/filesx'].map(path => meshDecision([any], plain({ path })).admitted)).toEqual([true, true, false, false]);
  });
});

describe('rules', () => {
  test('every section must match; a rule without sections matches everything', () => {
    expect(ruleMatches({}, request({}))).toBe(true);
    const rule = { from: [{ source: { principals: [GATEWAY] } }], ...userIs('a@c.io') };
    expect(ruleMatches(rule, request({ 'kubeflow-userid': 'a@c.io' }))).toBe(true);
    expect(ruleMatches(rule, request({ 'kubeflow-userid': 'b@c.io' }))).toBe(false);
    expect(ruleMatches(rule, request({ 'kubeflow-userid': 'a@c.io' }, { principal: 'cluster.local/ns/x/sa/y' }))).toBe(false);
  });

  test('notValues, namespaces from the peer identity, methods and paths', () => {
    expect(ruleMatches({ when: [{ key: 'request.headers[kubeflow-userid]', notValues: ['a@c.io'] }] }, request({ 'kubeflow-userid': 'a@c.io' }))).toBe(false);
    expect(ruleMatches({ when: [{ key: 'source.namespace', values: ['team-a'] }] }, request({}))).toBe(false);
    expect(ruleMatches({ when: [{ key: 'source.namespace', values: ['istio-system'] }] }, request({}))).toBe(true);
    expect(ruleMatches({ to: [{ operation: { paths: ['/healthz'] } }] }, request({}))).toBe(false);
    expect(ruleMatches({ to: [{ operation: { methods: ['GET'], paths: ['/*'] } }] }, request({}))).toBe(true);
    expect(ruleMatches({ to: [{ operation: { methods: ['POST'] } }] }, request({}))).toBe(false);
  });

  test('identities need mTLS: a plaintext caller has no principal or namespace, and passes notPrincipals', () => {
    expect(ruleMatches({ from: [{ source: { namespaces: ['*'] } }] }, plain())).toBe(false);
    expect(ruleMatches({ from: [{ source: { notPrincipals: [GATEWAY] } }] }, plain())).toBe(true);
    expect(ruleMatches({ from: [{ source: { notPrincipals: [GATEWAY] } }] }, request({}))).toBe(false);
  });

  test('IP blocks match the caller address; JWT attributes are absent without a token', () => {
    expect(ruleMatches({ from: [{ source: { ipBlocks: ['10.0.0.0/8'] } }] }, request({}, { sourceIp: '10.1.2.3' }))).toBe(true);
    expect(ruleMatches({ from: [{ source: { ipBlocks: ['0.0.0.0/0'] } }] }, request({}))).toBe(false);
    expect(ruleMatches({ when: [{ key: 'request.auth.claims[groups]', values: ['x'] }] }, request({}))).toBe(false);
    expect(ruleMatches({ from: [{ source: { notRequestPrincipals: ['*'] } }] }, request({}))).toBe(true);
  });

  test('an unknown condition key drops the rule (Istio skips it); a value Istio cannot translate drops the ALLOW rule, only the value of a DENY rule', () => {
    expect(ruleMatches({ when: [{ key: 'request.header[x]', values: ['a'] }] }, request({}))).toBe(false);
    expect(ruleMatches({ to: [{ operation: { ports: ['x', '8080'] } }] }, request({}), 'team-a', 'ALLOW')).toBe(false);
    expect(ruleMatches({ to: [{ operation: { ports: ['x', '8080'] } }] }, request({}), 'team-a', 'DENY')).toBe(true);
  });

  test('what an attacker found, as the oracle answered: escapes keep their case, raw characters are encoded, `\\` is `/`, `..;` is `..`', () => {
    expect(['/%7b', '/a|b', '/%0%61', '/public\\..\\admin/x', '/public/..;/admin/x', '/.;', '/\u00e9'].map(normalizedPath))
      .toEqual(['/%7b', '/a%7Cb', '/%250a', '/admin/x', '/admin/x', '/', '/%C3%A9']);
    const denyAdmin = deny('admin', { to: [{ operation: { paths: ['/admin'] } }] });
    // An absolute-form target: Envoy reads the path (and the authority) from the URL.
    expect(meshDecision([denyAdmin], plain({ path: 'http://svc.team-a/admin' })).admitted).toBe(false);
    const stripped = allow('ka', { when: [{ key: 'request.headers[keep-alive]', values: ['x'] }] });
    expect(meshDecision([stripped], plain({ headers: { 'keep-alive': 'x' } })).admitted).toBe(false);
    const added = allow('rid', { when: [{ key: 'request.headers[x-request-id]', values: ['*'] }] });
    expect(meshDecision([added], plain()).admitted).toBe(true);
    const remote = allow('remote', { from: [{ source: { remoteIpBlocks: ['10.0.0.0/8'] } }] });
    expect(meshDecision([remote], plain({ headers: { 'x-forwarded-for': '10.1.2.3' } })).admitted).toBe(true);
    const mapped = allow('mapped', { from: [{ source: { ipBlocks: ['::ffff:127.0.0.1'] } }] });
    expect(meshDecision([mapped], plain({ sourceIp: '127.0.0.1' })).admitted).toBe(false);
    const kelvin = allow('kelvin', { to: [{ operation: { hosts: ['\u212Aey.example'] } }] });
    expect(meshDecision([kelvin], plain({ headers: { host: 'key.example' } })).admitted).toBe(false);
    expect(meshDecision([policy('numeric', { action: 1, rules: [{}] })], plain()).admitted).toBe(false);
  });

  test('empty from, to and when lists constrain nothing (protobuf has no empty list)', () => {
    expect(ruleMatches({ from: [], to: [], when: [] }, plain({ path: '/anything' }))).toBe(true);
  });

  test('paths are normalized as Envoy does before a policy sees them', () => {
    expect(['/a/../exact', '/./exact', '/%65xact', '/a/%2e%2e/exact', '/x/../../exact', '//exact', '/exact%2Fx'].map(normalizedPath))
      .toEqual(['/exact', '/exact', '/exact', '/exact', '/exact', '//exact', '/exact%2Fx']);
  });
});

describe('decisions', () => {
  test('no policy admits everything; an ALLOW policy admits only its matches', () => {
    expect(meshDecision([], request({}))).toEqual({ admitted: true, policy: '' });
    const owner = allow('owner', userIs('a@c.io'));
    expect(meshDecision([owner], request({ 'kubeflow-userid': 'a@c.io' }))).toEqual({ admitted: true, policy: 'team-a/owner' });
    expect(meshDecision([owner], request({ 'kubeflow-userid': 'b@c.io' }))).toEqual({ admitted: false, policy: '' });
  });

  test('DENY wins over ALLOW; an ALLOW policy without rules admits nothing', () => {
    const allowAll = allow('all', {});
    const denyB = deny('deny-b', userIs('b@c.io'));
    expect(meshDecision([allowAll, denyB], request({ 'kubeflow-userid': 'b@c.io' }))).toEqual({ admitted: false, policy: 'team-a/deny-b' });
    expect(meshDecision([allowAll, denyB], request({ 'kubeflow-userid': 'a@c.io' })).admitted).toBe(true);
    expect(meshDecision([policy('empty', { action: 'ALLOW' })], request({})).admitted).toBe(false);
  });

  test('a selector applies to the workloads it selects; targetRefs never apply to a sidecar', () => {
    const scoped = policy('scoped', { selector: { matchLabels: { app: 'x' } }, rules: [userIs('a@c.io')] });
    expect(meshDecision([scoped], request({ 'kubeflow-userid': 'b@c.io' })).admitted).toBe(true);
    expect(meshDecision([scoped], request({ 'kubeflow-userid': 'b@c.io' }), { app: 'x' }).admitted).toBe(false);
    const targeted = policy('targeted', { targetRefs: [{ kind: 'Service', group: '', name: 's' }], action: 'DENY', rules: [{}] });
    expect(meshDecision([targeted], request({})).admitted).toBe(true);
  });

  test('the deciding rule is the first in the byte order of Envoy\'s keys, as the oracle showed', () => {
    const ordering = MESH_CASES.find(c => c.name.startsWith('the deciding rule'))!;
    const decide = (id: string) => meshDecision(ordering.policies, ordering.requests.find(r => r.id === id)!).policy;
    // "ns[team-a]-policy[a-b]" sorts before "ns[team-a]-policy[a]", and rule[10] before rule[2].
    expect([decide('o'), decide('m'), decide('d')]).toEqual(['team-a/a-b', 'team-a/many', 'team-a/y']);
  });
});

describe('the access analysis probes', () => {
  test('GET / on a port no policy names, then one request per path of each ALLOW operation, Knative probe paths left out', () => {
    const policies = [
      allow('ports', { to: [{ operation: { ports: ['8080', '8081'], methods: ['POST'], paths: ['/api/*', '/healthz', '/x/{*}/y'] } }] }),
      deny('d', { to: [{ operation: { paths: ['/deny'] } }] }),
    ];
    expect(meshProbes(policies)).toEqual([
      { method: 'GET', path: '/', port: 8082 },
      { method: 'POST', path: '/api/x', port: 8080 },
      { method: 'POST', path: '/x/x/y', port: 8080 },
    ]);
    // A method pattern stands for a real method (a server refuses made-up ones).
    expect(meshProbes([allow('m', { to: [{ operation: { methods: ['P*'], paths: ['/p'] } }] })])[1]).toEqual({ method: 'POST', path: '/p', port: 8080 });
  });

  test('the caller nobody declared carries a value no header condition singles out', () => {
    const hiding = deny('hide', { when: [{ key: 'request.headers[kubeflow-userid]', values: ['nobody-0@nowhere.invalid', 'nobody-1*'] }] });
    expect(unnamedHeaderValue([hiding])).toBe('nobody-2@nowhere.invalid');
    expect(unnamedHeaderValue([deny('all', { when: [{ key: 'request.headers[kubeflow-userid]', values: ['*'] }] })])).toBe('nobody-0@nowhere.invalid');
  });
});

describe('what a third attacker found (each a case of mesh-cases.ts, decided by the oracle)', () => {
  const on = (path: string, key: string, value: string) => allow('p', { to: [{ operation: { paths: [path] } }], when: [{ key: `request.headers[${key}]`, values: [value] }] });

  test('a header the Connection header nominates is gone before any policy sees it (a DENY on it does not apply)', () => {
    const denyEvil = deny('evil', { when: [{ key: 'request.headers[x-evil]', values: ['*'] }] });
    expect(meshDecision([denyEvil], plain({ headers: { 'connection': 'close, X-Evil', 'x-evil': '1' } })).admitted).toBe(true);
    expect(meshDecision([denyEvil], plain({ headers: { 'x-evil': '1' } })).admitted).toBe(false);
  });

  test(':scheme comes from an absolute target, then a valid x-forwarded-proto, then the connection', () => {
    const https = on('/s', ':scheme', 'https');
    expect(meshDecision([https], plain({ path: '/s', headers: { 'x-forwarded-proto': 'HTTPS' } })).admitted).toBe(true);
    expect(meshDecision([https], plain({ path: 'https://svc/s' })).admitted).toBe(true);
    expect(meshDecision([https], request({ 'x-forwarded-proto': 'http' }, { path: '/s' })).admitted).toBe(false);
  });

  test('a generated x-request-id matches only `*`; inline headers sent twice are one value; the last Host wins; Expect stays unless 100-continue', () => {
    expect(meshDecision([on('/r', 'x-request-id', '00000000*')], plain({ path: '/r' })).admitted).toBe(false);
    expect(meshDecision([on('/r', 'x-request-id', '*')], plain({ path: '/r' })).admitted).toBe(true);
    expect(meshDecision([on('/u', 'user-agent', 'a')], plain({ path: '/u', headers: { 'User-Agent': 'b', 'user-agent': 'a' } })).admitted).toBe(false);
    expect(meshDecision([on('/u', 'user-agent', 'b,a')], plain({ path: '/u', headers: { 'User-Agent': 'b', 'user-agent': 'a' } })).admitted).toBe(true);
    expect(meshDecision([on('/h', ':authority', 'b')], plain({ path: '/h', headers: { Host: 'a', host: 'b' } })).admitted).toBe(true);
    expect(meshDecision([on('/e', 'expect', '*')], plain({ path: '/e', headers: { expect: 'abc' } })).admitted).toBe(true);
    expect(meshDecision([on('/e', 'expect', '*')], plain({ path: '/e', headers: { expect: '100-continue' } })).admitted).toBe(false);
  });
});
