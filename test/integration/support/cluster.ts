/** What an integration test uses: kubectl and the REST API of the running control plane, and synthesis. */
import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { parseAllDocuments } from 'yaml';
import { ControlPlaneInfo, request } from './controlplane';
import { run } from '../../../src/cli/index';

export const ROOT = path.join(__dirname, '..', '..', '..');
export const EXAMPLE_CATALOG = path.join(ROOT, 'examples', 'tenants.yaml');
/** The example catalog's tenants. */
export const EXAMPLE_TENANTS = ['fraud-detection-team', 'team-data-science', 'team-ml-platform', 'team-research'];

/**
 * The example catalog with every tenant renamed `<prefix><name>` (references included), for a
 * suite whose objects must not meet the other suites' on the shared API server.
 */
export function renamedExampleCatalog(prefix: string): string {
  return EXAMPLE_TENANTS.reduce((text, name) => text.replace(new RegExp(`\\b${name}\\b`, 'g'), `${prefix}${name}`), fs.readFileSync(EXAMPLE_CATALOG, 'utf8'));
}

export function controlPlane(): ControlPlaneInfo {
  const state = process.env.KF_TENANCY_CONTROLPLANE;
  if (!state) throw new Error('KF_TENANCY_CONTROLPLANE is not set: run the integration tests with `npm run test:integration`');
  return JSON.parse(fs.readFileSync(state, 'utf8'));
}

export interface KubectlResult {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

/** Who a request is made as (impersonated by the admin token). */
export interface Identity {
  readonly user: string;
  readonly groups: string[];
}

/**
 * The identity that applies the output, as Flux's kustomize-controller with cluster-admin rights
 * (system:masters here). The tenancy guard lets only it change what the output wrote, so every
 * kubectl call of the suite that plays GitOps runs as it.
 */
export const GITOPS: Identity = { user: 'system:serviceaccount:flux-system:kustomize-controller', groups: ['system:masters'] };
/** Kubeflow's profile controller (and KFAM, in the same pod), bound to cluster-admin by kubeflow/manifests. */
export const PROFILE_CONTROLLER: Identity = { user: 'system:serviceaccount:kubeflow:profiles-controller-service-account', groups: ['system:masters'] };

const impersonation = (as: Identity | undefined) => (as ? [`--as=${as.user}`, ...as.groups.map(g => `--as-group=${g}`)] : []);

/** Runs kubectl against the test control plane, as the GitOps identity unless `as` says otherwise (`null`: the admin token itself). */
export function kubectl(args: string[], options: { input?: string; env?: Record<string, string>; as?: Identity | null } = {}): KubectlResult {
  const info = controlPlane();
  const as = options.as === null ? undefined : options.as ?? GITOPS;
  const result = spawnSync(info.kubectl, ['--kubeconfig', info.kubeconfig, ...impersonation(as), ...args], {
    input: options.input,
    encoding: 'utf8',
    maxBuffer: 256 * 1024 * 1024,
    env: { ...process.env, ...options.env },
  });
  return { code: result.status ?? -1, stdout: result.stdout, stderr: result.stderr };
}

/** kubectl that must succeed; its stdout. */
export function kubectlOk(args: string[], options: { input?: string; env?: Record<string, string>; as?: Identity | null } = {}): string {
  const result = kubectl(args, options);
  if (result.code !== 0) throw new Error(`kubectl ${args.join(' ')} failed (${result.code}):\n${result.stderr}`);
  return result.stdout;
}

/** A REST call with the admin token, or as `as` (impersonated); with the server's warnings. */
export async function api(method: string, urlPath: string, body?: unknown, as?: Identity)
  : Promise<{ status: number; json: any; warnings: string[] }> {
  const info = controlPlane();
  const headers: Record<string, string | string[]> = as ? { 'Impersonate-User': as.user, ...(as.groups.length > 0 ? { 'Impersonate-Group': as.groups } : {}) } : {};
  const response = await request(info.server, info.token, method, urlPath, body, headers);
  const warning = response.headers.warning;
  // RFC 7234 warn-text: a quoted string with backslash escapes.
  const warnings = (Array.isArray(warning) ? warning : warning ? [warning] : [])
    .map(w => w.replace(/^299 - "/, '').replace(/"$/, '').replace(/\\(.)/g, '$1'));
  return { status: response.status, json: response.body ? JSON.parse(response.body) : undefined, warnings };
}

/** Who asks, as the authorizer sees it. */
export interface Subject {
  readonly user?: string;
  readonly groups: string[];
}

/** What a SubjectAccessReview asks about. */
export interface ResourceAttributes {
  readonly namespace: string;
  readonly verb: string;
  readonly group: string;
  readonly resource: string;
  readonly subresource?: string;
}

/** A SubjectAccessReview: does the real RBAC authorizer allow it? */
export async function canI(subject: Subject, attributes: ResourceAttributes): Promise<boolean> {
  const review = {
    apiVersion: 'authorization.k8s.io/v1',
    kind: 'SubjectAccessReview',
    spec: { user: subject.user || undefined, groups: subject.groups, resourceAttributes: attributes },
  };
  const { status, json } = await api('POST', '/apis/authorization.k8s.io/v1/subjectaccessreviews', review);
  if (status !== 201) throw new Error(`SubjectAccessReview failed (${status}): ${JSON.stringify(json)}`);
  return json.status.allowed === true;
}

/** An object's identity across the output and the server: `group/Kind/namespace/name` (`core` for the core group). */
export function objectKey(o: any): string {
  return `${o.apiVersion.replace(/\/?v[0-9a-z]+$/, '') || 'core'}/${o.kind}/${o.metadata.namespace ?? ''}/${o.metadata.name}`;
}

/** The objects `kubectl kustomize dir` yields (what a GitOps tool applies from it), by key. */
export function kustomizeObjects(dir: string): Map<string, any> {
  const objects = parseAllDocuments(kubectlOk(['kustomize', dir], { as: null })).map(d => d.toJS()).filter(o => o);
  return new Map(objects.map(o => [objectKey(o), o]));
}

/** What the server holds of an object: which object it is and which version. */
export interface ServerCopy {
  readonly key: string;
  readonly uid: string;
  readonly resourceVersion: string;
  readonly generation?: number;
}

/** The server's copy of each of `objects` that exists, by key. */
export function serverCopies(objects: Iterable<any>): Map<string, ServerCopy> {
  const file = path.join(tempDir(), 'objects.yaml');
  fs.writeFileSync(file, [...objects].map(o => JSON.stringify(o)).join('\n---\n'));
  const text = kubectlOk(['get', '-f', file, '-o', 'json', '--ignore-not-found'], { as: null }).trim();
  const list = text === '' ? { kind: 'List', items: [] } : JSON.parse(text);
  const items: any[] = list.kind === 'List' ? list.items : [list];
  return new Map(items.map(o => [objectKey(o), {
    key: objectKey(o), uid: o.metadata.uid, resourceVersion: o.metadata.resourceVersion, generation: o.metadata.generation,
  }]));
}

export function tempDir(): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), 'kf-tenancy-it-'));
}

/**
 * `kf-tenancy synth` of catalog text into a fresh folder; returns the folder. The test cluster
 * runs no profile controller, so by default the output is for a cluster without one (`none`):
 * it holds every object the server is asked about. The catalog's own setting is replaced.
 */
export function synthCatalog(catalogText: string, name = 'catalog', profileController: 'kubeflow' | 'none' = 'none'): string {
  const dir = tempDir();
  const file = path.join(dir, `${name}.yaml`);
  fs.writeFileSync(file, catalogText.replace(/^(\s*profileController:\s*)\S+/m, `$1${profileController}`));
  const out = path.join(dir, 'out');
  let stderr = '';
  const args = ['node', 'kf-tenancy', 'synth', file, '--out', out, '--profile-controller', profileController];
  const code = run(args, { out: () => undefined, err: t => { stderr += t; } });
  if (code !== 0) throw new Error(`kf-tenancy synth failed:\n${stderr}`);
  return out;
}

/** Runs `check` on every item with at most `limit` running at once. */
export async function inParallel<T, R>(items: T[], limit: number, check: (item: T) => Promise<R>): Promise<R[]> {
  const results: R[] = new Array(items.length);
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const index = next++;
      results[index] = await check(items[index]);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  return results;
}
