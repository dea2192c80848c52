/**
 * GPU queues with the real Kueue controller (v0.17.0, built from its Go module): the objects
 * TenantQueue and GpuQueues write are accepted by the API server with Kueue's CRDs (CEL rules
 * included), and Kueue admits workloads as the catalog intends: within nominal quota, borrowing up
 * to the borrowing limit from an idle tenant of the same cohort, never more than that tenant's
 * lending limit, and never through another tenant's ClusterQueue.
 */
import * as path from 'path';
import { Chart, Testing, Yaml } from 'cdk8s';
import { controlPlane, kubectl, kubectlOk, synthCatalog, tempDir } from './support/cluster';
import { KueueController } from './support/kueue';
import { GpuQueues } from '../../src/constructs/cluster/gpu-queues';
import { TenantQueue } from '../../src/constructs/tenant/tenant-queue';
import { GUARD_POLICY, GUARD_QUEUES_POLICY } from '../../src/core/guard-policies';
import { KueueClusterOptions } from '../../src/core/kueue-options';

const GPU = 'nvidia.com/gpu';
const CLUSTER: KueueClusterOptions = {
  flavors: [{ name: 'kq-h100', nodeLabels: { 'nvidia.com/gpu.product': 'H100' }, capacity: { [GPU]: '8' } }],
  cohorts: [{ name: 'kq-dept' }, { name: 'kq-lab', parent: 'kq-dept' }],
};
/** Nominal 2, may borrow 1 more. */
const BORROWER = 'kq-team-borrower';
/** Nominal 4, lends at most 2 of them. */
const LENDER = 'kq-team-lender';
/** Nominal 0, borrows without a limit of its own: only the lender's lending limit bounds it. */
const GREEDY = 'kq-team-greedy';

/** A Workload in `namespace` for `gpus` GPUs through LocalQueue `queue`. */
function workload(name: string, namespace: string, gpus: number, queue = 'default', extra: Record<string, unknown> = {}): string {
  return Yaml.stringify({
    apiVersion: 'kueue.x-k8s.io/v1beta2',
    kind: 'Workload',
    metadata: { name, namespace },
    spec: {
      ...extra,
      queueName: queue,
      podSets: [{
        name: 'main',
        count: 1,
        template: { spec: { restartPolicy: 'Never', containers: [{ name: 'c', image: 'busybox', resources: { requests: { [GPU]: String(gpus) }, limits: { [GPU]: String(gpus) } } }] } },
      }],
    },
  });
}

/** Whether Kueue admitted the workload, and its last message. */
function state(name: string, namespace: string): { admitted: boolean; message: string } {
  const conditions: any[] = JSON.parse(kubectlOk(['-n', namespace, 'get', 'workload', name, '-o', 'json'], { as: null })).status?.conditions ?? [];
  const admitted = conditions.find(c => c.type === 'Admitted')?.status === 'True';
  return { admitted, message: conditions.map(c => c.message).join('; ') };
}

async function eventually<T>(what: string, read: () => T, done: (value: T) => boolean, seconds = 60): Promise<T> {
  const deadline = Date.now() + seconds * 1000;
  let value = read();
  while (!done(value)) {
    if (Date.now() > deadline) throw new Error(`${what}: still ${JSON.stringify(value)} after ${seconds} s`);
    await new Promise(r => setTimeout(r, 500));
    value = read();
  }
  return value;
}

describe('Kueue admits GPU workloads as the tenants\' queues declare', () => {
  const work = tempDir();
  const kueue = new KueueController(controlPlane(), path.join(work, 'kueue'));

  beforeAll(async () => {
    await kueue.start();
    for (const ns of [BORROWER, LENDER, GREEDY]) kubectlOk(['create', 'namespace', ns], { as: null });
    const chart = new Chart(Testing.app(), 'queues');
    new GpuQueues(chart, 'gpu', CLUSTER);
    new TenantQueue(chart, 'borrower', {
      namespace: BORROWER, cluster: CLUSTER, cohort: 'kq-lab', quotas: [{ flavor: 'kq-h100', nominal: { [GPU]: '2' }, borrowingLimit: { [GPU]: '1' } }],
    });
    new TenantQueue(chart, 'lender', {
      namespace: LENDER, cluster: CLUSTER, cohort: 'kq-lab', quotas: [{ flavor: 'kq-h100', nominal: { [GPU]: '4' }, lendingLimit: { [GPU]: '2' } }],
    });
    new TenantQueue(chart, 'greedy', { namespace: GREEDY, cluster: CLUSTER, cohort: 'kq-lab', quotas: [{ flavor: 'kq-h100', nominal: { [GPU]: '0' } }] });
    // Server-side apply: the API server checks the objects against Kueue's CRD schemas and CEL rules.
    kubectlOk(['apply', '--server-side', '-f', '-'], { as: null, input: Yaml.stringify(...Testing.synth(chart)) });
  }, 300_000);

  afterAll(async () => {
    await kueue.stop();
    for (const ns of [BORROWER, LENDER, GREEDY]) kubectl(['delete', 'namespace', ns, '--wait=false'], { as: null });
    kubectl(['delete', `clusterqueue/${BORROWER}`, `clusterqueue/${LENDER}`, `clusterqueue/${GREEDY}`, 'cohort.kueue.x-k8s.io/kq-lab', 'cohort.kueue.x-k8s.io/kq-dept',
      'resourceflavor/kq-h100', 'clusterrole/kubeflow-kueue-view', '--wait=false'], { as: null });
  });

  test('within nominal quota: admitted', async () => {
    kubectlOk(['apply', '--server-side', '-f', '-'], { as: null, input: workload('nominal', BORROWER, 2) });
    await eventually('nominal', () => state('nominal', BORROWER), s => s.admitted);
  });

  test('beyond nominal: borrowed from the idle lender, up to the borrowing limit', async () => {
    kubectlOk(['apply', '--server-side', '-f', '-'], { as: null, input: workload('borrowed', BORROWER, 1) });
    await eventually('borrowed', () => state('borrowed', BORROWER), s => s.admitted);
    // The lender could lend one more: only the borrower's own limit refuses it.
    kubectlOk(['apply', '--server-side', '-f', '-'], { as: null, input: workload('over-limit', BORROWER, 1) });
    const refused = await eventually('over-limit', () => state('over-limit', BORROWER), s => s.message.includes('insufficient'));
    expect(refused.admitted).toBe(false);
  });

  test('the lender lends no more than its lending limit, though its whole quota is idle', async () => {
    // One of the lender's two lendable GPUs is with the borrower: one is left, not the two the greedy tenant asks for.
    kubectlOk(['apply', '--server-side', '-f', '-'], { as: null, input: workload('two', GREEDY, 2) });
    const refused = await eventually('two', () => state('two', GREEDY), s => s.message.includes('insufficient'));
    expect(refused.admitted).toBe(false);
    kubectlOk(['apply', '--server-side', '-f', '-'], { as: null, input: workload('one', GREEDY, 1) });
    await eventually('one', () => state('one', GREEDY), s => s.admitted);
  });

  test('a LocalQueue pointing at another tenant\'s ClusterQueue admits nothing: the namespace selector holds', async () => {
    kubectlOk(['apply', '--server-side', '-f', '-'], {
      as: null,
      input: Yaml.stringify({ apiVersion: 'kueue.x-k8s.io/v1beta2', kind: 'LocalQueue', metadata: { name: 'sneaky', namespace: BORROWER }, spec: { clusterQueue: LENDER } }),
    });
    kubectlOk(['apply', '--server-side', '-f', '-'], { as: null, input: workload('sneaky', BORROWER, 1, 'sneaky') });
    const refused = await eventually('sneaky', () => state('sneaky', BORROWER), s => s.message.includes('namespace doesn\'t match ClusterQueue selector'));
    expect(refused.admitted).toBe(false);
  });
});

describe('the tenancy guard keeps each tenant on its own queue (after apply)', () => {
  const PLATFORM_ADMIN = { user: 'admin@company.com', groups: ['system:masters'] };
  const A = 'kq-guard-a';
  const B = 'kq-guard-b';
  /** No GPU queue of its own. */
  const C = 'kq-guard-c';
  const out = synthCatalog(`apiVersion: kf-tenancy/v1alpha1
kind: TenantCatalog
cluster:
  guard: {}
  priorityClassPreset: ml
  kueue:
    flavors: [{name: kq-guard-gpu, capacity: {nvidia.com/gpu: "4"}}]
    cohorts: [{name: kq-guard-ml}]
tenants:
  - {name: ${A}, owner: a@company.com, priorityClasses: {allowed: [normal-priority-ml, low-priority-ml]},
     kueue: {cohort: kq-guard-ml, quotas: [{flavor: kq-guard-gpu, nominal: {nvidia.com/gpu: "2"}}]}}
  - {name: ${B}, owner: b@company.com, kueue: {quotas: [{flavor: kq-guard-gpu, nominal: {nvidia.com/gpu: "2"}}]}}
  - {name: ${C}, owner: c@company.com}
`, 'kueue-guard');

  beforeAll(async () => {
    kubectlOk(['apply', '--server-side', '--field-manager', 'kf-tenancy-test', '-k', out]);
    // A policy takes a moment to be in effect.
    await eventually('the queue guard', () => kubectl(['-n', A, 'apply', '--server-side', '-f', '-'], {
      as: PLATFORM_ADMIN, input: Yaml.stringify({ apiVersion: 'kueue.x-k8s.io/v1beta2', kind: 'LocalQueue', metadata: { name: 'probe', namespace: A }, spec: { clusterQueue: B } }),
    }).code, code => code !== 0);
  }, 120_000);

  afterAll(() => {
    const names = [...Object.values(GUARD_POLICY), GUARD_QUEUES_POLICY];
    kubectl(['delete', '--ignore-not-found', ...names.map(n => `validatingadmissionpolicybinding/${n}`), ...names.map(n => `validatingadmissionpolicy/${n}`)], { as: null });
    kubectl(['delete', '-k', out, '--wait=false', '--ignore-not-found'], { as: null });
  });

  test('a LocalQueue that sends a tenant\'s workloads to another tenant\'s ClusterQueue is refused, its own is not', () => {
    const queue = (name: string, clusterQueue: string, namespace = A) =>
      Yaml.stringify({ apiVersion: 'kueue.x-k8s.io/v1beta2', kind: 'LocalQueue', metadata: { name, namespace }, spec: { clusterQueue } });
    const refused = kubectl(['-n', A, 'apply', '--server-side', '-f', '-'], { as: PLATFORM_ADMIN, input: queue('borrowed', B) });
    expect(refused.code).not.toBe(0);
    expect(refused.stderr).toContain(`LocalQueue "borrowed" may feed only ClusterQueue "${A}" (rule ${GUARD_QUEUES_POLICY})`);
    expect(kubectl(['-n', A, 'apply', '--server-side', '-f', '-'], { as: PLATFORM_ADMIN, input: queue('second', A) }).code).toBe(0);
    // A tenant without a GPU queue may have no LocalQueue, even one named after it (a ClusterQueue of that name is no tenant's).
    const queueless = kubectl(['-n', C, 'apply', '--server-side', '-f', '-'], { as: PLATFORM_ADMIN, input: queue('own', C, C) });
    expect(queueless.stderr).toContain(`LocalQueue "own" may feed only no ClusterQueue: the tenant has no GPU queue (rule ${GUARD_QUEUES_POLICY})`);
  });

  test('a tenant\'s ClusterQueue cannot be widened to select other namespaces', () => {
    const widened = kubectl(['patch', 'clusterqueue', A, '--type=merge', '-p', JSON.stringify({ spec: { namespaceSelector: { matchLabels: null, matchExpressions: [{ key: 'kubernetes.io/metadata.name', operator: 'Exists' }] } } })],
      { as: PLATFORM_ADMIN });
    expect(widened.code).not.toBe(0);
    expect(widened.stderr).toContain(`of tenant "${A}" must select only that namespace (rule ${GUARD_QUEUES_POLICY})`);
    // A new one, labelled as the tenant's, selecting by another label: refused with the rule's message, not a CEL error.
    const other = Yaml.stringify({
      apiVersion: 'kueue.x-k8s.io/v1beta2',
      kind: 'ClusterQueue',
      metadata: { name: 'kq-guard-other', labels: { 'kf-tenancy.io/tenant': A } },
      spec: { namespaceSelector: { matchLabels: { team: 'gpu' } } },
    });
    const created = kubectl(['apply', '--server-side', '-f', '-'], { as: PLATFORM_ADMIN, input: other });
    expect(created.code).not.toBe(0);
    expect(created.stderr).toContain(`ClusterQueue "kq-guard-other" of tenant "${A}" must select only that namespace (rule ${GUARD_QUEUES_POLICY})`);
    // Nor a second one for the tenant, selecting only its namespace: it would add quota the catalog does not declare.
    const second = Yaml.stringify({
      apiVersion: 'kueue.x-k8s.io/v1beta2',
      kind: 'ClusterQueue',
      metadata: { name: 'kq-guard-second', labels: { 'kf-tenancy.io/tenant': A } },
      spec: { namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': A } } },
    });
    expect(kubectl(['apply', '--server-side', '-f', '-'], { as: PLATFORM_ADMIN, input: second }).stderr)
      .toContain(`ClusterQueue "kq-guard-second" of tenant "${A}" is made only from Git (rule ${GUARD_QUEUES_POLICY})`);
  });

  test('a tenant\'s ClusterQueue can be neither unlabelled (then widened) nor deleted (then made again), except from Git', () => {
    const message = `ClusterQueue "${A}" of tenant "${A}" may not be deleted or lose its tenant label (rule ${GUARD_QUEUES_POLICY})`;
    const unlabelled = kubectl(['label', 'clusterqueue', A, 'kf-tenancy.io/tenant-'], { as: PLATFORM_ADMIN });
    expect(unlabelled.code).not.toBe(0);
    expect(unlabelled.stderr).toContain(message);
    const relabelled = kubectl(['label', '--overwrite', 'clusterqueue', A, `kf-tenancy.io/tenant=${B}`], { as: PLATFORM_ADMIN });
    expect(relabelled.stderr).toContain(message);
    const deleted = kubectl(['delete', 'clusterqueue', A, '--wait=false'], { as: PLATFORM_ADMIN });
    expect(deleted.code).not.toBe(0);
    expect(deleted.stderr).toContain(message);
    // Nor its quota raised (or its cohort changed) by hand.
    const raised = kubectl(['patch', 'clusterqueue', A, '--type=json', '-p', JSON.stringify([
      { op: 'replace', path: '/spec/resourceGroups/0/flavors/0/resources/0/nominalQuota', value: '4' },
    ])], { as: PLATFORM_ADMIN });
    expect(raised.code).not.toBe(0);
    expect(raised.stderr).toContain(`ClusterQueue "${A}" of tenant "${A}": its quota, limits and cohort change only from Git (rule ${GUARD_QUEUES_POLICY})`);
    // An unlabelled ClusterQueue is not a tenant's: the platform may change or delete it.
    const shared = Yaml.stringify({ apiVersion: 'kueue.x-k8s.io/v1beta2', kind: 'ClusterQueue', metadata: { name: 'kq-guard-shared' }, spec: { namespaceSelector: {} } });
    expect(kubectl(['apply', '--server-side', '-f', '-'], { as: PLATFORM_ADMIN, input: shared }).code).toBe(0);
    expect(kubectl(['delete', 'clusterqueue', 'kq-guard-shared', '--wait=false'], { as: PLATFORM_ADMIN }).code).toBe(0);
  });

  test('the GPU flavors, cohorts and priority classes change only from Git; nothing made by hand joins the catalog\'s cohorts', () => {
    const fromGit = (kind: string, name: string) => `${kind} "${name}" is written from the tenants catalog; it changes only from Git (rule ${GUARD_QUEUES_POLICY})`;
    const relabelled = kubectl(['patch', 'resourceflavor', 'kq-guard-gpu', '--type=merge', '-p', JSON.stringify({ spec: { nodeLabels: { pool: 'any' } } })], { as: PLATFORM_ADMIN });
    expect(relabelled.stderr).toContain(fromGit('ResourceFlavor', 'kq-guard-gpu'));
    expect(kubectl(['delete', 'resourceflavor', 'kq-guard-gpu', '--wait=false'], { as: PLATFORM_ADMIN }).stderr).toContain(fromGit('ResourceFlavor', 'kq-guard-gpu'));
    const raised = kubectl(['patch', 'workloadpriorityclass', 'normal-priority-ml', '--type=merge', '-p', '{"value": 999999}'], { as: PLATFORM_ADMIN });
    expect(raised.stderr).toContain(fromGit('WorkloadPriorityClass', 'normal-priority-ml'));
    // Kueue's controller writes objects back in its own spelling of quantities: it may.
    const KUEUE = { user: 'system:serviceaccount:kueue-system:kueue-controller-manager', groups: ['system:masters'] };
    const respelled = kubectl(['patch', 'clusterqueue', A, '--type=json', '-p', JSON.stringify([
      { op: 'replace', path: '/spec/resourceGroups/0/flavors/0/resources/0/nominalQuota', value: '2000m' },
    ])], { as: KUEUE });
    expect(respelled.stderr).toBe('');
    // Metadata alone (what Kueue's controller changes: finalizers) may change.
    expect(kubectl(['annotate', 'resourceflavor', 'kq-guard-gpu', 'note=ok'], { as: PLATFORM_ADMIN }).code).toBe(0);
    const joining = (kind: string, spec: Record<string, unknown>) => kubectl(['apply', '--server-side', '-f', '-'], {
      as: PLATFORM_ADMIN, input: Yaml.stringify({ apiVersion: 'kueue.x-k8s.io/v1beta2', kind, metadata: { name: 'kq-guard-intruder' }, spec }),
    });
    const queue = joining('ClusterQueue', { cohortName: 'kq-guard-ml', namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'default' } } });
    expect(queue.stderr).toContain(`ClusterQueue "kq-guard-intruder" may not join cohort "kq-guard-ml", which the tenants catalog declares (rule ${GUARD_QUEUES_POLICY})`);
    // In Kueue's older version the field is `cohort`: the request is checked as v1beta2.
    const old = kubectl(['apply', '--server-side', '-f', '-'], {
      as: PLATFORM_ADMIN,
      input: Yaml.stringify({ apiVersion: 'kueue.x-k8s.io/v1beta1', kind: 'ClusterQueue', metadata: { name: 'kq-guard-old' }, spec: { cohort: 'kq-guard-ml' } }),
    });
    expect(old.code).not.toBe(0);
    const cohort = joining('Cohort', { parentName: 'kq-guard-ml' });
    expect(cohort.stderr).toContain('Cohort "kq-guard-intruder" may not join cohort "kq-guard-ml"');
    // Outside the catalog's cohorts, the platform's own queues are its business.
    expect(joining('Cohort', { parentName: 'elsewhere' }).code).toBe(0);
    kubectl(['delete', 'cohort.kueue.x-k8s.io/kq-guard-intruder', '--wait=false'], { as: PLATFORM_ADMIN });
  });

  test('a Workload may not take its priority from a class the tenant\'s pods may not use (whoever makes it, Kueue included)', () => {
    const prioritized = (name: string, priorityClass: string, value: number, namespace = A) => workload(name, namespace, 1, 'default', {
      priorityClassRef: { group: 'kueue.x-k8s.io', kind: 'WorkloadPriorityClass', name: priorityClass }, priority: value,
    });
    const refused = kubectl(['apply', '--server-side', '-f', '-'], { as: PLATFORM_ADMIN, input: prioritized('urgent', 'high-priority-ml', 1000000) });
    // A class outside the catalog's, in any tenant: refused (system-node-critical would put it ahead of everyone).
    const critical = workload('critical', B, 1, 'default', {
      priorityClassRef: { group: 'scheduling.k8s.io', kind: 'PriorityClass', name: 'system-node-critical' }, priority: 2000001000,
    });
    expect(kubectl(['apply', '--server-side', '-f', '-'], { as: PLATFORM_ADMIN, input: critical }).stderr)
      .toContain(`tenant "${B}": Workload "critical" may not take priority class "system-node-critical"`);
    expect(refused.code).not.toBe(0);
    expect(refused.stderr).toContain(`tenant "${A}": Workload "urgent" may not take priority class "high-priority-ml", which the tenant's pods may not use`);
    expect(kubectl(['apply', '--server-side', '-f', '-'], { as: PLATFORM_ADMIN, input: prioritized('routine', 'normal-priority-ml', 100000) }).code).toBe(0);
    // team B declares no priority classes of its own: the catalog's defaults apply, nothing is denied.
    const other = prioritized('urgent', 'high-priority-ml', 1000000, B);
    expect(kubectl(['apply', '--server-side', '-f', '-'], { as: PLATFORM_ADMIN, input: other }).code).toBe(0);
    // Its priority is its class's value: a forged number is refused, except from Kueue's controller.
    const KUEUE = { user: 'system:serviceaccount:kueue-system:kueue-controller-manager', groups: ['system:masters'] };
    const forge = (as: { user: string; groups: string[] }) => kubectl(['-n', A, 'patch', 'workload', 'routine', '--type=merge', '-p', '{"spec": {"priority": 2000000000}}'], { as });
    expect(forge(PLATFORM_ADMIN).stderr).toContain(`tenant "${A}": Workload "routine" has priority 2000000000, not its class's 100000 (rule ${GUARD_QUEUES_POLICY})`);
    // Its status (admission) is Kueue's to write.
    const condition = { type: 'QuotaReserved', status: 'True', reason: 'Forged', message: 'by hand', lastTransitionTime: '2026-01-01T00:00:00Z' };
    const admit = (as: { user: string; groups: string[] }) => kubectl(['-n', A, 'patch', 'workload', 'routine', '--subresource=status', '--type=merge',
      '-p', JSON.stringify({ status: { conditions: [condition] } })], { as });
    expect(admit(PLATFORM_ADMIN).stderr).toContain(`tenant "${A}": the status of Workload "routine" (its admission) is written by Kueue alone (rule ${GUARD_QUEUES_POLICY})`);
    expect(admit(KUEUE).stderr).toBe('');
    expect(forge(KUEUE).stderr).toBe('');
    // One made before the class was denied (here: from Git) can still be updated, as Kueue does to finish it.
    expect(kubectl(['apply', '--server-side', '-f', '-'], { input: prioritized('earlier', 'high-priority-ml', 1000000) }).code).toBe(0);
    const finished = kubectl(['-n', A, 'label', 'workload', 'earlier', 'finished=true'], { as: PLATFORM_ADMIN });
    expect(finished.stderr).toBe('');
    expect(finished.code).toBe(0);
    kubectl(['delete', '-n', A, 'workload', 'routine', 'earlier', '--wait=false'], { as: null });
    kubectl(['delete', '-n', B, 'workload', 'urgent', '--wait=false'], { as: null });
  });
});
