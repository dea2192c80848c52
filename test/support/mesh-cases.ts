/**
 * Policies and requests on the edges of Istio's semantics. The integration suite decides each
 * with Istio's translation in a real Envoy and with `meshDecision`, and wants the same verdicts
 * (test/integration/mesh-oracle.itest.ts); test/mesh.test.ts pins what the oracle said.
 */
import { AuthorizationPolicyManifest, AuthorizationRuleSpec } from '../../src/core/manifest';
import type { OracleRequest } from '../integration/support/mesh-oracle';

export const NS = 'team-a';
export const GATEWAY = 'cluster.local/ns/istio-system/sa/istio-ingressgateway-service-account';
export const PIPELINES_UI = 'cluster.local/ns/kubeflow/sa/ml-pipeline-ui';

export interface MeshCase {
  readonly name: string;
  readonly labels?: Record<string, string>;
  readonly policies: AuthorizationPolicyManifest[];
  readonly requests: OracleRequest[];
}

export function policy(name: string, spec: Record<string, unknown>, annotations?: Record<string, string>): AuthorizationPolicyManifest {
  return { apiVersion: 'security.istio.io/v1', kind: 'AuthorizationPolicy', metadata: { name, namespace: NS, ...(annotations ? { annotations } : {}) }, spec };
}

export const allow = (name: string, ...rules: AuthorizationRuleSpec[]) => policy(name, { action: 'ALLOW', rules });
export const deny = (name: string, ...rules: AuthorizationRuleSpec[]) => policy(name, { action: 'DENY', rules });

/** A request; every field but the id may be overridden. */
export function req(id: string, overrides: Partial<OracleRequest> = {}): OracleRequest {
  return { id, principal: '', method: 'GET', path: '/', port: 8080, sourceIp: '127.0.0.1', ...overrides, headers: { host: 'svc.team-a', ...overrides.headers } };
}

const user = (value: string) => ({ key: 'request.headers[kubeflow-userid]', values: [value] });

/** Paths that Envoy's normalization, query and fragment handling could read differently. */
const TRICKY_PATHS = ['/exact', '/exact?a=1', '/exact/', '/EXACT', '/a/../exact', '/./exact', '/%65xact', '/a/%2e%2e/exact', '//exact', '/exact%3Fa',
  '/exact/./', '/x/../../exact', '/exact;x', '/exact%2Fx', '/api/v1/status', '/api/v1/v2/status', '/api//status', '/api/v1/status?x=1',
  '/files/', '/files', '/files/a/b', '/filesx'];

export const MESH_CASES: MeshCase[] = [
  {
    name: 'exact paths, prefixes, suffixes and templates against normalized paths',
    policies: [
      allow('exact', { to: [{ operation: { paths: ['/exact'] } }] }),
      allow('template-one', { to: [{ operation: { paths: ['/api/{*}/status'] } }] }),
      allow('template-any', { to: [{ operation: { paths: ['/files/{**}'] } }] }),
      allow('suffix', { to: [{ operation: { paths: ['*.json'] } }] }),
      allow('prefix', { to: [{ operation: { paths: ['/pre*'] } }] }),
    ],
    requests: [...TRICKY_PATHS, '/a.json', '/prefix/x', '/pre', '/x/pre'].map((path, i) => req(`path-${i}`, { path })),
  },
  {
    name: 'header values: * is presence, wildcards at either end, notValues on a missing header',
    policies: [
      allow('present', { when: [{ key: 'request.headers[x-any]', values: ['*'] }] }),
      allow('star-both', { when: [{ key: 'request.headers[x-both]', values: ['*a*'] }] }),
      allow('suffix', { when: [{ key: 'request.headers[x-suffix]', values: ['*@example.com'] }] }),
      allow('not', { when: [{ key: 'request.headers[x-not]', notValues: ['no'] }], to: [{ operation: { paths: ['/not'] } }] }),
      allow('case', { when: [{ key: 'request.headers[X-Upper]', values: ['Yes'] }] }),
    ],
    requests: [
      req('empty-any', { headers: { 'x-any': '' } }), req('some-any', { headers: { 'x-any': 'v' } }), req('no-any'),
      req('both-a', { headers: { 'x-both': 'a*' } }), req('both-xa', { headers: { 'x-both': 'xa*' } }), req('both-ax', { headers: { 'x-both': 'ax' } }),
      req('suffix', { headers: { 'x-suffix': 'bob@example.com' } }), req('suffix-no', { headers: { 'x-suffix': 'bob@example.org' } }),
      req('not-missing', { path: '/not' }), req('not-no', { path: '/not', headers: { 'x-not': 'no' } }), req('not-yes', { path: '/not', headers: { 'x-not': 'yes' } }),
      req('upper', { headers: { 'x-upper': 'Yes' } }), req('upper-case', { headers: { 'x-upper': 'yes' } }),
    ],
  },
  {
    name: 'ports: a DENY rule on a port, an ALLOW rule on a port, destination.port',
    policies: [
      deny('deny-metrics', { to: [{ operation: { ports: ['9090'] } }] }),
      allow('owner', { from: [{ source: { principals: [GATEWAY] } }], when: [user('alice@example.com')] }),
      allow('port-only', { to: [{ operation: { ports: ['8888'] } }] }),
      allow('when-port', { when: [{ key: 'destination.port', values: ['7070'] }] }),
    ],
    requests: [
      req('gw-alice-9090', { principal: GATEWAY, port: 9090, headers: { 'kubeflow-userid': 'alice@example.com' } }),
      req('gw-alice-8080', { principal: GATEWAY, headers: { 'kubeflow-userid': 'alice@example.com' } }),
      req('plain-8888', { port: 8888 }), req('plain-8080'), req('plain-7070', { port: 7070 }),
    ],
  },
  {
    name: 'dry-run policies are not enforced',
    policies: [
      deny('enforced', { to: [{ operation: { paths: ['/dry'] } }] }),
      policy('dry-deny-annotated', { action: 'DENY', rules: [{ to: [{ operation: { paths: ['/shadow'] } }] }] }, { 'istio.io/dry-run': 'true' }),
      policy('dry-allow', { action: 'ALLOW', rules: [{ to: [{ operation: { paths: ['/only'] } }] }] }, { 'istio.io/dry-run': 'True' }),
      policy('dry-false', { action: 'DENY', rules: [{ to: [{ operation: { paths: ['/yes'] } }] }] }, { 'istio.io/dry-run': 'F' }),
    ],
    requests: [req('dry', { path: '/dry' }), req('shadow', { path: '/shadow' }), req('other', { path: '/other' }), req('yes', { path: '/yes' })],
  },
  {
    name: 'identities: principals, namespaces, service accounts and trust domains need mTLS',
    policies: [
      allow('principal-suffix', { from: [{ source: { principals: ['*/sa/ml-pipeline-ui'] } }], to: [{ operation: { paths: ['/p'] } }] }),
      allow('namespace', { from: [{ source: { namespaces: ['team-*'] } }], to: [{ operation: { paths: ['/n'] } }] }),
      allow('not-principal', { from: [{ source: { notPrincipals: [GATEWAY] } }], to: [{ operation: { paths: ['/np'] } }] }),
      allow('service-account', { from: [{ source: { serviceAccounts: ['kubeflow/ml-pipeline-ui'] } }], to: [{ operation: { paths: ['/sa'] } }] }),
      allow('trust-domain', { from: [{ source: { trustDomains: ['cluster.*'] } }], to: [{ operation: { paths: ['/td'] } }] }),
      allow('when-namespace', { when: [{ key: 'source.namespace', values: ['kubeflow'] }], to: [{ operation: { paths: ['/wn'] } }] }),
    ],
    requests: ['/p', '/n', '/np', '/sa', '/td', '/wn'].flatMap(path => [
      req(`ui${path}`, { principal: PIPELINES_UI, path }), req(`team${path}`, { principal: 'cluster.local/ns/team-b/sa/default-editor', path }),
      req(`gw${path}`, { principal: GATEWAY, path }), req(`plain${path}`, { path }),
    ]),
  },
  {
    name: 'methods, hosts, IP blocks and JWT attributes without a JWT',
    policies: [
      allow('methods', { to: [{ operation: { methods: ['GET', 'HEAD'], paths: ['/m'] } }] }),
      allow('hosts', { to: [{ operation: { hosts: ['*.TEAM-A'], paths: ['/h'] } }] }),
      allow('loopback', { from: [{ source: { ipBlocks: ['127.0.0.0/8'] } }], to: [{ operation: { paths: ['/ip'] } }] }),
      allow('elsewhere', { from: [{ source: { ipBlocks: ['10.0.0.0/8'] } }], to: [{ operation: { paths: ['/ip10'] } }] }),
      allow('not-this-host', { from: [{ source: { notIpBlocks: ['127.0.0.1/32'] } }], to: [{ operation: { paths: ['/ip2'] } }] }),
      allow('no-jwt', { from: [{ source: { notRequestPrincipals: ['*'] } }], to: [{ operation: { paths: ['/nojwt'] } }] }),
      allow('jwt', { from: [{ source: { requestPrincipals: ['*'] } }], to: [{ operation: { paths: ['/jwt'] } }] }),
      allow('claims', { when: [{ key: 'request.auth.claims[groups]', notValues: ['admins'] }], to: [{ operation: { paths: ['/claims'] } }] }),
    ],
    requests: [
      req('get', { path: '/m' }), req('post', { method: 'POST', path: '/m' }), req('head', { method: 'HEAD', path: '/m' }),
      req('host', { path: '/h' }), req('host-other', { path: '/h', headers: { host: 'svc.team-b' } }),
      req('ip', { path: '/ip' }), req('ip10', { path: '/ip10' }), req('ip-other', { path: '/ip2', sourceIp: '127.0.0.2' }),
      req('ip-this', { path: '/ip2' }), req('nojwt', { path: '/nojwt' }), req('jwt', { path: '/jwt' }),
      req('claims', { path: '/claims' }),
    ],
  },
  {
    name: 'the deciding rule: Envoy tries rules in the byte order of their keys',
    policies: [
      allow('a', { to: [{ operation: { paths: ['/o'] } }] }),
      allow('a-b', { to: [{ operation: { paths: ['/o'] } }] }),
      allow('many', ...Array.from({ length: 11 }, (_, i) => ({ to: [{ operation: { paths: [i === 2 || i === 10 ? '/m' : `/m${i}`] } }] }))),
      deny('z', { to: [{ operation: { paths: ['/d'] } }] }), deny('y', { to: [{ operation: { paths: ['/d'] } }] }),
      allow('all-of-d', { to: [{ operation: { paths: ['/d'] } }] }),
    ],
    requests: [req('o', { path: '/o' }), req('m', { path: '/m' }), req('d', { path: '/d' })],
  },
  {
    name: 'selectors, targetRefs, empty rules and AUDIT',
    labels: { app: 'notebook', team: 'a' },
    policies: [
      policy('selected', { selector: { matchLabels: { app: 'notebook' } }, action: 'DENY', rules: [{ to: [{ operation: { paths: ['/sel'] } }] }] }),
      policy('not-selected', { selector: { matchLabels: { app: 'other' } }, action: 'DENY', rules: [{ to: [{ operation: { paths: ['/other'] } }] }] }),
      policy('empty-selector', { selector: {}, action: 'DENY', rules: [{ to: [{ operation: { paths: ['/empty'] } }] }] }),
      policy('targeted', { targetRefs: [{ kind: 'Service', group: '', name: 'svc' }], action: 'DENY', rules: [{ to: [{ operation: { paths: ['/t'] } }] }] }),
      policy('audit', { action: 'AUDIT', rules: [{ to: [{ operation: { paths: ['/audit'] } }] }] }),
      policy('nothing', { action: 'ALLOW' }),
      allow('rest', { to: [{ operation: { notPaths: ['/closed'] } }] }),
    ],
    requests: ['/sel', '/other', '/empty', '/t', '/audit', '/closed', '/'].map((path, i) => req(`sel-${i}`, { path })),
  },
  {
    name: 'what a third attacker found: headers the Connection header nominates, :scheme, x-request-id, inline and repeated headers, Expect',
    policies: [
      deny('nominated', { to: [{ operation: { paths: ['/n'] } }], when: [{ key: 'request.headers[x-evil]', values: ['*'] }] }),
      allow('open-n', { to: [{ operation: { paths: ['/n'] } }] }),
      allow('scheme', { to: [{ operation: { paths: ['/s'] } }], when: [{ key: 'request.headers[:scheme]', values: ['https'] }] }),
      allow('request-id', { to: [{ operation: { paths: ['/r'] } }], when: [{ key: 'request.headers[x-request-id]', values: ['00000000*'] }] }),
      allow('user-agent', { to: [{ operation: { paths: ['/u'] } }], when: [{ key: 'request.headers[user-agent]', values: ['a'] }] }),
      allow('authority', { to: [{ operation: { paths: ['/h'] } }], when: [{ key: 'request.headers[:authority]', values: ['b'] }] }),
      allow('retriable', { to: [{ operation: { paths: ['/x'] } }], when: [{ key: 'request.headers[x-envoy-retriable-status-codes]', values: ['*'] }] }),
      allow('expect', { to: [{ operation: { paths: ['/e'] } }], when: [{ key: 'request.headers[expect]', values: ['*'] }] }),
    ],
    requests: [
      req('nominated', { path: '/n', headers: { 'connection': 'x-evil', 'x-evil': '1' } }),
      req('nominated-list', { path: '/n', headers: { 'connection': 'close, X-Evil', 'x-evil': '1' } }),
      req('not-nominated', { path: '/n', headers: { 'x-evil': '1' } }),
      req('scheme-forwarded', { path: '/s', headers: { 'x-forwarded-proto': 'HTTPS' } }),
      req('scheme-absolute', { path: 'https://svc.team-a/s' }),
      req('scheme-mtls-forwarded-http', { principal: GATEWAY, path: '/s', headers: { 'x-forwarded-proto': 'http' } }),
      req('scheme-mtls', { principal: GATEWAY, path: '/s' }),
      req('request-id-generated', { path: '/r' }),
      req('request-id-sent', { path: '/r', headers: { 'x-request-id': '00000000-1' } }),
      req('user-agent-twice', { path: '/u', headers: { 'user-agent': 'a', 'User-Agent': 'b' } }),
      req('user-agent-once', { path: '/u', headers: { 'user-agent': 'a' } }),
      req('host-twice', { path: '/h', headers: { Host: 'a', host: 'b' } }),
      req('retriable', { path: '/x', headers: { 'x-envoy-retriable-status-codes': '503' } }),
      req('expect-other', { path: '/e', headers: { expect: 'abc' } }),
    ],
  },
  {
    name: 'null fields read as absent (protobuf\'s JSON reading): action null is ALLOW, targetRef null targets nothing; other namespaces\' policies do not apply',
    policies: [
      policy('null-action', { action: null, rules: [{ to: [{ operation: { paths: ['/open'] } }] }] }),
      policy('null-target', { targetRef: null, action: 'DENY', rules: [{ to: [{ operation: { paths: ['/deny'] } }] }] }),
      { ...deny('elsewhere', { to: [{ operation: { paths: ['/open'] } }] }), metadata: { name: 'elsewhere', namespace: 'team-b' } },
    ],
    requests: ['/open', '/deny', '/other'].map((path, i) => req(`null-${i}`, { path })),
  },
  {
    name: 'what an attacker of the evaluator found: Envoy\'s canonical paths, absolute targets, headers Envoy adds and strips',
    policies: [
      allow('escaped', { to: [{ operation: { paths: ['/%7b', '/a%7Cb', '/%250a'] } }] }),
      deny('admin', { to: [{ operation: { paths: ['/admin/*', '/admin'] } }] }),
      allow('public', { to: [{ operation: { paths: ['/public/*'] } }] }),
      allow('template-star', { to: [{ operation: { paths: ['/t/{*}', '/u/{**}'] } }] }),
      allow('request-id', { to: [{ operation: { paths: ['/rid'] } }], when: [{ key: 'request.headers[x-request-id]', values: ['*'] }] }),
      allow('authority', { to: [{ operation: { paths: ['/auth'] } }], when: [{ key: 'request.headers[:authority]', values: ['svc.team-a'] }] }),
      allow('keep-alive', { to: [{ operation: { paths: ['/ka'] } }], when: [{ key: 'request.headers[keep-alive]', values: ['x'] }] }),
      allow('trimmed', { to: [{ operation: { paths: ['/trim'] } }], when: [{ key: 'request.headers[x-user]', values: ['alice'] }] }),
      allow('remote', { to: [{ operation: { paths: ['/remote'] } }], from: [{ source: { remoteIpBlocks: ['10.0.0.0/8'] } }] }),
      allow('destination', { to: [{ operation: { paths: ['/dst'] } }], when: [{ key: 'destination.ip', values: ['127.0.0.0/8'] }] }),
      allow('sni', { to: [{ operation: { paths: ['/sni'] } }], when: [{ key: 'connection.sni', values: ['local*'] }] }),
      allow('mapped', { to: [{ operation: { paths: ['/mapped'] } }], from: [{ source: { ipBlocks: ['::ffff:127.0.0.1'] } }] }),
      allow('claims-typo', { to: [{ operation: { paths: ['/claims'] } }], when: [{ key: 'request.auth.claimsX[a]', notValues: ['b'] }] }),
      policy('numeric-deny', { action: 1, rules: [{ to: [{ operation: { paths: ['/numeric'] } }] }] }),
      policy('audit', { action: 'AUDIT', rules: [{}] }),
    ],
    requests: [
      ...['/%7b', '/%7B', '/a|b', '/%0%61', '/public\\..\\admin/x', '/admin\\x', '/public/..;/admin/x', '/public/..;/admin', '/public/x',
        'http://svc.team-a/admin', 'http://svc.team-a/public/y', '/t/b*c', '/u/b*', '/numeric', '/claims'].map((path, i) => req(`attack-path-${i}`, { path })),
      req('rid', { path: '/rid' }), req('authority', { path: '/auth' }), req('keep-alive', { path: '/ka', headers: { 'keep-alive': 'x' } }),
      req('trimmed', { path: '/trim', headers: { 'x-user': ' alice ' } }),
      req('remote-xff', { path: '/remote', headers: { 'x-forwarded-for': '10.1.2.3' } }), req('remote-none', { path: '/remote' }),
      req('dst', { path: '/dst' }), req('sni-mtls', { path: '/sni', principal: PIPELINES_UI }), req('sni-plain', { path: '/sni' }),
      req('mapped', { path: '/mapped' }),
    ],
  },
  {
    name: 'what a second attacker found: literal-only ;-dot segments, stray %, repeated headers, TE, user info, strict XFF',
    policies: [
      allow('paths', { to: [{ operation: { paths: ['/b', '/a/b', '/%25g1', '/a', '/c'] } }] }),
      allow('repeated', { to: [{ operation: { paths: ['/rep'] } }], when: [{ key: 'request.headers[x-user]', values: ['a'] }] }),
      allow('envoy-header', { to: [{ operation: { paths: ['/xe'] } }], when: [{ key: 'request.headers[x-envoy-foo]', values: ['*'] }] }),
      allow('te', { to: [{ operation: { paths: ['/te'] } }], when: [{ key: 'request.headers[te]', values: ['trailers'] }] }),
      allow('te-any', { to: [{ operation: { paths: ['/te-any'] } }], when: [{ key: 'request.headers[te]', values: ['*'] }] }),
      allow('userinfo', { to: [{ operation: { hosts: ['x'], paths: ['/ui'] } }] }),
      allow('xff', { to: [{ operation: { paths: ['/xff'] } }], from: [{ source: { remoteIpBlocks: ['10.0.0.0/8'] } }] }),
    ],
    requests: [
      ...['/a/%2e%2e;/b', '/a/%2e;/b', '/a/.;\\b', '/a/..;\\b', '/a/b/..;/..;\\c', '/a/..;x%5c..\\c', '/%g1', '/%', '/a ', '/a;\\b', '/a;x\\..\\b']
        .map((path, i) => req(`attack2-path-${i}`, { path })),
      req('repeated', { path: '/rep', headers: { 'X-User': 'a', 'x-user': 'b' } }),
      req('envoy-header', { path: '/xe', headers: { 'x-envoy-foo': 'v' } }),
      req('te-gzip', { path: '/te-any', headers: { te: 'gzip' } }), req('te-trailers', { path: '/te', headers: { te: 'gzip, trailers' } }),
      req('userinfo', { path: 'http://u@x/ui' }),
      req('xff-hex', { path: '/xff', headers: { 'x-forwarded-for': '0x0a000001' } }), req('xff-case', { path: '/xff', headers: { 'X-Forwarded-For': '10.0.0.1' } }),
    ],
  },
  {
    // Empty lists reach istiod as absent fields (protobuf has no empty list): they constrain nothing.
    name: 'empty from, to and when lists',
    policies: [allow('empty-lists', { from: [], to: [], when: [] }), allow('other', { to: [{ operation: { paths: ['/other'] } }] })],
    requests: [req('empty-lists', { path: '/x' })],
  },
];

/** Policies Istio's admission validation refuses (each alone), as `istioPolicyProblems` must. */
export const INVALID_POLICIES: AuthorizationPolicyManifest[] = [
  allow('empty-source', { from: [{ source: {} }] }),
  allow('empty-operation', { to: [{ operation: {} }] }),
  policy('dry-run-yes', { action: 'DENY', rules: [{}] }, { 'istio.io/dry-run': 'yes' }),
  allow('no-source', { from: [{}] }),
  allow('no-operation', { to: [{}] }),
  allow('empty-value', { from: [{ source: { principals: [''] } }] }),
  allow('bad-port', { to: [{ operation: { ports: ['65536'] } }] }),
  allow('signed-port', { to: [{ operation: { ports: ['+80'] } }] }),
  allow('bad-template', { to: [{ operation: { paths: ['/a/{**}/b/{*}'] } }] }),
  allow('brace', { to: [{ operation: { paths: ['/a/{x}'] } }] }),
  allow('unknown-key', { when: [{ key: 'request.header[x]', values: ['a'] }] }),
  allow('no-values', { when: [{ key: 'request.headers[x]' }] }),
  allow('bad-header-key', { when: [{ key: 'request.headers[]', values: ['a'] }] }),
  allow('bad-ip', { from: [{ source: { ipBlocks: ['10.0.0.0/33'] } }] }),
  allow('bad-when-ip', { when: [{ key: 'source.ip', values: ['010.0.0.1'] }] }),
  allow('sa-with-ns', { from: [{ source: { serviceAccounts: ['a/b'], namespaces: ['a'] } }] }),
  allow('sa-wildcard', { from: [{ source: { serviceAccounts: ['a/*'] } }] }),
  allow('td-slash', { from: [{ source: { trustDomains: ['a/b'] } }] }),
  allow('td-two-wildcards', { from: [{ source: { trustDomains: ['*a*'] } }] }),
  allow('destination-labels', { when: [{ key: 'destination.labels[app]', values: ['a'] }] }),
  policy('deny-without-rules', { action: 'DENY' }),
  policy('provider-on-allow', { action: 'ALLOW', provider: { name: 'x' }, rules: [{}] }),
  policy('custom-without-provider', { action: 'CUSTOM', rules: [{}] }),
  allow('empty-trust-domain', { from: [{ source: { trustDomains: [''] } }] }),
  allow('embedded-ipv4-zero', { from: [{ source: { ipBlocks: ['::ffff:01.2.3.4'] } }] }),
  allow('long-service-account', { from: [{ source: { serviceAccounts: ['\u00e9'.repeat(161)] } }] }),
  policy('lower-case-action', { action: 'allow', rules: [{}] }),
  policy('numeric-port', { rules: [{ to: [{ operation: { ports: [8080] } }] }] }),
  policy('string-paths', { rules: [{ to: [{ operation: { paths: '/a' } }] }] }),
  policy('selector-and-target', { selector: { matchLabels: { a: 'b' } }, targetRefs: [{ kind: 'Gateway', group: 'gateway.networking.k8s.io', name: 'w' }], rules: [{}] }),
];

/** Odd policies Istio's validation accepts, as `istioPolicyProblems` must. */
export const ACCEPTED_POLICIES: AuthorizationPolicyManifest[] = [
  allow('zoned-address', { from: [{ source: { ipBlocks: ['fe80::1%eth0'] } }] }),
  policy('null-rule', { rules: [null] }),
  policy('numeric-action', { action: 1, rules: [{}] }),
  policy('null-fields', { action: null, targetRef: null, selector: null, provider: null, rules: [{}] }),
  policy('unknown-numeric-action', { action: 4, rules: [{}] }),
  allow('port-leading-zero', { to: [{ operation: { ports: ['08080'] } }] }),
];
