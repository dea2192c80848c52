import { execFileSync } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';
import { ExampleTeams } from '../examples/teams';
import { TenancyApp } from '../src';
import { ROOT } from './support/paths';
import { listFiles, parseYaml, tempDir } from './support/synth';


describe('bundled example', () => {
  const app = new TenancyApp();
  new ExampleTeams(app, 'example-teams');
  const allFiles = app.renderManifests();
  const files = allFiles.filter(f => f.path.endsWith('/manifests.yaml'));

  test('one folder per team, cluster/ for the PriorityClasses, the monitoring, Dex and Kubeflow namespaces for the platform pieces', () => {
    expect(files.map(f => f.path)).toEqual([
      'cluster/manifests.yaml',
      'namespaces/auth/manifests.yaml',
      'namespaces/kubeflow/manifests.yaml',
      'namespaces/monitoring/manifests.yaml',
      'tenants/fraud-detection-team/manifests.yaml',
      'tenants/team-data-science/manifests.yaml',
      'tenants/team-ml-platform/manifests.yaml',
      'tenants/team-research/manifests.yaml',
    ]);
  });

  test('team-ml-platform has its two users and its group', () => {
    const objects = parseYaml(files.find(f => f.tenant === 'team-ml-platform')!.content);
    const bindings = objects.filter(o => o.kind === 'RoleBinding').map(o => o.metadata.name).sort();
    // The owner's namespaceAdmin and the default-editor/viewer bindings come from Kubeflow's
    // profile controller (the example's profileController: kubeflow), not from the output.
    expect(bindings).toEqual([
      'group-ml-engineers-company-com-clusterrole-edit',
      'ml-engineer',
      'user-carol-company-com-clusterrole-edit',
      'user-david-company-com-clusterrole-edit',
    ]);
  });

  test('team-data-science quota includes the GPU limit (in its Profile, for the controller\'s kf-resource-quota)', () => {
    const objects = parseYaml(files.find(f => f.tenant === 'team-data-science')!.content);
    expect(objects.filter(o => o.kind === 'ResourceQuota' && o.metadata.name === 'kf-resource-quota')).toEqual([]);
    const profile = objects.find(o => o.kind === 'Profile');
    expect(profile.spec.resourceQuotaSpec.hard).toEqual({
      'cpu': '20', 'memory': '100Gi', 'requests.nvidia.com/gpu': '4', 'persistentvolumeclaims': '10', 'requests.storage': '500Gi',
    });
  });

  // The example's bytes are pinned once, by digest, in output-stability.test.ts.

  test('`cdk8s synth` writes the same files into dist/', () => {
    const outdir = tempDir();
    execFileSync('npx', ['cdk8s', 'synth', '--no-check-upgrade', '--output', outdir], { cwd: ROOT, stdio: 'pipe' });
    expect(listFiles(outdir)).toEqual(['.kf-tenancy-files', ...allFiles.map(f => f.path)].sort());
    for (const file of allFiles) expect(fs.readFileSync(path.join(outdir, file.path), 'utf8')).toEqual(file.content);
  });
});
