/**
 * Beside a running Kubeflow: the output for a cluster with Kubeflow's profile controller, applied
 * to a real API server with Kubeflow's Profile CRD. The test cluster runs no profile controller,
 * so the tests play it: they write, from each Profile read back from the server, the objects the
 * controller writes (its own field manager), then replay KFAM's bindings call on the server.
 */
import * as fs from 'fs';
import * as path from 'path';
import { parseAllDocuments } from 'yaml';
import { api, EXAMPLE_CATALOG, kubectl, kubectlOk, PROFILE_CONTROLLER, synthCatalog } from './support/cluster';
import { kfamCanManage, kfamListBindings } from './support/kfam';
import { CONTROLLER_MANAGER, playProfileController, profileControllerWrites } from './support/profile-controller';
import { IdentityKind } from '../../src';
import { readTenantFiles } from '../../src/catalog/sources';
import { resolveAuth } from '../../src/core/auth-options';


function outputObjects(dir: string): any[] {
  const tenants = fs.readdirSync(path.join(dir, 'tenants'), { withFileTypes: true }).filter(entry => entry.isDirectory());
  const files = tenants.map(t => path.join(dir, 'tenants', t.name, 'manifests.yaml'));
  return files.flatMap(f => parseAllDocuments(fs.readFileSync(f, 'utf8')).map(d => d.toJS()));
}
const key = (o: any) => `${o.kind}/${o.metadata.namespace ?? ''}/${o.metadata.name}`;

describe('on a Kubeflow cluster (output for Kubeflow\'s profile controller)', () => {
  const out = synthCatalog(fs.readFileSync(EXAMPLE_CATALOG, 'utf8'), 'kubeflow-target', 'kubeflow');
  const objects = outputObjects(out);
  const profiles = objects.filter(o => o.kind === 'Profile');
  const declared = readTenantFiles([EXAMPLE_CATALOG]).tenants.map(t => t.props);
  // The controller is configured with the cluster's headers and principals: the catalog's.
  const authOf = (name: string) => resolveAuth(declared.find(t => t.name === name)!.auth);

  test('strict server-side apply accepts every Profile, and the server keeps every field (none pruned)', async () => {
    expect(profiles.map(p => p.metadata.name).sort()).toEqual(['fraud-detection-team', 'team-data-science', 'team-ml-platform', 'team-research']);
    kubectlOk(['apply', '--server-side', '--validate=strict', '--field-manager', 'kf-tenancy-test', '-k', out]);
    for (const profile of profiles) {
      const stored = await api('GET', `/apis/kubeflow.org/v1/profiles/${profile.metadata.name}`);
      expect({ name: profile.metadata.name, spec: stored.json.spec }).toEqual({ name: profile.metadata.name, spec: profile.spec });
    }
  });

  test('controller contract: the output writes nothing the controller writes from a Profile, and nothing that contradicts it', async () => {
    const written = new Set(objects.map(key));
    const controllerObjects = await profileControllerWrites(profiles.map(p => p.metadata.name), authOf);
    expect(controllerObjects.map(key).filter(k => written.has(k))).toEqual([]);
    for (const profile of profiles) {
      const stored = (await api('GET', `/apis/kubeflow.org/v1/profiles/${profile.metadata.name}`)).json;
      // The controller adopts the namespace only when its owner annotation equals spec.owner.name exactly (PC L174-197).
      const namespace = objects.find(o => o.kind === 'Namespace' && o.metadata.name === profile.metadata.name);
      expect(namespace.metadata.annotations.owner).toBe(stored.spec.owner.name);
      // It deletes a kf-resource-quota the Profile does not declare (PC L252-280): none is written here.
      expect(objects.filter(o => o.metadata.namespace === profile.metadata.name && o.kind === 'ResourceQuota' && o.metadata.name === 'kf-resource-quota')).toEqual([]);
    }
    // Play the controller with its own field manager, then apply the output again: neither
    // touches a field the other owns (a conflict fails the apply), and nothing is left to change.
    const file = await playProfileController(controllerObjects);
    kubectlOk(['apply', '--server-side', '--field-manager', 'kf-tenancy-test', '-k', out]);
    const diff = kubectl(['diff', '--server-side', '--field-manager', 'kf-tenancy-test', '-k', out]);
    expect({ code: diff.code, diff: diff.stdout, stderr: diff.stderr }).toEqual({ code: 0, diff: '', stderr: '' });
    const controllerDiff = kubectl(['diff', '--server-side', '--field-manager', CONTROLLER_MANAGER, '-f', file], { as: PROFILE_CONTROLLER });
    expect({ code: controllerDiff.code, diff: controllerDiff.stdout, stderr: controllerDiff.stderr }).toEqual({ code: 0, diff: '', stderr: '' });
  });

  test('KFAM contract: the dashboard shows exactly the declared owner and user contributors of every tenant, and can manage each', async () => {
    // What the catalog declares (read from the catalog, not from the output).
    const expected = declared.flatMap(props => [
      { namespace: props.name!, user: props.owner, role: 'admin' },
      ...(props.contributors ?? []).filter(c => (c.kind ?? IdentityKind.USER) === IdentityKind.USER)
        .map(c => ({ namespace: props.name!, user: c.name, role: c.role ?? 'edit' })),
    ]).sort((a, b) => `${a.namespace} ${a.user}`.localeCompare(`${b.namespace} ${b.user}`));
    const listing = await kfamListBindings();
    // No tenant makes the call fail (other suites' tenants included).
    expect(listing.error).toBeUndefined();
    const names = new Set(profiles.map(p => p.metadata.name));
    expect(listing.bindings.filter(b => names.has(b.namespace))).toEqual(expected);
    for (const name of names) expect({ name, manageable: await kfamCanManage(name) }).toEqual({ name, manageable: true });
  });
});
