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
    // A wildcard also grants every verb beyond the allowlist, so it needs a stated reason too.
    expect(() => synthTenant({ owner: 'o@c.io', teamRoles: [{ ...wild, allowWildcards: true }] })).toThrow('rules[0] grants * (not a read or write verb');
    const reason = 'the platform team owns these config maps and rotates them';
    const objects = synthTenant({ owner: 'o@c.io', teamRoles: [{ ...wild, allowWildcards: true, allowEscalation: true, escalationReason: reason }] });
    expect(only(objects, 'Role', 'admin-ish').rules[0].verbs).toEqual(['*']);
    expect(only(objects, 'Role', 'admin-ish').metadata.annotations).toEqual({ 'kf-tenancy.io/escalation-reason': reason });
  });

  test('writing secrets is refused without allowSecretWrites (the guide\'s "*" on secrets included)', () => {
    const writer = { name: 'secret-writer', rules: [{ apiGroups: [''], resources: ['secrets'], verbs: ['get', 'create', 'update'] }] };
    expect(teamRoleProblems(writer)).toEqual(['teamRoles "secret-writer": rules[0] lets the role create, update secrets; secrets are read-only unless allowSecretWrites is set']);
    expect(teamRoleProblems({ ...writer, allowSecretWrites: true })).toEqual([]);
    expect(teamRoleProblems({ name: 'guide', allowWildcards: true, allowEscalation: true, escalationReason: 'as the guide has it, reviewed', rules: [{ apiGroups: [''], resources: ['secrets'], verbs: ['*'] }] }))
      .toEqual(['teamRoles "guide": rules[0] lets the role * secrets; secrets are read-only unless allowSecretWrites is set']);
  });

  // The allowlist: reading anything and writing workload resources pass; every other write or
  // verb is an escalation, refused without allowEscalation and a reason.
  const rule = (apiGroups: string[], resources: string[], verbs: string[]) => ({ name: 'r', rules: [{ apiGroups, resources, verbs }] });
  test.each([
    ['RoleBindings', rule(['rbac.authorization.k8s.io'], ['rolebindings'], ['create']), 'create rbac.authorization.k8s.io/rolebindings'],
    ['Roles', rule(['rbac.authorization.k8s.io'], ['roles'], ['update']), 'update rbac.authorization.k8s.io/roles'],
    ['Wasm plugins', rule(['extensions.istio.io'], ['wasmplugins'], ['create']), 'create extensions.istio.io/wasmplugins'],
    ['VirtualServices', rule(['networking.istio.io'], ['virtualservices'], ['create']), 'create networking.istio.io/virtualservices'],
    ['EnvoyFilters', rule(['networking.istio.io'], ['envoyfilters'], ['patch']), 'patch networking.istio.io/envoyfilters'],
    ['ServiceEntries', rule(['networking.istio.io'], ['serviceentries'], ['create']), 'create networking.istio.io/serviceentries'],
    ['Sidecars', rule(['networking.istio.io'], ['sidecars'], ['create']), 'create networking.istio.io/sidecars'],
    ['Gateways', rule(['gateway.networking.k8s.io'], ['gateways'], ['create']), 'create gateway.networking.k8s.io/gateways'],
    ['PeerAuthentications', rule(['security.istio.io'], ['peerauthentications'], ['create']), 'create security.istio.io/peerauthentications'],
    ['AuthorizationPolicies', rule(['security.istio.io'], ['authorizationpolicies'], ['delete']), 'delete security.istio.io/authorizationpolicies'],
    ['NetworkPolicies', rule(['networking.k8s.io'], ['networkpolicies'], ['delete']), 'delete networking.k8s.io/networkpolicies'],
    ['its ResourceQuota', rule([''], ['resourcequotas'], ['patch']), 'patch core/resourcequotas'],
    ['service-account tokens', rule([''], ['serviceaccounts/token'], ['create']), 'create core/serviceaccounts/token'],
    ['Endpoints', rule([''], ['endpoints'], ['create']), 'create core/endpoints'],
    ['an unknown CRD', rule(['example.com'], ['widgets'], ['create']), 'create example.com/widgets'],
    ['the use verb', rule(['policy'], ['podsecuritypolicies'], ['use']), 'use (not a read or write verb'],
  ])('refuses a team role that writes %s without a reason', (_, role, words) => {
    expect(teamRoleProblems(role).join('\n')).toContain(`rules[0] grants ${words}`);
    expect(teamRoleProblems({ ...role, allowEscalation: true }).join('\n')).toContain('allowEscalation needs escalationReason');
    expect(teamRoleProblems({ ...role, allowEscalation: true, escalationReason: 'reviewed by the platform team in PR 42' })).toEqual([]);
  });

  test.each([
    ['reading RBAC objects', rule(['rbac.authorization.k8s.io'], ['rolebindings', 'roles'], ['get', 'list', 'watch'])],
    ['managing jobs', rule(['batch'], ['jobs', 'cronjobs'], ['create', 'update', 'patch', 'delete'])],
    ['managing notebooks and inference services', rule(['kubeflow.org', 'serving.kserve.io'], ['notebooks'], ['get'])],
    ['exec into pods', rule([''], ['pods/exec'], ['create'])],
  ])('accepts %s without a reason', (_, role) => expect(teamRoleProblems(role)).toEqual([]));

  test('a reason without allowEscalation, or a reason of a word, is refused', () => {
    expect(teamRoleProblems({ ...rule(['batch'], ['jobs'], ['get']), escalationReason: 'because the team asked' })[0]).toContain('escalationReason is given but allowEscalation is not set');
    expect(teamRoleProblems({ ...rule(['rbac.authorization.k8s.io'], ['roles'], ['create']), allowEscalation: true, escalationReason: 'ok' }).join()).toContain('allowEscalation needs escalationReason');
  });

  test.each([
    [{ name: 'Bad_Name', preset: TeamRolePreset.ML_ENGINEER }, 'name "Bad_Name" is not a DNS-1123 label'],
    [{ name: 'empty' }, 'teamRoles "empty": give a preset or rules'],
    [{ name: 'default-editor', preset: TeamRolePreset.ML_ENGINEER }, 'name "default-editor" is the RoleBinding Kubeflow\'s profile controller writes'],
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
