/**
 * Alerts that warn a team before it hits its ResourceQuota, as one
 * prometheus-operator PrometheusRule over the tenant namespaces.
 */
import { ApiObject } from 'cdk8s';
import { Construct } from 'constructs';
import { durationProblem, promLabelNameProblem, quotaRatioAbove, TenantScope } from '../../core/promql';
import { problemsAt, tenantObjectProblems, throwIfAny } from '../../core/validation';
import { PrometheusRule, PrometheusRuleSpecGroupsRules, PrometheusRuleSpecGroupsRulesExpr } from '../../imports/monitoring.coreos.com';

/** Options of the quota alerts, as a catalog's `cluster.quotaAlerts` holds them. */
export interface QuotaAlertsOptions {
  /**
   * Namespace of the PrometheusRule (where Prometheus looks for rules).
   * @default "monitoring"
   */
  readonly namespace?: string;
  /**
   * Name of the PrometheusRule.
   * @default "kf-tenancy-quota-alerts"
   */
  readonly name?: string;
  /**
   * Labels on the PrometheusRule, so that your Prometheus' `ruleSelector` picks it up
   * (kube-prometheus-stack selects `release: <its release name>` by default).
   * @default - none
   */
  readonly ruleLabels?: { [key: string]: string };
  /**
   * Labels added to every alert, e.g. for Alertmanager routing.
   * @default - none
   */
  readonly alertLabels?: { [key: string]: string };
  /**
   * Fraction of the CPU request quota (`requests.cpu` or `cpu`) above which a warning fires.
   * @default 0.8
   */
  readonly cpuThreshold?: number;
  /**
   * Fraction of the memory request quota (`requests.memory` or `memory`) above which a warning fires.
   * @default 0.8
   */
  readonly memoryThreshold?: number;
  /**
   * Fraction of the PersistentVolumeClaim count quota above which a warning fires.
   * @default 0.9
   */
  readonly pvcThreshold?: number;
  /**
   * How long a warning condition must hold before the alert fires.
   * @default "15m"
   */
  readonly warningFor?: string;
  /**
   * How long the GPU quota must be exhausted before the critical alert fires.
   * @default "5m"
   */
  readonly gpuFor?: string;
  /**
   * The GPU resource name; the quota key is `requests.<gpuResource>`.
   * @default "nvidia.com/gpu"
   */
  readonly gpuResource?: string;
  /**
   * Match tenant namespaces through this `kube_namespace_labels` matcher instead of
   * listing them, e.g. `label_app_kubernetes_io_part_of="kubeflow-profile"` (kube-state-metrics
   * must export that label: `--metric-labels-allowlist=namespaces=[app.kubernetes.io/part-of]`).
   * Keeps the expressions short with thousands of tenants.
   * @default - the tenant namespaces are listed in the expressions
   */
  readonly namespaceLabelMatcher?: string;
}

/** Properties of {@link QuotaAlerts}. */
export interface QuotaAlertsProps extends QuotaAlertsOptions {
  /** The tenant namespaces to watch. */
  readonly tenants: string[];
}

/** The alert names, for routing and silences. */
export enum QuotaAlertName {
  /** CPU requests above the threshold of the quota. */
  CPU = 'KfTenantCpuQuotaNearLimit',
  /** Memory requests above the threshold of the quota. */
  MEMORY = 'KfTenantMemoryQuotaNearLimit',
  /** Every GPU of the quota in use. */
  GPU = 'KfTenantGpuQuotaExhausted',
  /** PersistentVolumeClaim count near the quota. */
  PVC = 'KfTenantPvcQuotaNearLimit',
}

/** Problems with quota alert options, each naming its field. */
export function quotaAlertsProblems(props: QuotaAlertsProps): string[] {
  const problems: string[] = [];
  const at = problemsAt('quotaAlerts', problems);
  if (props.tenants.length === 0 && !props.namespaceLabelMatcher) problems.push('quotaAlerts.tenants: no tenant namespaces to watch');
  tenantObjectProblems(at, props, 'ruleLabels', props.ruleLabels);
  for (const [field, value] of [['cpuThreshold', props.cpuThreshold], ['memoryThreshold', props.memoryThreshold], ['pvcThreshold', props.pvcThreshold]] as const) {
    if (value !== undefined && !(value > 0 && value <= 1)) at(field, `${value} must be a fraction above 0 and at most 1 (0.8 is 80 %)`);
  }
  if (props.warningFor !== undefined) at('warningFor', durationProblem(props.warningFor));
  if (props.gpuFor !== undefined) at('gpuFor', durationProblem(props.gpuFor));
  for (const key of Object.keys(props.alertLabels ?? {})) at(`alertLabels["${key}"]`, promLabelNameProblem(key));
  if (props.namespaceLabelMatcher !== undefined && !/^label_[a-zA-Z0-9_]+\s*(=|!=|=~|!~)\s*"[^"]*"$/.test(props.namespaceLabelMatcher)) {
    at('namespaceLabelMatcher', `"${props.namespaceLabelMatcher}" must look like label_app_kubernetes_io_part_of="kubeflow-profile"`);
  }
  return problems;
}

/**
 * A PrometheusRule with four alerts per tenant namespace, from kube-state-metrics'
 * `kube_resourcequota`: CPU and memory requests above a share of the quota
 * (warning), every GPU of the quota in use (critical), PVC count near its limit (warning).
 */
export class QuotaAlerts extends Construct {
  /** The PrometheusRule. */
  public readonly rule: ApiObject;

  constructor(scope: Construct, id: string, props: QuotaAlertsProps) {
    super(scope, id);
    throwIfAny(quotaAlertsProblems(props));
    const tenantScope: TenantScope = props.namespaceLabelMatcher
      ? { namespaceLabelMatcher: props.namespaceLabelMatcher }
      : { namespaces: props.tenants };
    const warningFor = props.warningFor ?? '15m';
    const gpu = props.gpuResource ?? 'nvidia.com/gpu';
    const labels = (severity: string) => ({ ...(props.alertLabels ?? {}), severity });
    const percent = (value: number) => `${Math.round(value * 1000) / 10} %`;
    const alert = (name: QuotaAlertName, resources: string[], threshold: number, inclusive: boolean, forDuration: string, severity: string,
      what: string): PrometheusRuleSpecGroupsRules => ({
      alert: name,
      expr: PrometheusRuleSpecGroupsRulesExpr.fromString(quotaRatioAbove(resources, tenantScope, threshold, inclusive)),
      for: forDuration,
      labels: labels(severity),
      annotations: {
        summary: `Tenant {{ $labels.namespace }}: ${what}`,
        description: '{{ $labels.resource }} of quota {{ $labels.resourcequota }} in {{ $labels.namespace }} is at {{ $value | humanizePercentage }} '
          + `(alert ${inclusive ? 'at' : 'above'} ${percent(threshold)} for ${forDuration}).`,
      },
    });
    const cpu = props.cpuThreshold ?? 0.8;
    const memory = props.memoryThreshold ?? 0.8;
    const pvc = props.pvcThreshold ?? 0.9;
    this.rule = new PrometheusRule(this, 'Rule', {
      metadata: {
        name: props.name ?? 'kf-tenancy-quota-alerts',
        namespace: props.namespace ?? 'monitoring',
        labels: props.ruleLabels && Object.keys(props.ruleLabels).length > 0 ? props.ruleLabels : undefined,
      },
      spec: {
        groups: [{
          name: 'kf-tenancy.quota',
          rules: [
            alert(QuotaAlertName.CPU, ['requests.cpu', 'cpu'], cpu, false, warningFor, 'warning', `CPU requests near the quota (above ${percent(cpu)})`),
            alert(QuotaAlertName.MEMORY, ['requests.memory', 'memory'], memory, false, warningFor, 'warning',
              `memory requests near the quota (above ${percent(memory)})`),
            alert(QuotaAlertName.GPU, [`requests.${gpu}`], 1, true, props.gpuFor ?? '5m', 'critical', 'every GPU of the quota is in use'),
            alert(QuotaAlertName.PVC, ['persistentvolumeclaims'], pvc, false, warningFor, 'warning',
              `PersistentVolumeClaim count near the quota (above ${percent(pvc)})`),
          ],
        }],
      },
    });
  }
}
