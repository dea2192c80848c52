import {
  DEFAULT_GROUPS_HEADER,
  DEFAULT_INGRESS_GATEWAY_PRINCIPAL,
  DEFAULT_NOTEBOOK_CONTROLLER_PRINCIPAL,
  DEFAULT_PIPELINES_UI_PRINCIPAL,
  DEFAULT_USER_ID_HEADER,
} from './kubeflow-defaults';
import { Problem } from './problem';
import { identityHeaderProblem, principalProblem, shown } from './validation';

/**
 * How the Kubeflow installation identifies users to workloads: the headers its
 * auth proxy sets and the Istio principals that forward user requests.
 */
export interface KubeflowAuthOptions {
  /**
   * Header that carries the authenticated user id.
   * @default "kubeflow-userid"
   */
  readonly userIdHeader?: string;

  /**
   * Prefix the auth proxy puts before the user id (some installs use "accounts.google.com:").
   * @default "" (no prefix)
   */
  readonly userIdPrefix?: string;

  /**
   * Header that carries the user's groups as a comma-separated list (Kubeflow 1.9+).
   * @default "kubeflow-groups"
   */
  readonly groupsHeader?: string;

  /**
   * Principal of the Istio ingress gateway.
   * @default "cluster.local/ns/istio-system/sa/istio-ingressgateway-service-account"
   */
  readonly ingressGatewayPrincipal?: string;

  /**
   * Principal of the Kubeflow Pipelines UI, which forwards user requests.
   * @default "cluster.local/ns/kubeflow/sa/ml-pipeline-ui"
   */
  readonly pipelinesUiPrincipal?: string;

  /**
   * Principal of the notebook controller, which reads notebook kernels to cull idle notebooks.
   * @default "cluster.local/ns/kubeflow/sa/notebook-controller-service-account"
   */
  readonly notebookControllerPrincipal?: string;
}

/** KubeflowAuthOptions with every default filled in. */
export interface ResolvedKubeflowAuth {
  /** Header that carries the authenticated user id. */
  readonly userIdHeader: string;
  /** Prefix the auth proxy puts before the user id ("" for none). */
  readonly userIdPrefix: string;
  /** Header that carries the user's groups, comma-separated. */
  readonly groupsHeader: string;
  /** Principal of the Istio ingress gateway. */
  readonly ingressGatewayPrincipal: string;
  /** Principal of the Kubeflow Pipelines UI. */
  readonly pipelinesUiPrincipal: string;
  /** Principal of the notebook controller. */
  readonly notebookControllerPrincipal: string;
}

export function resolveAuth(options: KubeflowAuthOptions = {}): ResolvedKubeflowAuth {
  return {
    userIdHeader: options.userIdHeader ?? DEFAULT_USER_ID_HEADER,
    userIdPrefix: options.userIdPrefix ?? '',
    groupsHeader: options.groupsHeader ?? DEFAULT_GROUPS_HEADER,
    ingressGatewayPrincipal: options.ingressGatewayPrincipal ?? DEFAULT_INGRESS_GATEWAY_PRINCIPAL,
    pipelinesUiPrincipal: options.pipelinesUiPrincipal ?? DEFAULT_PIPELINES_UI_PRINCIPAL,
    notebookControllerPrincipal: options.notebookControllerPrincipal ?? DEFAULT_NOTEBOOK_CONTROLLER_PRINCIPAL,
  };
}

/** Problems with resolved auth settings, each naming its field of the auth settings (`userIdHeader`, …). */
export function authProblems(auth: ResolvedKubeflowAuth): Problem[] {
  const problems: Problem[] = [];
  const check = (field: string, message: string | undefined) => { if (message) problems.push({ field, message }); };
  check('userIdHeader', identityHeaderProblem(auth.userIdHeader));
  check('groupsHeader', identityHeaderProblem(auth.groupsHeader, 'groups'));
  if (auth.groupsHeader === auth.userIdHeader) check('groupsHeader', 'must differ from auth.userIdHeader');
  if (typeof auth.userIdPrefix !== 'string' || /[^\x21-\x7e]|[,*]/.test(auth.userIdPrefix)) {
    check('userIdPrefix', `${shown(auth.userIdPrefix)} must be printable ASCII without whitespace, "," or "*"`);
  }
  check('ingressGatewayPrincipal', principalProblem(auth.ingressGatewayPrincipal));
  check('pipelinesUiPrincipal', principalProblem(auth.pipelinesUiPrincipal));
  check('notebookControllerPrincipal', principalProblem(auth.notebookControllerPrincipal));
  return problems;
}

/** The problems with their fields under `prefix` (`auth.userIdHeader` for a tenant, `--user-id-header` on the command line). */
export function authProblemsAt(auth: ResolvedKubeflowAuth, fieldName: (field: string) => string): Problem[] {
  return authProblems(auth).map(p => ({ ...p, field: fieldName(p.field!) }));
}
