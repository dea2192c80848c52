import { k8s } from 'cdk8s-plus-28';
import { Construct } from 'constructs';
import { isChecked } from './tenant';
import { RBAC_API_GROUP } from '../../core/kubeflow-defaults';
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
   * Allow rules that let the role holder widen their own or others' access: the verbs
   * `escalate`, `bind` and `impersonate`, and `update`/`patch` of `namespaces` (the tenant's
   * own Namespace: its labels decide Pod Security, mesh membership and which network
   * policies select it). With them, a team-role member can become anyone or grant anything
   * in the namespace; set this only with that risk accepted.
   * @default false
   */
  readonly allowEscalation?: boolean;
}

/** Properties of a {@link TeamRole}. */
export interface TeamRoleProps extends TeamRoleOptions {
  /** The tenant namespace. */
  readonly namespace: string;
}

/** Verbs that let a role holder grant or assume rights beyond the role's own. */
const ESCALATING_VERBS = ['escalate', 'bind', 'impersonate'];
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
    const verbs = Array.isArray(rule.verbs) ? rule.verbs : [];
    const resources = Array.isArray(rule.resources) ? rule.resources : [];
    const escalating = verbs.filter(v => ESCALATING_VERBS.includes(v));
    if (escalating.length > 0 && !options.allowEscalation) {
      problems.push(`${at}: rules[${i}].verbs has ${escalating.join(', ')}, which let a holder grant or assume rights the role does not have; `
        + 'remove them, or set allowEscalation to accept that risk');
    }
    const namespaceWrites = verbs.filter(v => ['update', 'patch', '*'].includes(v));
    if (resources.some(r => r === 'namespaces') && namespaceWrites.length > 0 && !options.allowEscalation) {
      problems.push(`${at}: rules[${i}] lets the role ${namespaceWrites.join(', ')} namespaces; the tenant's Namespace labels decide Pod Security, `
        + 'the mesh and which network policies select it, so its holders could leave isolation; remove it, or set allowEscalation to accept that risk');
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
    if (!isChecked(props)) throwIfAny(teamRoleProblems(props));
    const rules = [...(props.preset ? presetRules(props.preset) : []), ...(props.rules ?? [])];
    new k8s.KubeRole(this, 'Role', {
      metadata: { name: props.name, namespace: props.namespace },
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
