import { only, synthTenant } from './support/synth';
import { limitRangeProblems } from '../src/constructs/tenant/limit-range';
import { compareQuantities, isQuantity, isWholeQuantity, parseQuantity } from '../src/core/quantity';

const RESEARCH = {
  container: {
    default: { 'cpu': '1', 'memory': '2Gi', 'nvidia.com/gpu': '0' },
    defaultRequest: { cpu: '500m', memory: '1Gi' },
    max: { 'cpu': '8', 'memory': '32Gi', 'nvidia.com/gpu': '2' },
  },
  persistentVolumeClaim: { minStorage: '1Gi', maxStorage: '100Gi' },
};

describe('parseQuantity (exact, as Kubernetes compares)', () => {
  test.each([['500m', 0.5], ['2', 2], ['1Gi', 2 ** 30], ['1G', 1e9], ['1.5Ki', 1536], ['1e3', 1000], ['100Mi', 100 * 2 ** 20], ['2E', 2e18], ['.5', 0.5]])('%s', (q, n) => {
    const { num, den } = parseQuantity(q);
    expect(Number(num) / Number(den)).toBe(n);
  });
  test('orders mixed units', () => {
    expect(compareQuantities('1Gi', '1000Mi')).toBe(1);
    expect(compareQuantities('1500m', '2')).toBe(-1);
    expect(compareQuantities('1k', '1000')).toBe(0);
  });
  test('huge exponents compare exactly instead of overflowing to Infinity', () => {
    expect(compareQuantities('1e30', '2e30')).toBe(-1);
    expect(compareQuantities('9e29', '1e30')).toBe(-1);
    expect(isQuantity('1e400')).toBe(false);
    expect(isQuantity('1e99999999')).toBe(false);
  });
  test('whole numbers', () => {
    expect(isWholeQuantity('2')).toBe(true);
    expect(isWholeQuantity('2k')).toBe(true);
    expect(isWholeQuantity('2.5')).toBe(false);
    expect(isWholeQuantity('500m')).toBe(false);
  });
  test('refuses a non-quantity', () => {
    expect(() => parseQuantity('lots')).toThrow('"lots" is not a Kubernetes quantity');
  });
});

describe('LimitRange', () => {
  test('container defaults and bounds (GPU included) and PVC bounds, as the guide sets for team-research', () => {
    const objects = synthTenant({ owner: 'r@c.io', limitRange: RESEARCH, resourceQuota: { 'requests.cpu': '20', 'limits.memory': '160Gi' } });
    expect(only(objects, 'LimitRange', 'default-resources')).toEqual({
      apiVersion: 'v1',
      kind: 'LimitRange',
      metadata: { name: 'default-resources', namespace: 'team-a' },
      spec: {
        limits: [
          {
            type: 'Container',
            default: { 'cpu': '1', 'memory': '2Gi', 'nvidia.com/gpu': '0' },
            defaultRequest: { cpu: '500m', memory: '1Gi' },
            max: { 'cpu': '8', 'memory': '32Gi', 'nvidia.com/gpu': '2' },
          },
          { type: 'PersistentVolumeClaim', min: { storage: '1Gi' }, max: { storage: '100Gi' } },
        ],
      },
    });
  });

  test('no LimitRange unless asked; name is configurable', () => {
    expect(synthTenant({ owner: 'r@c.io' }).filter(o => o.kind === 'LimitRange')).toEqual([]);
    const limits = { name: 'limits', container: { default: { cpu: '1' }, max: { cpu: '4' } } };
    expect(only(synthTenant({ owner: 'r@c.io', limitRange: limits }), 'LimitRange', 'limits')
      .spec.limits).toEqual([{ type: 'Container', default: { cpu: '1' }, max: { cpu: '4' } }]);
  });

  test.each([
    ['default above max', { container: { default: { cpu: '16' }, max: { cpu: '8' } } }, {},
      'limitRange.container: default["cpu"] 16 is above max 8; a default limit must not exceed the max'],
    ['defaultRequest above default', { container: { default: { memory: '1Gi' }, defaultRequest: { memory: '2Gi' } } }, {},
      'limitRange.container: defaultRequest["memory"] 2Gi is above default 1Gi; a default request must not exceed the default limit'],
    ['min above max', { container: { min: { cpu: '2' }, max: { cpu: '1500m' } } }, {},
      'limitRange.container: min["cpu"] 2 is above max 1500m; min must not exceed max'],
    ['GPU default above max', { container: { default: { 'nvidia.com/gpu': '4' }, max: { 'nvidia.com/gpu': '2' } } }, {},
      'limitRange.container: default["nvidia.com/gpu"] 4 is above max 2'],
    // Kubernetes would default the limit and request of every container to the max (confirmed by the
    // integration test against kube-apiserver): a CPU-only pod would ask for two GPUs.
    ['GPU max without a default', { container: { default: { cpu: '1' }, max: { 'cpu': '8', 'nvidia.com/gpu': '2' } } }, {},
      'limitRange.container.default["nvidia.com/gpu"]: missing while max["nvidia.com/gpu"] is 2; Kubernetes would then default every '
        + 'container\'s nvidia.com/gpu limit and request to that max, so set a default ("0" for an extended resource such as a GPU)'],
    ['cpu max without a default', { container: { max: { cpu: '8' } } }, {},
      'limitRange.container.default["cpu"]: missing while max["cpu"] is 8; Kubernetes would then default every container\'s cpu limit '
        + 'and request to that max, so set a default'],
    ['PVC min above max', { persistentVolumeClaim: { minStorage: '200Gi', maxStorage: '100Gi' } }, {},
      'limitRange.persistentVolumeClaim: minStorage 200Gi is above maxStorage 100Gi'],
    ['malformed quantity', { container: { max: { cpu: 'eight' } } }, {},
      'limitRange.container.max["cpu"]: "eight" is not a Kubernetes quantity'],
    ['quota on requests.cpu without a default request', { container: { min: { cpu: '100m' } } }, { 'requests.cpu': '20' },
      'limitRange.container.defaultRequest["cpu"]: missing; the quota on "requests.cpu" rejects pods without it'],
    ['quota on limits.memory without a default limit', { container: { defaultRequest: { memory: '1Gi' } } }, { 'limits.memory': '10Gi' },
      'limitRange.container.default["memory"]: missing; the quota on "limits.memory" rejects pods without it'],
  ])('%s', (_name, limitRange, quota, message) => {
    expect(limitRangeProblems(limitRange as any, quota)).toContainEqual(expect.stringContaining(message));
    expect(() => synthTenant({ owner: 'r@c.io', limitRange: limitRange as any, resourceQuota: quota }))
      .toThrow(`tenant "team-a": ${message}`);
  });

  test('a quota on cpu is satisfied by a default limit alone (Kubernetes copies it to the request)', () => {
    expect(limitRangeProblems({ container: { default: { cpu: '1' } } }, { cpu: '10' })).toEqual([]);
    expect(limitRangeProblems({ container: {} }, { 'requests.nvidia.com/gpu': '4', 'pods': '10' })).toEqual([]);
  });
});
