import { isQuantity, quotaKeyProblem } from '../src/core/quantity';

describe('isQuantity', () => {
  test.each(['4', '500m', '100Gi', '1Ti', '0.5', '1e3', '2E', '1.5Gi', '.5'])('accepts %s', value => {
    expect(isQuantity(value)).toBe(true);
  });
  test.each(['', 'lots', '4 cpus', '100GB', '-1', '1.2.3', 'Gi', '10gi'])('refuses %s', value => {
    expect(isQuantity(value)).toBe(false);
  });
});

describe('quotaKeyProblem', () => {
  test.each([
    'cpu', 'memory', 'requests.cpu', 'limits.memory', 'requests.storage', 'persistentvolumeclaims', 'pods',
    'services', 'secrets', 'configmaps', 'requests.nvidia.com/gpu', 'count/deployments.apps', 'count/jobs.batch',
    'count/pods', 'gold.storageclass.storage.k8s.io/requests.storage', 'requests.hugepages-2Mi', 'requests.ephemeral-storage',
  ])('enforced: %s', key => {
    expect(quotaKeyProblem(key)).toBeUndefined();
  });

  test.each([
    ['gpu', 'use "requests.nvidia.com/gpu"'],
    ['nvidia.com/gpu', 'use "requests.nvidia.com/gpu"'],
    ['limits.nvidia.com/gpu', 'use "requests.nvidia.com/gpu"'],
    ['cpus', 'not a resource Kubernetes enforces'],
    ['count/Deployments', 'not a valid object count'],
  ])('not enforced: %s', (key, message) => {
    expect(quotaKeyProblem(key)).toContain(message);
  });
});
