/**
 * The GitOps loop with Flux itself: source-controller clones a Git repository served on loopback
 * (`git http-backend`) that holds `kf-tenancy synth --flux` output, kustomize-controller applies it
 * with the Flux objects the tool wrote (a root Kustomization over `flux/`, as `flux bootstrap` would
 * make one), and the tests change the catalog, re-synthesize, commit and watch the cluster follow.
 *
 * The example catalog is used with its tenants renamed `flux-*`, so that the objects this suite
 * creates and prunes never meet the other suites' (they share the API server); the cluster-wide
 * objects are removed again at the end by deleting the root Kustomization.
 */
import * as fs from 'fs';
import * as path from 'path';
import { parseAllDocuments } from 'yaml';
import { api, canI, controlPlane, EXAMPLE_TENANTS, kubectlOk, kustomizeObjects, renamedExampleCatalog, serverCopies, tempDir } from './support/cluster';
import { FLUX_NAMESPACE, FluxControllers } from './support/flux';
import { GitServer } from './support/git-server';
import { playProfileController, profileControllerWrites } from './support/profile-controller';
import { readTenantFiles } from '../../src/catalog/sources';
import { run } from '../../src/cli/index';
import { resolveAuth } from '../../src/core/auth-options';

const TENANTS = EXAMPLE_TENANTS;
const renamed = (name: string) => `flux-${name}`;
const CATALOG = renamedExampleCatalog('flux-');
const REMOVED = renamed('team-research');
const GROWN = renamed('fraud-detection-team');
const NEWCOMER = 'newcomer@company.com';
const KUSTOMIZATIONS = `/apis/kustomize.toolkit.fluxcd.io/v1/namespaces/${FLUX_NAMESPACE}/kustomizations`;

describe('Flux applies the output (source-controller and kustomize-controller)', () => {
  const work = tempDir();
  const git = new GitServer(work);
  const flux = new FluxControllers(controlPlane(), path.join(work, 'flux'));
  const dist = path.join(git.workTree, 'dist');

  /** `kf-tenancy synth --flux` of catalog text into the working copy's dist/, committed and pushed. */
  function commitCatalog(text: string, message: string): string {
    const file = path.join(work, 'tenants.yaml');
    fs.writeFileSync(file, text);
    let stderr = '';
    const code = run(['node', 'kf-tenancy', 'synth', file, '--out', dist, '--repo-path', 'dist', '--flux', '--force'],
      { out: () => undefined, err: t => { stderr += t; } });
    if (code !== 0) throw new Error(`kf-tenancy synth failed:\n${stderr}`);
    return git.commitAll(message);
  }

  /** What dist/ declares, by key; the server's copies of objects. */
  const declared = () => kustomizeObjects(dist);
  const live = serverCopies;

  async function kustomizations(): Promise<any[]> {
    const { status, json } = await api('GET', KUSTOMIZATIONS);
    expect(status).toBe(200);
    return json.items;
  }

  const ready = (k: any) => (k.status?.conditions ?? []).find((c: any) => c.type === 'Ready');

  /** Waits until `check` holds, failing early when a controller died. */
  async function until(what: string, check: () => Promise<boolean>, seconds = 180): Promise<void> {
    const deadline = Date.now() + seconds * 1000;
    while (Date.now() < deadline) {
      flux.checkRunning();
      if (await check()) return;
      await new Promise(r => setTimeout(r, 1000));
    }
    const state = (await kustomizations()).map(k => `${k.metadata.name}: ${JSON.stringify(ready(k))}`).join('\n');
    throw new Error(`${what}: not after ${seconds} s; Kustomizations:\n${state}\nlogs in ${path.join(work, 'flux')}`);
  }

  /**
   * Every Kustomization Ready at `commit`, the expected ones present and no others; `after` (ms)
   * also asks each to have handled a reconcile request made then.
   */
  async function reconciledAt(commit: string, names: string[], requestedAt?: string): Promise<void> {
    await until(`Kustomizations ${names.join(', ')} Ready at ${commit.slice(0, 8)}`, async () => {
      const items = await kustomizations();
      return items.map(k => k.metadata.name).sort().join() === [...names].sort().join()
        && items.every(k => ready(k)?.status === 'True' && k.status?.lastAppliedRevision === `main@sha1:${commit}`
          && (requestedAt === undefined || k.status?.lastHandledReconcileAt === requestedAt));
    });
  }

  /**
   * Asks Flux to fetch the repository and reconcile every Kustomization now, as `flux reconcile`
   * does; returns the request's token. The field manager must not start with "kubectl": Flux takes
   * fields of such managers back (it undoes `kubectl` edits), which would itself be a change.
   */
  function requestReconcile(): string {
    const at = new Date().toISOString();
    const annotate = ['annotate', '--overwrite', '--field-manager', 'flux-client-side-apply', '-n', FLUX_NAMESPACE];
    kubectlOk([...annotate, 'gitrepository/flux-system', `reconcile.fluxcd.io/requestedAt=${at}`], { as: null });
    kubectlOk([...annotate, 'kustomizations', '--all', `reconcile.fluxcd.io/requestedAt=${at}`], { as: null });
    return at;
  }

  /** What kustomize-controller logged it did to each object since `offset` of its log: "created", "configured", "unchanged", "deleted". */
  function appliedSince(offset: number): Array<{ object: string; action: string }> {
    const lines = fs.readFileSync(flux.kustomizeLog, 'utf8').slice(offset).split('\n');
    const actions: Array<{ object: string; action: string }> = [];
    for (const line of lines) {
      if (!line.startsWith('{')) continue;
      const entry = JSON.parse(line);
      for (const field of ['output', 'changes']) {
        const value = entry[field];
        if (value && typeof value === 'object') for (const [object, action] of Object.entries(value)) actions.push({ object, action: String(action) });
      }
    }
    return actions;
  }
  const logOffset = () => fs.statSync(flux.kustomizeLog).size;
  /** The Kustomizations synth wrote (flux/kustomizations.yaml), and the root one. */
  const written = () => ['flux-system', ...parseAllDocuments(fs.readFileSync(path.join(dist, 'flux', 'kustomizations.yaml'), 'utf8')).map(d => d.toJS().metadata.name)];

  let firstCommit = '';
  /** The catalog as last committed, and the objects its output declares. */
  let catalog = CATALOG;
  let before = new Map<string, any>();

  beforeAll(async () => {
    await git.start();
    await flux.start();
    firstCommit = commitCatalog(CATALOG, 'four tenants');
    before = declared();
    // What `flux bootstrap` leaves in a cluster: the repository as a source, and a root
    // Kustomization over the folder of Flux objects that synth wrote.
    kubectlOk(['apply', '--server-side', '--field-manager', 'flux-bootstrap', '-f', '-'], {
      as: null,
      input: [
        {
          apiVersion: 'source.toolkit.fluxcd.io/v1',
          kind: 'GitRepository',
          metadata: { name: 'flux-system', namespace: FLUX_NAMESPACE },
          spec: { url: git.url, ref: { branch: 'main' }, interval: '10m', timeout: '60s' },
        },
        {
          apiVersion: 'kustomize.toolkit.fluxcd.io/v1',
          kind: 'Kustomization',
          metadata: { name: 'flux-system', namespace: FLUX_NAMESPACE },
          spec: { interval: '10m', path: './dist/flux', prune: true, sourceRef: { kind: 'GitRepository', name: 'flux-system' } },
        },
      ].map(o => JSON.stringify(o)).join('\n---\n'),
    });
  });

  afterAll(async () => {
    try {
      // Uninstall: the root Kustomization's deletion prunes the tenant Kustomizations, whose own
      // finalizers prune every object they applied.
      kubectlOk(['delete', '-n', FLUX_NAMESPACE, 'kustomization/flux-system', '--wait=true', '--timeout=120s'], { as: null });
      const namespaces = TENANTS.map(renamed);
      await until('tenant namespaces deleted', async () => {
        const { json } = await api('GET', '/api/v1/namespaces');
        return !json.items.some((n: any) => namespaces.includes(n.metadata.name));
      }, 120);
    } finally {
      await flux.stop();
      await git.stop();
    }
  });

  test('the example reconciles to Ready, and every object of the output is on the server', async () => {
    await reconciledAt(firstCommit, written());
    const onServer = live(before.values());
    expect([...before.keys()].filter(k => !onServer.has(k))).toEqual([]);
    // One for cluster/, one for namespaces/ (platform namespaces), one per tenant.
    expect(written()).toEqual(['flux-system', 'kf-tenancy-cluster', 'kf-tenancy-namespaces', ...TENANTS.map(t => `tenant-${renamed(t)}`)]);
    // Kustomizations' inventories name exactly the objects of the output, each once.
    const inventory = (await kustomizations()).filter(k => k.metadata.name !== 'flux-system').flatMap(k => k.status.inventory.entries.map((e: any) => e.id));
    expect(new Set(inventory).size).toBe(inventory.length);
    expect(inventory.length).toBe(before.size);
    // The read-only-dashboard policies (one per dashboard release) live in Kubeflow's namespace, outside every tenant: applied too.
    expect([...onServer.keys()].filter(k => k.startsWith('security.istio.io/AuthorizationPolicy/kubeflow/')).sort()).toEqual([
      'security.istio.io/AuthorizationPolicy/kubeflow/kf-tenancy-read-only-dashboard',
      'security.istio.io/AuthorizationPolicy/kubeflow/kf-tenancy-read-only-dashboard-v2',
    ]);
  });

  test('after Kubeflow\'s profile controller wrote its objects, a second reconcile changes nothing: no object written, no generation bumped', async () => {
    // The example's target is a cluster running the profile controller: play it (the objects it
    // writes from each Profile, as its service account), as it would between two reconciles.
    const declaredTenants = readTenantFiles([path.join(work, 'tenants.yaml')]).tenants.map(t => t.props);
    const authOf = (name: string) => resolveAuth(declaredTenants.find(t => t.name === name)!.auth);
    const controllerObjects = await profileControllerWrites(TENANTS.map(renamed), authOf);
    expect(controllerObjects.filter(o => o.kind === 'RoleBinding').length).toBeGreaterThanOrEqual(TENANTS.length);
    await playProfileController(controllerObjects);
    const first = live(before.values());
    const offset = logOffset();
    const at = requestReconcile();
    await reconciledAt(firstCommit, written(), at);
    const second = live(before.values());
    const changed = [...first.values()].filter(o => {
      const now = second.get(o.key);
      return now?.generation !== o.generation || now?.resourceVersion !== o.resourceVersion;
    });
    expect(changed.map(o => o.key)).toEqual([]);
    const actions = appliedSince(offset);
    expect(actions.length).toBeGreaterThanOrEqual(before.size);
    expect(actions.filter(a => a.action !== 'unchanged')).toEqual([]);
  });

  test('adding a contributor shows up as exactly one RoleBinding and one AuthorizationPolicy', async () => {
    const grown = catalog.replace(`  - name: ${GROWN}\n    owner: lead@company.com\n    contributors:\n`,
      `  - name: ${GROWN}\n    owner: lead@company.com\n    contributors:\n      - name: ${NEWCOMER}\n`);
    expect(grown).not.toBe(catalog);
    const newcomer = { user: NEWCOMER, groups: ['system:authenticated'] };
    expect(await canI(newcomer, { namespace: GROWN, verb: 'create', group: '', resource: 'pods' })).toBe(false);
    const firstLive = live(before.values());
    const offset = logOffset();
    const commit = commitCatalog(grown, 'add a contributor');
    const after = declared();
    requestReconcile();
    await reconciledAt(commit, written());

    const added = [...after.keys()].filter(k => !before.has(k));
    expect(added.map(k => k.split('/').slice(0, 3).join('/')).sort())
      .toEqual([`rbac.authorization.k8s.io/RoleBinding/${GROWN}`, `security.istio.io/AuthorizationPolicy/${GROWN}`]);
    expect([...before.keys()].filter(k => !after.has(k))).toEqual([]);
    const nowLive = live(after.values());
    expect(added.filter(k => !nowLive.has(k))).toEqual([]);
    // Flux created those two; every object it had stays the same object.
    const created = appliedSince(offset).filter(a => a.action === 'created').map(a => a.object);
    expect(created).toHaveLength(2);
    expect([...firstLive.values()].filter(o => nowLive.get(o.key)?.uid !== o.uid).map(o => o.key)).toEqual([]);
    expect(await canI(newcomer, { namespace: GROWN, verb: 'create', group: '', resource: 'pods' })).toBe(true);
    before = after;
    catalog = grown;
  });

  test('removing a tenant prunes every object of it, Namespace and Profile included, and nothing else', async () => {
    const without = catalog.replace(new RegExp(`  - name: ${REMOVED}\\n[\\s\\S]*?(?=\\n  - name: )`), '');
    expect(without).not.toContain(`name: ${REMOVED}\n`);
    const beforeLive = live(before.values());
    const commit = commitCatalog(without, 'remove a tenant');
    const after = declared();
    requestReconcile();
    expect(written()).not.toContain(`tenant-${REMOVED}`);
    await reconciledAt(commit, written());
    await until(`namespace ${REMOVED} deleted`, async () => (await api('GET', `/api/v1/namespaces/${REMOVED}`)).status === 404, 120);

    const gone = [...before.keys()].filter(k => !after.has(k));
    // The tenant's objects, among them its Namespace and its cluster-scoped Profile.
    expect(gone).toContain(`core/Namespace//${REMOVED}`);
    expect(gone).toContain(`kubeflow.org/Profile//${REMOVED}`);
    expect(gone.filter(k => !k.includes(`/${REMOVED}/`) && !k.endsWith(`//${REMOVED}`))).toEqual([]);
    const nowLive = live(before.values());
    expect(gone.filter(k => nowLive.has(k))).toEqual([]);
    // Everything else is the same object as before.
    expect([...after.keys()].filter(k => nowLive.get(k)?.uid !== beforeLive.get(k)?.uid)).toEqual([]);
  });
});
