import * as fs from 'fs';
import * as path from 'path';
import { Chart } from 'cdk8s';
import { PreemptionPolicy, PriorityClasses, PriorityClassPreset, TenancyApp, TenantCatalog } from '../src';
import { cli } from './support/cli';
import { newChart, only, renderObjects, synthTenant, tempDir } from './support/synth';

describe('PriorityClasses', () => {
  test('the ML preset: high, normal (global default), low that never preempts', () => {
    const { app, chart } = newChart();
    new PriorityClasses(chart, 'pc', { classes: PriorityClasses.ML_PRESET });
    const objects = renderObjects(app);
    expect(objects.map(o => [o.metadata.name, o.value, o.globalDefault, o.preemptionPolicy])).toEqual([
      ['high-priority-ml', 1000000, undefined, undefined],
      ['low-priority-ml', 10000, undefined, 'Never'],
      ['normal-priority-ml', 100000, true, undefined],
    ]);
    expect(app.renderManifests().map(f => f.path)).toContain('cluster/manifests.yaml');
  });

  test.each([
    [[{ name: 'x', value: 2_000_000_000 }], 'priorityClasses[0] "x": value 2000000000 is outside the range for user classes'],
    [[{ name: 'system-x', value: 1 }], 'names starting with "system-" are reserved'],
    [[{ name: 'a', value: 1 }, { name: 'a', value: 2 }], 'priorityClasses[1] "a": defined twice'],
    [[{ name: 'a', value: 1, globalDefault: true }, { name: 'b', value: 2, globalDefault: true }], '"a" and "b" are all globalDefault; at most one class may be'],
    [[{ name: 'a', value: 1, preemptionPolicy: 'Sometimes' as PreemptionPolicy }], 'preemptionPolicy "Sometimes" is not allowed'],
    [[{ name: 'A', value: 1 }], 'priorityClasses[0] "A": name "A" is not a DNS-1123 label'],
  ])('refuses %j', (classes, message) => {
    expect(() => new PriorityClasses(newChart().chart, 'pc', { classes })).toThrow(message);
  });

  test('at most one global default across the whole app', () => {
    const { app, chart } = newChart();
    new PriorityClasses(chart, 'one', { classes: [{ name: 'a', value: 1, globalDefault: true }] });
    new PriorityClasses(chart, 'two', { classes: [{ name: 'b', value: 2, globalDefault: true }] });
    expect(() => app.renderManifests()).toThrow('PriorityClasses "a" and "b" are all globalDefault; at most one class in the cluster may be');
  });
});

describe('tenant access to priority classes', () => {
  test('denied classes get a zero-pod quota, limited ones a pod quota, scoped by PriorityClass', () => {
    const objects = synthTenant({
      owner: 'a@c.io',
      priorityClasses: { allowed: ['normal-priority-ml', 'high-priority-ml'], denied: ['low-priority-ml'], maxPods: { 'high-priority-ml': '4' } },
    });
    expect(only(objects, 'ResourceQuota', 'priority-class-low-priority-ml').spec).toEqual({
      hard: { pods: '0' },
      scopeSelector: { matchExpressions: [{ scopeName: 'PriorityClass', operator: 'In', values: ['low-priority-ml'] }] },
    });
    expect(only(objects, 'ResourceQuota', 'priority-class-high-priority-ml').spec).toEqual({
      hard: { pods: '4' },
      scopeSelector: { matchExpressions: [{ scopeName: 'PriorityClass', operator: 'In', values: ['high-priority-ml'] }] },
    });
    expect(objects.filter(o => o.kind === 'ResourceQuota').map(o => o.metadata.name).sort())
      .toEqual(['priority-class-high-priority-ml', 'priority-class-low-priority-ml']);
  });

  test.each([
    [{ allowed: ['a'], denied: ['a'] }, 'priorityClasses: "a" is both allowed and denied'],
    // An empty list means what docs/isolation.md says: allowed alone (even []) would limit nothing, so it needs denied.
    [{ allowed: [] }, 'priorityClasses.denied: not given, so allowed limits nothing'],
    [{ allowed: ['a'] }, 'priorityClasses.denied: not given, so allowed limits nothing'],
    [{ allowed: ['a'], maxPods: { b: '1' } }, 'priorityClasses.maxPods: "b" is not in allowed'],
    [{ allowed: ['a'], maxPods: { a: 'many' } }, 'priorityClasses.maxPods["a"]: "many" is not a whole number of pods'],
  ])('refuses %j', (access, message) => {
    expect(() => synthTenant({ owner: 'a@c.io', priorityClasses: access })).toThrow(`tenant "team-a": ${message}`);
  });

  test('from a catalog: the cluster preset is written and every class not allowed is denied', () => {
    const app = new TenancyApp();
    new TenantCatalog(new Chart(app, 'c'), 'catalog', {
      cluster: { priorityClassPreset: PriorityClassPreset.ML },
      tenants: [
        { name: 'team-a', owner: 'a@c.io', priorityClasses: { allowed: ['normal-priority-ml', 'low-priority-ml'] } },
        { name: 'team-b', owner: 'b@c.io' },
      ],
    });
    const objects = renderObjects(app);
    expect(objects.filter(o => o.kind === 'PriorityClass')).toHaveLength(3);
    expect(objects.filter(o => o.kind === 'ResourceQuota').map(o => `${o.metadata.namespace}/${o.metadata.name}`))
      .toEqual(['team-a/priority-class-high-priority-ml']);
  });

  test('from a catalog file: an unknown class is an error with file and line', () => {
    const dir = tempDir();
    const file = path.join(dir, 'c.yaml');
    fs.writeFileSync(file, 'apiVersion: kf-tenancy/v1alpha1\nkind: TenantCatalog\ncluster: {priorityClassPreset: ml}\ntenants:\n  - name: team-a\n    owner: a@c.io\n    priorityClasses: {allowed: [urgent]}\n');
    const result = cli(['validate', file]);
    expect(result.code).toBe(1);
    expect(result.stderr).toContain(`${file}:5: tenant "team-a": priorityClasses: "urgent" is not a PriorityClass of the catalog; known: high-priority-ml, normal-priority-ml, low-priority-ml`);
  });
});
