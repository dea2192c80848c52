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

  test('team-data-science: CPU and storage in its Profile (for the controller\'s kf-resource-quota), its GPUs in its Kueue queue', () => {
    const objects = parseYaml(files.find(f => f.tenant === 'team-data-science')!.content);
    expect(objects.filter(o => o.kind === 'ResourceQuota' && o.metadata.name === 'kf-resource-quota')).toEqual([]);
    const profile = objects.find(o => o.kind === 'Profile');
    expect(profile.spec.resourceQuotaSpec.hard).toEqual({ 'cpu': '20', 'memory': '100Gi', 'persistentvolumeclaims': '10', 'requests.storage': '500Gi' });
    const queue = objects.find(o => o.kind === 'ClusterQueue');
    expect(queue.spec.namespaceSelector).toEqual({ matchLabels: { 'kubernetes.io/metadata.name': 'team-data-science' } });
    expect(queue.spec.resourceGroups).toEqual([{
      coveredResources: ['nvidia.com/gpu'],
      flavors: [{ name: 'a100', resources: [{ name: 'nvidia.com/gpu', nominalQuota: '4', borrowingLimit: '4' }] }],
    }]);
    expect(objects.find(o => o.kind === 'LocalQueue')).toMatchObject({ metadata: { name: 'default', namespace: 'team-data-science' }, spec: { clusterQueue: 'team-data-science' } });
  });

  test('the GPU flavors, cohorts and WorkloadPriorityClasses are cluster objects; the guard guards the queues', () => {
    const cluster = parseYaml(files.find(f => f.path === 'cluster/manifests.yaml')!.content);
    const names = (kind: string) => cluster.filter(o => o.kind === kind).map(o => o.metadata.name).sort();
    expect(names('ResourceFlavor')).toEqual(['a100', 'h100']);
    expect(names('Cohort')).toEqual(['ml', 'research']);
    expect(names('WorkloadPriorityClass')).toEqual(['high-priority-ml', 'low-priority-ml', 'normal-priority-ml']);
    expect(names('ValidatingAdmissionPolicy')).toContain('kf-tenancy-guard-queues');
  });

  // The example's bytes are pinned once, by digest, in output-stability.test.ts.

  test('`cdk8s synth` writes the same files into dist/', () => {
    const outdir = tempDir();
    execFileSync('npx', ['cdk8s', 'synth', '--no-check-upgrade', '--output', outdir], { cwd: ROOT, stdio: 'pipe' });
    expect(listFiles(outdir)).toEqual(['.kf-tenancy-files', ...allFiles.map(f => f.path)].sort());
    for (const file of allFiles) expect(fs.readFileSync(path.join(outdir, file.path), 'utf8')).toEqual(file.content);
  });
});
