/**
 * Kubernetes label selectors (`metav1.LabelSelector`), as the API server and controllers
 * evaluate them (`LabelSelectorAsSelector`): every matchLabels pair and every matchExpression
 * must hold; a selector with neither selects everything.
 *
 * Absent selectors. Where Kubernetes declares the field as a struct, not a pointer (a
 * NetworkPolicy's `spec.podSelector`, each of a ClusterRole's `aggregationRule.clusterRoleSelectors`),
 * an absent or `null` selector decodes to the empty one and selects everything; this function
 * treats `undefined` and `null` that way. Where the field is a pointer and absence means
 * something else (a NetworkPolicy peer's `namespaceSelector`: "this namespace only"), the caller
 * decides before calling.
 */

/** One `matchExpressions` entry. */
export interface LabelSelectorRequirement {
  readonly key: string;
  readonly operator: string;
  readonly values?: string[];
}

/** A label selector as manifests carry it. */
export interface LabelSelector {
  readonly matchLabels?: Record<string, string>;
  readonly matchExpressions?: LabelSelectorRequirement[];
}

/** Whether `selector` selects an object with `labels` (absent selector: everything, see above). */
export function labelSelectorMatches(selector: LabelSelector | null | undefined, labels: Record<string, string>): boolean {
  const byLabel = Object.entries(selector?.matchLabels ?? {}).every(([key, value]) => labels[key] === value);
  return byLabel && (selector?.matchExpressions ?? []).every(expression => {
    const has = Object.prototype.hasOwnProperty.call(labels, expression.key);
    const values = expression.values ?? [];
    switch (expression.operator) {
      case 'In': return has && values.includes(labels[expression.key]);
      case 'NotIn': return !has || !values.includes(labels[expression.key]);
      case 'Exists': return has;
      case 'DoesNotExist': return !has;
      default: return false; // the API server rejects other operators; if one gets through, it selects nothing
    }
  });
}
