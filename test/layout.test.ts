import * as fs from 'fs';
import * as path from 'path';
import { ApiObject, Chart } from 'cdk8s';
import { k8s } from 'cdk8s-plus-28';
import { TenancyApp, TenantCatalog, TenantProfile } from '../src';
import { cli } from './support/cli';
import { kustomizeBuild } from './support/kustomize';
import { listFiles, parseYaml, tempDir } from './support/synth';

const EXAMPLES = path.join(__dirname, '..', 'examples');

const identity = (o: any) => `${o.apiVersion} ${o.kind} ${o.metadata.namespace ?? '-'}/${o.metadata.name}`;

function manifestObjects(out: string): any[] {
  return listFiles(out).filter(f => f.endsWith('/manifests.yaml')).flatMap(f => parseYaml(fs.readFileSync(path.join(out, f), 'utf8')));
}

describe('output layout', () => {
  // GIVEN a tenant plus objects that belong to no tenant
  const app = new TenancyApp({
    outdir: path.join(tempDir(), 'out'),
    argoCd: { repoUrl: 'https://git.example.com/p.git' },
    flux: {},
  });
  const chart = new Chart(app, 'platform');
  new TenantProfile(chart, 'team-a', { owner: 'a@c.io' });
  new k8s.KubePriorityClass(chart, 'high', { metadata: { name: 'high-priority-ml' }, value: 1000000 });
  new ApiObject(chart, 'shared-config', { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'shared', namespace: 'ml-shared' } });
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

  test('kustomize build of the output yields every object exactly once', () => {
    app.synth();
    const built = parseYaml(kustomizeBuild(app.outdir));
    const expected = manifestObjects(app.outdir);
    expect(built.map(identity).sort()).toEqual(expected.map(identity).sort());
    expect(new Set(built.map(identity)).size).toBe(built.length);
    // The Argo CD patch puts the tenant Namespace in sync wave -1 and changes nothing else.
    const namespace = built.find(o => o.kind === 'Namespace');
    expect(namespace.metadata.annotations).toEqual({ 'owner': 'a@c.io', 'argocd.argoproj.io/sync-wave': '-1' });
    const { annotations: _, ...rest } = namespace.metadata;
    const { annotations: __, ...expectedRest } = expected.find(o => o.kind === 'Namespace').metadata;
    expect(rest).toEqual(expectedRest);
  });
});

describe('kustomize build of the bundled example', () => {
  test('objects equal the manifests, each exactly once, byte-for-byte equal content', () => {
    const out = path.join(tempDir(), 'out');
    expect(cli(['synth', path.join(EXAMPLES, 'tenants.yaml'), path.join(EXAMPLES, 'profiles', 'profile.yaml'), '--out', out]).code).toBe(0);
    const built = parseYaml(kustomizeBuild(out));
    const expected = manifestObjects(out);
    expect(built.length).toBe(expected.length);
    const byIdentity = new Map(expected.map(o => [identity(o), o]));
    for (const object of built) expect(object).toEqual(byIdentity.get(identity(object)));
  });

  test('also from a TenantCatalog built in code', () => {
    const app = new TenancyApp({ outdir: path.join(tempDir(), 'out') });
    TenantCatalog.fromFiles(new Chart(app, 'c'), 'catalog', [path.join(EXAMPLES, 'tenants.yaml')]);
    app.synth();
    expect(parseYaml(kustomizeBuild(app.outdir))).toHaveLength(manifestObjects(app.outdir).length);
  });
});
