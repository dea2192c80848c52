import * as fs from 'fs';
import * as path from 'path';
import { Chart } from 'cdk8s';
import { ProfileController, ProfilePluginKind, TenancyApp, TenantCatalog, TenantProfile } from '../src';
import { EXAMPLE_CATALOG, EXAMPLE_PROFILES } from './support/paths';
import { only, renderObjects, synthTenant, tempDir } from './support/synth';
import { accessMatrix } from '../src/analysis/access';
import { resolveAuth } from '../src/core/auth-options';
import { profileControllerObjects, profileDeclaration, profileManifest, withProfileControllerObjects } from '../src/core/kubeflow-profile';
import { TenancyValidationError } from '../src/core/validation';

/** What the profile controller writes, by kind and name. */
const CONTROLLER_OBJECTS = [
  'AuthorizationPolicy/ns-owner-access-istio', 'ResourceQuota/kf-resource-quota', 'RoleBinding/default-editor', 'RoleBinding/default-viewer',
  'RoleBinding/namespaceAdmin', 'ServiceAccount/default-editor', 'ServiceAccount/default-viewer',
];
const key = (o: any) => `${o.kind}/${o.metadata.name}`;

/** The bundled example for one target (its cluster.profileController set accordingly). */
function example(profileController: ProfileController): any[] {
  const file = path.join(tempDir(), 'tenants.yaml');
  fs.writeFileSync(file, fs.readFileSync(EXAMPLE_CATALOG, 'utf8').replace(/^( {2}profileController:) kubeflow$/m, `$1 ${profileController}`));
  const app = new TenancyApp({ profileController });
  TenantCatalog.fromFiles(new Chart(app, 'c'), 'catalog', [file]);
  return renderObjects(app);
}

describe('the Profile object', () => {
  test('owner, quota and plugins as declared; no contributors, finalizers or status', () => {
    const objects = synthTenant({
      owner: 'alice@company.com',
      resourceQuota: { 'cpu': '8', 'requests.nvidia.com/gpu': '2' },
      plugins: [{ kind: ProfilePluginKind.AWS_IAM_FOR_SERVICE_ACCOUNT, awsIamRole: 'arn:aws:iam::123456789012:role/team-a', annotateOnly: true }],
      contributors: [{ name: 'bob@company.com' }],
    });
    expect(only(objects, 'Profile', 'team-a')).toEqual({
      apiVersion: 'kubeflow.org/v1',
      kind: 'Profile',
      metadata: { name: 'team-a' },
      spec: {
        owner: { apiGroup: 'rbac.authorization.k8s.io', kind: 'User', name: 'alice@company.com' },
        resourceQuotaSpec: { hard: { 'cpu': '8', 'requests.nvidia.com/gpu': '2' } },
        plugins: [{ kind: 'AwsIamForServiceAccount', spec: { awsIamRole: 'arn:aws:iam::123456789012:role/team-a', annotateOnly: true } }],
      },
    });
  });

  test('no resourceQuotaSpec and no plugins when none are declared', () => {
    expect(only(synthTenant({ owner: 'a@b.io' }), 'Profile', 'team-a').spec).toEqual({
      owner: { apiGroup: 'rbac.authorization.k8s.io', kind: 'User', name: 'a@b.io' },
    });
  });

  test('reads back into what it declares', () => {
    const declared = { name: 'p', owner: 'o@x.io', resourceQuota: { cpu: '1' }, plugins: [{ kind: 'WorkloadIdentity', spec: { gcpServiceAccount: 'sa@p.iam.gserviceaccount.com' } }] };
    expect(profileDeclaration(profileManifest(declared))).toEqual(declared);
    expect(profileDeclaration({ kind: 'Profile', metadata: { name: 'p' }, spec: {} })).toBeUndefined();
  });
});

describe('two targets: with and without Kubeflow\'s profile controller', () => {
  test('with the controller (the default) nothing the controller writes is in the output, and the namespace is the owner\'s', () => {
    const objects = synthTenant({ owner: 'alice@company.com', resourceQuota: { cpu: '8' } });
    expect(objects.map(key).filter(k => CONTROLLER_OBJECTS.includes(k))).toEqual([]);
    const profile = only(objects, 'Profile', 'team-a');
    // The controller adopts the namespace only when its owner annotation equals spec.owner.name exactly.
    expect(only(objects, 'Namespace', 'team-a').metadata.annotations.owner).toBe(profile.spec.owner.name);
  });

  test('without it the output holds exactly what the controller would write, from the same code', () => {
    const objects = synthTenant({ owner: 'alice@company.com', resourceQuota: { cpu: '8' } }, 'team-a', { profileController: ProfileController.NONE });
    const profile = profileDeclaration(only(objects, 'Profile', 'team-a'))!;
    const expected = profileControllerObjects(profile, resolveAuth(), 'security.istio.io/v1beta1');
    expect(expected.map(key).sort()).toEqual(CONTROLLER_OBJECTS);
    for (const object of expected) expect(only(objects, object.kind, object.metadata.name)).toEqual(object);
  });

  test('the example synthesizes for both; access, the access diff and the isolation check see the same', () => {
    const withController = example(ProfileController.KUBEFLOW);
    const without = example(ProfileController.NONE);
    expect(withController.filter(o => o.kind === 'Profile').map(o => o.metadata.name).sort())
      .toEqual(without.filter(o => o.kind === 'Profile').map(o => o.metadata.name).sort());
    expect(withController.length).toBeLessThan(without.length);
    expect(accessMatrix(withController)).toEqual(accessMatrix(without));
    // Expanding output that already holds the controller's objects adds nothing.
    expect(withProfileControllerObjects(without, () => resolveAuth())).toHaveLength(without.length);
  });

  test('the Kubeflow docs\' batch Profile form synthesizes for both, with the same access', () => {
    const batch = EXAMPLE_PROFILES;
    const synth = (profileController: ProfileController) => {
      const app = new TenancyApp({ profileController });
      TenantCatalog.fromFiles(new Chart(app, 'c'), 'profiles', [batch]);
      return renderObjects(app);
    };
    const withController = synth(ProfileController.KUBEFLOW);
    const without = synth(ProfileController.NONE);
    expect(withController.filter(o => o.kind === 'Profile').map(o => o.metadata.name).sort()).toEqual(['kubeflow-user-example-com', 'team-alpha']);
    expect(without.map(key)).toEqual(expect.arrayContaining(['RoleBinding/namespaceAdmin', 'ResourceQuota/kf-resource-quota']));
    expect(accessMatrix(withController)).toEqual(accessMatrix(without));
  });

  test('without the Profile the analysis has nothing to expand: the owner loses access', () => {
    const objects = synthTenant({ owner: 'alice@company.com' });
    const owner = (docs: any[]) => accessMatrix(docs).identities.find(i => i.name === 'alice@company.com')?.access['team-a']?.level;
    expect(owner(objects)).toBe('admin');
    expect(owner(objects.filter(o => o.kind !== 'Profile'))).toBeUndefined();
  });

  test('the Profile can be left out only where no controller needs it', () => {
    expect(synthTenant({ owner: 'a@b.io', profileObject: false }, 'team-a', { profileController: ProfileController.NONE }).map(key)).not.toContain('Profile/team-a');
    expect(() => synthTenant({ owner: 'a@b.io', profileObject: false })).toThrow(/tenant "team-a": profileObject: .*profile controller/);
  });

  test('one setting for the whole output: a tenant cannot differ from its app', () => {
    const app = new TenancyApp({ profileController: ProfileController.NONE });
    const chart = new Chart(app, 'c');
    new TenantProfile(chart, 'team-a', { owner: 'a@b.io', profileController: ProfileController.KUBEFLOW });
    expect(() => app.renderManifests()).toThrow(TenancyValidationError);
    expect(() => app.renderManifests()).toThrow(/tenant "team-a": profileController: "kubeflow" differs from the app's "none"/);
  });

  test('an unknown target is refused with the allowed values', () => {
    expect(() => synthTenant({ owner: 'a@b.io', profileController: 'sometimes' as any })).toThrow(/profileController: "sometimes" is not allowed; use "kubeflow" or "none"/);
  });
});
