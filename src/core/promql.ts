/**
 * PromQL expressions over kube-state-metrics' `kube_resourcequota` series, as
 * pure functions (unit-tested), for the quota alerts and the tenant dashboard.
 */

/** Escapes a literal for a PromQL regex matcher inside a double-quoted string. */
export function regexLiteral(value: string): string {
  // Regex metacharacters get a backslash, which itself is escaped in the PromQL string.
  return value.replace(/[.*+?^${}()|[\]\\]/g, c => `\\\\${c}`);
}

/** `namespace=~"a|b|c"` for the given namespaces (sorted, so the output is stable). */
export function namespaceMatcher(namespaces: string[]): string {
  return `namespace=~"${[...new Set(namespaces)].sort().map(regexLiteral).join('|')}"`;
}

/** How a rule picks the tenant namespaces. */
export interface TenantScope {
  /** Tenant namespaces, matched by name. */
  readonly namespaces?: string[];
  /**
   * A namespace label, as kube-state-metrics exports it on `kube_namespace_labels`
   * (e.g. `label_app_kubernetes_io_part_of="kubeflow-profile"`), instead of a list.
   */
  readonly namespaceLabelMatcher?: string;
  /** A ready namespace matcher, e.g. `namespace="$namespace"` for a Grafana variable. */
  readonly matcher?: string;
}

function quotaSeries(type: 'used' | 'hard', resources: string[], scope: TenantScope): string {
  const matchers = [`type="${type}"`, `resource=~"${resources.map(regexLiteral).join('|')}"`];
  if (scope.namespaces) matchers.push(namespaceMatcher(scope.namespaces));
  if (scope.matcher) matchers.push(scope.matcher);
  const series = `kube_resourcequota{${matchers.join(',')}}`;
  return `max by (namespace, resourcequota, resource) (${series}${type === 'hard' ? ' > 0' : ''})`;
}

/**
 * Used over hard of the given quota resources, per namespace, quota and
 * resource; quotas with a hard limit of 0 are left out (no division by zero).
 */
export function quotaRatio(resources: string[], scope: TenantScope): string {
  const ratio = `${quotaSeries('used', resources, scope)}\n  /\n${quotaSeries('hard', resources, scope)}`;
  if (!scope.namespaceLabelMatcher) return ratio;
  return `(${ratio})\n  * on (namespace) group_left ()\nmax by (namespace) (kube_namespace_labels{${scope.namespaceLabelMatcher}})`;
}

/** `quotaRatio(...) > threshold` (or `>=` when `inclusive`). */
export function quotaRatioAbove(resources: string[], scope: TenantScope, threshold: number, inclusive = false): string {
  return `${quotaRatio(resources, scope)}\n  ${inclusive ? '>=' : '>'} ${threshold}`;
}

/** A Prometheus duration such as `5m`, `1h30m`; undefined when valid. */
export function durationProblem(value: string): string | undefined {
  return /^(\d+y)?(\d+w)?(\d+d)?(\d+h)?(\d+m)?(\d+s)?(\d+ms)?$/.test(value) && value !== '' && !/^0+[a-z]*$/.test(value)
    ? undefined
    : `"${value}" is not a Prometheus duration; use e.g. "5m", "15m", "1h"`;
}

/** A Prometheus label name; undefined when valid. */
export function promLabelNameProblem(value: string): string | undefined {
  return /^[a-zA-Z_][a-zA-Z0-9_]*$/.test(value) ? undefined : `"${value}" is not a Prometheus label name; use letters, digits and "_"`;
}
