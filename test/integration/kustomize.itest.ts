/**
 * kustomize builds of the output with the kustomize inside the kubectl of the
 * test control plane (built from source, so these need Go like the rest of the suite).
 */
import * as path from 'path';
import { Chart } from 'cdk8s';
import { TenancyApp, TenantCatalog } from '../../src';
import { cli } from '../support/cli';
import { identity, layoutApp, manifestObjects } from '../support/layout';
import { parseYaml, tempDir } from '../support/synth';
import { kubectlOk } from './support/cluster';

const EXAMPLES = path.join(__dirname, '..', '..', 'examples');
const kustomizeBuild = (dir: string) => kubectlOk(['kustomize', dir]);

describe('kustomize build of a layout with Argo CD and Flux', () => {
  const app = layoutApp();

  test('kustomize build of the output yields every object exactly once', () => {
    app.synth();
    const built = parseYaml(kustomizeBuild(app.outdir));
    const expected = manifestObjects(app.outdir);
    expect(built.map(identity).sort()).toEqual(expected.map(identity).sort());
    expect(new Set(built.map(identity)).size).toBe(built.length);
    // The Argo CD patches put the tenant Namespace in sync wave -2 and its Profile in -1, and change nothing else.
    const namespace = built.find(o => o.kind === 'Namespace');
    expect(namespace.metadata.annotations).toEqual({ 'owner': 'a@c.io', 'argocd.argoproj.io/sync-wave': '-2' });
    const { annotations: _, ...rest } = namespace.metadata;
    const { annotations: __, ...expectedRest } = expected.find(o => o.kind === 'Namespace').metadata;
    expect(rest).toEqual(expectedRest);
    const profile = built.find(o => o.kind === 'Profile');
    expect(profile.metadata.annotations).toEqual({ 'argocd.argoproj.io/sync-wave': '-1' });
    expect(profile.spec).toEqual(expected.find(o => o.kind === 'Profile').spec);
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
