/**
 * Keeps Git the only source of tenants and members: an Istio DENY policy on the Kubeflow central
 * dashboard for every request that could change them. Routes read from kubeflow/dashboard
 * d842464, components/centraldashboard/app (mounted under `/api/workgroup` in server.ts L88):
 * `POST /create` (registration flow: creates a Profile), `DELETE /nuke-self` (deletes the
 * caller's Profile), `POST /add-contributor/:namespace` and `DELETE /remove-contributor/:namespace`
 * (api_workgroup.ts L283-391). Every other route of the dashboard is a GET.
 */
import { Construct } from 'constructs';
import { DEFAULT_WAYPOINT_NAME } from '../../core/kubeflow-defaults';
import { waypointPrincipal } from '../../core/naming';
import { dnsLabelProblem, labelKeyProblem, labelValueProblem, problemsAt, throwIfAny } from '../../core/validation';
import { AuthorizationPolicyV1Beta1, AuthorizationPolicyV1Beta1SpecAction } from '../../imports/security.istio.io';
import { MeshMode } from '../istio';

/** The dashboard's routes that change tenants or their members, as `METHOD path`. */
export const DASHBOARD_WRITE_ROUTES = [
  'POST /api/workgroup/create',
  'DELETE /api/workgroup/nuke-self',
  'POST /api/workgroup/add-contributor/<namespace>',
  'DELETE /api/workgroup/remove-contributor/<namespace>',
];

/** Releases of the Kubeflow central dashboard, which label their pods differently. */
export enum DashboardVersion {
  /**
   * The dashboard of Kubeflow 1.10 and the 26.03 manifests (kubeflow/kubeflow's centraldashboard):
   * pods labelled `app: centraldashboard`, service account `centraldashboard`.
   */
  KUBEFLOW_1 = 'kubeflow-1',
  /**
   * kubeflow/dashboard 2.x: pods labelled `app: kubeflow-dashboard` and
   * `app.kubernetes.io/component: dashboard`, service account `dashboard`.
   */
  DASHBOARD_2 = 'dashboard-2',
}

/**
 * The dashboard pods' labels per release, as their manifests set them (kustomize `labels` with
 * `includeSelectors`): kubeflow/dashboard 124d2ef (the 1.x manifests, components/centraldashboard/
 * manifests/base/kustomization.yaml) and v2.0.0 c80e2c3 (manifests/kustomize/base/kustomization.yaml).
 * A subset that selects only the dashboard; `test/fixtures/dashboard-pods.yaml` holds the pods.
 */
export const DASHBOARD_POD_LABELS: Readonly<Record<DashboardVersion, Readonly<Record<string, string>>>> = {
  [DashboardVersion.KUBEFLOW_1]: { app: 'centraldashboard' },
  [DashboardVersion.DASHBOARD_2]: { 'app': 'kubeflow-dashboard', 'app.kubernetes.io/component': 'dashboard' },
};

/**
 * The dashboard's Service per release (the same manifests: `centraldashboard` in 124d2ef's
 * components/centraldashboard/manifests/base/service.yaml, `dashboard` in v2.0.0's
 * components/centraldashboard/manifests/kustomize/base/service.yaml).
 */
export const DASHBOARD_SERVICES: Readonly<Record<DashboardVersion, string>> = {
  [DashboardVersion.KUBEFLOW_1]: 'centraldashboard',
  [DashboardVersion.DASHBOARD_2]: 'dashboard',
};

/** The policy's name per release; the 1.x one keeps the name it always had. */
const POLICY_NAMES: Record<DashboardVersion, string> = {
  [DashboardVersion.KUBEFLOW_1]: 'kf-tenancy-read-only-dashboard',
  [DashboardVersion.DASHBOARD_2]: 'kf-tenancy-read-only-dashboard-v2',
};

/** Options of {@link ReadOnlyDashboard}, as a catalog's `cluster.readOnlyDashboard` holds them. */
export interface ReadOnlyDashboardOptions {
  /**
   * Namespace of the central dashboard.
   * @default "kubeflow"
   */
  readonly namespace?: string;
  /**
   * The dashboard releases to guard: one policy each, selecting that release's pods, so a
   * cluster that runs either (or moves from one to the other) is covered; a policy whose pods do
   * not exist is inert.
   * @default - every known release (DashboardVersion.KUBEFLOW_1 and DashboardVersion.DASHBOARD_2)
   */
  readonly versions?: DashboardVersion[];
  /**
   * Labels of the central dashboard's pods, for an install that labels them otherwise (instead
   * of `versions`). A selector that matches no pod blocks nothing: check it against your install.
   * @default - the labels of each release in `versions`
   */
  readonly dashboardLabels?: { [key: string]: string };
  /**
   * How the dashboard's namespace runs in the mesh. In ambient mode only a waypoint reads HTTP
   * methods, and it enforces only policies that target it or a Service it serves: the policy
   * then targets the dashboard's Service, and the namespace (or the Service) must use a waypoint
   * (`istio.io/use-waypoint`) and send gateway traffic through it
   * (`istio.io/ingress-use-waypoint: "true"`); without a waypoint nothing can refuse a method.
   * @default MeshMode.SIDECAR
   */
  readonly meshMode?: MeshMode;
  /**
   * The dashboard's Service, in ambient mode with `dashboardLabels` (an install of its own).
   * @default - each release's Service (`centraldashboard` for 1.x, `dashboard` for 2.x)
   */
  readonly dashboardService?: string;
  /**
   * In ambient mode, the waypoint Gateway of the dashboard's namespace: the dashboard's pods
   * admit only it at ztunnel, so no caller reaches them past the waypoint's refusal (by pod
   * address, or through a Service that skips the waypoint).
   * @default "waypoint"
   */
  readonly waypointName?: string;
}

/** Properties of {@link ReadOnlyDashboard}. */
export interface ReadOnlyDashboardProps extends ReadOnlyDashboardOptions {}

/**
 * An AuthorizationPolicy (action DENY) on the Kubeflow central dashboard that refuses every
 * POST, PUT, PATCH and DELETE: the dashboard's only such routes create or delete a Profile or
 * add or remove a contributor, and under GitOps a click there would make a binding that Argo CD
 * or Flux silently reverts, or worse, keeps. Denying by method rather than by path: the
 * dashboard's router matches paths case-insensitively and with a trailing slash, which an exact
 * Istio path match would miss. Reading (the namespace selector, the contributor list) is untouched.
 */
export class ReadOnlyDashboard extends Construct {
  constructor(scope: Construct, id: string, props: ReadOnlyDashboardProps = {}) {
    super(scope, id);
    const problems: string[] = [];
    const at = problemsAt('readOnlyDashboard', problems);
    const namespace = props.namespace ?? 'kubeflow';
    at('namespace', dnsLabelProblem(namespace));
    const versions = props.versions ?? [DashboardVersion.KUBEFLOW_1, DashboardVersion.DASHBOARD_2];
    if (props.versions !== undefined && props.dashboardLabels !== undefined) {
      at('dashboardLabels', 'is given with versions; give one: the releases to guard, or your install\'s labels');
    }
    if (versions.length === 0) at('versions', 'is empty: no dashboard would be guarded; leave it out for every known release');
    versions.forEach((v, i) => {
      if (!Object.values(DashboardVersion).includes(v)) at(`versions[${i}]`, `"${String(v)}" is not a known release; use ${Object.values(DashboardVersion).map(x => `"${x}"`).join(' or ')}`);
    });
    const labels = props.dashboardLabels;
    if (labels !== undefined) {
      if (Object.keys(labels).length === 0) at('dashboardLabels', 'is empty: the policy would deny writes to every workload of the namespace; give the dashboard pods\' labels');
      for (const [key, value] of Object.entries(labels)) {
        at('dashboardLabels', labelKeyProblem(key));
        at(`dashboardLabels["${key}"]`, value === '' ? 'is empty; give the label\'s value' : labelValueProblem(value));
      }
    }
    const meshMode = props.meshMode ?? MeshMode.SIDECAR;
    if (!Object.values(MeshMode).includes(meshMode)) at('meshMode', `"${String(meshMode)}" is not allowed; use "sidecar" or "ambient"`);
    if (props.dashboardService !== undefined) {
      if (meshMode !== MeshMode.AMBIENT) at('dashboardService', 'is used only in ambient mode (meshMode: ambient); drop it, or set meshMode');
      at('dashboardService', dnsLabelProblem(props.dashboardService));
    } else if (meshMode === MeshMode.AMBIENT && labels !== undefined) {
      at('dashboardService', 'is needed with dashboardLabels in ambient mode: the waypoint enforces a policy that targets the dashboard\'s Service; name it');
    }
    if (props.waypointName !== undefined) {
      if (meshMode !== MeshMode.AMBIENT) at('waypointName', 'is used only in ambient mode (meshMode: ambient); drop it, or set meshMode');
      at('waypointName', dnsLabelProblem(props.waypointName));
    }
    throwIfAny(problems);

    const policies: Array<[string, Record<string, string>, string]> = labels !== undefined
      ? [[POLICY_NAMES[DashboardVersion.KUBEFLOW_1], labels, props.dashboardService ?? '']]
      : [...new Set(versions)].map((v): [string, Record<string, string>, string] =>
        [POLICY_NAMES[v], { ...DASHBOARD_POD_LABELS[v] }, DASHBOARD_SERVICES[v]])
        .sort(([a], [b]) => (a < b ? -1 : 1));
    for (const [name, matchLabels, service] of policies) {
      new AuthorizationPolicyV1Beta1(this, name, {
        metadata: { name, namespace },
        spec: {
          action: AuthorizationPolicyV1Beta1SpecAction.DENY,
          // A sidecar enforces the policy on the pods it selects; in ambient mode only the waypoint reads methods.
          ...(meshMode === MeshMode.AMBIENT ? { targetRefs: [{ group: '', kind: 'Service', name: service }] } : { selector: { matchLabels } }),
          rules: [{ to: [{ operation: { methods: ['POST', 'PUT', 'PATCH', 'DELETE'] } }] }],
        },
      });
      if (meshMode === MeshMode.AMBIENT) {
        // ztunnel on the dashboard's pods: only the waypoint, which has refused the writes.
        const viaWaypoint = `${name.replace('read-only-dashboard', 'dashboard-via-waypoint')}`;
        new AuthorizationPolicyV1Beta1(this, viaWaypoint, {
          metadata: { name: viaWaypoint, namespace },
          spec: {
            action: AuthorizationPolicyV1Beta1SpecAction.ALLOW,
            selector: { matchLabels },
            rules: [{ from: [{ source: { principals: [waypointPrincipal(namespace, props.waypointName ?? DEFAULT_WAYPOINT_NAME)] } }] }],
          },
        });
      }
    }
  }
}
