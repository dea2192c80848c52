import {
  IdentityKind,
  IstioSecurityApiVersion,
  MeshMode,
  ProfileController,
  ProfilePluginKind,
  TeamRolePreset,
  TenantProfile,
  TenantProfileProps,
} from '../src';
import { manifestFiles, newChart, only, renderObjects, synthTenant as synthAnyTenant } from './support/synth';
import { networkReachability } from '../src/analysis/network';

/**
 * These tests check the objects Kubeflow's profile controller writes from a Profile, so they
 * synthesize for a cluster without one (ProfileController.NONE), where the output holds them.
 * test/kubeflow-profile.test.ts covers the default target, which leaves them to the controller.
 */
function synthTenant(props: TenantProfileProps, id: string = 'team-a'): any[] {
  return synthAnyTenant(props, id, { profileController: ProfileController.NONE });
}

const INGRESS = 'cluster.local/ns/istio-system/sa/istio-ingressgateway-service-account';
const KFP_UI = 'cluster.local/ns/kubeflow/sa/ml-pipeline-ui';
const NOTEBOOK_CONTROLLER = 'cluster.local/ns/kubeflow/sa/notebook-controller-service-account';

describe('TenantProfile defaults (sidecar mode, no quota)', () => {
  // GIVEN a tenant with only an owner
  const objects = synthTenant({ owner: 'alice@company.com' });

  test('synthesizes exactly the objects the profile controller creates, plus default-deny NetworkPolicies', () => {
    expect(objects.filter(o => o.kind !== 'NetworkPolicy').map(o => `${o.kind}/${o.metadata.name}`).sort()).toEqual([
      'AuthorizationPolicy/ns-owner-access-istio',
      'Namespace/team-a',
      'Profile/team-a',
      'RoleBinding/default-editor',
      'RoleBinding/default-viewer',
      'RoleBinding/namespaceAdmin',
      'ServiceAccount/default-editor',
      'ServiceAccount/default-viewer',
    ]);
    expect(objects.filter(o => o.kind === 'NetworkPolicy').map(o => o.metadata.name)).toEqual([
      'allow-dns', 'allow-ingress-gateway', 'allow-ingress-kubeflow', 'allow-istiod', 'allow-kubeflow-services',
      'allow-same-namespace', 'allow-shared-services', 'default-deny',
    ]);
  });

  test('with networkPolicy and podSecurity disabled the output is exactly Kubeflow\'s', () => {
    const plain = synthTenant({ owner: 'alice@company.com', networkPolicy: { enabled: false, disabledReason: 'the team runs its own Cilium policies' }, podSecurity: { enabled: false, disabledReason: 'matches the profile controller exactly' } });
    expect(plain.map(o => o.kind).sort()).toEqual(['AuthorizationPolicy', 'Namespace', 'Profile', 'RoleBinding', 'RoleBinding', 'RoleBinding', 'ServiceAccount', 'ServiceAccount']);
    expect(Object.keys(only(plain, 'Namespace', 'team-a').metadata.labels).filter(k => k.startsWith('pod-security'))).toEqual([]);
  });

  test('namespace carries the owner annotation, Kubeflow labels and sidecar injection', () => {
    expect(only(objects, 'Namespace', 'team-a')).toEqual({
      apiVersion: 'v1',
      kind: 'Namespace',
      metadata: {
        name: 'team-a',
        annotations: { owner: 'alice@company.com' },
        labels: {
          'app.kubernetes.io/part-of': 'kubeflow-profile',
          'istio-injection': 'enabled',
          'katib.kubeflow.org/metrics-collector-injection': 'enabled',
          'pipelines.kubeflow.org/enabled': 'true',
          'pod-security.kubernetes.io/audit': 'baseline',
          'pod-security.kubernetes.io/enforce': 'baseline',
          'pod-security.kubernetes.io/warn': 'baseline',
          'serving.kubeflow.org/inferenceservice': 'enabled',
        },
      },
    });
  });

  test('owner gets namespaceAdmin bound to kubeflow-admin with user/role annotations', () => {
    expect(only(objects, 'RoleBinding', 'namespaceAdmin')).toEqual({
      apiVersion: 'rbac.authorization.k8s.io/v1',
      kind: 'RoleBinding',
      metadata: { name: 'namespaceAdmin', namespace: 'team-a', annotations: { user: 'alice@company.com', role: 'admin' } },
      roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: 'kubeflow-admin' },
      subjects: [{ apiGroup: 'rbac.authorization.k8s.io', kind: 'User', name: 'alice@company.com' }],
    });
  });

  test('default-editor and default-viewer keep mountable tokens and bind to kubeflow-edit/view', () => {
    for (const [name, role] of [['default-editor', 'kubeflow-edit'], ['default-viewer', 'kubeflow-view']]) {
      const account = only(objects, 'ServiceAccount', name);
      expect(account).toEqual({ apiVersion: 'v1', kind: 'ServiceAccount', metadata: { name, namespace: 'team-a' } });
      expect(account).not.toHaveProperty('automountServiceAccountToken');
      expect(only(objects, 'RoleBinding', name)).toEqual({
        apiVersion: 'rbac.authorization.k8s.io/v1',
        kind: 'RoleBinding',
        metadata: { name, namespace: 'team-a' },
        roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: role },
        subjects: [{ kind: 'ServiceAccount', name, namespace: 'team-a' }],
      });
    }
  });

  test('ns-owner-access-istio has the four Kubeflow rules in order', () => {
    expect(only(objects, 'AuthorizationPolicy', 'ns-owner-access-istio')).toEqual({
      apiVersion: 'security.istio.io/v1beta1',
      kind: 'AuthorizationPolicy',
      metadata: { name: 'ns-owner-access-istio', namespace: 'team-a', annotations: { user: 'alice@company.com', role: 'admin' } },
      spec: {
        action: 'ALLOW',
        rules: [
          {
            from: [{ source: { principals: [INGRESS, KFP_UI] } }],
            when: [{ key: 'request.headers[kubeflow-userid]', values: ['alice@company.com'] }],
          },
          { when: [{ key: 'source.namespace', values: ['team-a'] }] },
          { to: [{ operation: { paths: ['/healthz', '/metrics', '/wait-for-drain'] } }] },
          {
            from: [{ source: { principals: [NOTEBOOK_CONTROLLER] } }],
            to: [{ operation: { methods: ['GET'], paths: ['*/api/kernels'] } }],
          },
        ],
      },
    });
  });

  test('no ResourceQuota without hard limits', () => {
    expect(objects.filter(o => o.kind === 'ResourceQuota')).toEqual([]);
    expect(synthTenant({ owner: 'a@b.io', resourceQuota: {} }).filter(o => o.kind === 'ResourceQuota')).toEqual([]);
  });
});

describe('TenantProfile options', () => {
  test('ResourceQuota kf-resource-quota copies the hard limits', () => {
    const objects = synthTenant({ owner: 'a@b.io', resourceQuota: { 'cpu': '20', 'memory': '100Gi', 'requests.nvidia.com/gpu': '4' } });
    expect(only(objects, 'ResourceQuota', 'kf-resource-quota')).toEqual({
      apiVersion: 'v1',
      kind: 'ResourceQuota',
      metadata: { name: 'kf-resource-quota', namespace: 'team-a' },
      spec: { hard: { 'cpu': '20', 'memory': '100Gi', 'requests.nvidia.com/gpu': '4' } },
    });
  });

  test('auth settings change header, prefix and principals', () => {
    const objects = synthTenant({
      owner: 'a@b.io',
      auth: {
        userIdHeader: 'x-auth-request-email',
        userIdPrefix: 'accounts.google.com:',
        ingressGatewayPrincipal: 'cluster.local/ns/gw/sa/gateway',
        pipelinesUiPrincipal: 'cluster.local/ns/kfp/sa/ui',
        notebookControllerPrincipal: 'cluster.local/ns/kf/sa/nb',
      },
    });
    const rules = only(objects, 'AuthorizationPolicy', 'ns-owner-access-istio').spec.rules;
    expect(rules[0]).toEqual({
      from: [{ source: { principals: ['cluster.local/ns/gw/sa/gateway', 'cluster.local/ns/kfp/sa/ui'] } }],
      when: [{ key: 'request.headers[x-auth-request-email]', values: ['accounts.google.com:a@b.io'] }],
    });
    expect(rules[3].from).toEqual([{ source: { principals: ['cluster.local/ns/kf/sa/nb'] } }]);
  });

  test('security.istio.io/v1 on request', () => {
    const objects = synthTenant({ owner: 'a@b.io', istioSecurityApiVersion: IstioSecurityApiVersion.V1 });
    expect(only(objects, 'AuthorizationPolicy', 'ns-owner-access-istio').apiVersion).toBe('security.istio.io/v1');
  });

  test('namespace label overrides add, change and (with "") remove labels', () => {
    const objects = synthTenant({
      owner: 'a@b.io',
      namespaceLabels: { 'serving.kubeflow.org/inferenceservice': '', 'pipelines.kubeflow.org/enabled': 'false', 'cost-center': 'ml-42' },
    });
    expect(only(objects, 'Namespace', 'team-a').metadata.labels).toEqual({
      'app.kubernetes.io/part-of': 'kubeflow-profile',
      'cost-center': 'ml-42',
      'istio-injection': 'enabled',
      'katib.kubeflow.org/metrics-collector-injection': 'enabled',
      'pipelines.kubeflow.org/enabled': 'false',
      'pod-security.kubernetes.io/audit': 'baseline',
      'pod-security.kubernetes.io/enforce': 'baseline',
      'pod-security.kubernetes.io/warn': 'baseline',
    });
  });

  test('GCP Workload Identity annotates default-editor only', () => {
    const objects = synthTenant({
      owner: 'a@b.io',
      plugins: [{ kind: ProfilePluginKind.WORKLOAD_IDENTITY, gcpServiceAccount: 'team-a@my-project.iam.gserviceaccount.com' }],
    });
    expect(only(objects, 'ServiceAccount', 'default-editor').metadata.annotations).toEqual({
      'iam.gke.io/gcp-service-account': 'team-a@my-project.iam.gserviceaccount.com',
    });
    expect(only(objects, 'ServiceAccount', 'default-viewer').metadata.annotations).toBeUndefined();
  });

  test('AWS IAM for ServiceAccounts annotates default-editor with the role ARN', () => {
    const objects = synthTenant({
      owner: 'a@b.io',
      plugins: [{ kind: ProfilePluginKind.AWS_IAM_FOR_SERVICE_ACCOUNT, awsIamRole: 'arn:aws:iam::123456789012:role/team-a', annotateOnly: true }],
    });
    expect(only(objects, 'ServiceAccount', 'default-editor').metadata.annotations).toEqual({
      'eks.amazonaws.com/role-arn': 'arn:aws:iam::123456789012:role/team-a',
    });
  });
});

describe('ambient mode', () => {
  test('labels, waypoint Gateway and L4 policy with defaults', () => {
    const objects = synthTenant({ owner: 'a@b.io', meshMode: MeshMode.AMBIENT });
    const labels = only(objects, 'Namespace', 'team-a').metadata.labels;
    expect(labels).toMatchObject({
      'istio-injection': 'disabled',
      'istio.io/dataplane-mode': 'ambient',
      'istio.io/use-waypoint': 'waypoint',
      'istio.io/use-waypoint-namespace': 'team-a',
      'istio.io/ingress-use-waypoint': 'true',
    });
    expect(only(objects, 'Gateway', 'waypoint')).toEqual({
      apiVersion: 'gateway.networking.k8s.io/v1',
      kind: 'Gateway',
      metadata: { name: 'waypoint', namespace: 'team-a', labels: { 'gateway.istio.io/managed': 'Istio' } },
      spec: { gatewayClassName: 'istio-waypoint', listeners: [{ name: 'mesh', port: 15008, protocol: 'HBONE' }] },
    });
    expect(only(objects, 'AuthorizationPolicy', 'waypoint-l4-access')).toEqual({
      apiVersion: 'security.istio.io/v1beta1',
      kind: 'AuthorizationPolicy',
      metadata: { name: 'waypoint-l4-access', namespace: 'team-a' },
      spec: { action: 'ALLOW', rules: [{ from: [{ source: { principals: ['cluster.local/ns/team-a/sa/waypoint'] } }] }] },
    });
  });

  test('a waypoint in another namespace is refused: identity rules cannot attach to it there', () => {
    expect(() => synthTenant({
      owner: 'a@b.io',
      meshMode: MeshMode.AMBIENT,
      ambient: { waypointName: 'shared-wp', waypointNamespace: 'mesh-waypoints' },
    })).toThrow('ambient.waypointNamespace: the waypoint is in namespace "mesh-waypoints", not the tenant\'s');
  });

  test('a waypoint the mesh team manages is targeted by name, not created', () => {
    const objects = synthTenant({ owner: 'a@b.io', meshMode: MeshMode.AMBIENT, ambient: { waypointName: 'wp', createWaypoint: false } });
    expect(objects.filter(o => o.kind === 'Gateway')).toEqual([]);
    expect(only(objects, 'AuthorizationPolicy', 'ns-owner-access-istio').spec.targetRefs)
      .toEqual([{ group: 'gateway.networking.k8s.io', kind: 'Gateway', name: 'wp' }]);
    expect(only(objects, 'AuthorizationPolicy', 'waypoint-l4-access').spec.rules[0].from[0].source.principals).toEqual(['cluster.local/ns/team-a/sa/wp']);
  });

  test('identity rules attach to the waypoint; ztunnel admits only the waypoint and the namespace', () => {
    const objects = synthTenant({ owner: 'a@b.io', meshMode: MeshMode.AMBIENT, contributors: [{ name: 'c@b.io' }, { name: 'ml', kind: IdentityKind.GROUP }] });
    const policies = objects.filter(o => o.kind === 'AuthorizationPolicy');
    const targeted = policies.filter(p => p.spec.targetRefs !== undefined).map(p => p.metadata.name).sort();
    expect(targeted).toEqual(['group-ml-clusterrole-edit', 'ns-owner-access-istio', 'user-c-b-io-clusterrole-edit']);
    for (const p of policies.filter(q => q.spec.targetRefs !== undefined)) {
      expect(p.spec.targetRefs).toEqual([{ group: 'gateway.networking.k8s.io', kind: 'Gateway', name: 'waypoint' }]);
    }
    // Every namespace-wide policy (what ztunnel enforces) names only workloads: no header, no path, no gateway.
    const namespaceWide = policies.filter(p => p.spec.targetRefs === undefined);
    expect(namespaceWide.map(p => [p.metadata.name, p.spec.rules])).toEqual([
      ['same-namespace-l4-access', [{ from: [{ source: { namespaces: ['team-a'] } }] }]],
      ['waypoint-l4-access', [{ from: [{ source: { principals: ['cluster.local/ns/team-a/sa/waypoint'] } }] }]],
    ].sort());
  });

  test('with Kubeflow\'s profile controller the owner\'s rules are attached to the waypoint under their own name', () => {
    // The controller writes ns-owner-access-istio namespace-wide and overwrites it: the waypoint copy has another name.
    const objects = synthAnyTenant({ owner: 'a@b.io', meshMode: MeshMode.AMBIENT }, 'team-a', { profileController: ProfileController.KUBEFLOW });
    expect(objects.filter(o => o.metadata.name === 'ns-owner-access-istio')).toEqual([]);
    const waypointCopy = only(objects, 'AuthorizationPolicy', 'ns-owner-access-waypoint');
    expect(waypointCopy.spec.targetRefs).toEqual([{ group: 'gateway.networking.k8s.io', kind: 'Gateway', name: 'waypoint' }]);
    const controller = synthTenant({ owner: 'a@b.io' }).find(o => o.metadata.name === 'ns-owner-access-istio');
    expect(waypointCopy.spec.rules).toEqual(controller.spec.rules);
  });

  test('sidecar mode has no waypoint objects', () => {
    const objects = synthTenant({ owner: 'a@b.io' });
    expect(objects.filter(o => o.kind === 'Gateway' || o.metadata.name === 'waypoint-l4-access')).toEqual([]);
  });
});

describe('TenantProfile API', () => {
  test('name defaults to the construct id and can be set explicitly', () => {
    const { app, chart } = newChart({ profileController: ProfileController.NONE });
    const a = new TenantProfile(chart, 'team-x', { owner: 'a@b.io' });
    const b = new TenantProfile(chart, 'other-id', { name: 'team-y', owner: 'a@b.io' });
    expect([a.name, b.name]).toEqual(['team-x', 'team-y']);
    expect(manifestFiles(app).map(f => f.path)).toEqual(['tenants/team-x/manifests.yaml', 'tenants/team-y/manifests.yaml']);
  });

  test('snapshot of a tenant with quota, plugins and contributors', () => {
    const { app, chart } = newChart({ profileController: ProfileController.NONE });
    const tenant = new TenantProfile(chart, 'team-snap', {
      owner: 'owner@company.com',
      resourceQuota: { 'requests.cpu': '8', 'limits.memory': '64Gi', 'requests.nvidia.com/gpu': '2' },
      plugins: [{ kind: ProfilePluginKind.WORKLOAD_IDENTITY, gcpServiceAccount: 'snap@proj.iam.gserviceaccount.com' }],
    });
    tenant.addContributor({ name: 'dev@company.com' });
    expect(renderObjects(app)).toMatchSnapshot();
  });
});

describe('what users add after construction', () => {
  test('addTeamRole: the same objects as teamRoles, and its members are declared to the isolation check', () => {
    const role = { name: 'readers', preset: TeamRolePreset.ML_DATA_SCIENTIST, users: ['reader@c.io'], groups: ['analysts'] };
    const fromProps = synthTenant({ owner: 'o@c.io', teamRoles: [role] });
    const { app, chart } = newChart({ profileController: ProfileController.NONE });
    const tenant = new TenantProfile(chart, 'team-a', { owner: 'o@c.io' });
    tenant.addTeamRole(role);
    // renderObjects runs the isolation check: the role's users must count as declared.
    expect(renderObjects(app)).toEqual(fromProps);
    expect(() => tenant.addTeamRole(role)).toThrow('tenant "team-a": teamRoles "readers": defined twice');
    expect(() => tenant.addTeamRole({ name: 'Bad', rules: [] })).toThrow(/tenant "team-a": teamRoles "Bad": name .*\n.*give a preset or rules/);
  });

  test('allowFrom and allowTo: one policy on each side, a path the reachability analysis sees and the isolation check accepts', () => {
    const { app, chart } = newChart({ profileController: ProfileController.NONE });
    const serving = new TenantProfile(chart, 'team-serving', { owner: 'o@c.io' });
    const research = new TenantProfile(chart, 'team-research', { owner: 'r@c.io' });
    serving.allowFrom(research, [{ port: 8080 }]);
    research.allowTo(serving, [{ port: 8080 }]);
    const objects = renderObjects(app);
    expect(only(objects, 'NetworkPolicy', 'allow-ingress-tenant-team-research').metadata.namespace).toBe('team-serving');
    expect(only(objects, 'NetworkPolicy', 'allow-egress-tenant-team-serving').spec.egress).toEqual([{
      to: [{ namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'team-serving' } } }],
      ports: [{ port: 8080, protocol: 'TCP' }],
    }]);
    expect(networkReachability(objects).paths.filter(p => p.from === 'team-research' && p.to === 'team-serving')).toEqual([
      { from: 'team-research', to: 'team-serving', ports: ['TCP/8080'], policies: ['team-research/allow-egress-tenant-team-serving', 'team-serving/allow-ingress-tenant-team-research'] },
    ]);
  });

  test('networkPolicy is reachable: a rule added there is written, and a path to another tenant added there is refused as undeclared', () => {
    const { app, chart } = newChart({ profileController: ProfileController.NONE });
    const research = new TenantProfile(chart, 'team-research', { owner: 'r@c.io' });
    new TenantProfile(chart, 'team-serving', { owner: 's@c.io' });
    research.networkPolicy!.addIngress({ name: 'prometheus', namespace: 'monitoring', ports: [{ port: 9090 }] });
    expect(only(renderObjects(app), 'NetworkPolicy', 'allow-ingress-prometheus').metadata.namespace).toBe('team-research');
    research.networkPolicy!.addEgress({ name: 'serving', namespace: 'team-serving' });
    expect(() => renderObjects(app)).toThrow('NetworkPolicy team-research/allow-egress-serving allows egress to tenant "team-serving"');
    expect(new TenantProfile(chart, 'team-off', { owner: 'o@c.io', networkPolicy: { enabled: false, disabledReason: 'the team runs its own Cilium policies' } })
      .networkPolicy).toBeUndefined();
  });

  test('allowFrom on a tenant without network policies says why it cannot', () => {
    const { chart } = newChart();
    const open = new TenantProfile(chart, 'team-open', { owner: 'o@c.io', networkPolicy: { enabled: false, disabledReason: 'the team runs its own Cilium policies' } });
    expect(() => open.allowFrom(TenantProfile.fromName(chart, 'other', 'team-other'))).toThrow('tenant "team-open": networkPolicy.enabled is false');
  });
});
