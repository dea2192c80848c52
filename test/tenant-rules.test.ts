import { resolveAuth } from '../src/core/auth-options';
import { ProfileController } from '../src/core/kubeflow-profile';
import { IstioSecurityApiVersion, MeshMode } from '../src/core/mesh-mode';
import { declaredPeers, namespaceLabelProblems, resourceQuotaProblems, tenantFieldProblems, tenantMembers } from '../src/core/tenant-rules';

const base = {
  name: 'team-a',
  owner: 'o@c.io',
  auth: resolveAuth(),
  profileController: ProfileController.KUBEFLOW,
  meshMode: MeshMode.SIDECAR,
  istioSecurityApiVersion: IstioSecurityApiVersion.V1BETA1,
};

describe('tenant rules (pure)', () => {
  test('a valid tenant has no problems; each problem names its field', () => {
    expect(tenantFieldProblems(base)).toEqual([]);
    expect(tenantFieldProblems({ ...base, name: 'Team_A', owner: '' }).map(p => p.field)).toEqual(['name', 'owner']);
    expect(tenantFieldProblems({ ...base, ambient: { waypointNamespace: 'shared' } }).map(p => p.field)).toEqual(['ambient', 'ambient.waypointNamespace']);
  });

  test.each([
    ['istio.io/rev', 'is an Istio label'],
    ['kf-tenancy.io/shared-services', 'marks a shared-services namespace'],
    ['my.org/shared', 'marks a shared-services namespace'],
    ['kf-tenancy.io/tenant', 'marks the namespaces the tenancy guard protects'],
    ['kubernetes.io/metadata.name', 'is set by the API server'],
    ['pod-security.kubernetes.io/enforce', 'is set by podSecurity'],
    ['kueue.x-k8s.io/managed', 'is a Kueue label'],
    ['alpha.kueue.x-k8s.io/queue', 'is a Kueue label'],
  ])('the label table refuses %s', (key, reason) => {
    const problems = namespaceLabelProblems({ [key]: 'x', 'team.example.com/cost-center': 'ml' }, 'my.org/shared');
    expect(problems).toEqual([{ field: 'namespaceLabels', message: expect.stringContaining(`"${key}" ${reason}`) }]);
  });

  test('any other label must be a valid key and value', () => {
    expect(namespaceLabelProblems({ 'bad key': 'x', 'ok/key': 'bad value!' }).map(p => p.field)).toEqual(['namespaceLabels', 'namespaceLabels["ok/key"]']);
  });

  test('quota values are quantities, counts whole', () => {
    expect(resourceQuotaProblems({ 'requests.cpu': '4', 'requests.nvidia.com/gpu': '0.5', 'limits.memory': 'lots' }).map(p => p.field))
      .toEqual(['resourceQuota["requests.nvidia.com/gpu"]', 'resourceQuota["limits.memory"]']);
  });

  test('members: the owner, contributors by kind, team-role subjects; peers by direction', () => {
    const members = tenantMembers({
      owner: 'o@c.io',
      contributors: [{ name: 'u@c.io' }, { kind: 'Group', name: 'g' }],
      teamRoles: [{ users: ['r@c.io'], groups: ['rg'] }],
      ...declaredPeers({ additionalIngress: [{ namespace: 'monitoring' }, {}], additionalEgress: [{ namespace: 'team-b' }] }),
    });
    expect(members).toEqual({ users: ['o@c.io', 'u@c.io', 'r@c.io'], groups: ['g', 'rg'], ingressPeers: ['monitoring'], egressPeers: ['team-b'] });
  });
});
