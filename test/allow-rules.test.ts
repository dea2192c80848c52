import { classifyAllowRule } from '../src/core/allow-rules';
import { resolveAuth } from '../src/core/auth-options';
import { AuthorizationRuleSpec } from '../src/core/manifest';

const auth = resolveAuth();
const GATEWAY = auth.ingressGatewayPrincipal;
const UI = auth.pipelinesUiPrincipal;
const USER = 'request.headers[kubeflow-userid]';
const GROUPS = 'request.headers[kubeflow-groups]';

/** One rule each: refused with the given words, and a benign neighbour that is accepted. */
const REFUSED: Array<[string, AuthorizationRuleSpec, string]> = [
  ['a user-id rule without a source: any workload can send the header', { when: [{ key: USER, values: ['bob@c.io'] }] }, 'does not require the sender to be a proxy'],
  ['a user-id rule from the tenant\'s own workload', { from: [{ source: { principals: ['cluster.local/ns/team-a/sa/default-editor'] } }], when: [{ key: USER, values: ['bob@c.io'] }] }, 'does not require the sender to be a proxy'],
  ['a groups rule from a namespace', { from: [{ source: { namespaces: ['istio-system'] } }], when: [{ key: GROUPS, values: ['g'] }] }, 'does not require the sender to be a proxy'],
  ['a user-id rule whose source also names a namespace', { from: [{ source: { principals: [GATEWAY], namespaces: ['team-a'] } }], when: [{ key: USER, values: ['bob@c.io'] }] }, 'does not require the sender to be a proxy'],
  ['the gateway without a header condition: every user', { from: [{ source: { principals: [GATEWAY] } }] }, 'forwards every authenticated user'],
  ['the gateway with a header nobody authenticated', { from: [{ source: { principals: [GATEWAY] } }], when: [{ key: 'request.headers[x-team]', values: ['a'] }] }, 'forwards every authenticated user'],
  ['the Pipelines UI as a source.principal condition', { when: [{ key: 'source.principal', values: [UI] }] }, 'forwards every authenticated user'],
  ['the proxies\' namespace', { from: [{ source: { namespaces: ['kubeflow'] } }] }, 'where a proxy that forwards every authenticated user runs'],
  ['notPrincipals: everyone but one', { from: [{ source: { notPrincipals: ['cluster.local/ns/x/sa/y'] } }] }, 'source.notPrincipals admits by exclusion'],
  ['notNamespaces: every other namespace', { from: [{ source: { notNamespaces: ['team-b'] } }] }, 'source.notNamespaces admits by exclusion'],
  ['ipBlocks: by address', { from: [{ source: { ipBlocks: ['10.0.0.0/8'] } }] }, 'source.ipBlocks admits by exclusion, address or token'],
  ['remoteIpBlocks: by a client-set address', { from: [{ source: { remoteIpBlocks: ['0.0.0.0/0'] } }] }, 'source.remoteIpBlocks'],
  ['requestPrincipals: any token', { from: [{ source: { requestPrincipals: ['*'] } }] }, 'source.requestPrincipals'],
  ['an empty source', { from: [{ source: {} }] }, 'names no principal, namespace or service account'],
  ['notValues on the user-id header', { from: [{ source: { principals: [GATEWAY] } }], when: [{ key: USER, notValues: ['mallory@c.io'] }] }, 'uses notValues'],
  ['a condition without values', { when: [{ key: 'source.namespace', values: [] }] }, 'has no values'],
  ['a wildcard principal', { from: [{ source: { principals: ['cluster.local/ns/team-a/sa/*'] } }] }, 'is a wildcard'],
  ['nothing at all', {}, 'admits every request'],
  ['a path outside the probes', { to: [{ operation: { paths: ['/api/secret'] } }] }, 'admits every request'],
  ['the kernels path without the notebook controller', { to: [{ operation: { paths: ['*/api/kernels'] } }] }, 'admits every request'],
  ['a method only', { to: [{ operation: { methods: ['GET'] } }] }, 'admits every request'],
];

const ACCEPTED: Array<[string, AuthorizationRuleSpec, string]> = [
  ['a user through the gateway and the Pipelines UI', { from: [{ source: { principals: [GATEWAY, UI] } }], when: [{ key: USER, values: ['bob@c.io'] }] }, 'identity'],
  ['a group through the gateway', { from: [{ source: { principals: [GATEWAY] } }], when: [{ key: GROUPS, values: ['g', 'g,*', '*,g'] }] }, 'identity'],
  ['the tenant\'s own namespace', { when: [{ key: 'source.namespace', values: ['team-a'] }] }, 'workload'],
  ['the tenant\'s own service account', { from: [{ source: { principals: ['cluster.local/ns/team-a/sa/default-editor'] } }] }, 'workload'],
  ['the notebook controller on the kernels path', { from: [{ source: { principals: [auth.notebookControllerPrincipal] } }], to: [{ operation: { methods: ['GET'], paths: ['*/api/kernels'] } }] }, 'workload'],
  ['the Knative probes', { to: [{ operation: { paths: ['/healthz', '/metrics', '/wait-for-drain'] } }] }, 'probe'],
];

describe('the ALLOW-rule allowlist (shared by the isolation check and the guard)', () => {
  test.each(REFUSED)('refuses %s', (_, rule, words) => {
    const verdict = classifyAllowRule(rule, 'team-a', auth);
    expect(verdict.shape).toBeUndefined();
    expect(verdict.problems.join('\n')).toContain(words);
  });

  test.each(ACCEPTED)('accepts %s', (_, rule, shape) => {
    expect(classifyAllowRule(rule, 'team-a', auth)).toEqual({ shape, problems: [] });
  });

  test('the proxies follow the auth settings: a custom gateway is a proxy, the default one is then just a workload', () => {
    const custom = resolveAuth({ ingressGatewayPrincipal: 'cluster.local/ns/gw/sa/gateway' });
    expect(classifyAllowRule({ from: [{ source: { principals: ['cluster.local/ns/gw/sa/gateway'] } }] }, 'team-a', custom).problems.join())
      .toContain('forwards every authenticated user');
    expect(classifyAllowRule({ from: [{ source: { principals: ['cluster.local/ns/gw/sa/gateway'] } }], when: [{ key: USER, values: ['bob@c.io'] }] }, 'team-a', custom))
      .toEqual({ shape: 'identity', problems: [] });
  });
});
