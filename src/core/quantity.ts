/**
 * Pure checks for Kubernetes resource quantities and ResourceQuota keys.
 */

// Kubernetes' quantity grammar: a signed decimal number with an optional binary
// suffix (Ki…Ei), decimal suffix (n, u, m, k, M, G, T, P, E) or exponent.
const QUANTITY = /^[+-]?(\d+\.?\d*|\.\d+)([KMGTPE]i|[numkMGTPE]|[eE][+-]?\d+)?$/;

/**
 * True when `value` parses as a non-negative Kubernetes quantity. Exponents beyond ±30 and
 * texts over 64 characters are refused: no real limit needs them, and exact arithmetic on
 * `1e99999999` would not finish.
 */
export function isQuantity(value: string): boolean {
  if (typeof value !== 'string' || value.length > 64 || !QUANTITY.test(value) || value.startsWith('-')) return false;
  const exponent = /[eE]([+-]?\d+)$/.exec(value);
  return !exponent || Math.abs(Number(exponent[1])) <= 30;
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

/** Each suffix as an exact power: 10^exponent × 2^binary. */
const SUFFIX: Record<string, { exponent: number; binary: number }> = {
  '': { exponent: 0, binary: 0 },
  'n': { exponent: -9, binary: 0 },
  'u': { exponent: -6, binary: 0 },
  'm': { exponent: -3, binary: 0 },
  'k': { exponent: 3, binary: 0 },
  'M': { exponent: 6, binary: 0 },
  'G': { exponent: 9, binary: 0 },
  'T': { exponent: 12, binary: 0 },
  'P': { exponent: 15, binary: 0 },
  'E': { exponent: 18, binary: 0 },
  'Ki': { exponent: 0, binary: 10 },
  'Mi': { exponent: 0, binary: 20 },
  'Gi': { exponent: 0, binary: 30 },
  'Ti': { exponent: 0, binary: 40 },
  'Pi': { exponent: 0, binary: 50 },
  'Ei': { exponent: 0, binary: 60 },
};

/** An exact quantity: numerator over denominator, both non-negative. */
export interface ExactQuantity {
  readonly num: bigint;
  readonly den: bigint;
}

/**
 * The exact value of a quantity ("500m" → 1/2, "1Gi" → 1073741824), so comparisons are
 * exact as Kubernetes makes them: no float rounding, no overflow to Infinity ("1e400").
 * @throws if `value` is not a quantity
 */
export function parseQuantity(value: string): ExactQuantity {
  if (!isQuantity(value)) throw new Error(`${JSON.stringify(String(value)).slice(0, 60)} is not a Kubernetes quantity`);
  const match = QUANTITY.exec(value)!;
  const suffix = match[2] ?? '';
  const { exponent, binary } = /^[eE][+-]?\d+$/.test(suffix) ? { exponent: Number(suffix.slice(1)), binary: 0 } : SUFFIX[suffix];
  const [whole, fraction = ''] = match[1].split('.');
  let num = BigInt(`${whole}${fraction}` || '0') * (2n ** BigInt(binary));
  let den = 10n ** BigInt(fraction.length);
  if (exponent >= 0) num *= 10n ** BigInt(exponent);
  else den *= 10n ** BigInt(-exponent);
  return { num, den };
}

/** -1, 0 or 1 as `a` is below, equal to or above `b` (exactly). */
export function compareQuantities(a: string, b: string): number {
  const x = parseQuantity(a);
  const y = parseQuantity(b);
  const left = x.num * y.den;
  const right = y.num * x.den;
  return left < right ? -1 : left > right ? 1 : 0;
}

/** Whether a quantity is a whole number ("4", "2k", but not "2.5" or "500m"). */
export function isWholeQuantity(value: string): boolean {
  const { num, den } = parseQuantity(value);
  return num % den === 0n;
}

/**
 * Quota keys counted in whole units: objects (pods, services, count/…) and extended
 * resources such as GPUs, which Kubernetes allocates only in whole devices.
 */
export function countsWholeUnits(key: string): boolean {
  if (STANDARD_QUOTA_KEYS.has(key)) return !/(cpu|memory|ephemeral-storage|requests\.storage)$/.test(key);
  if (/persistentvolumeclaims$/.test(key) || key.startsWith('count/')) return true;
  return /^requests\./.test(key) && EXTENDED_RESOURCE.test(key.slice('requests.'.length));
}
