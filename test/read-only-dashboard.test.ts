import * as fs from 'fs';
import * as path from 'path';
import { Chart } from 'cdk8s';
import { DashboardVersion, MeshMode, ReadOnlyDashboard, TenancyApp, TenantCatalog } from '../src';
import { EXAMPLE_CATALOG } from './support/paths';
import { only, parseYaml, renderObjects } from './support/synth';
import { namespaceEnforcement, unenforcedPolicies, waypointPolicies, ztunnelDecision, ztunnelPolicies } from '../src/analysis/ambient';
import { decide, enforcedSelection, meshDecision } from '../src/analysis/mesh';
import { DASHBOARD_WRITE_ROUTES } from '../src/constructs/cluster/read-only-dashboard';
import { labelSelectorMatches } from '../src/core/label-selector';

const GATEWAY = 'cluster.local/ns/istio-system/sa/istio-ingressgateway-service-account';

function policyOf(props: ConstructorParameters<typeof ReadOnlyDashboard>[2] = {}): any {
  const app = new TenancyApp();
  new ReadOnlyDashboard(new Chart(app, 'platform'), 'ReadOnlyDashboard', props);
  return only(renderObjects(app), 'AuthorizationPolicy', 'kf-tenancy-read-only-dashboard');
}

/** The policy's decision for a request that reached a dashboard pod (labelled as the selector wants). */
function admitted(policy: any, method: string, urlPath: string): boolean {
  const request = { principal: GATEWAY, method, path: urlPath, port: 8082, headers: { 'kubeflow-userid': 'alice@company.com' } };
  return meshDecision([policy], request, policy.spec.selector.matchLabels).admitted;
}

describe('ReadOnlyDashboard', () => {
  const policy = policyOf();

  test('a DENY policy on the dashboard pods (Kubeflow 1.x labels by default)', () => {
    expect(policy.metadata.namespace).toBe('kubeflow');
    expect(policy.spec.action).toBe('DENY');
    expect(policy.spec.selector).toEqual({ matchLabels: { app: 'centraldashboard' } });
  });

  test('refuses every route that creates or deletes a Profile or changes contributors, in any spelling of the path', () => {
    for (const route of DASHBOARD_WRITE_ROUTES) {
      const [method, template] = route.split(' ');
      const urlPath = template.replace('<namespace>', 'team-a');
      // Express matches routes case-insensitively and with a trailing slash: all must be refused.
      for (const variant of [urlPath, `${urlPath}/`, urlPath.toUpperCase(), urlPath.replace('/api/', '/api//')]) {
        expect({ route, variant, admitted: admitted(policy, method, variant) }).toEqual({ route, variant, admitted: false });
      }
    }
  });

  test('reading stays open: the namespace selector and the contributor list', () => {
    for (const urlPath of ['/api/workgroup/env-info', '/api/workgroup/get-contributors/team-a', '/api/workgroup/exists', '/']) {
      expect({ urlPath, admitted: admitted(policy, 'GET', urlPath) }).toEqual({ urlPath, admitted: true });
    }
  });

  test('custom labels can be given instead of the releases', () => {
    expect(policyOf({ dashboardLabels: { app: 'my-dashboard' } }).spec.selector).toEqual({ matchLabels: { app: 'my-dashboard' } });
    expect(() => policyOf({ dashboardLabels: { app: 'x' }, versions: [DashboardVersion.DASHBOARD_2] })).toThrow('readOnlyDashboard.dashboardLabels: is given with versions');
    expect(() => policyOf({ versions: [] })).toThrow('readOnlyDashboard.versions: is empty');
  });

  // The pods of each release's manifests (test/fixtures/dashboard-pods.yaml, with provenance).
  const pods = parseYaml(fs.readFileSync(path.join(__dirname, 'fixtures', 'dashboard-pods.yaml'), 'utf8'))[0] as Array<{ release: string; labels: Record<string, string> }>;
  const policies = (props: ConstructorParameters<typeof ReadOnlyDashboard>[2] = {}) => {
    const app = new TenancyApp();
    new ReadOnlyDashboard(new Chart(app, 'platform'), 'ReadOnlyDashboard', props);
    return renderObjects(app).filter(o => o.kind === 'AuthorizationPolicy');
  };
  const selected = (written: any) => pods.filter(p => labelSelectorMatches(written.spec.selector, p.labels)).map(p => p.release);

  test('by default one policy per known release, each selecting exactly that release\'s dashboard pods', () => {
    const all = policies();
    expect(all.map(p => [p.metadata.name, selected(p)])).toEqual([
      ['kf-tenancy-read-only-dashboard', ['kubeflow-1']],
      ['kf-tenancy-read-only-dashboard-v2', ['dashboard-2']],
    ]);
  });

  test.each(Object.values(DashboardVersion))('the %s preset guards that release\'s pods, and no other workload', version => {
    const chosen = policies({ versions: [version] });
    expect(chosen.flatMap(selected)).toEqual([version]);
  });

  test('a preset never selects nothing: every release of the fixture is selected by its own preset', () => {
    const releases = [...new Set(pods.map(p => p.release).filter(r => r !== 'none'))].sort();
    expect(releases).toEqual([...Object.values(DashboardVersion)].sort());
    for (const release of releases) expect(policies({ versions: [release as DashboardVersion] }).flatMap(selected)).toContain(release);
  });

  test('an empty selector (every workload of the namespace) and bad labels are refused', () => {
    expect(() => policyOf({ dashboardLabels: {} })).toThrow(/readOnlyDashboard.dashboardLabels: is empty: the policy would deny writes to every workload/);
    expect(() => policyOf({ dashboardLabels: { app: '' } })).toThrow(/readOnlyDashboard.dashboardLabels\["app"\]: is empty/);
    expect(() => policyOf({ namespace: 'Kube Flow' })).toThrow(/readOnlyDashboard.namespace/);
  });

  test('the example turns it on from the catalog', () => {
    const app = new TenancyApp();
    TenantCatalog.fromFiles(new Chart(app, 'c'), 'catalog', [EXAMPLE_CATALOG]);
    expect(only(renderObjects(app), 'AuthorizationPolicy', 'kf-tenancy-read-only-dashboard').spec.action).toBe('DENY');
  });
});

describe('ReadOnlyDashboard in ambient mode', () => {
  const KUBEFLOW_WAYPOINT = { mode: 'ambient', waypoint: { name: 'waypoint', namespace: 'kubeflow' } } as const;
  const request = (method: string) => ({ principal: GATEWAY, method, path: '/api/workgroup/create', port: 8082, headers: { 'kubeflow-userid': 'm@c.io' } });

  test('targets each release\'s Service, which the waypoint serving it enforces; a selector policy would be enforced nowhere', () => {
    const ambient = policyOf({ meshMode: MeshMode.AMBIENT });
    expect(ambient.spec.selector).toBeUndefined();
    expect(ambient.spec.targetRefs).toEqual([{ group: '', kind: 'Service', name: 'centraldashboard' }]);
    const app = new TenancyApp();
    new ReadOnlyDashboard(new Chart(app, 'platform'), 'ReadOnlyDashboard', { meshMode: MeshMode.AMBIENT });
    expect(only(renderObjects(app), 'AuthorizationPolicy', 'kf-tenancy-read-only-dashboard-v2').spec.targetRefs)
      .toEqual([{ group: '', kind: 'Service', name: 'dashboard' }]);
    // The waypoint serving the dashboard's Service refuses the write; the sidecar form is enforced by no ambient proxy.
    const atWaypoint = (policies: any[]) => decide(enforcedSelection(waypointPolicies(policies, KUBEFLOW_WAYPOINT.waypoint, 'kubeflow', 'centraldashboard')), request('POST'));
    expect(atWaypoint([ambient]).admitted).toBe(false);
    expect(atWaypoint([ambient]).policy).toBe('kubeflow/kf-tenancy-read-only-dashboard');
    expect(decide(enforcedSelection(waypointPolicies([ambient], KUBEFLOW_WAYPOINT.waypoint, 'kubeflow', 'centraldashboard')), request('GET')).admitted).toBe(true);
    expect(namespaceEnforcement([policyOf()], 'kubeflow', KUBEFLOW_WAYPOINT).decide(request('POST')).admitted).toBe(true);
    expect(unenforcedPolicies([policyOf()], KUBEFLOW_WAYPOINT).map(u => u.policy)).toEqual(['kubeflow/kf-tenancy-read-only-dashboard']);
  });

  test('the dashboard\'s pods admit only the waypoint at ztunnel: no caller reaches them past its refusal', () => {
    const app = new TenancyApp();
    new ReadOnlyDashboard(new Chart(app, 'platform'), 'ReadOnlyDashboard', { meshMode: MeshMode.AMBIENT, waypointName: 'kf-waypoint' });
    const objects = renderObjects(app);
    expect(only(objects, 'AuthorizationPolicy', 'kf-tenancy-dashboard-via-waypoint').spec).toEqual({
      action: 'ALLOW',
      selector: { matchLabels: { app: 'centraldashboard' } },
      rules: [{ from: [{ source: { principals: ['cluster.local/ns/kubeflow/sa/kf-waypoint'] } }] }],
    });
    const all = objects.filter(o => o.kind === 'AuthorizationPolicy');
    const plane = { mode: 'ambient', waypoint: { name: 'kf-waypoint', namespace: 'kubeflow' } } as const;
    // Straight to a dashboard pod, the gateway is refused by ztunnel (the policy selects the pod's labels).
    expect(ztunnelDecision(ztunnelPolicies(all, 'kubeflow', { app: 'centraldashboard' }), { principal: GATEWAY, port: 8082 }).admitted).toBe(false);
    expect(ztunnelDecision(ztunnelPolicies(all, 'kubeflow', { app: 'centraldashboard' }), { principal: 'cluster.local/ns/kubeflow/sa/kf-waypoint', port: 8082 }).admitted)
      .toBe(true);
    expect(unenforcedPolicies(all, plane)).toEqual([]);
    expect(() => policyOf({ waypointName: 'x' })).toThrow(/readOnlyDashboard.waypointName: is used only in ambient mode/);
  });

  test('an install of its own names its Service; a Service is refused in sidecar mode', () => {
    expect(policyOf({ meshMode: MeshMode.AMBIENT, dashboardLabels: { app: 'x' }, dashboardService: 'my-dashboard' }).spec.targetRefs)
      .toEqual([{ group: '', kind: 'Service', name: 'my-dashboard' }]);
    expect(() => policyOf({ meshMode: MeshMode.AMBIENT, dashboardLabels: { app: 'x' } })).toThrow(/readOnlyDashboard.dashboardService: is needed with dashboardLabels in ambient mode/);
    expect(() => policyOf({ dashboardService: 'x' })).toThrow(/readOnlyDashboard.dashboardService: is used only in ambient mode/);
  });
});
