import { Contributor, ContributorRole, IdentityKind, TenantProfile } from '../src';
import { newChart, only, renderObjects, synthTenant } from './support/synth';
import { resolveAuth } from '../src/core/auth-options';
import { withProfileControllerObjects } from '../src/core/kubeflow-profile';
import { TenancyValidationError } from '../src/core/validation';

const PRINCIPALS = [
  'cluster.local/ns/istio-system/sa/istio-ingressgateway-service-account',
  'cluster.local/ns/kubeflow/sa/ml-pipeline-ui',
];

describe('user contributor', () => {
  // GIVEN a user with view access, written with mixed case and symbols
  const objects = synthTenant({
    owner: 'owner@company.com',
    contributors: [{ name: 'Jane.Doe+ml@Example.COM', role: ContributorRole.VIEW }],
  });
  const name = 'user-jane-doe-ml-example-com-clusterrole-view';

  test('RoleBinding is named and annotated as KFAM does, with exactly one subject', () => {
    expect(only(objects, 'RoleBinding', name)).toEqual({
      apiVersion: 'rbac.authorization.k8s.io/v1',
      kind: 'RoleBinding',
      metadata: { name, namespace: 'team-a', annotations: { user: 'Jane.Doe+ml@Example.COM', role: 'view' } },
      roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: 'kubeflow-view' },
      subjects: [{ apiGroup: 'rbac.authorization.k8s.io', kind: 'User', name: 'Jane.Doe+ml@Example.COM' }],
    });
  });

  test('AuthorizationPolicy of the same name matches the user-id header exactly', () => {
    expect(only(objects, 'AuthorizationPolicy', name)).toEqual({
      apiVersion: 'security.istio.io/v1beta1',
      kind: 'AuthorizationPolicy',
      metadata: { name, namespace: 'team-a', annotations: { user: 'Jane.Doe+ml@Example.COM', role: 'view' } },
      spec: {
        action: 'ALLOW',
        rules: [{
          from: [{ source: { principals: PRINCIPALS } }],
          when: [{ key: 'request.headers[kubeflow-userid]', values: ['Jane.Doe+ml@Example.COM'] }],
        }],
      },
    });
  });

  test('every RoleBinding the dashboard lists (user+role annotations) has exactly one subject', () => {
    // As the cluster will hold them: the profile controller adds the owner's namespaceAdmin from the Profile.
    const cluster = withProfileControllerObjects(objects, () => resolveAuth());
    const listed = cluster.filter(o => o.kind === 'RoleBinding' && o.metadata.annotations?.user && o.metadata.annotations?.role);
    expect(listed.map(o => o.metadata.name).sort()).toEqual(['namespaceAdmin', name]);
    for (const binding of listed) expect(binding.subjects).toHaveLength(1);
  });
});

describe('group contributor', () => {
  const objects = synthTenant({
    owner: 'owner@company.com',
    contributors: [{ name: 'ml-engineers@company.com', kind: IdentityKind.GROUP }],
  });
  const name = 'group-ml-engineers-company-com-clusterrole-edit';

  test('RoleBinding has a Group subject and is not listed as a user by the dashboard', () => {
    expect(only(objects, 'RoleBinding', name)).toEqual({
      apiVersion: 'rbac.authorization.k8s.io/v1',
      kind: 'RoleBinding',
      metadata: { name, namespace: 'team-a', annotations: { group: 'ml-engineers@company.com', role: 'edit' } },
      roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: 'kubeflow-edit' },
      subjects: [{ apiGroup: 'rbac.authorization.k8s.io', kind: 'Group', name: 'ml-engineers@company.com' }],
    });
  });

  test('AuthorizationPolicy matches the group as a whole item of the groups header', () => {
    const policy = only(objects, 'AuthorizationPolicy', name);
    expect(policy.spec.rules).toEqual([{
      from: [{ source: { principals: PRINCIPALS } }],
      when: [{
        key: 'request.headers[kubeflow-groups]',
        values: ['ml-engineers@company.com', 'ml-engineers@company.com,*', '*,ml-engineers@company.com'],
      }],
    }]);
  });

  // Istio's header matching: "*" alone = present, "x*" = prefix, "*x" = suffix, else exact.
  function istioMatches(pattern: string, header: string): boolean {
    if (pattern === '*') return true;
    if (pattern.startsWith('*')) return header.endsWith(pattern.slice(1));
    if (pattern.endsWith('*')) return header.startsWith(pattern.slice(0, -1));
    return header === pattern;
  }
  const admits = (header: string) => only(objects, 'AuthorizationPolicy', name).spec.rules[0].when[0].values
    .some((pattern: string) => istioMatches(pattern, header));

  test('admits members whose header lists the group alone, first or last', () => {
    expect(admits('ml-engineers@company.com')).toBe(true);
    expect(admits('ml-engineers@company.com,data@company.com')).toBe(true);
    expect(admits('data@company.com,ml-engineers@company.com')).toBe(true);
  });

  test('never admits a different group, a prefix or suffix of the name, or everyone', () => {
    for (const header of [
      '', 'data@company.com', 'ml-engineers@company.co', 'ml-engineers@company.com.evil',
      'xml-engineers@company.com', 'ml-engineers@company.comx,other', 'other,ml-engineers@company.comx',
      'other,xml-engineers@company.com',
    ]) {
      expect({ header, admitted: admits(header) }).toEqual({ header, admitted: false });
    }
    expect(only(objects, 'AuthorizationPolicy', name).spec.rules[0].when[0].values).not.toContain('*');
  });

  test('the groups header name is configurable', () => {
    const custom = synthTenant({
      owner: 'o@c.io',
      auth: { groupsHeader: 'x-auth-request-groups' },
      contributors: [{ name: 'g1', kind: IdentityKind.GROUP, role: ContributorRole.VIEW }],
    });
    expect(only(custom, 'AuthorizationPolicy', 'group-g1-clusterrole-view').spec.rules[0].when[0].key).toBe('request.headers[x-auth-request-groups]');
  });
});

describe('adding contributors', () => {
  test('addContributor and new Contributor produce the same objects as props', () => {
    const fromProps = synthTenant({ owner: 'o@c.io', contributors: [{ name: 'u@c.io' }, { name: 'g', kind: IdentityKind.GROUP }] });

    const { app, chart } = newChart();
    const tenant = new TenantProfile(chart, 'team-a', { owner: 'o@c.io' });
    tenant.addContributor({ name: 'u@c.io' });
    new Contributor(tenant, 'group-g', { tenant, name: 'g', kind: IdentityKind.GROUP });
    expect(renderObjects(app)).toEqual(fromProps);
    expect(tenant.contributors.map(c => c.bindingName)).toEqual(['user-u-c-io-clusterrole-edit']);
  });

  test('addContributor refuses the owner, a repeat and a KFAM name collision', () => {
    const { chart } = newChart();
    const tenant = new TenantProfile(chart, 'team-a', { owner: 'Owner@c.io' });
    tenant.addContributor({ name: 'a..b@x.io' });
    expect(() => tenant.addContributor({ name: 'owner@c.io' }))
      .toThrow('tenant "team-a": contributor "owner@c.io": is the owner, who already has admin access; remove it from the contributors');
    expect(() => tenant.addContributor({ name: 'A..B@x.io', role: ContributorRole.VIEW }))
      .toThrow('tenant "team-a": contributor "A..B@x.io": is listed twice (as edit and view); keep one entry');
    expect(() => tenant.addContributor({ name: 'a.b@x.io' }))
      .toThrow('collides with contributor "a..b@x.io": both are named "user-a-b-x-io-clusterrole-<role>"');
    // The exact same identity again is refused as input before it could clash as a construct id.
    expect(() => tenant.addContributor({ name: 'a..b@x.io' })).toThrow(TenancyValidationError);
    expect(() => tenant.addContributor({ name: 'a..b@x.io' })).toThrow('contributor "a..b@x.io": is listed twice (as edit and edit)');
    expect(() => new TenantProfile(chart, 'team-b', { owner: 'o@c.io', contributors: [{ name: 'x@c.io' }, { name: 'x@c.io' }] }))
      .toThrow('tenant "team-b": contributor "x@c.io": is listed twice');
  });
});

describe('a tenant declared elsewhere', () => {
  test('TenantProfile.fromName: a contributor goes into that namespace, with the auth it was declared with', () => {
    const { app, chart } = newChart();
    const tenant = TenantProfile.fromName(chart, 'platform-team', 'team-platform', { auth: { userIdHeader: 'x-auth-request-email' } });
    const contributor = new Contributor(chart, 'alice', { tenant, name: 'alice@c.io', role: ContributorRole.VIEW });
    expect(contributor.namespace).toBe('team-platform');
    const objects = renderObjects(app);
    expect(objects.map(o => `${o.kind} ${o.metadata.namespace}/${o.metadata.name}`)).toEqual([
      'RoleBinding team-platform/user-alice-c-io-clusterrole-view',
      'AuthorizationPolicy team-platform/user-alice-c-io-clusterrole-view',
    ]);
    expect(objects[1].spec.rules[0].when).toEqual([{ key: 'request.headers[x-auth-request-email]', values: ['alice@c.io'] }]);
  });

  test('a tenant of the same app is still checked: a contributor that is the owner is refused', () => {
    const { chart } = newChart();
    const tenant = new TenantProfile(chart, 'team-a', { owner: 'o@c.io' });
    expect(() => new Contributor(chart, 'owner', { tenant, name: 'o@c.io' })).toThrow('is the owner');
  });
});
