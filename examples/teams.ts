import { Chart } from 'cdk8s';
import { Construct } from 'constructs';
import { ContributorRole, IdentityKind, TenantProfile } from '../src';

/**
 * The four teams of the bundled example (../shared/reference/example-teams.md),
 * declared with the TypeScript API.
 */
export class ExampleTeams extends Chart {
  constructor(scope: Construct, id: string) {
    super(scope, id);

    new TenantProfile(this, 'team-data-science', {
      owner: 'alice@company.com',
      resourceQuota: {
        'cpu': '20',
        'memory': '100Gi',
        'requests.nvidia.com/gpu': '4',
        'persistentvolumeclaims': '10',
        'requests.storage': '500Gi',
      },
    });

    const platform = new TenantProfile(this, 'team-ml-platform', {
      owner: 'bob@company.com',
      resourceQuota: { 'cpu': '50', 'memory': '200Gi', 'requests.nvidia.com/gpu': '8' },
    });
    platform.addContributor({ name: 'carol@company.com' });
    platform.addContributor({ name: 'david@company.com', role: ContributorRole.EDIT });
    platform.addContributor({ name: 'ml-engineers@company.com', kind: IdentityKind.GROUP });

    new TenantProfile(this, 'team-research', {
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
    });

    new TenantProfile(this, 'fraud-detection-team', {
      owner: 'lead@company.com',
      resourceQuota: { 'cpu': '30', 'memory': '120Gi', 'requests.nvidia.com/gpu': '4' },
      contributors: [
        { name: 'analyst1@company.com' },
        { name: 'analyst2@company.com' },
      ],
    });
  }
}
