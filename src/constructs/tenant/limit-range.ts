import { k8s } from 'cdk8s-plus-28';
import { Construct } from 'constructs';
import { compareQuantities, isQuantity, isWholeQuantity } from '../../core/quantity';
import { describeValue, throwIfAny } from '../../core/validation';

/** Default, minimum and maximum resources of each container. */
export interface ContainerLimits {
  /**
   * Limits given to containers that set none, e.g. `{ cpu: '1', memory: '2Gi' }`.
   * @default - none
   */
  readonly default?: { [resource: string]: string };
  /**
   * Requests given to containers that set none.
   * @default - none (Kubernetes then uses `default`)
   */
  readonly defaultRequest?: { [resource: string]: string };
  /**
   * Smallest allowed requests/limits.
   * @default - none
   */
  readonly min?: { [resource: string]: string };
  /**
   * Largest allowed limits, e.g. `{ cpu: '8', 'nvidia.com/gpu': '2' }`.
   * @default - none
   */
  readonly max?: { [resource: string]: string };
}

/** Smallest and largest PersistentVolumeClaim. */
export interface VolumeClaimLimits {
  /**
   * Smallest storage request, e.g. "1Gi".
   * @default - none
   */
  readonly minStorage?: string;
  /**
   * Largest storage request, e.g. "100Gi".
   * @default - none
   */
  readonly maxStorage?: string;
}

/** A tenant's LimitRange. */
export interface LimitRangeOptions {
  /**
   * Name of the LimitRange.
   * @default "default-resources"
   */
  readonly name?: string;
  /**
   * Container defaults and bounds.
   * @default - none
   */
  readonly container?: ContainerLimits;
  /**
   * PersistentVolumeClaim bounds.
   * @default - none
   */
  readonly persistentVolumeClaim?: VolumeClaimLimits;
}

/** Properties of a {@link TenantLimitRange}. */
export interface TenantLimitRangeProps extends LimitRangeOptions {
  /** The tenant namespace. */
  readonly namespace: string;
  /**
   * The tenant's ResourceQuota `hard` limits: a quota on requests or limits of
   * cpu, memory or ephemeral storage rejects pods that do not set them, so the
   * LimitRange must give those defaults.
   * @default - no quota
   */
  readonly resourceQuota?: { [resource: string]: string };
}

const COMPUTE = ['cpu', 'memory', 'ephemeral-storage'];

/** Quota keys that make Kubernetes reject pods without a request (or limit) for the resource. */
function requiredDefaults(quota: { [resource: string]: string }): Array<{ field: 'default' | 'defaultRequest'; resource: string; key: string }> {
  const required: Array<{ field: 'default' | 'defaultRequest'; resource: string; key: string }> = [];
  for (const key of Object.keys(quota).sort()) {
    for (const resource of COMPUTE) {
      if (key === resource || key === `requests.${resource}`) required.push({ field: 'defaultRequest', resource, key });
      if (key === `limits.${resource}`) required.push({ field: 'default', resource, key });
    }
  }
  return required;
}

/** Problems with a LimitRange, each naming its field and the values compared. */
export function limitRangeProblems(options: LimitRangeOptions, quota: { [resource: string]: string } = {}): string[] {
  const problems: string[] = [];
  const container = options.container ?? {};
  const maps = { default: container.default, defaultRequest: container.defaultRequest, min: container.min, max: container.max };
  for (const [field, map] of Object.entries(maps)) {
    for (const [resource, value] of Object.entries(map ?? {})) {
      if (typeof value !== 'string' || !isQuantity(value)) {
        problems.push(`limitRange.container.${field}["${resource}"]: ${describeValue(value)} is not a Kubernetes quantity; use e.g. "1", "500m", "2Gi"`);
      } else if (!COMPUTE.includes(resource) && !isWholeQuantity(value)) {
        problems.push(`limitRange.container.${field}["${resource}"]: "${value}" is not a whole number; ${resource} is an extended resource, allocated only in whole units`);
      }
    }
  }
  const quantity = (map: { [r: string]: string } | undefined, resource: string) =>
    (map?.[resource] !== undefined && isQuantity(map[resource]) ? map[resource] : undefined);
  const compare = (smallField: keyof typeof maps, bigField: keyof typeof maps, relation: string) => {
    for (const resource of Object.keys(maps[smallField] ?? {}).sort()) {
      const small = quantity(maps[smallField], resource);
      const big = quantity(maps[bigField], resource);
      if (small !== undefined && big !== undefined && compareQuantities(small, big) > 0) {
        problems.push(`limitRange.container: ${smallField}["${resource}"] ${maps[smallField]![resource]} is above ${bigField} ${maps[bigField]![resource]}; ${relation}`);
      }
    }
  };
  // Kubernetes fills a missing default limit with the max (and a missing default request with the
  // default), so a max alone would give every container without limits the max, requested.
  for (const resource of Object.keys(container.max ?? {}).sort()) {
    if (container.default?.[resource] === undefined) {
      const zero = COMPUTE.includes(resource) ? '' : ' ("0" for an extended resource such as a GPU)';
      problems.push(`limitRange.container.default["${resource}"]: missing while max["${resource}"] is ${container.max![resource]}; `
        + `Kubernetes would then default every container's ${resource} limit and request to that max, so set a default${zero}`);
    }
  }
  compare('default', 'max', 'a default limit must not exceed the max');
  compare('defaultRequest', 'default', 'a default request must not exceed the default limit');
  compare('defaultRequest', 'max', 'a default request must not exceed the max');
  compare('min', 'max', 'min must not exceed max');
  compare('min', 'defaultRequest', 'min must not exceed the default request');

  const pvc = options.persistentVolumeClaim ?? {};
  for (const field of ['minStorage', 'maxStorage'] as const) {
    if (pvc[field] !== undefined && !isQuantity(pvc[field]!)) {
      problems.push(`limitRange.persistentVolumeClaim.${field}: ${describeValue(pvc[field])} is not a Kubernetes quantity; use e.g. "1Gi"`);
    }
  }
  if (pvc.minStorage && pvc.maxStorage && isQuantity(pvc.minStorage) && isQuantity(pvc.maxStorage)
      && compareQuantities(pvc.minStorage, pvc.maxStorage) > 0) {
    problems.push(`limitRange.persistentVolumeClaim: minStorage ${pvc.minStorage} is above maxStorage ${pvc.maxStorage}`);
  }

  for (const need of requiredDefaults(quota)) {
    const given = need.field === 'default' ? container.default : container.defaultRequest ?? container.default;
    if (given?.[need.resource] === undefined) {
      problems.push(`limitRange.container.${need.field}["${need.resource}"]: missing; the quota on "${need.key}" rejects pods without it, `
        + `so give a ${need.field === 'default' ? 'default limit' : 'default request (or default limit)'} for ${need.resource}`);
    }
  }
  return problems;
}

function quantities(map: { [resource: string]: string } | undefined): { [key: string]: k8s.Quantity } | undefined {
  if (!map || Object.keys(map).length === 0) return undefined;
  return Object.fromEntries(Object.entries(map).map(([k, v]) => [k, k8s.Quantity.fromString(v)]));
}

/**
 * A LimitRange that gives containers default requests and limits (so pods
 * without them still pass the quota) and bounds containers and volume claims.
 */
export class TenantLimitRange extends Construct {
  constructor(scope: Construct, id: string, props: TenantLimitRangeProps) {
    super(scope, id);
    // A TenantProfile checks these with the rest of the tenant, all errors at once.
    throwIfAny(limitRangeProblems(props, props.resourceQuota));
    const limits: k8s.LimitRangeItem[] = [];
    const c = props.container;
    if (c && (c.default || c.defaultRequest || c.min || c.max)) {
      limits.push({
        type: 'Container',
        default: quantities(c.default),
        defaultRequest: quantities(c.defaultRequest),
        min: quantities(c.min),
        max: quantities(c.max),
      });
    }
    const pvc = props.persistentVolumeClaim;
    if (pvc && (pvc.minStorage || pvc.maxStorage)) {
      limits.push({
        type: 'PersistentVolumeClaim',
        min: pvc.minStorage ? { storage: k8s.Quantity.fromString(pvc.minStorage) } : undefined,
        max: pvc.maxStorage ? { storage: k8s.Quantity.fromString(pvc.maxStorage) } : undefined,
      });
    }
    new k8s.KubeLimitRange(this, 'Resource', {
      metadata: { name: props.name ?? 'default-resources', namespace: props.namespace },
      spec: { limits },
    });
  }
}
