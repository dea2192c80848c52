import { istioMatch, meshDecision, MeshRequest, ruleMatches } from '../src/analysis/mesh';

const GATEWAY = 'cluster.local/ns/istio-system/sa/istio-ingressgateway-service-account';
const request = (headers: Record<string, string>, overrides: Partial<MeshRequest> = {}): MeshRequest =>
  ({ principal: GATEWAY, namespace: 'istio-system', method: 'GET', path: '/', headers, ...overrides });
const policy = (name: string, spec: any) => ({ kind: 'AuthorizationPolicy', metadata: { name, namespace: 'team-a' }, spec });
const userIs = (value: string) => ({ when: [{ key: 'request.headers[kubeflow-userid]', values: [value] }] });

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
  ])('%s against %s: %s', (pattern, value, expected) => {
    expect(istioMatch(pattern, value)).toBe(expected);
  });

  test('a missing value never matches', () => {
    expect(istioMatch('*', undefined)).toBe(false);
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

  test('notValues, namespaces, methods and paths', () => {
    expect(ruleMatches({ when: [{ key: 'request.headers[kubeflow-userid]', notValues: ['a@c.io'] }] }, request({ 'kubeflow-userid': 'a@c.io' }))).toBe(false);
    expect(ruleMatches({ when: [{ key: 'source.namespace', values: ['team-a'] }] }, request({}))).toBe(false);
    expect(ruleMatches({ when: [{ key: 'source.namespace', values: ['istio-system'] }] }, request({}))).toBe(true);
    expect(ruleMatches({ to: [{ operation: { paths: ['/healthz'] } }] }, request({}))).toBe(false);
    expect(ruleMatches({ to: [{ operation: { methods: ['GET'], paths: ['/*'] } }] }, request({}))).toBe(true);
    expect(ruleMatches({ to: [{ operation: { methods: ['POST'] } }] }, request({}))).toBe(false);
  });

  test('fields the model does not know never match (fails closed for ALLOW)', () => {
    expect(ruleMatches({ from: [{ source: { ipBlocks: ['0.0.0.0/0'] } }] }, request({}))).toBe(false);
    expect(ruleMatches({ when: [{ key: 'request.auth.claims[groups]', values: ['x'] }] }, request({}))).toBe(false);
  });
});

describe('decisions', () => {
  test('no policy admits everything; an ALLOW policy admits only its matches', () => {
    expect(meshDecision([], request({}))).toEqual({ admitted: true, policy: '' });
    const owner = policy('owner', { action: 'ALLOW', rules: [userIs('a@c.io')] });
    expect(meshDecision([owner], request({ 'kubeflow-userid': 'a@c.io' }))).toEqual({ admitted: true, policy: 'team-a/owner' });
    expect(meshDecision([owner], request({ 'kubeflow-userid': 'b@c.io' }))).toEqual({ admitted: false, policy: '' });
  });

  test('DENY wins over ALLOW; an ALLOW policy without rules admits nothing', () => {
    const allowAll = policy('all', { rules: [{}] });
    const deny = policy('deny-b', { action: 'DENY', rules: [userIs('b@c.io')] });
    expect(meshDecision([allowAll, deny], request({ 'kubeflow-userid': 'b@c.io' }))).toEqual({ admitted: false, policy: 'team-a/deny-b' });
    expect(meshDecision([allowAll, deny], request({ 'kubeflow-userid': 'a@c.io' })).admitted).toBe(true);
    expect(meshDecision([policy('empty', { action: 'ALLOW' })], request({})).admitted).toBe(false);
  });

  test('policies scoped to some workloads are not namespace-wide and are left out', () => {
    const scoped = policy('scoped', { selector: { matchLabels: { app: 'x' } }, rules: [userIs('a@c.io')] });
    expect(meshDecision([scoped], request({ 'kubeflow-userid': 'b@c.io' })).admitted).toBe(true);
  });
});
