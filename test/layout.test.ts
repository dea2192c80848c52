import { TenancyApp } from '../src';
import { identity, layoutApp } from './support/layout';
import { parseYaml } from './support/synth';

describe('output layout', () => {
  const app = layoutApp();
  const files = app.renderManifests();
  const file = (p: string) => parseYaml(files.find(f => f.path === p)!.content);

  test('cluster-scoped objects go to cluster/, other namespaces to namespaces/<ns>/', () => {
    expect(files.map(f => f.path)).toEqual([
      'argocd/applicationset.yaml',
      'cluster/kustomization.yaml',
      'cluster/manifests.yaml',
      'flux/kustomizations.yaml',
      'kustomization.yaml',
      'namespaces/kustomization.yaml',
      'namespaces/ml-shared/kustomization.yaml',
      'namespaces/ml-shared/manifests.yaml',
      'tenants/kustomization.yaml',
      'tenants/team-a/kustomization.yaml',
      'tenants/team-a/manifests.yaml',
    ]);
    expect(file('cluster/manifests.yaml').map(identity)).toEqual(['scheduling.k8s.io/v1 PriorityClass -/high-priority-ml']);
    expect(file('kustomization.yaml')[0].resources).toEqual(['cluster', 'namespaces', 'tenants']);
  });

  test('Argo CD gets an Application for cluster/ and one for namespaces/; Flux a Kustomization for each, which the others depend on', () => {
    const argo = file('argocd/applicationset.yaml');
    expect(argo.map(d => `${d.kind}/${d.metadata.name}`)).toEqual(['Application/kf-tenancy-cluster', 'Application/kf-tenancy-namespaces', 'ApplicationSet/kf-tenancy-tenants']);
    expect(argo.slice(0, 2).map(d => d.spec.source.path)).toEqual(['dist/cluster', 'dist/namespaces']);
    const flux = file('flux/kustomizations.yaml');
    expect(flux.map(d => [d.metadata.name, d.spec.path, d.spec.dependsOn])).toEqual([
      ['kf-tenancy-cluster', './dist/cluster', undefined],
      ['kf-tenancy-namespaces', './dist/namespaces', [{ name: 'kf-tenancy-cluster' }]],
      ['tenant-team-a', './dist/tenants/team-a', [{ name: 'kf-tenancy-cluster' }]],
    ]);
  });

  test('GitOps options: the output path must lie inside the repository; every problem is named', () => {
    expect(() => new TenancyApp({
      argoCd: { repoUrl: ' ', path: 'C:\\dist' },
      flux: { path: 'a/../../b' },
    })).toThrow(/argoCd\.path: "C:\\dist" is absolute[\s\S]*argoCd\.repoUrl: empty[\s\S]*flux\.path: "a\/\.\.\/\.\.\/b" leaves the repository/);
    expect(() => new TenancyApp({ flux: { path: 'clusters/prod' }, argoCd: { repoUrl: 'https://git.example.com/p.git', path: './dist/' } })).not.toThrow();
  });
});
