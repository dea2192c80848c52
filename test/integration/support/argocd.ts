/**
 * Argo CD's own code for the integration test: `render` (test/argocd/render) runs the
 * ApplicationSet controller's template expansion with its git directory generator and the
 * repo-server's manifest generation over a Git repository, with the kustomize CLI Argo CD ships
 * (same version) and Argo CD's commit-verification script (from the module, as its image installs it);
 * with a cluster, also gitops-engine's sync (the application controller's engine) of each Application.
 */
import { execFile } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';
import { ensureGoTools, goModuleDirs, GoTools } from './go-build';

const ROOT = path.join(__dirname, '..', '..', '..');
const ARGO_MODULE = 'github.com/argoproj/argo-cd/v3';

export const ARGOCD_TOOLS: GoTools = {
  label: 'argo cd',
  moduleDir: path.join(ROOT, 'test', 'argocd'),
  binDir: path.join(ROOT, '.tmp', 'argocd', 'bin'),
  binaries: ['render', 'kustomize'],
  packages: ['tool', './render'],
  sources: [path.join('render', 'main.go')],
  // Argo CD v3.6's go.mod says `go 1.27`; the machine's Go fetches that toolchain from the proxy.
  toolchain: 'go1.27.3',
};

/** What Argo CD's manifest generation yields for one Application. */
export interface RenderedApplication {
  readonly name: string;
  readonly source: { repoURL: string; path: string; targetRevision: string };
  readonly destination: { server: string; namespace?: string };
  readonly syncPolicy?: { automated?: { prune?: boolean; selfHeal?: boolean }; syncOptions?: string[] };
  readonly ignoreDifferences?: Array<Record<string, unknown>>;
  /** Argo CD's detected source type: Kustomize, Directory, Helm, ... */
  readonly sourceType: string;
  readonly objects: Array<{ apiVersion: string; kind: string; namespace?: string; name: string; syncWave?: string }>;
  /** With a cluster: what Argo CD's sync engine did to each resource, in its order. */
  readonly sync?: Array<{ kind: string; namespace?: string; name: string; status: string; order: number; message?: string }>;
}

/** Sync the Applications to a cluster: as whom, and which Applications are gone. */
export interface SyncTarget {
  readonly kubeconfig: string;
  /** Applications the ApplicationSet no longer makes: their resources are deleted. */
  readonly removed?: string[];
}

/** Builds render and kustomize unless up to date, and puts the verification script beside them. */
export function ensureArgoCdBinaries(log: (line: string) => void = () => undefined): { built: boolean; seconds: number } {
  const result = ensureGoTools(ARGOCD_TOOLS, log);
  // Argo CD's repo-server runs this script on every checkout (its image installs it on PATH);
  // module files are read-only and not executable, so it is copied with the execute bit.
  const script = path.join(ARGOCD_TOOLS.binDir, 'git-verify-wrapper.sh');
  if (!fs.existsSync(script)) fs.copyFileSync(path.join(goModuleDirs(ARGOCD_TOOLS, [ARGO_MODULE])[0], 'hack', 'git-verify-wrapper.sh'), script);
  fs.chmodSync(script, 0o755);
  return result;
}

/**
 * Runs Argo CD's generator and manifest generation over `gitopsFile` (argocd/applicationset.yaml).
 * Asynchronous: the Git server it clones from answers from this process's event loop.
 */
export function renderArgoCd(gitopsFile: string, workDir: string, sync?: SyncTarget): Promise<RenderedApplication[]> {
  fs.mkdirSync(workDir, { recursive: true });
  const syncArgs = sync ? ['-kubeconfig', sync.kubeconfig, '-removed', (sync.removed ?? []).join(',')] : [];
  return new Promise((resolve, reject) => {
    execFile(path.join(ARGOCD_TOOLS.binDir, 'render'), ['-gitops-file', gitopsFile, '-work-dir', workDir, ...syncArgs], {
      encoding: 'utf8',
      maxBuffer: 64 * 1024 * 1024,
      env: { ...process.env, PATH: `${ARGOCD_TOOLS.binDir}${path.delimiter}${process.env.PATH}` },
    }, (error, stdout, stderr) => (error ? reject(new Error(`${error.message}\n${stderr.slice(-4000)}`)) : resolve(JSON.parse(stdout))));
  });
}
