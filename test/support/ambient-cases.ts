/**
 * Policies and requests on the edges of ambient mode: what istiod converts for ztunnel (HTTP
 * attributes dropped from ALLOW rules and from DENY rules), what ztunnel matches (empty matches,
 * identities, addresses, ports), and which policies the waypoint selects (targetRefs). The
 * integration suite decides each with Istio's code (test/integration/ambient-oracle.itest.ts);
 * test/ambient.test.ts pins the model's reading.
 */
import { allow, deny, GATEWAY, MeshCase, NS, PIPELINES_UI, policy, req } from './mesh-cases';
import { DataPlane } from '../../src/analysis/ambient';
import { AuthorizationPolicyManifest, AuthorizationRuleSpec } from '../../src/core/manifest';

export const WAYPOINT = { name: 'waypoint', namespace: NS };
export const WAYPOINT_PRINCIPAL = `cluster.local/ns/${NS}/sa/waypoint`;
export const AMBIENT: DataPlane = { mode: 'ambient', waypoint: WAYPOINT };
export const NOTEBOOK_CONTROLLER = 'cluster.local/ns/kubeflow/sa/notebook-controller-service-account';
const OTHER = 'cluster.local/ns/team-b/sa/default-editor';
const OWN = 'cluster.local/ns/team-a/sa/default-editor';

export interface AmbientCase extends MeshCase {
  readonly plane: DataPlane;
  /** The Service the requests address, for policies that target it. */
  readonly service?: string;
}

/** `targetRefs` to a Gateway (the waypoint by default) or another kind. */
export function targeting(p: AuthorizationPolicyManifest, name = 'waypoint', kind = 'Gateway'): AuthorizationPolicyManifest {
  const group = kind === 'Service' ? '' : 'gateway.networking.k8s.io';
  return { ...p, spec: { ...p.spec, targetRefs: [{ group, kind, name }] } };
}

const user = (value: string) => ({ key: 'request.headers[kubeflow-userid]', values: [value] });
const viaProxies = { from: [{ source: { principals: [GATEWAY, PIPELINES_UI] } }] };
/** Kubeflow's four owner rules (reference: the profile controller's ns-owner-access-istio). */
export const ownerRules = (owner: string): AuthorizationRuleSpec[] => [
  { ...viaProxies, when: [user(owner)] },
  { when: [{ key: 'source.namespace', values: [NS] }] },
  { to: [{ operation: { paths: ['/healthz', '/metrics', '/wait-for-drain'] } }] },
  { from: [{ source: { principals: [NOTEBOOK_CONTROLLER] } }], to: [{ operation: { methods: ['GET'], paths: ['*/api/kernels'] } }] },
];
const waypointL4 = allow('waypoint-l4-access', { from: [{ source: { principals: [WAYPOINT_PRINCIPAL] } }] });
const sameNamespaceL4 = allow('same-namespace-l4-access', { from: [{ source: { namespaces: [NS] } }] });

/** The callers every case sends: members and strangers through the gateway, workloads, plaintext. */
function callers(port = 8080): ReturnType<typeof req>[] {
  const gateway = (id: string, who: string, extra: Partial<ReturnType<typeof req>> = {}) =>
    req(id, { principal: GATEWAY, port, headers: { 'kubeflow-userid': who }, ...extra });
  return [
    gateway('owner', 'owner@c.io'),
    gateway('owner-post', 'owner@c.io', { method: 'POST' }),
    gateway('contributor', 'carol@c.io'),
    gateway('stranger', 'stranger@c.io'),
    gateway('stranger-healthz', 'stranger@c.io', { path: '/healthz' }),
    req('pipelines-ui', { principal: PIPELINES_UI, port, headers: { 'kubeflow-userid': 'owner@c.io' } }),
    req('notebook-controller', { principal: NOTEBOOK_CONTROLLER, port, path: '/notebook/team-a/nb/api/kernels' }),
    req('own-workload', { principal: OWN, port }),
    req('other-tenant', { principal: OTHER, port, headers: { 'kubeflow-userid': 'owner@c.io' } }),
    req('waypoint-itself', { principal: WAYPOINT_PRINCIPAL, port }),
    req('plaintext', { port, headers: { 'kubeflow-userid': 'owner@c.io' } }),
    req('plaintext-10', { port, sourceIp: '127.0.0.10' }),
    req('other-port', { principal: OTHER, port: 9090 }),
  ];
}

export const AMBIENT_CASES: AmbientCase[] = [
  {
    name: 'the output before #30: identity rules namespace-wide, nothing on the waypoint (it forwards everyone)',
    plane: AMBIENT,
    policies: [allow('ns-owner-access-istio', ...ownerRules('owner@c.io')), waypointL4, allow('user-carol', { ...viaProxies, when: [user('carol@c.io')] })],
    requests: callers(),
  },
  {
    name: 'the output now, with Kubeflow\'s profile controller: its namespace-wide copy beside the waypoint\'s',
    plane: AMBIENT,
    policies: [allow('ns-owner-access-istio', ...ownerRules('owner@c.io')), targeting(allow('ns-owner-access-waypoint', ...ownerRules('owner@c.io'))),
      targeting(allow('user-carol', { ...viaProxies, when: [user('carol@c.io')] })), waypointL4, sameNamespaceL4],
    requests: callers(),
  },
  {
    name: 'a DENY rule whose parts are all HTTP: ztunnel never matches it, the waypoint does not see it',
    plane: AMBIENT,
    policies: [deny('deny-post', { to: [{ operation: { methods: ['POST'] } }] }), deny('deny-header', { when: [user('owner@c.io')] }),
      deny('deny-from-b', { from: [{ source: { namespaces: ['team-b'] } }], to: [{ operation: { paths: ['/'] } }] })],
    requests: callers(),
  },
  {
    name: 'a DENY rule keeps its L4 parts: a port with a method denies the whole port',
    plane: AMBIENT,
    policies: [deny('deny-port', { to: [{ operation: { ports: ['9090'], methods: ['POST'] } }] }), deny('deny-b', { from: [{ source: { notNamespaces: ['team-a'] } }] })],
    requests: callers(),
  },
  {
    name: 'policies on the waypoint: DENY and ALLOW with HTTP rules, then ztunnel on the waypoint\'s identity',
    plane: AMBIENT,
    policies: [targeting(deny('deny-post', { to: [{ operation: { methods: ['POST'] } }] })), targeting(allow('members', { ...viaProxies, when: [user('owner@c.io')] },
      { from: [{ source: { namespaces: [NS] } }] })), waypointL4],
    requests: callers(),
  },
  {
    name: 'a waypoint whose identity ztunnel does not admit refuses everything that passed it',
    plane: AMBIENT,
    policies: [targeting(allow('members', { ...viaProxies, when: [user('owner@c.io')] })), allow('editor-only', { from: [{ source: { principals: [OWN] } }] })],
    requests: callers(),
  },
  {
    name: 'L4 conditions at ztunnel: destination.port, source.ip, source.namespace, source.principal, with notValues',
    plane: AMBIENT,
    policies: [
      allow('port', { when: [{ key: 'destination.port', values: ['9090'] }] }),
      allow('ip', { when: [{ key: 'source.ip', values: ['127.0.0.10/32'] }] }),
      allow('ns', { when: [{ key: 'source.namespace', notValues: ['team-b', 'istio-system'] }] }),
      allow('principal', { when: [{ key: 'source.principal', values: ['*/sa/notebook-controller-service-account'] }] }),
      deny('deny-ip', { when: [{ key: 'source.ip', notValues: ['127.0.0.0/8'] }] }),
    ],
    requests: callers(),
  },
  {
    name: 'identity patterns at ztunnel: prefix, suffix, presence, exclusions (plaintext passes them)',
    plane: AMBIENT,
    policies: [
      allow('prefix', { from: [{ source: { principals: ['cluster.local/ns/kubeflow/*'] } }] }),
      allow('suffix', { from: [{ source: { principals: ['*/sa/default-editor'], notNamespaces: ['team-b'] } }] }),
      allow('presence', { from: [{ source: { namespaces: ['*'] } }], to: [{ operation: { ports: ['9090'] } }] }),
      allow('excluded', { from: [{ source: { notPrincipals: [GATEWAY] } }], when: [{ key: 'destination.port', values: ['8080'] }] }),
    ],
    requests: callers(),
  },
  {
    name: 'serviceAccounts with and without a namespace; ipBlocks and notIpBlocks',
    plane: AMBIENT,
    policies: [
      allow('sa', { from: [{ source: { serviceAccounts: ['default-editor', 'istio-system/istio-ingressgateway-service-account'] } }] }),
      allow('blocks', { from: [{ source: { ipBlocks: ['127.0.0.8/29'], notIpBlocks: ['127.0.0.9'] } }] }),
    ],
    requests: callers(),
  },
  {
    name: 'an ALLOW policy without rules refuses everyone at ztunnel; an empty rule admits everyone',
    plane: AMBIENT,
    policies: [policy('none', { action: 'ALLOW' }), targeting(allow('everyone', {}))],
    requests: callers(),
  },
  {
    name: 'an empty rule namespace-wide admits everyone at ztunnel',
    plane: AMBIENT,
    policies: [allow('everyone', {}), targeting(allow('owner', { ...viaProxies, when: [user('owner@c.io')] }))],
    requests: callers(),
  },
  {
    name: 'dry-run policies are enforced at neither point',
    plane: AMBIENT,
    policies: [policy('dry', { action: 'DENY', rules: [{}] }, { 'istio.io/dry-run': 'true' }),
      targeting(policy('dry-waypoint', { action: 'DENY', rules: [{}] }, { 'istio.io/dry-run': 'true' })), waypointL4, sameNamespaceL4],
    requests: callers(),
  },
  {
    name: 'targetRefs the waypoint ignores: another Gateway, the waypoint class outside the root namespace; the singular targetRef',
    plane: AMBIENT,
    policies: [targeting(allow('other-gateway', { ...viaProxies, when: [user('owner@c.io')] }), 'ingress'),
      // The istio-waypoint GatewayClass attaches only from the root namespace.
      targeting(allow('gateway-class', { ...viaProxies, when: [user('carol@c.io')] }), 'istio-waypoint', 'GatewayClass'),
      {
        ...allow('singular', { ...viaProxies, when: [user('stranger@c.io')] }),
        spec: {
          action: 'ALLOW',
          rules: [{ ...viaProxies, when: [user('stranger@c.io')] }],
          targetRef: { group: 'gateway.networking.k8s.io', kind: 'Gateway', name: 'waypoint' },
        },
      },
      waypointL4],
    requests: callers(),
  },
  {
    name: 'a policy that targets the Service the request is for',
    plane: AMBIENT,
    service: 'notebook',
    policies: [targeting(allow('on-notebook', { ...viaProxies, when: [user('carol@c.io')] }), 'notebook', 'Service'),
      targeting(allow('on-other', { ...viaProxies, when: [user('stranger@c.io')] }), 'other', 'Service'), waypointL4],
    requests: callers(),
  },
  {
    name: 'a selector policy applies at ztunnel to the workloads it selects',
    plane: AMBIENT,
    labels: { app: 'nb' },
    policies: [{
      ...allow('selected', { from: [{ source: { namespaces: ['team-b'] } }] }),
      spec: {
        action: 'ALLOW',
        selector: { matchLabels: { app: 'nb' } },
        rules: [{ from: [{ source: { namespaces: ['team-b'] } }] }],
      },
    },
    {
      ...allow('not-selected', { from: [{ source: { namespaces: ['istio-system'] } }] }),
      spec: {
        action: 'ALLOW',
        selector: { matchLabels: { app: 'x' } },
        rules: [{ from: [{ source: { namespaces: ['istio-system'] } }] }],
      },
    }],
    requests: callers(),
  },
  {
    name: 'an ALLOW rule with L4 and HTTP parts is dropped whole at ztunnel, not reduced to its L4 parts',
    plane: AMBIENT,
    policies: [allow('port-and-method', { from: [{ source: { principals: [GATEWAY] } }], to: [{ operation: { ports: ['8080'], methods: ['GET'] } }] }),
      allow('principal-and-token', { from: [{ source: { namespaces: ['team-b'], requestPrincipals: ['*'] } }] }),
      allow('principal-and-host', { from: [{ source: { principals: [OWN] } }], to: [{ operation: { hosts: ['svc.team-a'] } }] })],
    requests: callers(),
  },
  // What an attacker of the ambient model found (each was a disagreement with the oracle or with Istio).
  {
    name: 'policies of other namespaces do not apply; the root namespace\'s do, at ztunnel and (for the waypoint class) at the waypoint',
    plane: AMBIENT,
    policies: [
      { ...deny('elsewhere', {}), metadata: { name: 'elsewhere', namespace: 'team-b' } },
      { ...deny('mesh-wide', { from: [{ source: { namespaces: ['team-b'] } }] }), metadata: { name: 'mesh-wide', namespace: 'istio-system' } },
      {
        ...targeting(deny('every-waypoint', { to: [{ operation: { methods: ['POST'] } }] }), 'istio-waypoint', 'GatewayClass'),
        metadata: { name: 'every-waypoint', namespace: 'istio-system' },
      },
      waypointL4, sameNamespaceL4, targeting(allow('owner', { ...viaProxies, when: [user('owner@c.io')] })),
    ],
    requests: callers(),
  },
  {
    name: 'null fields: action null is ALLOW, targetRef null targets nothing (the policy is namespace-wide)',
    plane: AMBIENT,
    policies: [policy('null-action', { action: null, rules: [{ from: [{ source: { namespaces: ['team-b'] } }] }] }),
      policy('null-target', { action: 'DENY', targetRef: null, rules: [{ to: [{ operation: { ports: ['9090'] } }] }] }), waypointL4],
    requests: callers(),
  },
  {
    name: 'selectors at ztunnel: an empty label value needs the label; selector {} reaches no workload',
    plane: AMBIENT,
    labels: { v: '1' },
    policies: [
      policy('empty-value', { action: 'DENY', selector: { matchLabels: { app: '' } }, rules: [{}] }),
      policy('empty-selector', { action: 'DENY', selector: {}, rules: [{}] }),
      policy('no-labels', { action: 'DENY', selector: { matchLabels: {} }, rules: [{ to: [{ operation: { ports: ['9090'] } }] }] }),
    ],
    requests: callers(),
  },
  {
    name: 'no waypoint: ztunnel alone, with the caller\'s identity',
    plane: { mode: 'ambient' },
    policies: [allow('gateway-l4', { from: [{ source: { principals: [GATEWAY] } }] }), allow('header', { ...viaProxies, when: [user('owner@c.io')] })],
    requests: callers(),
  },
];
