/**
 * Pure checks for Kubernetes resource quantities and ResourceQuota keys.
 */

// Kubernetes' quantity grammar: a signed decimal number with an optional binary
// suffix (Ki…Ei), decimal suffix (n, u, m, k, M, G, T, P, E) or exponent.
const QUANTITY = /^[+-]?(\d+\.?\d*|\.\d+)([KMGTPE]i|[numkMGTPE]|[eE][+-]?\d+)?$/;

/** True when `value` parses as a non-negative Kubernetes quantity. */
export function isQuantity(value: string): boolean {
  return QUANTITY.test(value) && !value.startsWith('-');
}

/** Resource names a ResourceQuota enforces as compute, storage or object counts. */
const STANDARD_QUOTA_KEYS = new Set([
  'cpu', 'memory', 'ephemeral-storage',
  'requests.cpu', 'requests.memory', 'requests.ephemeral-storage',
  'limits.cpu', 'limits.memory', 'limits.ephemeral-storage',
  'requests.storage', 'persistentvolumeclaims',
  'pods', 'services', 'services.loadbalancers', 'services.nodeports',
  'secrets', 'configmaps', 'replicationcontrollers', 'resourcequotas',
]);

const DNS_SUBDOMAIN = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;
const RESOURCE_NAME = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;
// An extended resource is a fully qualified name outside kubernetes.io, e.g. nvidia.com/gpu.
const EXTENDED_RESOURCE = /^([a-z0-9]([-a-z0-9]*[a-z0-9])?\.)+[a-z0-9]([-a-z0-9]*[a-z0-9])?\/[A-Za-z0-9]([-A-Za-z0-9_.]*[A-Za-z0-9])?$/;

/**
 * Checks a ResourceQuota `hard` key. Kubernetes stores any key but enforces only
 * these, so a key like `gpu` silently limits nothing (kubeflow/kubeflow#5154).
 * @returns undefined when the key is enforced, else a message with a fix hint.
 */
export function quotaKeyProblem(key: string): string | undefined {
  if (STANDARD_QUOTA_KEYS.has(key)) return undefined;
  if (/^(requests\.|limits\.)?hugepages-[0-9A-Za-z]+$/.test(key)) return undefined;
  const storageClass = /^(.+)\.storageclass\.storage\.k8s\.io\/(requests\.storage|persistentvolumeclaims)$/.exec(key);
  if (storageClass && DNS_SUBDOMAIN.test(storageClass[1])) return undefined;
  const count = /^count\/(.+)$/.exec(key);
  if (count) {
    const [resource, ...group] = count[1].split('.');
    if (RESOURCE_NAME.test(resource) && (group.length === 0 || DNS_SUBDOMAIN.test(group.join('.')))) return undefined;
    return `"${key}" is not a valid object count; use count/<resource> or count/<resource>.<group>, e.g. count/deployments.apps`;
  }
  if (key.startsWith('requests.') && EXTENDED_RESOURCE.test(key.slice('requests.'.length))) return undefined;
  if (key.startsWith('limits.') && EXTENDED_RESOURCE.test(key.slice('limits.'.length))) {
    return `"${key}" is not enforced: extended resources are limited by requests only; use "requests.${key.slice('limits.'.length)}"`;
  }
  if (EXTENDED_RESOURCE.test(key)) {
    return `"${key}" is not enforced: extended resources need the requests. prefix; use "requests.${key}"`;
  }
  if (/^gpus?$/i.test(key) || /^nvidia[-_.]?gpus?$/i.test(key)) {
    return `"${key}" is not enforced by Kubernetes; for NVIDIA GPUs use "requests.nvidia.com/gpu"`;
  }
  return `"${key}" is not a resource Kubernetes enforces in a ResourceQuota; use e.g. requests.cpu, limits.memory, requests.storage, pods, count/<resource> or requests.<vendor>/<resource>`;
}

const SUFFIX: Record<string, number> = {
  '': 1,
  'n': 1e-9,
  'u': 1e-6,
  'm': 1e-3,
  'k': 1e3,
  'M': 1e6,
  'G': 1e9,
  'T': 1e12,
  'P': 1e15,
  'E': 1e18,
  'Ki': 2 ** 10,
  'Mi': 2 ** 20,
  'Gi': 2 ** 30,
  'Ti': 2 ** 40,
  'Pi': 2 ** 50,
  'Ei': 2 ** 60,
};

/**
 * The numeric value of a quantity ("500m" → 0.5, "1Gi" → 1073741824), for
 * comparing quantities; precise enough for ordering, not for arithmetic.
 * @throws if `value` is not a quantity
 */
export function parseQuantity(value: string): number {
  const match = QUANTITY.exec(value);
  if (!match) throw new Error(`"${value}" is not a Kubernetes quantity`);
  const number = Number(value.slice(0, value.length - (match[2]?.length ?? 0)));
  const suffix = match[2] ?? '';
  if (/^[eE]/.test(suffix)) return number * 10 ** Number(suffix.slice(1));
  return number * SUFFIX[suffix];
}
