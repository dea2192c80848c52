import { TeamRolePreset } from '../src';
import { only, synthTenant } from './support/synth';
import { presetRules, teamRoleProblems } from '../src/constructs/tenant/team-role';

describe('TeamRole', () => {
  test('ml-data-scientist preset bound to a user and a group', () => {
    const objects = synthTenant({
      owner: 'o@c.io',
      teamRoles: [{ name: 'ml-data-scientist', preset: TeamRolePreset.ML_DATA_SCIENTIST, users: ['alice@company.com'], groups: ['data-scientists@company.com'] }],
    });
    expect(only(objects, 'Role', 'ml-data-scientist').rules).toEqual([
      { apiGroups: ['kubeflow.org'], resources: ['notebooks'], verbs: ['get', 'list', 'watch', 'create', 'delete'] },
      { apiGroups: ['pipelines.kubeflow.org'], resources: ['pipelines', 'pipelineversions', 'runs', 'recurringruns', 'experiments'], verbs: ['get', 'list', 'watch', 'create', 'delete'] },
      { apiGroups: [''], resources: ['pods', 'pods/log'], verbs: ['get', 'list', 'watch'] },
      { apiGroups: [''], resources: ['secrets'], verbs: ['get', 'list', 'watch'] },
      { apiGroups: [''], resources: ['persistentvolumeclaims'], verbs: ['get', 'list', 'watch', 'create', 'delete'] },
    ]);
    expect(only(objects, 'RoleBinding', 'ml-data-scientist')).toEqual({
      apiVersion: 'rbac.authorization.k8s.io/v1',
      kind: 'RoleBinding',
      metadata: { name: 'ml-data-scientist', namespace: 'team-a' },
      roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'Role', name: 'ml-data-scientist' },
      subjects: [
        { apiGroup: 'rbac.authorization.k8s.io', kind: 'User', name: 'alice@company.com' },
        { apiGroup: 'rbac.authorization.k8s.io', kind: 'Group', name: 'data-scientists@company.com' },
      ],
    });
  });

  test('ml-engineer adds inferenceservices, deployments, services, configmaps; secrets stay read-only and nothing is "*"', () => {
    const rules = presetRules(TeamRolePreset.ML_ENGINEER);
    expect(rules.slice(5)).toEqual([
      { apiGroups: ['serving.kserve.io'], resources: ['inferenceservices'], verbs: ['get', 'list', 'watch', 'create', 'update', 'patch', 'delete'] },
      { apiGroups: ['apps'], resources: ['deployments'], verbs: ['get', 'list', 'watch', 'create', 'update', 'patch', 'delete'] },
      { apiGroups: [''], resources: ['services', 'configmaps'], verbs: ['get', 'list', 'watch', 'create', 'update', 'patch', 'delete'] },
    ]);
    const secretVerbs = rules.filter(r => r.resources.includes('secrets')).flatMap(r => r.verbs);
    expect(secretVerbs).toEqual(['get', 'list', 'watch']);
    expect(JSON.stringify(rules)).not.toContain('*');
  });

  test('a role without subjects has no RoleBinding; custom rules add to a preset', () => {
    const objects = synthTenant({
      owner: 'o@c.io',
      teamRoles: [{ name: 'viewer', rules: [{ apiGroups: ['batch'], resources: ['jobs'], verbs: ['get'] }] }],
    });
    expect(only(objects, 'Role', 'viewer').rules).toEqual([{ apiGroups: ['batch'], resources: ['jobs'], verbs: ['get'] }]);
    expect(objects.filter(o => o.kind === 'RoleBinding' && o.metadata.name === 'viewer')).toEqual([]);
  });

  test('a wildcard is refused without allowWildcards, accepted with it', () => {
    const wild = { name: 'admin-ish', rules: [{ apiGroups: [''], resources: ['configmaps'], verbs: ['*'] }] };
    expect(() => synthTenant({ owner: 'o@c.io', teamRoles: [wild] }))
      .toThrow('tenant "team-a": teamRoles "admin-ish": rules[0].verbs has a wildcard (*); wildcards grant every present and future resource or verb');
    const objects = synthTenant({ owner: 'o@c.io', teamRoles: [{ ...wild, allowWildcards: true }] });
    expect(only(objects, 'Role', 'admin-ish').rules[0].verbs).toEqual(['*']);
  });

  test('writing secrets is refused without allowSecretWrites (the guide\'s "*" on secrets included)', () => {
    const writer = { name: 'secret-writer', rules: [{ apiGroups: [''], resources: ['secrets'], verbs: ['get', 'create', 'update'] }] };
    expect(teamRoleProblems(writer)).toEqual(['teamRoles "secret-writer": rules[0] lets the role create, update secrets; secrets are read-only unless allowSecretWrites is set']);
    expect(teamRoleProblems({ ...writer, allowSecretWrites: true })).toEqual([]);
    expect(teamRoleProblems({ name: 'guide', allowWildcards: true, rules: [{ apiGroups: [''], resources: ['secrets'], verbs: ['*'] }] }))
      .toEqual(['teamRoles "guide": rules[0] lets the role * secrets; secrets are read-only unless allowSecretWrites is set']);
  });

  test.each([
    [{ name: 'Bad_Name', preset: TeamRolePreset.ML_ENGINEER }, 'name "Bad_Name" is not a DNS-1123 label'],
    [{ name: 'empty' }, 'teamRoles "empty": give a preset or rules'],
    [{ name: 'p', preset: 'ml-admin' as TeamRolePreset }, 'preset "ml-admin" is not known'],
    [{ name: 'p', preset: TeamRolePreset.ML_ENGINEER, groups: ['system:authenticated'] }, 'groups: "system:authenticated" is a Kubernetes system identity'],
  ])('refuses %j', (role, message) => {
    expect(() => synthTenant({ owner: 'o@c.io', teamRoles: [role] })).toThrow(message);
  });

  test('two roles of the same name are refused', () => {
    const role = { name: 'r', preset: TeamRolePreset.ML_ENGINEER };
    expect(() => synthTenant({ owner: 'o@c.io', teamRoles: [role, role] })).toThrow('teamRoles "r": defined twice');
  });
});
