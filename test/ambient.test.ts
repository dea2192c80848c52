import { ApiObject, Chart } from 'cdk8s';
import { MeshMode, ProfileController, TenancyApp, TenantProfile } from '../src';
import { allow, deny, GATEWAY, NS, PIPELINES_UI, policy } from './support/mesh-cases';
import { renderObjects, synthTenant } from './support/synth';
import { accessMarkdown, accessMatrix, accessReuse } from '../src/analysis/access';
import {
  dataPlaneOf, namespaceEnforcement, unenforcedPolicies, waypointPolicies, ztunnelAuthorization, ztunnelDecision, ztunnelPolicies,
} from '../src/analysis/ambient';
import { meshEnforcementViolations } from '../src/analysis/isolation';
import { MeshRequest } from '../src/analysis/mesh';
import { resolveAuth } from '../src/core/auth-options';
import { formatProblem } from '../src/core/problem';

const WAYPOINT = { name: 'waypoint', namespace: NS };
const AMBIENT = { mode: 'ambient', waypoint: WAYPOINT } as const;
const WAYPOINT_PRINCIPAL = `cluster.local/ns/${NS}/sa/waypoint`;
const OTHER_TENANT = 'cluster.local/ns/team-b/sa/default-editor';
const targeted = (p: ReturnType<typeof policy>, name = 'waypoint') =>
  ({ ...p, spec: { ...p.spec, targetRefs: [{ group: 'gateway.networking.k8s.io', kind: 'Gateway', name }] } });
const userIs = (value: string) => ({
  from: [{ source: { principals: [GATEWAY, PIPELINES_UI] } }],
  when: [{ key: 'request.headers[kubeflow-userid]', values: [value] }],
});
const sameNamespace = { from: [{ source: { namespaces: [NS] } }] };
const waypointL4 = allow('waypoint-l4-access', { from: [{ source: { principals: [WAYPOINT_PRINCIPAL] } }] });
const request = (principal: string, headers: Record<string, string> = {}, overrides: Partial<MeshRequest> = {}): MeshRequest =>
  ({ principal, method: 'GET', path: '/', port: 8888, headers, ...overrides });

describe('the data plane a namespace chooses', () => {
  test('ambient with a waypoint, ambient without, sidecar', () => {
    expect(dataPlaneOf('a', { 'istio.io/dataplane-mode': 'ambient', 'istio.io/use-waypoint': 'wp' })).toEqual({ mode: 'ambient', waypoint: { name: 'wp', namespace: 'a' } });
    expect(dataPlaneOf('a', { 'istio.io/dataplane-mode': 'ambient', 'istio.io/use-waypoint': 'wp', 'istio.io/use-waypoint-namespace': 'm' }).waypoint)
      .toEqual({ name: 'wp', namespace: 'm' });
    expect(dataPlaneOf('a', { 'istio.io/dataplane-mode': 'ambient', 'istio.io/use-waypoint': 'none' })).toEqual({ mode: 'ambient' });
    expect(dataPlaneOf('a', { 'istio-injection': 'enabled' })).toEqual({ mode: 'sidecar' });
  });
});

describe('istiod\'s conversion for ztunnel (pilot/pkg/serviceregistry/ambient/authorization.go)', () => {
  test('an ALLOW rule with an HTTP attribute is dropped; the L4 rules stay', () => {
    const converted = ztunnelAuthorization(allow('owner', userIs('a@c.io'), sameNamespace, { to: [{ operation: { paths: ['/healthz'] } }] }))!;
    expect(converted.groups).toHaveLength(1);
    expect(converted.dropped).toEqual(['paths', 'request.headers[kubeflow-userid]']);
    expect(ztunnelDecision([converted], { principal: 'cluster.local/ns/team-a/sa/x', port: 80 }).admitted).toBe(true);
    expect(ztunnelDecision([converted], { principal: GATEWAY, port: 80 }).admitted).toBe(false);
  });

  test('an ALLOW policy whose every rule is HTTP matches nothing: it refuses everyone (fail closed)', () => {
    const converted = ztunnelPolicies([allow('owner', userIs('a@c.io'))], NS);
    expect(converted[0].groups).toEqual([]);
    expect(ztunnelDecision(converted, { principal: GATEWAY, port: 80 })).toEqual({ admitted: false, policy: '' });
  });

  test('a DENY rule keeps its L4 parts, and one whose entry is all HTTP never matches (ztunnel skips empty matches)', () => {
    const portAndMethod = deny('deny-port', { to: [{ operation: { ports: ['8888'], methods: ['POST'] } }] });
    expect(ztunnelDecision(ztunnelPolicies([portAndMethod], NS), { principal: GATEWAY, port: 8888 })).toEqual({ admitted: false, policy: 'team-a/deny-port' });
    expect(ztunnelDecision(ztunnelPolicies([portAndMethod], NS), { principal: GATEWAY, port: 80 }).admitted).toBe(true);
    const methodOnly = deny('deny-post', { to: [{ operation: { methods: ['POST'] } }] });
    expect(ztunnelDecision(ztunnelPolicies([methodOnly], NS), { principal: GATEWAY, port: 8888 }).admitted).toBe(true);
    const headerOnly = deny('deny-header', { from: [{ source: { namespaces: ['team-b'] } }], when: [{ key: 'request.headers[x]', values: ['1'] }] });
    expect(ztunnelDecision(ztunnelPolicies([headerOnly], NS), { principal: OTHER_TENANT, port: 8888 }).admitted).toBe(true);
  });

  test('policies with targetRefs, dry-run policies and other actions are not sent', () => {
    expect(ztunnelAuthorization(targeted(allow('w', sameNamespace)))).toBeUndefined();
    expect(ztunnelAuthorization(policy('dry', { action: 'ALLOW', rules: [sameNamespace] }, { 'istio.io/dry-run': 'true' }))).toBeUndefined();
    expect(ztunnelAuthorization(policy('audit', { action: 'AUDIT', rules: [{}] }))).toBeUndefined();
  });

  test('identities: principals and namespaces need mTLS; negative matches pass plaintext; service accounts default to the policy namespace', () => {
    const by = (rule: object) => ztunnelPolicies([allow('p', rule as never)], NS);
    expect(ztunnelDecision(by({ from: [{ source: { principals: ['*'] } }] }), { principal: '', port: 1 }).admitted).toBe(false);
    expect(ztunnelDecision(by({ from: [{ source: { principals: ['*'] } }] }), { principal: OTHER_TENANT, port: 1 }).admitted).toBe(true);
    expect(ztunnelDecision(by({ from: [{ source: { notNamespaces: ['team-b'] } }] }), { principal: '', port: 1 }).admitted).toBe(true);
    expect(ztunnelDecision(by({ from: [{ source: { notNamespaces: ['team-b'] } }] }), { principal: OTHER_TENANT, port: 1 }).admitted).toBe(false);
    expect(ztunnelDecision(by({ from: [{ source: { serviceAccounts: ['x'] } }] }), { principal: 'cluster.local/ns/team-a/sa/x', port: 1 }).admitted).toBe(true);
    expect(ztunnelDecision(by({ from: [{ source: { serviceAccounts: ['x'] } }] }), { principal: 'cluster.local/ns/team-b/sa/x', port: 1 }).admitted).toBe(false);
    expect(ztunnelDecision(by({ from: [{ source: { ipBlocks: ['10.0.0.0/8'] } }] }), { principal: '', sourceIp: '10.1.2.3', port: 1 }).admitted).toBe(true);
    expect(ztunnelDecision(by({ when: [{ key: 'destination.port', values: ['80'] }] }), { principal: '', port: 80 }).admitted).toBe(true);
    expect(ztunnelDecision(by({ when: [{ key: 'destination.port', values: ['80'] }] }), { principal: '', port: 81 }).admitted).toBe(false);
  });
});

describe('what the waypoint enforces', () => {
  test('only policies whose targetRefs name it (or a Service it serves, from the Service\'s namespace)', () => {
    const onWaypoint = targeted(allow('on-waypoint', userIs('a@c.io')));
    const elsewhere = targeted(allow('elsewhere', userIs('b@c.io')), 'other-gateway');
    const onService = { ...allow('on-svc', userIs('c@c.io')), spec: { action: 'ALLOW', rules: [userIs('c@c.io')], targetRefs: [{ kind: 'Service', name: 'nb' }] } };
    const namespaceWide = allow('ns-wide', userIs('d@c.io'));
    const all = [onWaypoint, elsewhere, onService, namespaceWide];
    expect(waypointPolicies(all, WAYPOINT, NS).map(p => p.metadata?.name)).toEqual(['on-waypoint']);
    expect(waypointPolicies(all, WAYPOINT, NS, 'nb').map(p => p.metadata?.name)).toEqual(['on-waypoint', 'on-svc']);
    // A Gateway target in another namespace than the waypoint's never attaches.
    expect(waypointPolicies(all, { name: 'waypoint', namespace: 'mesh' }, NS)).toEqual([]);
  });
});

describe('an ambient namespace: through the waypoint, or straight to ztunnel', () => {
  const owner = { 'kubeflow-userid': 'owner@c.io' };
  const stranger = { 'kubeflow-userid': 'stranger@c.io' };

  test('as this library wrote it before: header rules namespace-wide, so nobody checks the header and anyone signed in gets in', () => {
    const before = [allow('ns-owner-access-istio', userIs('owner@c.io'), sameNamespace), waypointL4];
    const enforcement = namespaceEnforcement(before, NS, AMBIENT);
    expect(enforcement.decide(request(GATEWAY, stranger))).toEqual({ admitted: true, policy: '' });
    expect(unenforcedPolicies(before, AMBIENT).map(u => u.policy)).toEqual(['team-a/ns-owner-access-istio']);
  });

  test('as written now: identity rules on the waypoint, ztunnel admits the waypoint and the namespace', () => {
    const now = [targeted(allow('ns-owner-access-waypoint', userIs('owner@c.io'), sameNamespace)), waypointL4, allow('same-namespace-l4-access', sameNamespace)];
    const enforcement = namespaceEnforcement(now, NS, AMBIENT);
    expect(enforcement.decide(request(GATEWAY, owner))).toEqual({ admitted: true, policy: 'team-a/ns-owner-access-waypoint' });
    expect(enforcement.decide(request(GATEWAY, stranger)).admitted).toBe(false);
    // Another tenant's workload: refused by the waypoint, and by ztunnel when it skips the waypoint.
    expect(enforcement.decide(request(OTHER_TENANT, owner)).admitted).toBe(false);
    expect(enforcement.decide(request('', owner)).admitted).toBe(false);
    // The namespace's own workloads, by pod address (ztunnel) or through the waypoint.
    expect(enforcement.decide(request('cluster.local/ns/team-a/sa/default-editor')).admitted).toBe(true);
    expect(unenforcedPolicies(now, AMBIENT)).toEqual([]);
  });

  test('the waypoint\'s pass is not enough when ztunnel does not admit the waypoint', () => {
    const noHop = [targeted(allow('owner', userIs('owner@c.io'))), allow('same-namespace-l4-access', { from: [{ source: { namespaces: ['elsewhere'] } }] })];
    expect(namespaceEnforcement(noHop, NS, AMBIENT).decide(request(GATEWAY, owner)).admitted).toBe(false);
  });

  test('without a waypoint only ztunnel decides, with the caller\'s identity', () => {
    const policies = [allow('gateway-l4', { from: [{ source: { principals: [GATEWAY] } }] })];
    expect(namespaceEnforcement(policies, NS, { mode: 'ambient' }).decide(request(GATEWAY, stranger)).admitted).toBe(true);
  });

  test('a namespace-wide policy with HTTP rules in an ambient tenant is reported as enforced nowhere', () => {
    const [found] = unenforcedPolicies([allow('open-paths', { to: [{ operation: { paths: ['/api'] } }], from: [{ source: { principals: [GATEWAY] } }] })], AMBIENT);
    expect(found.policy).toBe('team-a/open-paths');
    expect(found.reason).toContain('uses HTTP attributes (paths) without targetRefs');
    expect(unenforcedPolicies([targeted(allow('w', sameNamespace), 'gw')], AMBIENT)[0].reason).toContain('targets no waypoint of the namespace');
    expect(unenforcedPolicies([targeted(allow('w', sameNamespace))], { mode: 'sidecar' })[0].reason).toContain('sidecars ignore');
  });
});

describe('the isolation check and the access report on ambient tenants', () => {
  const auth = resolveAuth();

  test('the output for an ambient tenant passes; the earlier output is refused as open', () => {
    const objects = synthTenant({ owner: 'owner@c.io', meshMode: MeshMode.AMBIENT, contributors: [{ name: 'c@c.io' }] });
    expect(meshEnforcementViolations(NS, objects, objects, auth)).toEqual([]);
    const earlier = objects.map(o => (o.kind === 'AuthorizationPolicy' && o.spec.targetRefs
      ? { ...o, spec: { action: o.spec.action, rules: o.spec.rules } } : o));
    const violations = meshEnforcementViolations(NS, earlier, earlier, auth).map(formatProblem);
    expect(violations.some(v => v.includes('a signed-in user nobody declared reaches the namespace through the ingress gateway in ambient mode'))).toBe(true);
    expect(violations.some(v => v.includes('AuthorizationPolicy team-a/ns-owner-access-waypoint uses HTTP attributes'))).toBe(true);
  });

  test('the access report reads both enforcement points: the same cells as sidecar mode, and the earlier output as open', () => {
    const matrixOf = (mode: MeshMode, controller: ProfileController) => {
      const app = new TenancyApp({ profileController: controller });
      new TenantProfile(new Chart(app, 'c'), NS, { owner: 'owner@c.io', meshMode: mode, contributors: [{ name: 'c@c.io' }] });
      return accessMatrix(renderObjects(app));
    };
    for (const controller of [ProfileController.KUBEFLOW, ProfileController.NONE]) {
      const sidecar = matrixOf(MeshMode.SIDECAR, controller);
      const ambient = matrixOf(MeshMode.AMBIENT, controller);
      const cells = (m: typeof sidecar) => m.identities.map(i => [i.name, Object.entries(i.access).map(([ns, a]) => [ns, a.level, a.meshIngress])]);
      expect(cells(ambient)).toEqual(cells(sidecar));
      expect(ambient.meshOpen).toEqual([]);
    }
    const earlier = renderObjects((() => {
      const app = new TenancyApp({ profileController: ProfileController.NONE });
      new TenantProfile(new Chart(app, 'c'), NS, { owner: 'owner@c.io', meshMode: MeshMode.AMBIENT });
      return app;
    })()).map(o => (o.kind === 'AuthorizationPolicy' ? { ...o, spec: { action: o.spec.action, rules: o.spec.rules } } : o));
    expect(accessMatrix(earlier).meshOpen).toEqual([NS]);
    // ...and says which policy no proxy enforces.
    expect(accessMatrix(earlier).unenforcedPolicies.map(u => u.policy)).toEqual(['team-a/ns-owner-access-istio']);
    expect(accessMarkdown(accessMatrix(earlier))).toContain('- enforced nowhere: AuthorizationPolicy team-a/ns-owner-access-istio uses HTTP attributes');
  });
});

describe('synthesis refuses an ambient tenant policy that no proxy enforces', () => {
  test('a namespace-wide header rule added to an ambient tenant fails the isolation check, naming the policy', () => {
    const app = new TenancyApp({ profileController: ProfileController.NONE });
    const tenant = new TenantProfile(new Chart(app, 'c'), NS, { owner: 'owner@c.io', meshMode: MeshMode.AMBIENT });
    new ApiObject(tenant, 'extra', {
      apiVersion: 'security.istio.io/v1',
      kind: 'AuthorizationPolicy',
      metadata: { name: 'owner-api', namespace: NS },
      spec: { rules: [{ from: [{ source: { principals: [GATEWAY] } }], when: [{ key: 'request.headers[kubeflow-userid]', values: ['owner@c.io'] }] }] },
    });
    expect(() => renderObjects(app)).toThrow(/AuthorizationPolicy team-a\/owner-api uses HTTP attributes \(request.headers\[kubeflow-userid\]\) without targetRefs/);
  });
});

describe('the access diff takes no cells over from a namespace whose data plane changed', () => {
  test('same policies, Namespace relabelled to ambient: the reused cells are recomputed', () => {
    const labels = (ambient: boolean): Record<string, string> => (ambient
      ? { 'istio.io/dataplane-mode': 'ambient', 'istio.io/use-waypoint': 'waypoint' } : { 'istio-injection': 'enabled' });
    const namespace = (ambient: boolean) => ({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: NS, labels: labels(ambient) } });
    const shared = [
      allow('ns-owner-access-istio', userIs('owner@c.io')),
      waypointL4,
      {
        apiVersion: 'rbac.authorization.k8s.io/v1',
        kind: 'RoleBinding',
        metadata: { name: 'viewer', namespace: NS },
        roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: 'kubeflow-view' },
        subjects: [{ apiGroup: 'rbac.authorization.k8s.io', kind: 'User', name: 'viewer@c.io' }],
      },
    ];
    const reuse = accessReuse();
    const sidecar = accessMatrix([namespace(false), ...shared], { reuse });
    const ambient = accessMatrix([namespace(true), ...shared], { reuse });
    const viewer = (m: typeof sidecar) => m.identities.find(i => i.name === 'viewer@c.io')!.access[NS].meshIngress;
    expect(viewer(sidecar)).toBe(false);
    expect(viewer(ambient)).toBe(true);
    expect(ambient.meshOpen).toEqual([NS]);
  });
});

describe('what an attacker of the ambient model found (each decided by the oracle in ambient-cases.ts)', () => {
  test('only the namespace\'s and the root namespace\'s policies apply', () => {
    const elsewhere = { ...deny('elsewhere', {}), metadata: { name: 'elsewhere', namespace: 'team-b' } };
    const meshWide = { ...deny('mesh-wide', {}), metadata: { name: 'mesh-wide', namespace: 'istio-system' } };
    expect(ztunnelPolicies([elsewhere], NS)).toEqual([]);
    expect(ztunnelPolicies([meshWide], NS).map(a => a.policy)).toEqual(['istio-system/mesh-wide']);
    expect(namespaceEnforcement([elsewhere], NS, AMBIENT).decide(request(OTHER_TENANT)).admitted).toBe(true);
  });

  test('the root namespace\'s policy on the istio-waypoint class holds at every waypoint', () => {
    const everyWaypoint = { ...targeted(deny('every', { to: [{ operation: { methods: ['POST'] } }] }), 'istio-waypoint'), metadata: { name: 'every', namespace: 'istio-system' } };
    everyWaypoint.spec = { ...everyWaypoint.spec, targetRefs: [{ group: 'gateway.networking.k8s.io', kind: 'GatewayClass', name: 'istio-waypoint' }] };
    expect(waypointPolicies([everyWaypoint], WAYPOINT, NS).map(p => p.metadata?.name)).toEqual(['every']);
    expect(waypointPolicies([{ ...everyWaypoint, metadata: { name: 'every', namespace: NS } }], WAYPOINT, NS)).toEqual([]);
  });

  test('null reads as absent: action null is ALLOW, targetRef null targets nothing', () => {
    expect(ztunnelAuthorization(policy('n', { action: null, targetRef: null, rules: [sameNamespace] }))?.action).toBe('ALLOW');
  });

  test('ztunnel selectors: a label must be present, even with an empty value; selector {} reaches no workload', () => {
    const emptyValue = policy('empty-value', { action: 'DENY', selector: { matchLabels: { app: '' } }, rules: [{}] });
    expect(ztunnelPolicies([emptyValue], NS, { v: '1' })).toEqual([]);
    expect(ztunnelPolicies([emptyValue], NS, { app: '' })).toHaveLength(1);
    expect(ztunnelPolicies([policy('empty', { action: 'DENY', selector: {}, rules: [{}] })], NS, { v: '1' })).toEqual([]);
    expect(ztunnelPolicies([policy('all', { action: 'DENY', selector: { matchLabels: {} }, rules: [{}] })], NS, { v: '1' })).toHaveLength(1);
  });
});
