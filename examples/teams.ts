import { Chart } from 'cdk8s';
import { Construct } from 'constructs';
import {
  AuditPolicy, ContributorRole, IdentityKind, IdentityProvider, PodSecurityLevel, PriorityClasses, QuotaAlerts, ReadOnlyDashboard, TeamRolePreset,
  TenancyGuard, TenantDashboard, TenantProfile, TenantSettings,
} from '../src';

const ALL_CLASSES = ['high-priority-ml', 'normal-priority-ml', 'low-priority-ml'];
const STANDARD_CLASSES = ['normal-priority-ml', 'low-priority-ml'];

const TEAMS = ['team-data-science', 'team-ml-platform', 'team-research', 'fraud-detection-team'];

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
        'requests.nvidia.com/gpu': '4',
        'persistentvolumeclaims': '10',
        'requests.storage': '500Gi',
      },
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
      resourceQuota: { 'cpu': '50', 'memory': '200Gi', 'requests.nvidia.com/gpu': '8' },
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
        'requests.nvidia.com/gpu': '4',
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
    });

    new TenantProfile(this, 'fraud-detection-team', {
      ...defaults,
      owner: 'lead@company.com',
      resourceQuota: { 'cpu': '30', 'memory': '120Gi', 'requests.nvidia.com/gpu': '4' },
      contributors: [
        { name: 'analyst1@company.com' },
        { name: 'analyst2@company.com' },
      ],
    });
  }
}
