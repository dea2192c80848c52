import * as fs from 'fs';
import * as path from 'path';
import { Chart } from 'cdk8s';
import { DashboardVersion, ReadOnlyDashboard, TenancyApp, TenantCatalog } from '../src';
import { only, parseYaml, renderObjects } from './support/synth';
import { meshDecision } from '../src/analysis/mesh';
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
    TenantCatalog.fromFiles(new Chart(app, 'c'), 'catalog', [path.join(__dirname, '..', 'examples', 'tenants.yaml')]);
    expect(only(renderObjects(app), 'AuthorizationPolicy', 'kf-tenancy-read-only-dashboard').spec.action).toBe('DENY');
  });
});
