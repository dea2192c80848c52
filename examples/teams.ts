import { Chart } from 'cdk8s';
import { Construct } from 'constructs';
import {
  AuditPolicy, CohortReclaimPreemption, ContributorRole, GpuQueues, IdentityKind, IdentityProvider, PodSecurityLevel, PriorityClasses,
  QuotaAlerts, ReadOnlyDashboard, TaintEffect, TeamRolePreset, TenancyGuard, TenantDashboard, TenantProfile, TenantSettings, WithinQueuePreemption,
} from '../src';

const ALL_CLASSES = ['high-priority-ml', 'normal-priority-ml', 'low-priority-ml'];
const STANDARD_CLASSES = ['normal-priority-ml', 'low-priority-ml'];

const TEAMS = ['team-data-science', 'team-ml-platform', 'team-research', 'fraud-detection-team'];
const GPU = 'nvidia.com/gpu';
const GPU_NODES = [{ key: GPU, effect: TaintEffect.NO_SCHEDULE }];

/** What every team gets unless it says otherwise (the `defaults` of examples/tenants.yaml). */
const DEFAULTS: TenantSettings = {
  networkPolicy: { allowSameNamespace: true, kubeflowServicePorts: [8888, 8887, 8080, 9000] },
  podSecurity: { enforce: PodSecurityLevel.BASELINE },
  priorityClasses: { allowed: STANDARD_CLASSES, denied: ['high-priority-ml'] },
};

/**
 * The four teams of the bundled example (examples/tenants.yaml),
 * declared with the TypeScript API.
 */
export class ExampleTeams extends Chart {
  constructor(scope: Construct, id: string) {
    super(scope, id);

    new PriorityClasses(this, 'PriorityClasses', { classes: PriorityClasses.ML_PRESET });
    new QuotaAlerts(this, 'QuotaAlerts', { tenants: TEAMS, ruleLabels: { release: 'kube-prometheus-stack' } });
    new TenantDashboard(this, 'TenantDashboard', { tenants: TEAMS });
    // Members come from Git only: the Kubeflow dashboard may show them, not change them.
    new ReadOnlyDashboard(this, 'ReadOnlyDashboard');
    // ...and stay as Git declares them after apply: kube-apiserver refuses undeclared members,
    // changes to what was written here by anyone but Argo CD or Flux, and policies that open a team.
    // GPUs are shared through Kueue, not capped by ResourceQuotas (declared before the guard, which then guards the queues).
    new GpuQueues(this, 'GpuQueues', {
      flavors: [
        { name: 'h100', nodeLabels: { [`${GPU}.product`]: 'NVIDIA-H100-80GB-HBM3' }, tolerations: GPU_NODES, capacity: { [GPU]: '8' } },
        { name: 'a100', nodeLabels: { [`${GPU}.product`]: 'NVIDIA-A100-SXM4-80GB' }, tolerations: GPU_NODES, capacity: { [GPU]: '16' } },
      ],
      cohorts: [{ name: 'ml' }, { name: 'research', parent: 'ml' }],
      priorityClasses: PriorityClasses.ML_PRESET,
    });
    new TenancyGuard(this, 'TenancyGuard');
    new AuditPolicy(this, 'AuditPolicy', {
      tenants: TEAMS,
      webhook: { url: 'https://audit.company.com/kubernetes', certificateAuthorityFile: '/etc/kubernetes/audit/ca.crt' },
    });
    // Dex; its kubeflowAuth is the one auth setting every tenant below uses.
    const dex = new IdentityProvider(this, 'IdentityProvider', {
      issuer: 'https://kubeflow.company.com/dex',
      secretName: 'dex-secrets',
      oidcConnectors: [{
        id: 'corporate-sso',
        name: 'Company SSO',
        issuer: 'https://login.company.com',
        clientId: '$OIDC_CLIENT_ID',
        clientSecret: '$OIDC_CLIENT_SECRET',
        redirectUri: 'https://kubeflow.company.com/dex/callback',
      }],
      staticClients: [{
        id: 'kubeflow-oidc-authservice',
        name: 'Kubeflow',
        redirectUris: ['https://kubeflow.company.com/oauth2/callback'],
        secret: '$OAUTH2_PROXY_CLIENT_SECRET',
      }],
      kubeflowAuth: { userIdHeader: 'kubeflow-userid', groupsHeader: 'kubeflow-groups' },
    });
    const defaults: TenantSettings = { ...DEFAULTS, auth: dex.kubeflowAuth };

    new TenantProfile(this, 'team-data-science', {
      ...defaults,
      owner: 'alice@company.com',
      resourceQuota: {
        'cpu': '20',
        'memory': '100Gi',
        'persistentvolumeclaims': '10',
        'requests.storage': '500Gi',
      },
      // 4 A100s guaranteed, up to 4 more while other teams leave theirs idle.
      kueue: { cohort: 'ml', quotas: [{ flavor: 'a100', nominal: { [GPU]: '4' }, borrowingLimit: { [GPU]: '4' } }] },
      teamRoles: [{
        name: 'ml-data-scientist',
        preset: TeamRolePreset.ML_DATA_SCIENTIST,
        users: ['alice@company.com'],
        groups: ['data-scientists@company.com'],
      }],
    });

    const platform = new TenantProfile(this, 'team-ml-platform', {
      ...defaults,
      owner: 'bob@company.com',
      resourceQuota: { cpu: '50', memory: '200Gi' },
      kueue: {
        cohort: 'ml',
        preemption: { withinQueue: WithinQueuePreemption.LOWER_PRIORITY, reclaimWithinCohort: CohortReclaimPreemption.ANY },
        quotas: [{ flavor: 'h100', nominal: { [GPU]: '6' } }, { flavor: 'a100', nominal: { [GPU]: '2' } }],
      },
      priorityClasses: { allowed: ALL_CLASSES, denied: [], maxPods: { 'high-priority-ml': '4' } },
      teamRoles: [{ name: 'ml-engineer', preset: TeamRolePreset.ML_ENGINEER, users: ['bob@company.com'] }],
    });
    platform.addContributor({ name: 'carol@company.com' });
    platform.addContributor({ name: 'david@company.com', role: ContributorRole.EDIT });
    platform.addContributor({ name: 'ml-engineers@company.com', kind: IdentityKind.GROUP });

    new TenantProfile(this, 'team-research', {
      ...defaults,
      owner: 'researcher@company.com',
      resourceQuota: {
        'requests.cpu': '20',
        'limits.cpu': '40',
        'requests.memory': '80Gi',
        'limits.memory': '160Gi',
        'persistentvolumeclaims': '20',
        'requests.storage': '1Ti',
        'pods': '50',
        'services': '20',
        'secrets': '100',
        'configmaps': '100',
      },
      limitRange: {
        name: 'default-resources',
        container: {
          default: { 'cpu': '1', 'memory': '2Gi', 'nvidia.com/gpu': '0' },
          defaultRequest: { cpu: '500m', memory: '1Gi' },
          max: { 'cpu': '8', 'memory': '32Gi', 'nvidia.com/gpu': '2' },
        },
        persistentVolumeClaim: { minStorage: '1Gi', maxStorage: '100Gi' },
      },
      kueue: {
        cohort: 'research',
        quotas: [
          { flavor: 'a100', nominal: { [GPU]: '4' }, lendingLimit: { [GPU]: '2' } },
          { flavor: 'h100', nominal: { [GPU]: '0' }, borrowingLimit: { [GPU]: '2' } },
        ],
      },
    });

    new TenantProfile(this, 'fraud-detection-team', {
      ...defaults,
      owner: 'lead@company.com',
      resourceQuota: { cpu: '30', memory: '120Gi' },
      kueue: { cohort: 'ml', quotas: [{ flavor: 'a100', nominal: { [GPU]: '4' } }] },
      contributors: [
        { name: 'analyst1@company.com' },
        { name: 'analyst2@company.com' },
      ],
    });
  }
}
