import * as fs from 'fs';
import * as path from 'path';
import { ApiObject, Chart, Testing } from 'cdk8s';
import { TenancyApp, TenancyGuard, TenantCatalog } from '../src';
import { cli, synthText } from './support/cli';
import { parseYaml, tempDir } from './support/synth';
import { GpuQueues } from '../src/constructs/cluster/gpu-queues';
import { TenantQueue } from '../src/constructs/tenant/tenant-queue';
import { capacityPlan, kueueClusterProblems, overCommitted, quotaConflicts, tenantQueueProblems } from '../src/core/kueue';
import { CohortReclaimPreemption, KueueClusterOptions, TaintEffect, TenantQueueOptions, WithinQueuePreemption } from '../src/core/kueue-options';
import { formatProblem } from '../src/core/problem';

const CLUSTER: KueueClusterOptions = {
  flavors: [{ name: 'a100', nodeLabels: { 'nvidia.com/gpu.product': 'A100' }, capacity: { 'nvidia.com/gpu': '8' } },
    { name: 'h100', capacity: { 'nvidia.com/gpu': '4' } }],
  cohorts: [{ name: 'ml' }, { name: 'research', parent: 'ml' }],
};
const text = (problems: Array<{ field?: string; message: string }>) => problems.map(p => formatProblem(p));

describe('Kueue rules (pure)', () => {
  test('a valid cluster and queue have no problems', () => {
    expect(kueueClusterProblems(CLUSTER)).toEqual([]);
    expect(tenantQueueProblems({ cohort: 'research', quotas: [{ flavor: 'a100', nominal: { 'nvidia.com/gpu': '4' }, borrowingLimit: { 'nvidia.com/gpu': '2' } }] }, CLUSTER))
      .toEqual([]);
  });

  test('cohort trees: unknown parents and cycles are refused', () => {
    expect(text(kueueClusterProblems({ ...CLUSTER, cohorts: [{ name: 'a', parent: 'b' }, { name: 'b', parent: 'a' }, { name: 'c', parent: 'x' }] })).join('\n'))
      .toMatch(/"x" is not a declared cohort[\s\S]*the parents of "a" come back to it/);
    // A long chain is walked once per cohort: linear, and still checked to the root.
    const chain = Array.from({ length: 20000 }, (_, i) => ({ name: `c${i}`, parent: i === 0 ? 'c19999' : `c${i - 1}` }));
    expect(text(kueueClusterProblems({ ...CLUSTER, cohorts: chain }))).toEqual([expect.stringContaining('the parents of "c0" come back to it')]);
  });

  test('every flavor lists every resource Kueue owns, capacity included (Kueue\'s own CEL rule)', () => {
    expect(text(kueueClusterProblems({ flavors: [{ name: 'a100', capacity: {} }] }))).toEqual([expect.stringContaining('kueue.flavors[0].capacity: has no "nvidia.com/gpu"')]);
    expect(text(tenantQueueProblems({ quotas: [{ flavor: 'a100', nominal: {} }] }, CLUSTER))).toEqual([expect.stringContaining('kueue.quotas[0].nominal: has no "nvidia.com/gpu"')]);
  });

  test('borrowing and lending need a cohort; lending at most the nominal quota; whole GPUs; known flavors', () => {
    const problems = text(tenantQueueProblems({
      quotas: [{ flavor: 'a100', nominal: { 'nvidia.com/gpu': '2' }, borrowingLimit: { 'nvidia.com/gpu': '1' }, lendingLimit: { 'nvidia.com/gpu': '3' } },
        { flavor: 'v100', nominal: { 'nvidia.com/gpu': '0.5' } }],
    }, CLUSTER)).join('\n');
    expect(problems).toContain('kueue.quotas[0].borrowingLimit: is set, but the tenant is in no cohort to borrow from');
    expect(problems).toContain('kueue.quotas[0].lendingLimit: is set, but the tenant is in no cohort to lend to');
    expect(problems).toContain('kueue.quotas[0].lendingLimit["nvidia.com/gpu"]: "3" is more than the nominal quota "2"');
    expect(problems).toContain('kueue.quotas[1].flavor: "v100" is not a declared flavor');
    expect(problems).toContain('"0.5" is not a whole number');
  });

  test('the capacity plan sums nominal quotas per flavor; over-commitment is a problem', () => {
    const queues = [{ quotas: [{ flavor: 'a100', nominal: { 'nvidia.com/gpu': '6' } }] }, { quotas: [{ flavor: 'a100', nominal: { 'nvidia.com/gpu': '4' } }] }];
    const plan = capacityPlan(CLUSTER, queues);
    expect(plan).toEqual([
      { flavor: 'a100', resource: 'nvidia.com/gpu', capacity: '8', guaranteed: '10' },
      { flavor: 'h100', resource: 'nvidia.com/gpu', capacity: '4', guaranteed: '0' },
    ]);
    expect(text(overCommitted(plan))).toEqual([expect.stringContaining('add up to 10, more than the 8 the cluster has')]);
  });

  test('a ResourceQuota that caps a resource Kueue owns is a conflict, unless the cluster allows both for it', () => {
    const quota = { 'cpu': '4', 'requests.nvidia.com/gpu': '8', 'limits.nvidia.com/gpu': '8' };
    expect(quotaConflicts(quota, CLUSTER)).toEqual(['limits.nvidia.com/gpu', 'requests.nvidia.com/gpu']);
    expect(quotaConflicts(quota, { ...CLUSTER, alsoCappedByResourceQuota: ['nvidia.com/gpu'] })).toEqual([]);
    expect(text(kueueClusterProblems({ ...CLUSTER, alsoCappedByResourceQuota: ['cpu'] })))
      .toEqual([expect.stringContaining('kueue.alsoCappedByResourceQuota[0]: "cpu" is not a resource Kueue owns')]);
  });

  test('Kueue\'s bounds: resources once and not as quota keys, 512 flavor-resource pairs, 8 labels, 64-bit quantities, weights', () => {
    const gpu = { 'nvidia.com/gpu': '1' };
    const labels = Object.fromEntries(Array.from({ length: 9 }, (_, i) => [`l${i}`, 'x']));
    const problems = text(kueueClusterProblems({
      resources: ['nvidia.com/gpu', 'nvidia.com/gpu', 'requests.amd.com/gpu'],
      flavors: [{ name: 'a', nodeLabels: labels, capacity: { ...gpu, 'requests.amd.com/gpu': '1' } }],
    })).join('\n');
    expect(problems).toContain('kueue.resources[1]: "nvidia.com/gpu" is listed twice');
    expect(problems).toContain('kueue.resources[2]: "requests.amd.com/gpu" is a ResourceQuota key, not a resource name; write "amd.com/gpu"');
    expect(problems).toContain('kueue.flavors[0].nodeLabels: has 9 entries; a ResourceFlavor holds at most 8');
    const many = Array.from({ length: 9 }, (_, i) => `vendor.io/r${i}`);
    expect(text(kueueClusterProblems({ resources: many, flavors: Array.from({ length: 60 }, (_, i) => ({ name: `f${i}`, capacity: Object.fromEntries(many.map(r => [r, '1'])) })) })))
      .toContainEqual(expect.stringContaining('60 flavors × 9 resources make 540 flavor-resource pairs; Kueue allows at most 512'));
    const quota = (value: string, weight?: string) => text(tenantQueueProblems({ cohort: 'ml', fairSharingWeight: weight, quotas: [{ flavor: 'a100', nominal: { 'nvidia.com/gpu': '1' }, borrowingLimit: { 'nvidia.com/gpu': value } }] }, CLUSTER));
    expect(quota('8Ei')).toEqual([expect.stringContaining('"8Ei" is too large: Kueue stores quantities as 64-bit integers')]);
    expect(quota('1', '1e30')).toEqual([expect.stringContaining('fairSharingWeight: "1e30" is more than 100')]);
    expect(quota('1', '1n')).toEqual([expect.stringContaining('"1n" is too small: Kueue takes 0 or more than 1n')]);
    expect(quota('1', '0')).toEqual([]);
    expect(quota('1', '2.5')).toEqual([]);
  });

  test('flavor taints: label-shaped keys and values, one of the three effects', () => {
    const flavors = [{
      name: 'a100',
      capacity: { 'nvidia.com/gpu': '8' },
      nodeTaints: [{ key: 'bad key', effect: 'Evict' as TaintEffect }],
      tolerations: [{ key: 'nvidia.com/gpu', value: 'a b', effect: TaintEffect.NO_SCHEDULE }],
    }];
    expect(text(kueueClusterProblems({ flavors })).join('\n')).toMatch(
      /kueue.flavors\[0\].nodeTaints\[0\].key: [^\n]*\n[^\n]*nodeTaints\[0\].effect: "Evict" is not a taint effect[^\n]*NoSchedule, PreferNoSchedule, NoExecute\n[^\n]*tolerations\[0\].value: /);
  });

  test('preemption policies: Kueue\'s values only; reclaiming needs a cohort', () => {
    const quotas = [{ flavor: 'a100', nominal: { 'nvidia.com/gpu': '2' } }];
    expect(tenantQueueProblems({ cohort: 'ml', quotas, preemption: { withinQueue: WithinQueuePreemption.LOWER_PRIORITY, reclaimWithinCohort: CohortReclaimPreemption.ANY } }, CLUSTER))
      .toEqual([]);
    expect(text(tenantQueueProblems({ quotas, preemption: { withinQueue: 'Any' as WithinQueuePreemption, reclaimWithinCohort: CohortReclaimPreemption.ANY } }, CLUSTER))).toEqual([
      expect.stringContaining('kueue.preemption.withinQueue: "Any" is not a preemption policy'),
      expect.stringContaining('kueue.preemption.reclaimWithinCohort: is set, but the tenant is in no cohort'),
    ]);
  });
});

describe('TenantQueue and GpuQueues', () => {
  test('a ClusterQueue that admits only the tenant namespace, and its default LocalQueue', () => {
    const chart = new Chart(Testing.app(), 'c');
    new TenantQueue(chart, 'q', {
      namespace: 'team-a',
      cluster: CLUSTER,
      cohort: 'research',
      fairSharingWeight: '2',
      quotas: [{ flavor: 'h100', nominal: { 'nvidia.com/gpu': '1' } }, { flavor: 'a100', nominal: { 'nvidia.com/gpu': '4' }, lendingLimit: { 'nvidia.com/gpu': '2' } }],
    });
    const [clusterQueue, localQueue] = Testing.synth(chart);
    expect(clusterQueue).toEqual({
      apiVersion: 'kueue.x-k8s.io/v1beta2',
      kind: 'ClusterQueue',
      metadata: { name: 'team-a', labels: { 'kf-tenancy.io/tenant': 'team-a' } },
      spec: {
        cohortName: 'research',
        fairSharing: { weight: '2' },
        namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'team-a' } },
        // In a cohort, lent quota is taken back at once: the nominal quota is a guarantee.
        preemption: { reclaimWithinCohort: 'Any' },
        resourceGroups: [{
          coveredResources: ['nvidia.com/gpu'],
          flavors: [
            { name: 'a100', resources: [{ name: 'nvidia.com/gpu', nominalQuota: '4', lendingLimit: '2' }] },
            { name: 'h100', resources: [{ name: 'nvidia.com/gpu', nominalQuota: '1' }] },
          ],
        }],
      },
    });
    expect(localQueue).toEqual({
      apiVersion: 'kueue.x-k8s.io/v1beta2', kind: 'LocalQueue', metadata: { name: 'default', namespace: 'team-a' }, spec: { clusterQueue: 'team-a' },
    });
  });

  test('GpuQueues declared after the TenancyGuard is refused at synth: the guard would have no queue policy', () => {
    const app = new TenancyApp({ outdir: tempDir() });
    const chart = new Chart(app, 'platform');
    new TenancyGuard(chart, 'guard');
    new GpuQueues(chart, 'gpu', CLUSTER);
    expect(() => app.synth()).toThrow(/GpuQueues platform\/gpu is declared after the TenancyGuard, which then has no queue policy; declare GpuQueues first/);
  });

  test('priority classes named twice are a problem, not a construct-name clash (found by the adversary)', () => {
    const classes = [{ name: 'urgent', value: 10 }, { name: 'urgent', value: 0 }];
    expect(() => new GpuQueues(new Chart(Testing.app(), 'c'), 'g', { ...CLUSTER, priorityClasses: classes }))
      .toThrow(/cluster.priorityClasses: priorityClasses\[1\] "urgent": defined twice/);
  });

  test('flavor taints and tolerations; a toleration without a value tolerates any value', () => {
    const chart = new Chart(Testing.app(), 'c');
    new GpuQueues(chart, 'g', {
      flavors: [{
        name: 'h100',
        capacity: { 'nvidia.com/gpu': '4' },
        nodeTaints: [{ key: 'pool', value: 'h100', effect: TaintEffect.NO_SCHEDULE }],
        tolerations: [{ key: 'nvidia.com/gpu', effect: TaintEffect.NO_SCHEDULE }, { key: 'pool', value: 'h100', effect: TaintEffect.NO_EXECUTE }],
      }],
    });
    expect(Testing.synth(chart)[0].spec).toEqual({
      nodeTaints: [{ key: 'pool', value: 'h100', effect: 'NoSchedule' }],
      tolerations: [{ key: 'nvidia.com/gpu', operator: 'Exists', effect: 'NoSchedule' }, { key: 'pool', operator: 'Equal', value: 'h100', effect: 'NoExecute' }],
    });
  });

  test('preemption defaults: reclaim in a cohort, nothing without one; an explicit Never stays', () => {
    const preemption = (props: Partial<TenantQueueOptions>) => {
      const chart = new Chart(Testing.app(), 'c');
      new TenantQueue(chart, 'q', { namespace: 'team-a', cluster: CLUSTER, quotas: [{ flavor: 'a100', nominal: { 'nvidia.com/gpu': '2' } }], ...props });
      return Testing.synth(chart)[0].spec.preemption;
    };
    expect(preemption({})).toBeUndefined();
    expect(preemption({ cohort: 'ml' })).toEqual({ reclaimWithinCohort: 'Any' });
    expect(preemption({ cohort: 'ml', preemption: { reclaimWithinCohort: CohortReclaimPreemption.NEVER } })).toEqual({ reclaimWithinCohort: 'Never' });
    expect(preemption({ preemption: { withinQueue: WithinQueuePreemption.LOWER_PRIORITY } })).toEqual({ withinClusterQueue: 'LowerPriority' });
  });

  test('preemption policies reach the ClusterQueue', () => {
    const chart = new Chart(Testing.app(), 'c');
    new TenantQueue(chart, 'q', {
      namespace: 'team-a',
      cluster: CLUSTER,
      cohort: 'ml',
      quotas: [{ flavor: 'a100', nominal: { 'nvidia.com/gpu': '2' } }],
      preemption: { withinQueue: WithinQueuePreemption.LOWER_OR_NEWER_EQUAL_PRIORITY, reclaimWithinCohort: CohortReclaimPreemption.ANY },
    });
    expect(Testing.synth(chart)[0].spec.preemption).toEqual({ withinClusterQueue: 'LowerOrNewerEqualPriority', reclaimWithinCohort: 'Any' });
  });

  test('a queue with problems throws them, naming the tenant', () => {
    expect(() => new TenantQueue(new Chart(Testing.app(), 'c'), 'q', { namespace: 'team-a', cluster: CLUSTER, quotas: [] }))
      .toThrow('tenant "team-a": kueue.quotas: is empty');
  });

  test('flavors, the cohort tree and the view role aggregated into Kubeflow\'s roles', () => {
    const chart = new Chart(Testing.app(), 'c');
    new GpuQueues(chart, 'g', CLUSTER);
    const objects = Testing.synth(chart);
    expect(objects.map(o => `${o.kind} ${o.metadata.name}`)).toEqual([
      'ResourceFlavor a100', 'ResourceFlavor h100', 'Cohort ml', 'Cohort research', 'ClusterRole kubeflow-kueue-view',
    ]);
    expect(objects[0].spec).toEqual({ nodeLabels: { 'nvidia.com/gpu.product': 'A100' } });
    expect(objects[1].spec).toEqual({});
    expect(objects[3].spec).toEqual({ parentName: 'ml' });
    // What the guard keeps as Git wrote it.
    for (const object of objects.slice(0, 4)) expect(object.metadata.labels).toEqual({ 'kf-tenancy.io/gpu-queues': 'true' });
    expect(objects[4].metadata.labels).toEqual({
      'rbac.authorization.kubeflow.org/aggregate-to-kubeflow-view': 'true', 'rbac.authorization.kubeflow.org/aggregate-to-kubeflow-edit': 'true',
    });
  });
});

describe('GPU queues from a catalog', () => {
  const catalog = (tenants: string, cluster = 'cluster:\n  kueue:\n    flavors: [{name: h100, capacity: {nvidia.com/gpu: "4"}}]\n    cohorts: [{name: ml}]\n') =>
    `apiVersion: kf-tenancy/v1alpha1\nkind: TenantCatalog\n${cluster}tenants:\n${tenants}`;
  const tenant = (name: string, gpus: string, extra = '') =>
    `  - {name: ${name}, owner: o@c.io, kueue: {cohort: ml, quotas: [{flavor: h100, nominal: {nvidia.com/gpu: "${gpus}"}}]}${extra}}\n`;

  test('each tenant folder holds its ClusterQueue and default LocalQueue; flavors and cohorts go to cluster/', () => {
    const result = synthText(catalog(tenant('team-a', '3') + tenant('team-b', '1')));
    expect(result.stderr).toBe('');
    const objects = (file: string) => parseYaml(fs.readFileSync(path.join(result.out, file), 'utf8')).map(o => `${o.kind} ${o.metadata.namespace ?? ''}/${o.metadata.name}`);
    expect(objects('tenants/team-a/manifests.yaml')).toEqual(expect.arrayContaining(['ClusterQueue /team-a', 'LocalQueue team-a/default']));
    expect(objects('cluster/manifests.yaml')).toEqual(expect.arrayContaining(['ResourceFlavor /h100', 'Cohort /ml', 'ClusterRole /kubeflow-kueue-view']));
  });

  test('each PriorityClass of the catalog gets a WorkloadPriorityClass of the same name and value', () => {
    const result = synthText(catalog(tenant('team-a', '1')).replace('cluster:\n', 'cluster:\n  priorityClassPreset: ml\n'));
    expect(result.stderr).toBe('');
    const objects = parseYaml(fs.readFileSync(path.join(result.out, 'cluster/manifests.yaml'), 'utf8'));
    const values = (kind: string) => Object.fromEntries(objects.filter(o => o.kind === kind).map(o => [o.metadata.name, o.value]));
    expect(Object.keys(values('WorkloadPriorityClass')).length).toBeGreaterThan(0);
    expect(values('WorkloadPriorityClass')).toEqual(values('PriorityClass'));
  });

  test('guaranteed GPUs beyond the declared capacity are refused, naming the flavor', () => {
    const result = synthText(catalog(tenant('team-a', '3') + tenant('team-b', '2')));
    expect(result.code).toBe(1);
    expect(result.stderr).toContain('cluster.kueue.flavors["h100"].capacity["nvidia.com/gpu"]: the tenants\' nominal quotas add up to 5, more than the 4 the cluster has');
  });

  test('a ResourceQuota on a resource Kueue owns, and a queue without flavors, are refused', () => {
    expect(synthText(catalog(tenant('team-a', '1', ', resourceQuota: {limits.nvidia.com/gpu: "1"}'))).stderr)
      .toContain('tenant "team-a": resourceQuota["limits.nvidia.com/gpu"]: caps a resource Kueue owns');
    expect(synthText(catalog(tenant('team-a', '1'), '')).stderr).toContain('tenant "team-a": kueue: is set, but the app declares no GPU flavors');
  });

  test('an invalid cluster.kueue does not hide the tenants\' own queue problems', () => {
    const cluster = 'cluster:\n  kueue:\n    flavors: [{name: h100, capacity: {nvidia.com/gpu: "4"}}]\n    cohorts: [{name: ml, parent: ml}]\n';
    const result = synthText(catalog(tenant('team-a', '1').replace('flavor: h100', 'flavor: a100'), cluster));
    expect(result.stderr).toContain('the parents of "ml" come back to it');
    expect(result.stderr).toContain('tenant "team-a": kueue.quotas[0].flavor: "a100" is not a declared flavor');
    expect(result.stderr).not.toContain('declares no GPU flavors');
  });
});

describe('the GPU capacity report', () => {
  const CATALOG = `apiVersion: kf-tenancy/v1alpha1
kind: TenantCatalog
cluster:
  kueue:
    flavors: [{name: h100, capacity: {nvidia.com/gpu: "8"}}, {name: a100, capacity: {nvidia.com/gpu: "4"}}]
    cohorts: [{name: ml}, {name: research, parent: ml}]
tenants:
  - {name: team-a, owner: a@c.io, kueue: {cohort: research, quotas: [{flavor: h100, nominal: {nvidia.com/gpu: "4"}, borrowingLimit: {nvidia.com/gpu: "2"}}]}}
  - {name: team-b, owner: b@c.io, kueue: {cohort: ml, quotas: [{flavor: h100, nominal: {nvidia.com/gpu: "2"}, lendingLimit: {nvidia.com/gpu: "1"}}, {flavor: a100, nominal: {nvidia.com/gpu: "4"}}]}}
`;
  const write = (content: string) => {
    const file = path.join(tempDir(), 'tenants.yaml');
    fs.writeFileSync(file, content);
    return file;
  };

  test('per flavor capacity against guarantees; per tenant the most it can borrow within its cohort tree', () => {
    const json = path.join(tempDir(), 'capacity.json');
    const result = cli(['capacity', write(CATALOG), '--json', json]);
    expect(result.code).toBe(0);
    expect(result.stdout).toContain('| h100 | nvidia.com/gpu | 8 | 6 | 2 |');
    const report = JSON.parse(fs.readFileSync(json, 'utf8'));
    // team-a borrows at most its limit (2), but team-b lends only 1; team-b may borrow all of team-a's idle 4.
    expect(report.tenants).toEqual([
      { tenant: 'team-a', flavor: 'h100', resource: 'nvidia.com/gpu', guaranteed: '4', maximum: '5' },
      { tenant: 'team-b', flavor: 'h100', resource: 'nvidia.com/gpu', guaranteed: '2', maximum: '6' },
      { tenant: 'team-b', flavor: 'a100', resource: 'nvidia.com/gpu', guaranteed: '4', maximum: '4' },
    ]);
    // The same teams declared in the other order: the same report, byte for byte.
    const [head, a, b] = CATALOG.split(/\n(?=  - )/);
    expect(cli(['capacity', write(`${head}\n${b.trimEnd()}\n${a}\n`)]).stdout).toBe(result.stdout);
  });

  test('--diff lists what a catalog change moves', () => {
    const before = write(CATALOG);
    const after = write(CATALOG.replace('nominal: {nvidia.com/gpu: "2"}, lendingLimit', 'nominal: {nvidia.com/gpu: "3"}, lendingLimit'));
    const result = cli(['capacity', after, '--diff', before]);
    expect(result.stdout).toBe('## GPU capacity changes\n\n'
      + '- flavor h100 nvidia.com/gpu: capacity 8, guaranteed 6 → capacity 8, guaranteed 7\n'
      + '- tenant team-b h100 nvidia.com/gpu: guaranteed 2, maximum 6 → guaranteed 3, maximum 7\n');
    expect(cli(['capacity', before, '--diff', before]).stdout).toBe('No change in GPU capacity or guarantees.\n');
  });

  test('what validate refuses, capacity refuses: over-commitment after the report that shows it, cluster problems before', () => {
    const over = cli(['capacity', write(CATALOG.replace('nominal: {nvidia.com/gpu: "4"}, borrowingLimit', 'nominal: {nvidia.com/gpu: "7"}, borrowingLimit'))]);
    expect(over.code).toBe(1);
    expect(over.stdout).toContain('| h100 | nvidia.com/gpu | 8 | 9 | -1 |');
    expect(over.stderr).toContain('cluster.kueue.flavors["h100"].capacity["nvidia.com/gpu"]: the tenants\' nominal quotas add up to 9, more than the 8 the cluster has');
    const cycle = cli(['capacity', write(CATALOG.replace('cohorts: [{name: ml}, ', 'cohorts: [{name: ml, parent: research}, '))]);
    expect(cycle.code).toBe(1);
    expect(cycle.stdout).toBe('');
    expect(cycle.stderr).toContain('come back to it');
  });

  test('--diff against a catalog without GPU queues: everything is new', () => {
    const before = write('apiVersion: kf-tenancy/v1alpha1\nkind: TenantCatalog\ntenants: [{name: team-a, owner: a@c.io}]\n');
    const result = cli(['capacity', write(CATALOG), '--diff', before]);
    expect(result.code).toBe(0);
    expect(result.stdout).toContain('- flavor h100 nvidia.com/gpu: none → capacity 8, guaranteed 6');
  });

  test('a catalog without flavors, or with an invalid tenant, is refused', () => {
    expect(cli(['capacity', write('apiVersion: kf-tenancy/v1alpha1\nkind: TenantCatalog\ntenants: []\n')]).stderr).toContain('no cluster.kueue');
    expect(cli(['capacity', write(CATALOG.replace('owner: a@c.io', 'owner: "bad owner"'))]).code).toBe(1);
  });
});

describe('the isolation check on Kueue queues', () => {
  const catalog = `apiVersion: kf-tenancy/v1alpha1
kind: TenantCatalog
cluster:
  kueue:
    flavors: [{name: h100, capacity: {nvidia.com/gpu: "8"}}]
tenants:
  - {name: team-a, owner: a@c.io, kueue: {quotas: [{flavor: h100, nominal: {nvidia.com/gpu: "2"}}]}}
  - {name: team-b, owner: b@c.io, kueue: {quotas: [{flavor: h100, nominal: {nvidia.com/gpu: "2"}}]}}
`;
  const localQueue = (name: string, clusterQueue: string) => ({ apiVersion: 'kueue.x-k8s.io/v1beta2', kind: 'LocalQueue', metadata: { name, namespace: 'team-a' }, spec: { clusterQueue } });
  const clusterQueue = (name: string, namespaceSelector: unknown) => ({ apiVersion: 'kueue.x-k8s.io/v1beta2', kind: 'ClusterQueue', metadata: { name }, spec: { namespaceSelector } });

  test.each([
    ['another tenant\'s ClusterQueue', [localQueue('borrowed', 'team-b')], 'sends workloads to ClusterQueue "team-b", which selects namespace "team-b"'],
    ['a ClusterQueue the output does not declare', [localQueue('elsewhere', 'shared')], 'which the output does not declare'],
    ['a ClusterQueue that selects every namespace', [clusterQueue('everyone', {}), localQueue('open', 'everyone')], 'which selects more than the tenant\'s namespace'],
    ['a ClusterQueue selecting by another label too', [clusterQueue('two', { matchLabels: { 'kubernetes.io/metadata.name': 'team-a', 'x': 'y' } }), localQueue('two', 'two')],
      'which selects more than the tenant\'s namespace'],
  ])('a LocalQueue pointing at %s is refused', (_, objects, message) => {
    const app = new TenancyApp({ outdir: tempDir() });
    const chart = new Chart(app, 'extra');
    TenantCatalog.fromFiles(new Chart(app, 'tenants'), 'catalog', [writeCatalog(catalog)]);
    objects.forEach((o, i) => new ApiObject(chart, `o${i}`, o as any));
    expect(() => app.renderManifests()).toThrow(message);
  });

  test.each([
    ['admits every namespace', clusterQueue('shared', {}), 'ClusterQueue shared admits workloads from more than one namespace name'],
    ['is labelled for team-a but admits team-b', {
      ...clusterQueue('team-a-extra', { matchLabels: { 'kubernetes.io/metadata.name': 'team-b' } }),
      metadata: { name: 'team-a-extra', labels: { 'kf-tenancy.io/tenant': 'team-a' } },
    }, 'belongs to tenant "team-a" but admits workloads from namespace "team-b"'],
  ])('a ClusterQueue that %s is refused, with no LocalQueue pointing at it yet', (_, object, message) => {
    const app = new TenancyApp({ outdir: tempDir() });
    TenantCatalog.fromFiles(new Chart(app, 'tenants'), 'catalog', [writeCatalog(catalog)]);
    new ApiObject(new Chart(app, 'extra'), 'queue', object as any);
    expect(() => app.renderManifests()).toThrow(message);
  });

  test('the access report lists each LocalQueue with the namespace its ClusterQueue admits; a foreign one is a finding', () => {
    const dir = tempDir();
    const file = writeCatalog(catalog);
    expect(cli(['synth', file, '-o', dir]).code).toBe(0);
    const result = cli(['access', dir]);
    expect(result.stdout).toContain('GPU queues (2; Kueue LocalQueues):');
    expect(result.stdout).toContain('| team-a | default | team-a | team-a |');
    expect(result.stdout).not.toContain('- GPU queue:');
    // Hand-edited output: team-a's LocalQueue now feeds team-b's ClusterQueue.
    const edited = tempDir();
    fs.cpSync(dir, edited, { recursive: true });
    const manifest = path.join(edited, 'tenants', 'team-a', 'manifests.yaml');
    fs.writeFileSync(manifest, fs.readFileSync(manifest, 'utf8').replace('clusterQueue: team-a', 'clusterQueue: team-b'));
    expect(cli(['access', edited]).stdout).toContain('- GPU queue: LocalQueue team-a/default feeds ClusterQueue team-b, which admits team-b');
    expect(cli(['access', edited, '--diff', dir]).stdout).toContain('+ GPU queue: team-a/default → ClusterQueue team-b (admits team-b)');
  });

  test('the tenant\'s own queues pass', () => {
    const app = new TenancyApp({ outdir: tempDir() });
    TenantCatalog.fromFiles(new Chart(app, 'tenants'), 'catalog', [writeCatalog(catalog)]);
    expect(() => app.renderManifests()).not.toThrow();
  });
});

function writeCatalog(content: string): string {
  const file = path.join(tempDir(), 'tenants.yaml');
  fs.writeFileSync(file, content);
  return file;
}
