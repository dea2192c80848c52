import * as fs from 'fs';
import { ContributorRole, IdentityKind, TeamRolePreset, TenantProfile } from '../src';
import { newChart, parseYaml, renderObjects } from './support/synth';
import { CLUSTER_ROLES_JSON, CLUSTER_ROLES_YAML, clusterRolesJson } from '../scripts/cluster-roles-json';
import { AccessRequest, RbacModel, ruleAllows, serviceAccountRequester, userRequester } from '../src/analysis/rbac';
import { resolveAuth } from '../src/core/auth-options';
import { kubeflowClusterRoles } from '../src/core/kubeflow-cluster-roles';
import { withProfileControllerObjects } from '../src/core/kubeflow-profile';

const KUBEFLOW_ROLES = parseYaml(fs.readFileSync(CLUSTER_ROLES_YAML, 'utf8'));

describe('bundled Kubeflow ClusterRoles', () => {
  test('the JSON the library reads is the YAML copy, up to date (run `npx projen data`)', () => {
    expect(fs.readFileSync(CLUSTER_ROLES_JSON, 'utf8')).toBe(clusterRolesJson());
    expect(kubeflowClusterRoles()).toEqual(KUBEFLOW_ROLES);
    expect(KUBEFLOW_ROLES.map((r: any) => r.metadata.name)).toEqual(expect.arrayContaining(['kubeflow-admin', 'kubeflow-edit', 'kubeflow-view']));
  });

  test('the YAML copy names its source repository and commit', () => {
    expect(fs.readFileSync(CLUSTER_ROLES_YAML, 'utf8').split('\n').slice(0, 3).join('\n')).toMatch(/kubeflow\/manifests at commit [0-9a-f]{7}/);
  });
});
const pods = (verb: string, namespace?: string, extra: object = {}) => ({ verb, apiGroup: '', resource: 'pods', namespace, ...extra });

describe('rule matching', () => {
  test('verbs, groups and resources, with wildcards', () => {
    expect(ruleAllows({ apiGroups: [''], resources: ['pods'], verbs: ['get'] }, pods('get'))).toBe(true);
    expect(ruleAllows({ apiGroups: [''], resources: ['pods'], verbs: ['get'] }, pods('delete'))).toBe(false);
    expect(ruleAllows({ apiGroups: ['*'], resources: ['*'], verbs: ['*'] }, { verb: 'patch', apiGroup: 'apps', resource: 'deployments' })).toBe(true);
    expect(ruleAllows({ apiGroups: ['apps'], resources: ['pods'], verbs: ['get'] }, pods('get'))).toBe(false);
  });

  test('subresources need their own entry, or "*/sub"', () => {
    const rule = { apiGroups: [''], resources: ['pods'], verbs: ['get', 'create'] };
    expect(ruleAllows(rule, pods('get', undefined, { subresource: 'log' }))).toBe(false);
    expect(ruleAllows({ ...rule, resources: ['pods/log'] }, pods('get', undefined, { subresource: 'log' }))).toBe(true);
    expect(ruleAllows({ ...rule, resources: ['*/exec'] }, pods('create', undefined, { subresource: 'exec' }))).toBe(true);
    expect(ruleAllows({ ...rule, resources: ['*/exec'] }, pods('create', undefined, { subresource: 'attach' }))).toBe(false);
    expect(ruleAllows({ ...rule, resources: ['pods/log'] }, pods('get'))).toBe(false);
  });

  test('resourceNames restrict to named objects; a request without a name is denied', () => {
    const rule = { apiGroups: [''], resources: ['configmaps'], verbs: ['get', 'list'], resourceNames: ['settings'] };
    const request = { verb: 'get', apiGroup: '', resource: 'configmaps' };
    expect(ruleAllows(rule, { ...request, name: 'settings' })).toBe(true);
    expect(ruleAllows(rule, { ...request, name: 'other' })).toBe(false);
    expect(ruleAllows(rule, { ...request, verb: 'list' })).toBe(false);
  });
});

describe('bindings and aggregation', () => {
  const reader = { apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'ClusterRole', metadata: { name: 'reader', labels: { agg: 'view' } }, rules: [{ apiGroups: [''], resources: ['pods'], verbs: ['get'] }] };
  const writer = { apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'ClusterRole', metadata: { name: 'writer', labels: { agg: 'edit' } }, rules: [{ apiGroups: [''], resources: ['pods'], verbs: ['create'] }] };
  const view = { apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'ClusterRole', metadata: { name: 'agg-view', labels: { agg: 'edit' } }, aggregationRule: { clusterRoleSelectors: [{ matchLabels: { agg: 'view' } }] }, rules: [] };
  const edit = { apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'ClusterRole', metadata: { name: 'agg-edit' }, aggregationRule: { clusterRoleSelectors: [{ matchLabels: { agg: 'edit' } }] }, rules: [] };
  const binding = (kind: string, namespace: string | undefined, roleKind: string, role: string, subject: object) => ({
    apiVersion: 'rbac.authorization.k8s.io/v1',
    kind,
    metadata: { name: `b-${role}`, ...(namespace ? { namespace } : {}) },
    roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: roleKind, name: role },
    subjects: [subject],
  });
  const alice = { apiGroup: 'rbac.authorization.k8s.io', kind: 'User', name: 'alice' };

  test('aggregation is transitive: agg-edit gets writer and, through agg-view, reader', () => {
    const model = new RbacModel([edit, view, reader, writer]);
    expect(model.clusterRoleRules('agg-edit').map(r => r.verbs[0]).sort()).toEqual(['create', 'get']);
    expect(model.clusterRoleRules('agg-view').map(r => r.verbs[0])).toEqual(['get']);
    expect(model.clusterRoleRules('unknown')).toEqual([]);
  });

  test('a RoleBinding to a ClusterRole grants only in its namespace', () => {
    const model = new RbacModel([edit, view, reader, writer, binding('RoleBinding', 'team-a', 'ClusterRole', 'agg-edit', alice)]);
    expect(model.allows(userRequester('alice'), pods('create', 'team-a'))).toBe(true);
    expect(model.allows(userRequester('alice'), pods('create', 'team-b'))).toBe(false);
    expect(model.allows(userRequester('alice'), pods('create'))).toBe(false);
    expect(model.allows(userRequester('bob'), pods('get', 'team-a'))).toBe(false);
    expect(model.grants(userRequester('alice'), pods('get', 'team-a'))).toEqual([
      { binding: 'RoleBinding team-a/b-agg-edit', role: 'ClusterRole agg-edit', rule: reader.rules[0] },
    ]);
  });

  test('a ClusterRoleBinding grants everywhere; a Role only in its own namespace', () => {
    const role = { apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'Role', metadata: { name: 'r', namespace: 'team-a' }, rules: writer.rules };
    const model = new RbacModel([reader, role,
      binding('ClusterRoleBinding', undefined, 'ClusterRole', 'reader', { kind: 'Group', name: 'auditors' }),
      binding('RoleBinding', 'team-a', 'Role', 'r', alice),
      binding('RoleBinding', 'team-b', 'Role', 'r', alice)]);
    expect(model.allows(userRequester('carol', ['auditors']), pods('get', 'anywhere'))).toBe(true);
    expect(model.allows(userRequester('carol', ['auditors']), pods('create', 'anywhere'))).toBe(false);
    expect(model.allows(userRequester('alice'), pods('create', 'team-a'))).toBe(true);
    // The binding in team-b names a Role r that does not exist there.
    expect(model.allows(userRequester('alice'), pods('create', 'team-b'))).toBe(false);
  });

  test('service accounts match by namespace and name; system:authenticated matches every user', () => {
    const model = new RbacModel([reader,
      binding('RoleBinding', 'team-a', 'ClusterRole', 'reader', { kind: 'ServiceAccount', name: 'runner', namespace: 'team-a' }),
      binding('RoleBinding', 'open', 'ClusterRole', 'reader', { kind: 'Group', name: 'system:authenticated' })]);
    expect(model.allows(serviceAccountRequester('team-a', 'runner'), pods('get', 'team-a'))).toBe(true);
    expect(model.allows(serviceAccountRequester('team-b', 'runner'), pods('get', 'team-a'))).toBe(false);
    expect(model.allows(userRequester('anyone'), pods('get', 'open'))).toBe(true);
  });
});

describe('with Kubeflow\'s ClusterRoles and a synthesized tenant', () => {
  const { app, chart } = newChart();
  new TenantProfile(chart, 'team-a', {
    owner: 'owner@c.io',
    contributors: [
      { name: 'editor@c.io' },
      { name: 'viewer@c.io', role: ContributorRole.VIEW },
      { name: 'ml-group', kind: IdentityKind.GROUP },
    ],
    teamRoles: [{ name: 'ds', preset: TeamRolePreset.ML_DATA_SCIENTIST, users: ['scientist@c.io'] }],
  });
  new TenantProfile(chart, 'team-b', { owner: 'other@c.io' });
  // As the cluster will hold them: Kubeflow's profile controller adds the owner's binding and the default ServiceAccounts' from each Profile.
  const model = new RbacModel([...KUBEFLOW_ROLES, ...withProfileControllerObjects(renderObjects(app), () => resolveAuth())]);

  test('kubeflow-admin ⊇ kubeflow-edit ⊇ kubeflow-view after aggregation, request by request', () => {
    // Every (group, resource, verb) one role allows, the larger role allows too; and each larger
    // role allows something the smaller does not (counting rules would not show either).
    const requests = (role: string) => model.clusterRoleRules(role).flatMap(rule => (rule.apiGroups ?? []).flatMap(apiGroup =>
      (rule.resources ?? []).flatMap(resource => rule.verbs.map(verb => {
        const [name, subresource] = resource.split('/');
        return { verb, apiGroup, resource: name, subresource, namespace: 'team-a', name: rule.resourceNames?.[0] };
      }))));
    const allows = (role: string) => (request: AccessRequest) => model.clusterRoleRules(role).some(rule => ruleAllows(rule, request));
    for (const [smaller, larger] of [['kubeflow-view', 'kubeflow-edit'], ['kubeflow-edit', 'kubeflow-admin']]) {
      expect(requests(smaller).length).toBeGreaterThan(0);
      expect(requests(smaller).filter(r => !allows(larger)(r))).toEqual([]);
      expect(requests(larger).filter(r => !allows(smaller)(r)).length).toBeGreaterThan(0);
    }
    expect(allows('kubeflow-admin')({ verb: 'create', apiGroup: 'rbac.authorization.k8s.io', resource: 'rolebindings', namespace: 'team-a' })).toBe(true);
    expect(allows('kubeflow-edit')({ verb: 'create', apiGroup: 'rbac.authorization.k8s.io', resource: 'rolebindings', namespace: 'team-a' })).toBe(false);
    expect(allows('kubeflow-view')({ verb: 'create', apiGroup: '', resource: 'pods', namespace: 'team-a' })).toBe(false);
  });

  test('owner, editor, group member and default-editor may create pods in their tenant only', () => {
    for (const requester of [userRequester('owner@c.io'), userRequester('editor@c.io'), userRequester('x@c.io', ['ml-group']),
      serviceAccountRequester('team-a', 'default-editor')]) {
      expect(model.allows(requester, pods('create', 'team-a'))).toBe(true);
      expect(model.allows(requester, pods('create', 'team-b'))).toBe(false);
    }
  });

  test('a viewer and default-viewer may read pods but not create them; the team role reads logs', () => {
    expect(model.allows(userRequester('viewer@c.io'), pods('list', 'team-a'))).toBe(true);
    expect(model.allows(userRequester('viewer@c.io'), pods('create', 'team-a'))).toBe(false);
    expect(model.allows(serviceAccountRequester('team-a', 'default-viewer'), pods('create', 'team-a'))).toBe(false);
    expect(model.allows(userRequester('scientist@c.io'), pods('get', 'team-a', { subresource: 'log' }))).toBe(true);
    expect(model.allows(userRequester('scientist@c.io'), pods('create', 'team-a'))).toBe(false);
  });

  test('only the owner may change RoleBindings', () => {
    const rb = { verb: 'create', apiGroup: 'rbac.authorization.k8s.io', resource: 'rolebindings', namespace: 'team-a' };
    expect(model.allows(userRequester('owner@c.io'), rb)).toBe(true);
    expect(model.allows(userRequester('editor@c.io'), rb)).toBe(false);
  });
});
