/**
 * Argo CD over the output, with Argo CD's own code (test/argocd/render, built from the
 * argo-cd module): the ApplicationSet controller's git directory generator and template
 * expansion, then the repo-server's manifest generation (git clone over HTTP from a loopback
 * server, kustomize build with the kustomize version Argo CD ships) for every Application.
 * The second part syncs with gitops-engine, the engine of Argo CD's application controller.
 */
import * as fs from 'fs';
import * as path from 'path';
import { renderArgoCd, RenderedApplication } from './support/argocd';
import { controlPlane, EXAMPLE_CATALOG, EXAMPLE_TENANTS, kubectl, kubectlOk, kustomizeObjects, renamedExampleCatalog, serverCopies, tempDir } from './support/cluster';
import { GitServer } from './support/git-server';
import { installServiceAccounts, serviceAccountKubeconfig } from './support/service-account';
import { run } from '../../src/cli/index';

const TENANTS = EXAMPLE_TENANTS;
const keyOf = (o: { apiVersion: string; kind: string; namespace?: string; name: string }) => `${o.apiVersion}/${o.kind}/${o.namespace ?? ''}/${o.name}`;

describe('Argo CD: ApplicationSet generator and manifest generation over the output', () => {
  const work = tempDir();
  const git = new GitServer(work);
  const dist = path.join(git.workTree, 'dist');
  let apps: RenderedApplication[] = [];

  /** `kf-tenancy synth --argocd` of catalog text into dist/, committed; then Argo CD's code over it. */
  function synthAndRender(catalog: string, extra: string[] = []): Promise<RenderedApplication[]> {
    const file = path.join(work, 'tenants.yaml');
    fs.writeFileSync(file, catalog);
    let stderr = '';
    const args = ['synth', file, '--out', dist, '--repo-path', 'dist', '--argocd', '--repo-url', git.url, '--revision', 'main', '--force', ...extra];
    if (run(['node', 'kf-tenancy', ...args], { out: () => undefined, err: t => { stderr += t; } }) !== 0) throw new Error(stderr);
    git.commitAll(`synth ${extra.join(' ')}`);
    return renderArgoCd(path.join(dist, 'argocd', 'applicationset.yaml'), path.join(work, `repo-server-${Date.now()}`));
  }

  beforeAll(async () => {
    await git.start();
    apps = await synthAndRender(fs.readFileSync(EXAMPLE_CATALOG, 'utf8'));
  });
  afterAll(() => git.stop());

  test('the git directory generator makes one Application per tenant folder, plus cluster/ and namespaces/', () => {
    expect(apps.map(a => [a.name, a.source.path, a.destination.namespace ?? ''])).toEqual([
      ['kf-tenancy-cluster', 'dist/cluster', ''],
      ['kf-tenancy-namespaces', 'dist/namespaces', ''],
      ...TENANTS.map(t => [`tenant-${t}`, `dist/tenants/${t}`, t]),
    ]);
    for (const app of apps) {
      expect({ app: app.name, source: app.source }).toEqual({ app: app.name, source: { repoURL: git.url, path: app.source.path, targetRevision: 'main' } });
      expect({ app: app.name, syncPolicy: app.syncPolicy }).toEqual({ app: app.name, syncPolicy: { automated: { prune: true, selfHeal: true }, syncOptions: ['ServerSideApply=true'] } });
      expect({ app: app.name, sourceType: app.sourceType }).toEqual({ app: app.name, sourceType: 'Kustomize' });
    }
  });

  test('manifest generation yields every object of the output exactly once across the Applications', () => {
    const generated = apps.flatMap(a => a.objects.map(keyOf));
    expect(new Set(generated).size).toBe(generated.length);
    const built = [...kustomizeObjects(dist).values()]
      .map(o => keyOf({ apiVersion: o.apiVersion, kind: o.kind, namespace: o.metadata.namespace, name: o.metadata.name }));
    expect([...generated].sort()).toEqual([...built].sort());
    // Each tenant's objects are in its own Application, in its namespace (or cluster-scoped: Namespace, Profile).
    for (const tenant of TENANTS) {
      const app = apps.find(a => a.name === `tenant-${tenant}`)!;
      expect(app.objects.filter(o => (o.namespace ?? tenant) !== tenant)).toEqual([]);
    }
  });

  test('sync waves: each tenant\'s Namespace in wave -2, its Profile in -1, everything else in 0', () => {
    for (const app of apps) {
      const waves = app.objects.map(o => `${o.kind}:${o.syncWave ?? '0'}`);
      if (app.name.startsWith('tenant-')) {
        expect(waves.filter(w => w.startsWith('Namespace:') || w.startsWith('Profile:'))).toEqual(['Namespace:-2', 'Profile:-1']);
        expect(waves.filter(w => !w.startsWith('Namespace:') && !w.startsWith('Profile:') && !w.endsWith(':0'))).toEqual([]);
      } else {
        expect({ app: app.name, waves: waves.filter(w => !w.endsWith(':0')) }).toEqual({ app: app.name, waves: [] });
      }
    }
  });

  test('--argocd-ignore-profile-plugins reaches the generated tenant Applications, not the shared ones', async () => {
    const ignoring = await synthAndRender(fs.readFileSync(EXAMPLE_CATALOG, 'utf8'), ['--argocd-ignore-profile-plugins']);
    for (const app of ignoring) {
      const tenant = app.name.startsWith('tenant-');
      expect({ app: app.name, ignore: app.ignoreDifferences ?? [], options: app.syncPolicy?.syncOptions }).toEqual({
        app: app.name,
        ignore: tenant ? [{ group: 'kubeflow.org', kind: 'Profile', jsonPointers: ['/spec/plugins'] }] : [],
        options: tenant ? ['ServerSideApply=true', 'RespectIgnoreDifferences=true'] : ['ServerSideApply=true'],
      });
    }
  });

  test('a tenant removed from the catalog loses its Application (the ApplicationSet then deletes it and, with its finalizer, its objects)', async () => {
    const catalog = fs.readFileSync(EXAMPLE_CATALOG, 'utf8').replace(/  - name: team-research\n[\s\S]*?(?=\n  - name: )/, '');
    const fewer = await synthAndRender(catalog);
    expect(fewer.map(a => a.name)).toEqual(['kf-tenancy-cluster', 'kf-tenancy-namespaces', ...TENANTS.filter(t => t !== 'team-research').map(t => `tenant-${t}`)]);
  });
});

/**
 * Argo CD's sync engine (gitops-engine, which the application controller runs) syncing the
 * Applications to the test API server as the application controller's service account, the
 * identity the tenancy guard exempts. The tenants are renamed `argo-*` so that nothing here meets
 * the other suites' objects.
 */
describe('Argo CD: the sync engine applies, re-syncs and prunes the output', () => {
  const work = tempDir();
  const git = new GitServer(work);
  const dist = path.join(git.workTree, 'dist');
  const renamed = (name: string) => `argo-${name}`;
  const catalog = renamedExampleCatalog('argo-');
  const REMOVED = renamed('team-research');
  let kubeconfig = '';
  let first: RenderedApplication[] = [];

  async function synthAndSync(text: string, removed: string[] = []): Promise<RenderedApplication[]> {
    const file = path.join(work, 'tenants.yaml');
    fs.writeFileSync(file, text);
    let stderr = '';
    const args = ['synth', file, '--out', dist, '--repo-path', 'dist', '--argocd', '--repo-url', git.url, '--revision', 'main', '--force'];
    if (run(['node', 'kf-tenancy', ...args], { out: () => undefined, err: t => { stderr += t; } }) !== 0) throw new Error(stderr);
    git.commitAll('synth');
    return renderArgoCd(path.join(dist, 'argocd', 'applicationset.yaml'), path.join(work, `repo-server-${Date.now()}`), { kubeconfig, removed });
  }

  /** The server's copy (uid and resourceVersion) of each object dist/ declares that exists. */
  const live = () => serverCopies(kustomizeObjects(dist).values());

  beforeAll(async () => {
    await git.start();
    const plane = controlPlane();
    installServiceAccounts('argocd', ['argocd-application-controller'], 'argocd-application-controller');
    kubeconfig = serviceAccountKubeconfig(plane, 'argocd', 'argocd-application-controller', work);
  });

  afterAll(async () => {
    try {
      // As the GitOps identity, as a prune would: the guard refuses anyone else deleting a tenant's ClusterQueue.
      kubectlOk(['delete', '-k', dist, '--ignore-not-found', '--wait=false']);
      for (let i = 0; i < 240 && TENANTS.some(t => kubectl(['get', 'namespace', renamed(t)], { as: null }).code === 0); i++) await new Promise(r => setTimeout(r, 500));
    } finally {
      await git.stop();
    }
  });

  test('every object synced, each tenant\'s Namespace first, then its Profile, then the rest', async () => {
    first = await synthAndSync(catalog);
    for (const app of first) {
      expect({ app: app.name, failed: app.sync!.filter(r => r.status !== 'Synced') }).toEqual({ app: app.name, failed: [] });
      expect(app.sync!.map(r => `${r.kind}/${r.name}`).sort()).toEqual(app.objects.map(o => `${o.kind}/${o.name}`).sort());
      if (!app.name.startsWith('tenant-')) continue;
      const order = app.sync!.map(r => r.kind);
      expect({ app: app.name, first: order.slice(0, 2) }).toEqual({ app: app.name, first: ['Namespace', 'Profile'] });
    }
    const onServer = live();
    expect(onServer.size).toBe(first.reduce((n, a) => n + a.objects.length, 0));
  });

  test('a second sync changes nothing: every object keeps its resourceVersion', async () => {
    const before = live();
    const second = await synthAndSync(catalog);
    expect(second.flatMap(a => a.sync!.filter(r => r.status !== 'Synced'))).toEqual([]);
    const after = live();
    expect([...before.values()].filter(o => after.get(o.key)?.resourceVersion !== o.resourceVersion).map(o => o.key)).toEqual([]);
  });

  test('a tenant removed from the catalog: its Application\'s resources are deleted, Namespace and Profile included, and nothing else', async () => {
    const before = live();
    const without = catalog.replace(new RegExp(`  - name: ${REMOVED}\\n[\\s\\S]*?(?=\\n  - name: )`), '');
    const apps = await synthAndSync(without, [`tenant-${REMOVED}`]);
    const gone = apps.find(a => a.name === `tenant-${REMOVED}`)!;
    expect(gone.sync!.filter(r => r.status !== 'Pruned')).toEqual([]);
    expect(gone.sync!.map(r => r.kind)).toEqual(expect.arrayContaining(['Namespace', 'Profile']));
    expect(gone.sync!.length).toBe(first.find(a => a.name === `tenant-${REMOVED}`)!.objects.length);
    for (let i = 0; i < 240 && kubectl(['get', 'namespace', REMOVED], { as: null }).code === 0; i++) await new Promise(r => setTimeout(r, 500));
    expect(kubectl(['get', 'namespace', REMOVED], { as: null }).code).not.toBe(0);
    expect(kubectl(['get', 'profiles.kubeflow.org', REMOVED], { as: null }).code).not.toBe(0);
    // Every other object is the same object (shared objects that list tenants may change).
    const after = live();
    expect([...after.values()].filter(o => before.get(o.key)?.uid !== o.uid).map(o => o.key)).toEqual([]);
    expect(after.size).toBe(before.size - gone.sync!.length);
  });
});
