/**
 * Ambient mode's model (src/analysis/ambient.ts) against Istio's own code: for each request, the
 * waypoint's verdict (the policies istiod selects for a waypoint proxy, translated by its waypoint
 * builder, in a real Envoy), ztunnel's verdict on the waypoint's connection and on the caller's own
 * (istiod's conversion for ztunnel, evaluated as ztunnel does: test/istio/ambient.go), and the
 * outcome, for the edge cases, seeded random policies, the bundled example switched to ambient
 * and seeded random ambient catalogs with hand-written policies.
 */
import * as fs from 'fs';
import { ApiObject, Chart } from 'cdk8s';
import { EXAMPLE_CATALOG, synthCatalog } from './support/cluster';
import { checkAccess, disagreements, random, RANDOM_AUTHS, RANDOM_PEOPLE, randomMembers, randomRule, HEADER_VALUES, PORTS, PRINCIPALS, REQUEST_PATHS } from './support/mesh-comparison';
import { DashboardVersion, IdentityKind, MeshMode, ProfileController, ReadOnlyDashboard, TenancyApp, TenantProfile } from '../../src';
import { accessMatrix } from '../../src/analysis/access';
import { DataPlane } from '../../src/analysis/ambient';
import { readManifestDir } from '../../src/catalog/manifest-reader';
import { KubeflowAuthOptions, resolveAuth } from '../../src/core/auth-options';
import { AuthorizationPolicyManifest, AuthorizationRuleSpec } from '../../src/core/manifest';
import { AMBIENT, AMBIENT_CASES, targeting, WAYPOINT_PRINCIPAL } from '../support/ambient-cases';
import { allow, deny, GATEWAY, NS, req } from '../support/mesh-cases';
import { renderObjects } from '../support/synth';

const SEED = Number(process.env.MESH_ORACLE_SEED ?? 7);
const RUNS = Number(process.env.MESH_ORACLE_RUNS ?? 30);

describe('ambient mode, case by case', () => {
  test.each(AMBIENT_CASES.map(c => [c.name, c] as const))('%s', (_name, c) => {
    expect(disagreements(c.name, NS, c.policies, c.requests, c.labels, c.plane, c.service).differences).toEqual([]);
  });

  test('the cases reach every hop: the waypoint refuses, ztunnel refuses the waypoint, ztunnel admits past the waypoint', () => {
    const outcomes = new Set<string>();
    for (const c of AMBIENT_CASES) {
      for (const v of disagreements(c.name, NS, c.policies, c.requests, c.labels, c.plane, c.service).oracle.values()) {
        if (v.waypoint && !v.waypoint.allowed) outcomes.add('waypoint refuses');
        if (v.ztunnelAfterWaypoint && !v.ztunnelAfterWaypoint.allowed) outcomes.add('ztunnel refuses the waypoint');
        if (v.ztunnel?.allowed && !(v.waypoint?.allowed ?? true)) outcomes.add('ztunnel admits what the waypoint refuses');
        if (v.ztunnel && !v.ztunnel.allowed && v.ztunnel.policy) outcomes.add('a ztunnel DENY');
      }
    }
    expect([...outcomes].sort()).toEqual(['a ztunnel DENY', 'waypoint refuses', 'ztunnel admits what the waypoint refuses', 'ztunnel refuses the waypoint']);
  });
});

describe('the read-only dashboard in an ambient namespace', () => {
  const dashboardPolicies = (meshMode: MeshMode) => {
    const app = new TenancyApp();
    new ReadOnlyDashboard(new Chart(app, 'platform'), 'ReadOnlyDashboard', { namespace: NS, meshMode, versions: [DashboardVersion.KUBEFLOW_1] });
    return renderObjects(app).filter(o => o.kind === 'AuthorizationPolicy') as AuthorizationPolicyManifest[];
  };
  const writes = ['POST', 'PUT', 'PATCH', 'DELETE', 'GET'].map(method =>
    req(method, { principal: GATEWAY, method, path: '/api/workgroup/create', port: 8082, headers: { 'kubeflow-userid': 'm@c.io' } }));

  test('targeting the dashboard\'s Service, the waypoint refuses every write and lets reads through', () => {
    const result = disagreements('ambient dashboard', NS, dashboardPolicies(MeshMode.AMBIENT), writes, { app: 'centraldashboard' }, AMBIENT, 'centraldashboard');
    expect(result.differences).toEqual([]);
    expect(Object.fromEntries([...result.oracle].map(([id, v]) => [id, v.allowed])))
      .toEqual({ POST: false, PUT: false, PATCH: false, DELETE: false, GET: true });
  });

  test('the sidecar form (a selector) is enforced by no ambient proxy: what meshMode: ambient is for', () => {
    const result = disagreements('sidecar dashboard', NS, dashboardPolicies(MeshMode.SIDECAR), writes, { app: 'centraldashboard' }, AMBIENT, 'centraldashboard');
    expect(result.differences).toEqual([]);
    expect([...result.oracle.values()].every(v => v.allowed)).toBe(true);
  });
});

// L4 attributes ztunnel reads, to mix with the HTTP ones of randomRule.
// The access report does not know callers' addresses (the gateway's, a pod's): catalogs get no ipBlocks.
function randomL4Rule(r: ReturnType<typeof random>, addresses = true): AuthorizationRuleSpec {
  const values = r.next() < 0.7 ? 'values' : 'notValues';
  return r.pick<() => AuthorizationRuleSpec>([
    () => ({ from: [{ source: { principals: [r.pick([...PRINCIPALS, WAYPOINT_PRINCIPAL, '*', 'cluster.local/ns/team-*'])] } }] }),
    () => ({ from: [{ source: { namespaces: [r.pick(['team-a', 'team-b', '*', 'team-*'])] } }] }),
    () => ({ from: [{ source: { notNamespaces: [r.pick(['team-a', 'team-b'])] } }] }),
    () => ({ from: [{ source: { serviceAccounts: [r.pick(['x', 'team-b/y', 'waypoint'])] } }] }),
    () => (addresses ? { from: [{ source: { ipBlocks: [r.pick(['127.0.0.1', '127.0.0.0/30', '10.0.0.0/8'])] } }] } : {}),
    () => ({ to: [{ operation: { ports: [r.pick(PORTS)] } }] }),
    () => ({ when: [{ key: 'destination.port', [values]: [r.pick(PORTS)] }] }),
    () => ({ when: [{ key: 'source.namespace', [values]: [r.pick(['team-a', 'team-b'])] }] }),
    () => ({}),
  ])();
}

describe('seeded random ambient policies and requests', () => {
  test(`${RUNS + 10} ambient namespaces of random policies, 30 requests each (seed ${SEED + 3030}), agree hop by hop`, () => {
    const r = random(SEED + 3030);
    const differences: string[] = [];
    let viaWaypoint = 0;
    let direct = 0;
    const total = (RUNS + 10) * 30;
    for (let n = 0; n < RUNS + 10; n++) {
      const plane: DataPlane = r.next() < 0.85 ? AMBIENT : { mode: 'ambient' };
      const policies: AuthorizationPolicyManifest[] = Array.from({ length: 1 + Math.floor(r.next() * 4) }, (_, i) => {
        const rules = Array.from({ length: Math.floor(r.next() * 3) }, () => (r.next() < 0.5 ? randomL4Rule(r) : randomRule(r)));
        const action = r.next() < 0.25 ? 'DENY' : 'ALLOW';
        const p = action === 'DENY' && rules.length === 0 ? deny(`p${i}`, {}) : (action === 'DENY' ? deny : allow)(`p${i}`, ...rules);
        return r.next() < 0.45 ? targeting(p, r.next() < 0.9 ? 'waypoint' : 'elsewhere') : p;
      });
      if (r.next() < 0.6) policies.push(allow('waypoint-l4-access', { from: [{ source: { principals: [WAYPOINT_PRINCIPAL] } }] }));
      const requests = Array.from({ length: 30 }, (_, i) => req(`r${i}`, {
        principal: r.next() < 0.2 ? '' : r.pick([...PRINCIPALS, WAYPOINT_PRINCIPAL]),
        method: r.pick(['GET', 'POST']),
        path: r.pick(REQUEST_PATHS),
        port: Number(r.pick(PORTS)),
        sourceIp: r.pick(['127.0.0.1', '127.0.0.2', '127.0.0.9']),
        headers: r.next() < 0.7 ? { 'x-user': r.pick(HEADER_VALUES) } : {},
      }));
      const result = disagreements(`namespace ${n}`, NS, policies, requests, {}, plane);
      differences.push(...result.differences);
      for (const v of result.oracle.values()) {
        if (v.allowed && v.waypoint?.allowed && v.ztunnelAfterWaypoint?.allowed) viaWaypoint++;
        else if (v.allowed) direct++;
      }
    }
    expect(differences).toEqual([]);
    // Not a trivial agreement: both routes admit often, and many requests are refused.
    expect(viaWaypoint).toBeGreaterThan(total / 10);
    expect(direct).toBeGreaterThan(total / 20);
    expect(total - viaWaypoint - direct).toBeGreaterThan(total / 5);
  });
});

/** The bundled example with every tenant in ambient mode. */
const ambientExample = () => fs.readFileSync(EXAMPLE_CATALOG, 'utf8').replace(/^defaults:\n/m, 'defaults:\n  meshMode: ambient\n');

describe('the access analysis agrees with Istio on ambient tenants', () => {
  test.each(['none', 'kubeflow'] as const)('the bundled example in ambient mode (profile controller: %s): as declared, nobody else', controller => {
    const written = readManifestDir(synthCatalog(ambientExample(), `ambient-${controller}`, controller));
    expect(written.some(o => o.kind === 'Namespace' && o.metadata?.labels?.['istio.io/dataplane-mode'] === 'ambient')).toBe(true);
    const { requests, admitted } = checkAccess('ambient example', written);
    expect(requests).toBeGreaterThan(200);
    expect(admitted).toBeGreaterThan(20);
    // No undeclared identity: no open namespace, and the gateway admits exactly the sidecar example's identities.
    const matrix = accessMatrix(written);
    expect(matrix.meshOpen).toEqual([]);
    const sidecar = accessMatrix(readManifestDir(synthCatalog(fs.readFileSync(EXAMPLE_CATALOG, 'utf8'), `sidecar-${controller}`, controller)));
    const admittedCells = (m: typeof matrix) => m.identities.flatMap(i => Object.entries(i.access).filter(([, a]) => a.meshIngress).map(([ns]) => `${i.name} ${ns}`)).sort();
    expect(admittedCells(matrix)).toEqual(admittedCells(sidecar));
  });

  test(`${RUNS} seeded random ambient catalogs (seed ${SEED + 1}), with policies written by hand past the isolation check`, () => {
    const r = random(SEED + 1);
    const people = RANDOM_PEOPLE;
    const auths = RANDOM_AUTHS;
    let withHandWritten = 0;
    let clean = 0;
    for (let run = 0; run < RUNS; run++) {
      const authOptions = r.pick(auths);
      const auth = resolveAuth(authOptions);
      const profileController = r.pick([ProfileController.NONE, ProfileController.KUBEFLOW]);
      const app = new TenancyApp({ profileController, auth: authOptions, isolationCheck: false });
      const chart = new Chart(app, 'c');
      let handEdited = false;
      // What each tenant without hand-written policies declares: only these may pass its mesh.
      const declared = new Map<string, string[]>();
      for (let t = 0; t < 1 + Math.floor(r.next() * 3); t++) {
        const ns = `t${t}`;
        const owner = r.pick(people);
        const members = randomMembers(r, owner, ['g-ml', 'g-data']);
        const meshMode = r.next() < 0.8 ? MeshMode.AMBIENT : MeshMode.SIDECAR;
        const tenant = new TenantProfile(chart, ns, { name: ns, owner, contributors: members, meshMode });
        declared.set(ns, [owner, ...members.map(m => m.name)]);
        if (r.next() < 0.5) {
          declared.delete(ns);
          handEdited = true;
          const gateway = { from: [{ source: { principals: [auth.ingressGatewayPrincipal] } }] };
          const user = `request.headers[${auth.userIdHeader}]`;
          for (let p = 0; p < 1 + Math.floor(r.next() * 2); p++) {
            const rule = r.pick<AuthorizationRuleSpec>([
              { ...gateway, when: [{ key: user, values: [`${auth.userIdPrefix}person*`] }] },
              { ...gateway, when: [{ key: user, notValues: [`${auth.userIdPrefix}${owner}`] }] },
              gateway,
              { from: [{ source: { namespaces: ['t*'] } }] },
              { from: [{ source: { principals: [`cluster.local/ns/t${(t + 1) % 3}/sa/waypoint`] } }] },
              randomL4Rule(r, false),
              randomRule(r, auth.userIdHeader),
            ]);
            const spec: Record<string, unknown> = { action: r.next() < 0.25 ? 'DENY' : 'ALLOW', rules: [rule] };
            if (r.next() < 0.5) spec.targetRefs = [{ group: 'gateway.networking.k8s.io', kind: 'Gateway', name: 'waypoint' }];
            new ApiObject(tenant, `hand-${p}`, { apiVersion: 'security.istio.io/v1', kind: 'AuthorizationPolicy', metadata: { name: `hand-${p}`, namespace: ns }, spec });
          }
        }
      }
      if (handEdited) withHandWritten++;
      const objects = renderObjects(app);
      checkAccess(`run ${run}`, objects, authOptions);
      const matrix = accessMatrix(objects, { auth: authOptions });
      for (const [ns, members] of declared) {
        clean++;
        expect(matrix.meshOpen).not.toContain(ns);
        const admitted = matrix.identities.filter(i => i.kind !== 'ServiceAccount' && i.access[ns]?.meshIngress).map(i => i.name);
        expect(admitted.filter(name => !members.includes(name))).toEqual([]);
      }
    }
    expect(withHandWritten).toBeGreaterThan(RUNS / 4);
    expect(clean).toBeGreaterThan(RUNS / 2);
  });
});
