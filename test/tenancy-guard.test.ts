import { Chart, Testing } from 'cdk8s';
import { GuardMode, IdentityKind, ProfileController, TenancyApp, TenancyGuard, TenantCatalog, TenantProfile } from '../src';
import { newChart, only, renderObjects } from './support/synth';
import { accessDiff, accessMarkdown, accessMatrix } from '../src/analysis/access';
import { guardLine, guardStatus } from '../src/analysis/guard';
import { resolveAuth } from '../src/core/auth-options';
import { GUARD_ANNOTATION_BUDGET, GUARD_ANNOTATIONS, guardParameters, TENANT_LABEL } from '../src/core/guard-parameters';
import { celList, celString, GUARD_POLICY } from '../src/core/guard-policies';

const TENANT = {
  name: 'team-a',
  owner: 'alice@example.com',
  contributors: [{ name: 'carol@example.com' }, { name: 'ml@example.com', kind: IdentityKind.GROUP }],
  teamRoles: [{ name: 'viewer', users: ['victor@example.com'], rules: [{ apiGroups: [''], resources: ['pods'], verbs: ['get'] }] }],
};

function guarded(profileController = ProfileController.NONE, guardProps: ConstructorParameters<typeof TenancyGuard>[2] = {}) {
  const { app, chart } = newChart({ profileController });
  new TenancyGuard(chart, 'Guard', guardProps);
  new TenantProfile(chart, 'team-a', TENANT);
  return renderObjects(app);
}

const lines = (value: string | undefined) => (value ?? '').split('\n');

describe('guard parameters on the tenant Namespace', () => {
  const objects = guarded();
  const namespace = only(objects, 'Namespace', 'team-a');
  const annotations = namespace.metadata.annotations;

  test('the namespace carries the tenant label the policies select by', () => {
    expect(namespace.metadata.labels[TENANT_LABEL]).toBe('team-a');
  });

  test('declared users and groups, one per line, sorted', () => {
    expect(lines(annotations[GUARD_ANNOTATIONS.users])).toEqual(['alice@example.com', 'carol@example.com', 'victor@example.com']);
    expect(lines(annotations[GUARD_ANNOTATIONS.groups])).toEqual(['ml@example.com']);
  });

  test('header values: users with the prefix, groups in the three forms Istio matches them', () => {
    expect(lines(annotations[GUARD_ANNOTATIONS.headerValues])).toEqual([
      'request.headers[kubeflow-groups]=*,ml@example.com',
      'request.headers[kubeflow-groups]=ml@example.com',
      'request.headers[kubeflow-groups]=ml@example.com,*',
      'request.headers[kubeflow-userid]=alice@example.com',
      'request.headers[kubeflow-userid]=carol@example.com',
      'request.headers[kubeflow-userid]=victor@example.com',
    ]);
  });

  test('sources: the gateway and Pipelines UI forward users (proxy), the notebook controller acts for itself', () => {
    expect(lines(annotations[GUARD_ANNOTATIONS.sources])).toEqual([
      'principal:cluster.local/ns/kubeflow/sa/notebook-controller-service-account',
      'proxy:cluster.local/ns/istio-system/sa/istio-ingressgateway-service-account',
      'proxy:cluster.local/ns/kubeflow/sa/ml-pipeline-ui',
    ]);
  });

  test('namespace selectors: exactly those the tenant\'s own NetworkPolicies use, per direction, its own name left out', () => {
    expect(lines(annotations[GUARD_ANNOTATIONS.namespaceSelectors])).toEqual([
      'egress:kf-tenancy.io/shared-services=true',
      'egress:kubernetes.io/metadata.name=istio-system',
      'egress:kubernetes.io/metadata.name=kube-system',
      'egress:kubernetes.io/metadata.name=kubeflow',
      'ingress:kubernetes.io/metadata.name=istio-system',
      'ingress:kubernetes.io/metadata.name=kubeflow',
    ]);
  });

  test('managed: every NetworkPolicy and AuthorizationPolicy written for the tenant', () => {
    const written = objects.filter(o => ['NetworkPolicy', 'AuthorizationPolicy', 'ResourceQuota', 'LimitRange'].includes(o.kind) && o.metadata.namespace === 'team-a')
      .map(o => `${o.kind}/${o.metadata.name}`).sort();
    expect(written.length).toBeGreaterThan(5);
    expect(lines(annotations[GUARD_ANNOTATIONS.managed])).toEqual(written);
  });

  test('with Kubeflow\'s profile controller, its owner policy and quota are managed too (not in the output, in the cluster)', () => {
    const kubeflow = only(guarded(ProfileController.KUBEFLOW), 'Namespace', 'team-a').metadata.annotations;
    expect(lines(kubeflow[GUARD_ANNOTATIONS.managed])).toEqual(expect.arrayContaining(['AuthorizationPolicy/ns-owner-access-istio', 'ResourceQuota/kf-resource-quota']));
    // The owner policy's sources are known from the Profile the controller reads.
    expect(kubeflow[GUARD_ANNOTATIONS.sources]).toBe(annotations[GUARD_ANNOTATIONS.sources]);
  });

  test('denied priority classes: those a zero-pod quota closes to the tenant\'s pods (the Workload rule reads them)', () => {
    const quota = (name: string, pods: string, values: string[]) => ({
      apiVersion: 'v1',
      kind: 'ResourceQuota',
      metadata: { name, namespace: 'p' },
      spec: { hard: { pods }, scopeSelector: { matchExpressions: [{ scopeName: 'PriorityClass', operator: 'In', values }] } },
    });
    const tenant = { name: 'p', users: [], groups: [], auth: resolveAuth(), profileController: ProfileController.NONE };
    const parameters = guardParameters(tenant, [quota('priority-class-high', '0', ['high']), quota('priority-class-normal', '4', ['normal']),
      quota('elsewhere', '0', ['low'])].map((q, i) => (i === 2 ? { ...q, metadata: { ...q.metadata, namespace: 'other' } } : q)));
    expect(parameters[GUARD_ANNOTATIONS.deniedPriorityClasses]).toBe('high');
    expect(guardParameters(tenant, [])[GUARD_ANNOTATIONS.deniedPriorityClasses]).toBeUndefined();
    // And the ClusterQueues its own LocalQueues feed: the only ones a LocalQueue may feed at run time.
    const localQueue = { apiVersion: 'kueue.x-k8s.io/v1beta2', kind: 'LocalQueue', metadata: { name: 'default', namespace: 'p' }, spec: { clusterQueue: 'p' } };
    expect(guardParameters(tenant, [localQueue])[GUARD_ANNOTATIONS.clusterQueues]).toBe('p');
    expect(guardParameters(tenant, [])[GUARD_ANNOTATIONS.clusterQueues]).toBeUndefined();
  });

  test('a user-id prefix is part of the header values', () => {
    const parameters = guardParameters({ name: 'p', users: ['bob@x.io'], groups: [], auth: resolveAuth({ userIdPrefix: 'accounts.google.com:' }), profileController: ProfileController.NONE }, []);
    expect(parameters[GUARD_ANNOTATIONS.headerValues]).toBe('request.headers[kubeflow-userid]=accounts.google.com:bob@x.io');
  });

  test('without a guard in the app, the Namespace has neither label nor parameters', () => {
    const { app, chart } = newChart({ profileController: ProfileController.NONE });
    new TenantProfile(chart, 'team-a', TENANT);
    const plain = only(renderObjects(app), 'Namespace', 'team-a');
    expect(plain.metadata.labels[TENANT_LABEL]).toBeUndefined();
    expect(Object.keys(plain.metadata.annotations).filter(k => k.startsWith('guard.'))).toEqual([]);
  });

  test('too many users for a Namespace: refused, naming the tenant and the way out', () => {
    const users = Array.from({ length: 3000 }, (_, i) => `user-number-${i}@a-rather-long-domain.example.com`);
    const { app, chart } = newChart({ profileController: ProfileController.NONE });
    new TenancyGuard(chart, 'Guard');
    new TenantProfile(chart, 'big', { owner: 'o@example.com', contributors: users.map(name => ({ name })) });
    expect(() => app.renderManifests()).toThrow(new RegExp(`tenant "big": the tenancy guard's parameters take \\d+ bytes on the Namespace, more than ${GUARD_ANNOTATION_BUDGET}.*groups`));
  });

  test('namespaceLabels may not set the tenant label', () => {
    const { chart } = newChart();
    expect(() => new TenantProfile(chart, 'x', { owner: 'o@example.com', namespaceLabels: { [TENANT_LABEL]: 'other' } }))
      .toThrow(/namespaceLabels: "kf-tenancy\.io\/tenant" marks the namespaces the tenancy guard protects/);
  });
});

describe('TenancyGuard policies', () => {
  const objects = guarded();
  const policies = objects.filter(o => o.kind === 'ValidatingAdmissionPolicy');
  const bindings = objects.filter(o => o.kind === 'ValidatingAdmissionPolicyBinding');

  test('three policies, one binding each, scoped to tenant namespaces, failing closed', () => {
    expect(policies.map(p => p.metadata.name).sort()).toEqual(Object.values(GUARD_POLICY).sort());
    expect(bindings.map(b => [b.metadata.name, b.spec.policyName, b.spec.validationActions])).toEqual(
      Object.values(GUARD_POLICY).sort().map(n => [n, n, ['Deny']]));
    for (const policy of policies) {
      expect(policy.apiVersion).toBe('admissionregistration.k8s.io/v1');
      expect(policy.spec.failurePolicy).toBe('Fail');
      expect(policy.spec.matchConstraints.namespaceSelector).toEqual({ matchExpressions: [{ key: TENANT_LABEL, operator: 'Exists' }] });
      expect(policy.spec.auditAnnotations.map((a: any) => a.key)).toEqual(['break-glass']);
    }
  });

  test('warn mode binds with Warn and Audit', () => {
    const warn = guarded(ProfileController.NONE, { mode: GuardMode.WARN }).filter(o => o.kind === 'ValidatingAdmissionPolicyBinding');
    expect(warn.map(b => b.spec.validationActions)).toEqual([['Warn', 'Audit'], ['Warn', 'Audit'], ['Warn', 'Audit']]);
  });

  test('the profile controller is exempt for the objects it derives, only where it runs', () => {
    const variable = (list: any[], policy: string) => only(list, 'ValidatingAdmissionPolicy', policy).spec.variables.find((v: any) => v.name === 'profileController').expression;
    expect(variable(objects, GUARD_POLICY.managedObjects)).toBe('false');
    const kubeflow = guarded(ProfileController.KUBEFLOW);
    expect(variable(kubeflow, GUARD_POLICY.managedObjects)).toBe(
      'request.userInfo.username == "system:serviceaccount:kubeflow:profiles-controller-service-account" && request.name in ["ns-owner-access-istio", "kf-resource-quota"]');
    expect(variable(kubeflow, GUARD_POLICY.openAccess)).toContain('== "ns-owner-access-istio"');
  });

  test('GitOps identities and break-glass groups are literals of the policies, sorted and deduplicated', () => {
    const custom = guarded(ProfileController.NONE, { gitOpsIdentities: ['system:serviceaccount:ci:apply', 'system:serviceaccount:ci:apply'], breakGlassGroups: ['sre', 'oncall'] });
    const variables = only(custom, 'ValidatingAdmissionPolicy', GUARD_POLICY.members).spec.variables;
    expect(variables.find((v: any) => v.name === 'gitOps').expression).toBe('request.userInfo.username in ["system:serviceaccount:ci:apply"]');
    expect(variables.find((v: any) => v.name === 'breakGlass').expression).toContain('g in ["oncall", "sre"]');
  });

  test('every problem of the options at once, each with its field', () => {
    const { chart } = newChart();
    expect(() => new TenancyGuard(chart, 'Guard', {
      mode: 'strict' as GuardMode,
      gitOpsIdentities: [],
      breakGlassGroups: ['system:authenticated', 'ops team'],
      platformUsers: ['*'],
    })).toThrow(expect.objectContaining({
      message: expect.stringMatching(/guard\.mode: "strict" is not allowed[\s\S]*guard\.gitOpsIdentities: is empty[\s\S]*breakGlassGroups\[0\]: "system:authenticated" holds every user[\s\S]*breakGlassGroups\[1\]: "ops team" contains whitespace[\s\S]*platformUsers\[0\]: "\*" contains "\*"/),
    }));
  });

  test('one guard per app', () => {
    const { chart } = newChart();
    new TenancyGuard(chart, 'Guard');
    expect(() => new TenancyGuard(new Chart(chart.node.root as TenancyApp, 'other'), 'Guard')).toThrow(/already has a tenancy guard \(test\/Guard\); keep one per app/);
  });

  test('a plain cdk8s App cannot carry it: nothing would write the parameters', () => {
    const app = Testing.app();
    new TenancyGuard(new Chart(app, 'c'), 'Guard');
    expect(() => app.synth()).toThrow(/TenancyGuard needs a TenancyApp/);
    // Without the guard the same plain App synthesizes: the refusal is the guard's alone.
    const plain = Testing.app();
    new Chart(plain, 'c');
    expect(() => plain.synth()).not.toThrow();
  });

  test('from a catalog\'s cluster.guard', () => {
    const app = new TenancyApp({ profileController: ProfileController.NONE });
    new TenantCatalog(new Chart(app, 'c'), 'catalog', { cluster: { guard: { mode: GuardMode.WARN } }, tenants: [{ name: 'team-a', owner: 'alice@example.com' }] });
    const rendered = renderObjects(app);
    expect(rendered.filter(o => o.kind === 'ValidatingAdmissionPolicyBinding').every(b => b.spec.validationActions.includes('Warn'))).toBe(true);
    expect(only(rendered, 'Namespace', 'team-a').metadata.labels[TENANT_LABEL]).toBe('team-a');
  });

  test('CEL literals escape quotes and backslashes', () => {
    expect(celString('a"b\\c')).toBe('"a\\"b\\\\c"');
    expect(celList(['x', 'y'])).toBe('["x", "y"]');
  });
});

describe('the access report says whether the guard holds', () => {
  const withGuard = guarded();
  const { app, chart } = newChart({ profileController: ProfileController.NONE });
  new TenantProfile(chart, 'team-a', TENANT);
  const without = renderObjects(app);

  test('guard status from manifests', () => {
    expect(guardStatus(withGuard)).toEqual({ state: 'enforce', guardedNamespaces: ['team-a'] });
    expect(guardStatus(without)).toEqual({ state: 'absent', guardedNamespaces: [] });
    expect(guardStatus(guarded(ProfileController.NONE, { mode: GuardMode.WARN })).state).toBe('warn');
    expect(guardStatus(withGuard.filter(o => !(o.kind === 'ValidatingAdmissionPolicyBinding' && o.metadata.name === GUARD_POLICY.members))).state).toBe('partial');
  });

  test('one line in the Markdown report; the diff reports a change of state', () => {
    expect(accessMarkdown(accessMatrix(withGuard))).toContain('Tenancy guard: enforced (1 of 1 namespaces labelled kf-tenancy.io/tenant)');
    expect(accessMarkdown(accessMatrix(without))).toContain('Tenancy guard: not in the output');
    expect(accessDiff(accessMatrix(withGuard), accessMatrix(without))).toContain('~ tenancy guard: enforce → absent');
    expect(guardLine({ state: 'enforce', guardedNamespaces: ['a'] }, ['a', 'b'])).toMatch(/Not guarded: b\.$/);
  });
});
