/**
 * A Grafana dashboard of tenant usage and quota, as a ConfigMap that the Grafana
 * sidecar (kube-prometheus-stack, grafana chart) loads by label.
 */
import { k8s } from 'cdk8s-plus-28';
import { Construct } from 'constructs';
import { quotaRatio } from '../../core/promql';
import { problemsAt, tenantObjectProblems, throwIfAny } from '../../core/validation';

/** Options of the tenant dashboard, as a catalog's `cluster.dashboard` holds them. */
export interface TenantDashboardOptions {
  /**
   * Namespace of the ConfigMap (where the Grafana sidecar looks).
   * @default "monitoring"
   */
  readonly namespace?: string;
  /**
   * Name of the ConfigMap.
   * @default "kf-tenancy-tenants-dashboard"
   */
  readonly name?: string;
  /**
   * Label the Grafana sidecar selects dashboards by, and its value.
   * @default { grafana_dashboard: "1" }
   */
  readonly sidecarLabels?: { [key: string]: string };
  /**
   * Dashboard title.
   * @default "Kubeflow tenants"
   */
  readonly title?: string;
  /**
   * The GPU resource name in quotas and in kube-state-metrics (dots and slashes become `_`).
   * @default "nvidia.com/gpu"
   */
  readonly gpuResource?: string;
}

/** Properties of {@link TenantDashboard}. */
export interface TenantDashboardProps extends TenantDashboardOptions {
  /** Tenant namespaces, offered by the dashboard's `namespace` variable. */
  readonly tenants: string[];
}

/** A panel: title, unit and the queries it plots. */
interface PanelSpec {
  readonly title: string;
  readonly unit: string;
  readonly targets: Array<{ expr: string; legend: string }>;
  readonly max?: number;
}

/** The dashboard model Grafana imports (schema version 39), as a plain object. */
export function dashboardModel(tenants: string[], title: string, gpuResource: string): Record<string, unknown> {
  const ns = 'namespace="$namespace"';
  const ksmGpu = gpuResource.replace(/[./]/g, '_');
  const panels: PanelSpec[] = [
    { title: 'CPU usage (cores)', unit: 'short', targets: [{ expr: `sum(rate(container_cpu_usage_seconds_total{${ns},container!=""}[5m]))`, legend: 'used' }] },
    { title: 'Memory usage (working set)', unit: 'bytes', targets: [{ expr: `sum(container_memory_working_set_bytes{${ns},container!=""})`, legend: 'used' }] },
    {
      title: 'GPU usage',
      unit: 'short',
      targets: [
        { expr: `sum(kube_pod_container_resource_requests{${ns},resource="${ksmGpu}"})`, legend: 'GPUs requested' },
        { expr: `avg(DCGM_FI_DEV_GPU_UTIL{${ns}})`, legend: 'utilisation % (DCGM)' },
      ],
    },
    {
      title: 'Quota usage (used / hard)',
      unit: 'percentunit',
      max: 1,
      targets: [{
        expr: quotaRatio(['requests.cpu', 'cpu', 'requests.memory', 'memory', `requests.${gpuResource}`, 'persistentvolumeclaims', 'pods'], { matcher: ns }),
        legend: '{{resource}} ({{resourcequota}})',
      }],
    },
  ];
  const sorted = [...new Set(tenants)].sort();
  return {
    uid: 'kf-tenancy-tenants',
    title,
    tags: ['kubeflow', 'kf-tenancy'],
    schemaVersion: 39,
    editable: false,
    time: { from: 'now-6h', to: 'now' },
    refresh: '1m',
    templating: {
      list: [
        { name: 'datasource', label: 'Data source', type: 'datasource', query: 'prometheus' },
        {
          name: 'namespace',
          label: 'Tenant',
          type: 'custom',
          query: sorted.join(','),
          current: sorted.length > 0 ? { text: sorted[0], value: sorted[0] } : {},
          options: sorted.map((t, i) => ({ text: t, value: t, selected: i === 0 })),
        },
      ],
    },
    panels: panels.map((panel, i) => ({
      id: i + 1,
      type: 'timeseries',
      title: panel.title,
      datasource: { type: 'prometheus', uid: '${datasource}' },
      gridPos: { h: 8, w: 12, x: (i % 2) * 12, y: Math.floor(i / 2) * 8 },
      fieldConfig: { defaults: { unit: panel.unit, ...(panel.max !== undefined ? { min: 0, max: panel.max } : {}) }, overrides: [] },
      targets: panel.targets.map((t, j) => ({ refId: String.fromCharCode(65 + j), expr: t.expr, legendFormat: t.legend })),
    })),
  };
}

/**
 * A ConfigMap holding a Grafana dashboard of the tenants: CPU, memory and GPU
 * usage and quota usage ratios, with a `namespace` variable listing the tenants.
 */
export class TenantDashboard extends Construct {
  /** The ConfigMap. */
  public readonly configMap: k8s.KubeConfigMap;

  constructor(scope: Construct, id: string, props: TenantDashboardProps) {
    super(scope, id);
    const problems: string[] = [];
    if (props.tenants.length === 0) problems.push('dashboard.tenants: no tenant namespaces to show');
    tenantObjectProblems(problemsAt('dashboard', problems), props, 'sidecarLabels', props.sidecarLabels);
    throwIfAny(problems);

    const model = dashboardModel(props.tenants, props.title ?? 'Kubeflow tenants', props.gpuResource ?? 'nvidia.com/gpu');
    this.configMap = new k8s.KubeConfigMap(this, 'ConfigMap', {
      metadata: {
        name: props.name ?? 'kf-tenancy-tenants-dashboard',
        namespace: props.namespace ?? 'monitoring',
        labels: props.sidecarLabels ?? { grafana_dashboard: '1' },
      },
      data: { 'kf-tenancy-tenants.json': JSON.stringify(model, null, 2) + '\n' },
    });
  }
}
