import { k8s } from 'cdk8s-plus-28';
import { Construct } from 'constructs';
import { EDITOR_SERVICE_ACCOUNT, RBAC_API_GROUP, VIEWER_SERVICE_ACCOUNT } from '../../core/kubeflow-defaults';
import { ESCALATION_REASON_ANNOTATION, escalations } from '../../core/team-role-allowlist';
import { dnsLabelProblem, identityProblem, throwIfAny } from '../../core/validation';

/** One RBAC rule of a team role. */
export interface TeamRoleRule {
  /** API groups, "" for the core group. */
  readonly apiGroups: string[];
  /** Resources, e.g. "pods", "pods/log". */
  readonly resources: string[];
  /** Verbs, e.g. "get", "list". */
  readonly verbs: string[];
  /**
   * Only these objects.
   * @default - all objects of the resources
   */
  readonly resourceNames?: string[];
}

/** Roles platform teams commonly define for ML teams. */
export enum TeamRolePreset {
  /** Notebooks, pipelines and runs (get/list/create/delete), pods and logs (read), secrets (read), PVCs. */
  ML_DATA_SCIENTIST = 'ml-data-scientist',
  /** Everything a data scientist has plus inferenceservices, deployments, services, configmaps and secrets (read unless allowed). */
  ML_ENGINEER = 'ml-engineer',
}

/** A namespaced Role for a tenant and who holds it. */
export interface TeamRoleOptions {
  /** Role name (and RoleBinding name). */
  readonly name: string;
  /**
   * Start from a preset; `rules` are added to it.
   * @default - no preset
   */
  readonly preset?: TeamRolePreset;
  /**
   * Rules (in addition to the preset's).
   * @default - none
   */
  readonly rules?: TeamRoleRule[];
  /**
   * Users who hold the role.
   * @default - none
   */
  readonly users?: string[];
  /**
   * Groups who hold the role.
   * @default - none
   */
  readonly groups?: string[];
  /**
   * Allow `*` in verbs, resources or API groups. Wildcards grant every future
   * resource and verb too, so they need this explicit opt-in.
   * @default false
   */
  readonly allowWildcards?: boolean;
  /**
   * Allow writing secrets (create, update, patch, delete). Secrets are read-only otherwise.
   * @default false
   */
  readonly allowSecretWrites?: boolean;
  /**
   * Allow rules that grant more than a team role grants without a reason: writing anything but
   * the workload resources of the allowlist (RBAC objects, admission and webhook objects, Istio
   * networking and security, CRDs, the Namespace, quotas, Endpoints, service-account tokens), and
   * verbs other than read and write ones (`escalate`, `bind`, `impersonate`, ...). With them a
   * holder may leave isolation or grant what the tenant does not declare; requires
   * `escalationReason`, and the access report lists the role and what it allows.
   * @default false
   */
  readonly allowEscalation?: boolean;
  /**
   * Why the role needs what `allowEscalation` allows; written on the Role as the annotation
   * `kf-tenancy.io/escalation-reason` and shown in the access report. Required with `allowEscalation`.
   * @default - none
   */
  readonly escalationReason?: string;
}

/** Properties of a {@link TeamRole}. */
export interface TeamRoleProps extends TeamRoleOptions {
  /** The tenant namespace. */
  readonly namespace: string;
}

/**
 * Cluster-scoped resources: a Role (namespaced) cannot grant them, so a rule naming one
 * is a mistake, or an attempt that would work if the Role ever became a ClusterRole.
 * `namespaces` is not here: a Role grants access to its own Namespace object.
 */
const CLUSTER_SCOPED_RESOURCES = new Set([
  'nodes', 'persistentvolumes', 'clusterroles', 'clusterrolebindings', 'customresourcedefinitions', 'storageclasses',
  'priorityclasses', 'runtimeclasses', 'ingressclasses', 'csidrivers', 'csinodes', 'volumeattachments',
  'mutatingwebhookconfigurations', 'validatingwebhookconfigurations', 'validatingadmissionpolicies',
  'validatingadmissionpolicybindings', 'certificatesigningrequests', 'apiservices', 'tokenreviews',
  'subjectaccessreviews', 'selfsubjectaccessreviews', 'selfsubjectrulesreviews', 'componentstatuses', 'profiles',
]);

/** RoleBindings Kubeflow's profile controller writes in every tenant namespace (a team role's binding takes its name). */
const CONTROLLER_BINDING_NAMES = [EDITOR_SERVICE_ACCOUNT, VIEWER_SERVICE_ACCOUNT];

const READ = ['get', 'list', 'watch'];
const MANAGE = ['get', 'list', 'watch', 'create', 'delete'];
const EDIT = ['get', 'list', 'watch', 'create', 'update', 'patch', 'delete'];

const DATA_SCIENTIST: TeamRoleRule[] = [
  { apiGroups: ['kubeflow.org'], resources: ['notebooks'], verbs: MANAGE },
  { apiGroups: ['pipelines.kubeflow.org'], resources: ['pipelines', 'pipelineversions', 'runs', 'recurringruns', 'experiments'], verbs: MANAGE },
  { apiGroups: [''], resources: ['pods', 'pods/log'], verbs: READ },
  { apiGroups: [''], resources: ['secrets'], verbs: READ },
  { apiGroups: [''], resources: ['persistentvolumeclaims'], verbs: MANAGE },
];

const ENGINEER: TeamRoleRule[] = [
  ...DATA_SCIENTIST,
  { apiGroups: ['serving.kserve.io'], resources: ['inferenceservices'], verbs: EDIT },
  { apiGroups: ['apps'], resources: ['deployments'], verbs: EDIT },
  { apiGroups: [''], resources: ['services', 'configmaps'], verbs: EDIT },
];

const SECRET_WRITE_VERBS = ['create', 'update', 'patch', 'delete', 'deletecollection', '*'];

/** The rules of a preset. */
export function presetRules(preset: TeamRolePreset): TeamRoleRule[] {
  return preset === TeamRolePreset.ML_ENGINEER ? ENGINEER : DATA_SCIENTIST;
}

/** Problems with a team role, each naming the role and field. */
export function teamRoleProblems(options: TeamRoleOptions): string[] {
  const problems: string[] = [];
  const at = `teamRoles "${options.name}"`;
  const name = dnsLabelProblem(options.name ?? '');
  if (name) problems.push(`${at}: name ${name}`);
  if (!name && CONTROLLER_BINDING_NAMES.includes(options.name)) {
    problems.push(`${at}: name "${options.name}" is the RoleBinding Kubeflow's profile controller writes for the namespace's service account; `
      + 'the two would overwrite each other: choose another name');
  }
  if (options.preset !== undefined && !Object.values(TeamRolePreset).includes(options.preset)) {
    problems.push(`${at}: preset "${options.preset}" is not known; use "ml-data-scientist" or "ml-engineer"`);
  }
  if (options.preset === undefined && (options.rules ?? []).length === 0) problems.push(`${at}: give a preset or rules`);
  (options.rules ?? []).forEach((rule, i) => {
    for (const field of ['apiGroups', 'resources', 'verbs'] as const) {
      if (!Array.isArray(rule[field]) || (field !== 'apiGroups' && rule[field].length === 0)) {
        problems.push(`${at}: rules[${i}].${field} must be a non-empty list`);
      } else if (!options.allowWildcards && rule[field].some(v => v.includes('*'))) {
        problems.push(`${at}: rules[${i}].${field} has a wildcard (${rule[field].filter(v => v.includes('*')).join(', ')}); `
          + 'wildcards grant every present and future resource or verb; list them, or set allowWildcards to accept that');
      }
    }
    const resources = Array.isArray(rule.resources) ? rule.resources : [];
    const beyond = Array.isArray(rule.verbs) && Array.isArray(rule.apiGroups) ? escalations(rule) : [];
    if (beyond.length > 0 && !options.allowEscalation) {
      problems.push(`${at}: rules[${i}] grants ${beyond.join(', ')}, beyond what a team role may grant without a reason (reading, and writing workload resources); `
        + 'a holder could widen access or leave isolation: remove it, or set allowEscalation with escalationReason saying why');
    }
    const clusterScoped = resources.map(r => r.split('/')[0]).filter(r => CLUSTER_SCOPED_RESOURCES.has(r));
    if (clusterScoped.length > 0) {
      problems.push(`${at}: rules[${i}].resources has ${[...new Set(clusterScoped)].join(', ')}, which ${clusterScoped.length === 1 ? 'is' : 'are'} cluster-scoped; `
        + 'a team role is a namespaced Role and cannot grant it: ask the platform team instead');
    }
    const touchesSecrets = (rule.resources ?? []).some(r => r === 'secrets' || r === '*')
      && (rule.apiGroups ?? []).some(g => g === '' || g === '*');
    const writes = (rule.verbs ?? []).filter(v => SECRET_WRITE_VERBS.includes(v));
    if (touchesSecrets && writes.length > 0 && !options.allowSecretWrites) {
      problems.push(`${at}: rules[${i}] lets the role ${writes.join(', ')} secrets; secrets are read-only unless allowSecretWrites is set`);
    }
  });
  if (options.allowEscalation && (typeof options.escalationReason !== 'string' || options.escalationReason.trim().length < 10)) {
    problems.push(`${at}: allowEscalation needs escalationReason: say in a sentence why the role may grant more than a team role does (it is written on the Role and shown in the access report)`);
  }
  if (!options.allowEscalation && options.escalationReason !== undefined) {
    problems.push(`${at}: escalationReason is given but allowEscalation is not set; set both, or drop the reason`);
  }
  for (const user of options.users ?? []) {
    const problem = identityProblem(user);
    if (problem) problems.push(`${at}: users: ${problem}`);
  }
  for (const group of options.groups ?? []) {
    const problem = identityProblem(group);
    if (problem) problems.push(`${at}: groups: ${problem}`);
  }
  return problems;
}

/**
 * A namespaced Role for an ML team (a preset or custom rules) and a RoleBinding
 * to its users and groups. Refuses wildcards and secret writes unless asked.
 */
export class TeamRole extends Construct {
  constructor(scope: Construct, id: string, props: TeamRoleProps) {
    super(scope, id);
    // A TenantProfile checks these with the rest of the tenant, all errors at once.
    throwIfAny(teamRoleProblems(props));
    const rules = [...(props.preset ? presetRules(props.preset) : []), ...(props.rules ?? [])];
    const escalates = rules.some(r => escalations(r).length > 0);
    new k8s.KubeRole(this, 'Role', {
      metadata: {
        name: props.name,
        namespace: props.namespace,
        ...(escalates && props.escalationReason ? { annotations: { [ESCALATION_REASON_ANNOTATION]: props.escalationReason } } : {}),
      },
      rules: rules.map(r => ({ apiGroups: r.apiGroups, resources: r.resources, verbs: r.verbs, resourceNames: r.resourceNames })),
    });
    const subjects = [
      ...[...(props.users ?? [])].sort().map(name => ({ apiGroup: RBAC_API_GROUP, kind: 'User', name })),
      ...[...(props.groups ?? [])].sort().map(name => ({ apiGroup: RBAC_API_GROUP, kind: 'Group', name })),
    ];
    if (subjects.length > 0) {
      new k8s.KubeRoleBinding(this, 'RoleBinding', {
        metadata: { name: props.name, namespace: props.namespace },
        roleRef: { apiGroup: RBAC_API_GROUP, kind: 'Role', name: props.name },
        subjects,
      });
    }
  }
}
