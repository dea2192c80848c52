import { Chart } from 'cdk8s';
import { Construct } from 'constructs';
import { ContributorRole, IdentityKind, PodSecurityLevel, PriorityClasses, TeamRolePreset, TenantProfile, TenantSettings } from '../src';

const ALL_CLASSES = ['high-priority-ml', 'normal-priority-ml', 'low-priority-ml'];
const STANDARD_CLASSES = ['normal-priority-ml', 'low-priority-ml'];

/** What every team gets unless it says otherwise (the `defaults` of examples/tenants.yaml). */
const DEFAULTS: TenantSettings = {
  auth: { userIdHeader: 'kubeflow-userid', groupsHeader: 'kubeflow-groups' },
  networkPolicy: { allowSameNamespace: true, kubeflowServicePorts: [8888, 8887, 8080, 9000] },
  podSecurity: { enforce: PodSecurityLevel.BASELINE },
  priorityClasses: { allowed: STANDARD_CLASSES, denied: ['high-priority-ml'] },
};

/**
 * The four teams of the bundled example (../shared/reference/example-teams.md),
 * declared with the TypeScript API.
 */
export class ExampleTeams extends Chart {
  constructor(scope: Construct, id: string) {
    super(scope, id);

    new PriorityClasses(this, 'PriorityClasses', { classes: PriorityClasses.ML_PRESET });

    new TenantProfile(this, 'team-data-science', {
      ...DEFAULTS,
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
      ...DEFAULTS,
      owner: 'bob@company.com',
      resourceQuota: { 'cpu': '50', 'memory': '200Gi', 'requests.nvidia.com/gpu': '8' },
      priorityClasses: { allowed: ALL_CLASSES, denied: [], maxPods: { 'high-priority-ml': '4' } },
      teamRoles: [{ name: 'ml-engineer', preset: TeamRolePreset.ML_ENGINEER, users: ['bob@company.com'] }],
    });
    platform.addContributor({ name: 'carol@company.com' });
    platform.addContributor({ name: 'david@company.com', role: ContributorRole.EDIT });
    platform.addContributor({ name: 'ml-engineers@company.com', kind: IdentityKind.GROUP });

    new TenantProfile(this, 'team-research', {
      ...DEFAULTS,
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
      ...DEFAULTS,
      owner: 'lead@company.com',
      resourceQuota: { 'cpu': '30', 'memory': '120Gi', 'requests.nvidia.com/gpu': '4' },
      contributors: [
        { name: 'analyst1@company.com' },
        { name: 'analyst2@company.com' },
      ],
    });
  }
}
