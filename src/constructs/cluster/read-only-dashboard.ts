/**
 * Keeps Git the only source of tenants and members: an Istio DENY policy on the Kubeflow central
 * dashboard for every request that could change them. Routes read from kubeflow/dashboard
 * d842464, components/centraldashboard/app (mounted under `/api/workgroup` in server.ts L88):
 * `POST /create` (registration flow: creates a Profile), `DELETE /nuke-self` (deletes the
 * caller's Profile), `POST /add-contributor/:namespace` and `DELETE /remove-contributor/:namespace`
 * (api_workgroup.ts L283-391). Every other route of the dashboard is a GET.
 */
import { Construct } from 'constructs';
import { dnsLabelProblem, labelKeyProblem, labelValueProblem, problemsAt, throwIfAny } from '../../core/validation';
import { AuthorizationPolicyV1Beta1, AuthorizationPolicyV1Beta1SpecAction } from '../../imports/security.istio.io';

/** The dashboard's routes that change tenants or their members, as `METHOD path`. */
export const DASHBOARD_WRITE_ROUTES = [
  'POST /api/workgroup/create',
  'DELETE /api/workgroup/nuke-self',
  'POST /api/workgroup/add-contributor/<namespace>',
  'DELETE /api/workgroup/remove-contributor/<namespace>',
];

/** Options of {@link ReadOnlyDashboard}, as a catalog's `cluster.readOnlyDashboard` holds them. */
export interface ReadOnlyDashboardOptions {
  /**
   * Namespace of the central dashboard.
   * @default "kubeflow"
   */
  readonly namespace?: string;
  /**
   * Labels of the central dashboard's pods. Kubeflow 1.x (kubeflow/kubeflow, which
   * kubeflow/manifests v1.10 installs) labels them `app: centraldashboard`; kubeflow/dashboard
   * 2.x labels them `app: kubeflow-dashboard`. A selector that matches no pod blocks nothing.
   * @default { app: "centraldashboard" }
   */
  readonly dashboardLabels?: { [key: string]: string };
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
    const labels = props.dashboardLabels ?? { app: 'centraldashboard' };
    at('namespace', dnsLabelProblem(namespace));
    if (Object.keys(labels).length === 0) at('dashboardLabels', 'is empty: the policy would deny writes to every workload of the namespace; give the dashboard pods\' labels');
    for (const [key, value] of Object.entries(labels)) {
      at('dashboardLabels', labelKeyProblem(key));
      at(`dashboardLabels["${key}"]`, value === '' ? 'is empty; give the label\'s value' : labelValueProblem(value));
    }
    throwIfAny(problems);

    new AuthorizationPolicyV1Beta1(this, 'Policy', {
      metadata: { name: 'kf-tenancy-read-only-dashboard', namespace },
      spec: {
        action: AuthorizationPolicyV1Beta1SpecAction.DENY,
        selector: { matchLabels: { ...labels } },
        rules: [{ to: [{ operation: { methods: ['POST', 'PUT', 'PATCH', 'DELETE'] } }] }],
      },
    });
  }
}
