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

  test('Argo CD gets an Application for cluster/; Flux tenants depend on it', () => {
    const argo = file('argocd/applicationset.yaml');
    expect(argo.map(d => `${d.kind}/${d.metadata.name}`)).toEqual(['Application/kf-tenancy-cluster', 'ApplicationSet/kf-tenancy-tenants']);
    expect(argo[0].spec.source.path).toBe('dist/cluster');
    const flux = file('flux/kustomizations.yaml');
    expect(flux.map(d => [d.metadata.name, d.spec.dependsOn])).toEqual([
      ['kf-tenancy-cluster', undefined],
      ['tenant-team-a', [{ name: 'kf-tenancy-cluster' }]],
    ]);
  });
});
