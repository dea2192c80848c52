import { Chart } from 'cdk8s';
import { ExampleTeams } from '../examples/teams';
import { ContributorRole, IdentityKind, IstioSecurityApiVersion, MeshMode, ProfileController, ProfilePluginKind, TenancyApp, TenantProfile } from '../src';
import { validateAgainstSchema } from './support/schema';
import { parseYaml, renderObjects } from './support/synth';

describe('every synthesized object validates against its schema', () => {
  // GIVEN the bundled example plus tenants that exercise every option
  const app = new TenancyApp({ clusterCidrs: ['10.244.0.0/16', '10.96.0.0/12'] });
  new ExampleTeams(app, 'example');
  const chart = new Chart(app, 'options');
  new TenantProfile(chart, 'ambient-team', {
    owner: 'a@c.io',
    meshMode: MeshMode.AMBIENT,
    istioSecurityApiVersion: IstioSecurityApiVersion.V1,
    contributors: [{ name: 'g', kind: IdentityKind.GROUP, role: ContributorRole.VIEW }, { name: 'u@c.io' }],
    plugins: [
      { kind: ProfilePluginKind.WORKLOAD_IDENTITY, gcpServiceAccount: 'x-sa@p.iam.gserviceaccount.com' },
      { kind: ProfilePluginKind.AWS_IAM_FOR_SERVICE_ACCOUNT, awsIamRole: 'arn:aws:iam::123456789012:role/x' },
    ],
    resourceQuota: { 'count/deployments.apps': '10', 'requests.ephemeral-storage': '10Gi' },
    networkPolicy: {
      allowInternet: true,
      apiServerCidrs: ['10.0.0.1/32'],
      additionalEgress: [{ name: 'db', cidr: '192.168.0.0/24', exceptCidrs: ['192.168.0.1/32'], ports: [{ port: 5432 }] }],
      additionalIngress: [{ name: 'mon', namespaceLabels: { team: 'obs' }, podLabels: { app: 'prom' } }],
    },
  });
  new TenantProfile(chart, 'managed-waypoint-team', {
    owner: 'b@c.io',
    meshMode: MeshMode.AMBIENT,
    ambient: { waypointName: 'wp', createWaypoint: false },
  });
  // And the objects Kubeflow's profile controller would write, as a cluster without it gets them.
  const withoutController = new TenancyApp({ profileController: ProfileController.NONE });
  new TenantProfile(new Chart(withoutController, 'none'), 'no-controller-team', {
    owner: 'c@c.io',
    resourceQuota: { cpu: '4' },
    plugins: [{ kind: ProfilePluginKind.AWS_IAM_FOR_SERVICE_ACCOUNT, awsIamRole: 'arn:aws:iam::123456789012:role/y', annotateOnly: true }],
  });
  const objects = [...renderObjects(app), ...renderObjects(withoutController)];

  test('covers every kind and both Istio versions', () => {
    const kinds = new Set(objects.map(o => `${o.apiVersion} ${o.kind}`));
    expect([...kinds].sort()).toEqual([
      'admissionregistration.k8s.io/v1 ValidatingAdmissionPolicy',
      'admissionregistration.k8s.io/v1 ValidatingAdmissionPolicyBinding',
      'gateway.networking.k8s.io/v1 Gateway',
      'kubeflow.org/v1 Profile',
      'kueue.x-k8s.io/v1beta2 ClusterQueue',
      'kueue.x-k8s.io/v1beta2 Cohort',
      'kueue.x-k8s.io/v1beta2 LocalQueue',
      'kueue.x-k8s.io/v1beta2 ResourceFlavor',
      'kueue.x-k8s.io/v1beta2 WorkloadPriorityClass',
      'monitoring.coreos.com/v1 PrometheusRule',
      'networking.k8s.io/v1 NetworkPolicy',
      'rbac.authorization.k8s.io/v1 ClusterRole',
      'rbac.authorization.k8s.io/v1 Role',
      'rbac.authorization.k8s.io/v1 RoleBinding',
      'scheduling.k8s.io/v1 PriorityClass',
      'security.istio.io/v1 AuthorizationPolicy',
      'security.istio.io/v1beta1 AuthorizationPolicy',
      'v1 ConfigMap',
      'v1 LimitRange',
      'v1 Namespace',
      'v1 ResourceQuota',
      'v1 ServiceAccount',
    ]);
  });

  test.each([
    'Namespace', 'ServiceAccount', 'ResourceQuota', 'RoleBinding', 'AuthorizationPolicy', 'Gateway',
    'NetworkPolicy', 'LimitRange', 'PriorityClass', 'Role', 'ConfigMap', 'PrometheusRule', 'Profile',
    'ValidatingAdmissionPolicy', 'ValidatingAdmissionPolicyBinding', 'ClusterRole',
    'ClusterQueue', 'LocalQueue', 'ResourceFlavor', 'Cohort', 'WorkloadPriorityClass',
  ])('%s', kind => {
    const ofKind = objects.filter(o => o.kind === kind);
    expect(ofKind.length).toBeGreaterThan(0);
    for (const object of ofKind) validateAgainstSchema(object);
  });

  test('the validator really rejects a malformed object', () => {
    // A Profile with contributors: the CRD has no such field (the API server would prune it).
    expect(() => validateAgainstSchema({
      apiVersion: 'kubeflow.org/v1', kind: 'Profile', metadata: { name: 'x' }, spec: { owner: { kind: 'User', name: 'a@b.io' }, contributors: [] },
    })).toThrow(/fails its schema/);
    // A ClusterQueue with a field Kueue does not have.
    expect(() => validateAgainstSchema({
      apiVersion: 'kueue.x-k8s.io/v1beta2', kind: 'ClusterQueue', metadata: { name: 'x' }, spec: { borrowingLimit: 4 },
    })).toThrow(/fails its schema/);
    expect(() => validateAgainstSchema({ apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'RoleBinding', metadata: { name: 'x' }, subjects: [] }))
      .toThrow(/fails its schema/);
    expect(() => validateAgainstSchema({
      apiVersion: 'security.istio.io/v1beta1', kind: 'AuthorizationPolicy', metadata: { name: 'x' }, spec: { action: 'PERMIT' },
    })).toThrow(/fails its schema/);
  });
});

describe('GitOps objects validate against the Argo CD and Flux schemas', () => {
  const app = new TenancyApp({
    argoCd: { repoUrl: 'https://git.example.com/platform.git', path: 'clusters/prod' },
    flux: { sourceName: 'platform', path: 'clusters/prod' },
  });
  new ExampleTeams(app, 'example');
  const files = app.renderManifests();

  test.each(['argocd/applicationset.yaml', 'flux/kustomizations.yaml'])('%s', file => {
    const docs = parseYaml(files.find(f => f.path === file)!.content);
    expect(docs.length).toBeGreaterThan(0);
    for (const doc of docs) validateAgainstSchema(doc);
  });
});
