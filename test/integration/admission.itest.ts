/**
 * Admission by the real API server: LimitRange defaults let pods without
 * requests into a quota'd namespace, the quota refuses what exceeds it,
 * PriorityClass-scoped quotas refuse denied classes, and an inconsistent
 * LimitRange is refused by the server and, before that, by our validation.
 */
import * as fs from 'fs';
import { Chart } from 'cdk8s';
import { TenancyApp, TenantProfile } from '../../src';
import { api, EXAMPLE_CATALOG, kubectl, kubectlOk, synthCatalog } from './support/cluster';

const NS = 'team-research';

function pod(name: string, containers: any[], extra: Record<string, unknown> = {}): any {
  return { apiVersion: 'v1', kind: 'Pod', metadata: { name, namespace: NS }, spec: { containers, ...extra } };
}

const container = (name: string, resources?: any) => ({ name, image: 'registry.k8s.io/pause:3.10', ...(resources ? { resources } : {}) });

async function create(object: any): Promise<{ status: number; json: any }> {
  return api('POST', `/api/v1/namespaces/${object.metadata.namespace}/${object.kind.toLowerCase()}s`, object);
}

async function waitUntil(what: string, check: () => Promise<boolean>): Promise<void> {
  for (let i = 0; i < 240; i++) {
    if (await check()) return;
    await new Promise(resolve => setTimeout(resolve, 250));
  }
  throw new Error(`timed out waiting for ${what}`);
}

describe('quota and LimitRange admission in a tenant namespace', () => {
  beforeAll(async () => {
    kubectlOk(['apply', '--server-side', '--field-manager', 'kf-tenancy-test', '-k', synthCatalog(fs.readFileSync(EXAMPLE_CATALOG, 'utf8'), 'example')]);
    // Pods need the namespace's default ServiceAccount, and quota admission needs the quota's status:
    // both come from kube-controller-manager.
    await waitUntil('default ServiceAccount', async () => (await api('GET', `/api/v1/namespaces/${NS}/serviceaccounts/default`)).status === 200);
    await waitUntil('quota status', async () => {
      const quotas = (await api('GET', `/api/v1/namespaces/${NS}/resourcequotas`)).json.items as any[];
      return quotas.length > 0 && quotas.every(q => q.status?.hard !== undefined);
    });
  });

  test('a pod without requests is admitted with the LimitRange defaults', async () => {
    const created = await create(pod('no-requests', [container('main')]));
    expect(created.status).toBe(201);
    // No GPU: the LimitRange's GPU default is "0" (without it Kubernetes would default to the max, 2).
    expect(created.json.spec.containers[0].resources).toEqual({
      limits: { 'cpu': '1', 'memory': '2Gi', 'nvidia.com/gpu': '0' },
      requests: { 'cpu': '500m', 'memory': '1Gi', 'nvidia.com/gpu': '0' },
    });
  });

  test('a pod above the quota is refused by the quota, naming it', async () => {
    // Each container stays within the LimitRange max (8 CPUs); together they ask 24 of the 20 requests.cpu.
    const big = { requests: { cpu: '8', memory: '1Gi' }, limits: { cpu: '8', memory: '1Gi' } };
    const refused = await create(pod('too-big', [container('a', big), container('b', big), container('c', big)]));
    expect(refused.status).toBe(403);
    expect(refused.json.message).toMatch(/exceeded quota: kf-resource-quota.*requests\.cpu/);
  });

  test('a container above the LimitRange max is refused by the LimitRange', async () => {
    const refused = await create(pod('too-wide', [container('a', { requests: { cpu: '9' }, limits: { cpu: '9' } })]));
    expect(refused.status).toBe(403);
    expect(refused.json.message).toMatch(/maximum cpu usage per Container is 8/);
  });

  test('a PriorityClass the tenant may not use is refused by its scoped quota', async () => {
    const refused = await create(pod('urgent', [container('main')], { priorityClassName: 'high-priority-ml' }));
    expect(refused.status).toBe(403);
    expect(refused.json.message).toMatch(/exceeded quota: priority-class-high-priority-ml/);
  });
});

describe('an inconsistent LimitRange', () => {
  test('is refused by the API server, and our validation catches the same case first', () => {
    // The object as someone might hand-write it: a default limit above the max.
    const broken = {
      apiVersion: 'v1',
      kind: 'LimitRange',
      metadata: { name: 'broken', namespace: 'default' },
      spec: { limits: [{ type: 'Container', default: { cpu: '4' }, max: { cpu: '2' } }] },
    };
    const server = kubectl(['apply', '--server-side', '-f', '-'], { input: JSON.stringify(broken) });
    expect(server.code).not.toBe(0);
    expect(server.stderr).toContain('spec.limits[0].default[cpu]: Invalid value: "2": default value 4 is greater than max value 2');

    // The same through TenantProfile never reaches the server.
    const app = new TenancyApp();
    expect(() => new TenantProfile(new Chart(app, 'c'), 'team-x', {
      owner: 'x@c.io',
      limitRange: { container: { default: { cpu: '4' }, max: { cpu: '2' } } },
    })).toThrow(/limitRange\.container: default\["cpu"\] 4 is above max 2/);
  });
});
