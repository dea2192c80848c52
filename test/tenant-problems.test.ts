/**
 * `tenantProblems` (what the cdk8s plugin checks without building a tenant) and `new TenantProfile`
 * (whose children check their own props) must report the same problems, in the same order: a
 * child added to one and not the other fails here.
 */
import { Chart, Testing } from 'cdk8s';
import { TenantProfileProps } from '../src';
import { resolveTenant, tenantProblems } from '../src/constructs/tenant/tenant-problems';
import { TenantProfile } from '../src/constructs/tenant/tenant-profile';
import { formatProblem } from '../src/core/problem';
import { TenancyValidationError } from '../src/core/validation';

const owner = 'o@c.io';
const CASES: Array<[string, TenantProfileProps]> = [
  ['valid', { owner, contributors: [{ name: 'u@c.io' }], teamRoles: [{ name: 'r', preset: 'ml-engineer' as any, users: ['r@c.io'] }] }],
  ['own fields', { owner: 'bad owner', name: 'Team_A', namespaceLabels: { 'istio.io/rev': 'x' }, resourceQuota: { cpu: 'lots' } }],
  ['network policy', { owner, networkPolicy: { dnsPodLabels: {}, istiodPorts: [0], additionalIngress: [{ name: 'x', namespace: 'Bad' }, { name: 'x', cidr: '10.0.0.0/8' }] } }],
  ['network policy off without a reason', { owner, networkPolicy: { enabled: false } }],
  ['limit range', { owner, limitRange: { container: { default: { cpu: 'lots' } } } }],
  ['priority classes', { owner, priorityClasses: { allowed: ['a'], denied: ['a'] } }],
  ['team roles', { owner, teamRoles: [{ name: 'r', users: ['b c'] } as any, { name: 'r', preset: 'ml-engineer' as any }, { name: 'default-editor', preset: 'ml-engineer' as any }] }],
  ['contributors', { owner, contributors: [{ name: owner }, { name: 'x@c.io' }, { name: 'X@c.io', role: 'view' as any }, { name: 'bad name' }, { name: 'k@c.io', kind: 'Robot' as any }] }],
  ['a GPU queue without the cluster\'s flavors', { owner, kueue: { quotas: [] } }],
  ['everything at once', {
    owner: '',
    podSecurity: { enforce: 'open' as any },
    ambient: {},
    networkPolicy: { apiServerCidrs: ['10.1.0.0/16'] },
    limitRange: { container: { max: { cpu: '1' }, min: { cpu: '2' } } },
    teamRoles: [{ name: 'Bad' } as any],
    contributors: [{ name: 'a@c.io' }, { name: 'a@c.io' }],
  }],
];

function constructed(props: TenantProfileProps): string[] {
  try {
    new TenantProfile(new Chart(Testing.app(), 'c'), 'team-a', props);
    return [];
  } catch (error) {
    if (!(error instanceof TenancyValidationError)) throw error;
    return error.errors;
  }
}

describe('tenantProblems reports what TenantProfile reports', () => {
  test.each(CASES)('%s', (_, props) => {
    const pure = tenantProblems(props, resolveTenant(props, 'team-a', {})).map(formatProblem);
    expect(pure).toEqual(constructed(props));
  });

  test('the corpus exercises every child', () => {
    const all = CASES.flatMap(([, props]) => constructed(props)).join('\n');
    for (const field of ['owner:', 'networkPolicy.', 'limitRange.', 'priorityClasses', 'teamRoles "', 'contributor "', 'podSecurity', 'namespaceLabels']) {
      expect(all).toContain(field);
    }
  });
});
