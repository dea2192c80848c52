/**
 * Flux for the GitOps loop test: source-controller and kustomize-controller built from their Go
 * modules (test/flux/go.mod), their CRDs installed from those modules' own files, both run as
 * processes against the test API server, each as its own service account (as Flux's install
 * binds them), so the tenancy guard sees the identity it exempts.
 */
import { ChildProcess, execFileSync, spawn } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';
import { ControlPlaneInfo, freePort } from './controlplane';
import { ensureGoTools, goEnv, GoTools } from './go-build';
import { installServiceAccounts, serviceAccountKubeconfig } from './service-account';

const ROOT = path.join(__dirname, '..', '..', '..');

/** Flux's controllers as the integration tests build them. */
export const FLUX_TOOLS: GoTools = {
  label: 'flux',
  moduleDir: path.join(ROOT, 'test', 'flux'),
  binDir: path.join(ROOT, '.tmp', 'flux', 'bin'),
  binaries: ['source-controller', 'kustomize-controller'],
  packages: ['tool'],
  // Both controllers' go.mod say `go 1.27`; the machine's Go fetches that toolchain from the proxy.
  toolchain: 'go1.27.3',
};

export const FLUX_NAMESPACE = 'flux-system';
const SOURCE_MODULE = 'github.com/fluxcd/source-controller';
const KUSTOMIZE_MODULE = 'github.com/fluxcd/kustomize-controller';

/** Builds the controllers unless up to date. */
export function ensureFluxBinaries(log: (line: string) => void = () => undefined): { built: boolean; seconds: number } {
  return ensureGoTools(FLUX_TOOLS, log);
}

/** The module versions go.mod pins, e.g. `{ 'source-controller': 'v1.9.0', ... }`. */
export function fluxVersions(): Record<string, string> {
  const out = execFileSync('go', ['list', '-m', '-f', '{{.Path}} {{.Version}}', SOURCE_MODULE, KUSTOMIZE_MODULE],
    { cwd: FLUX_TOOLS.moduleDir, env: goEnv(FLUX_TOOLS), encoding: 'utf8' });
  return Object.fromEntries(out.trim().split('\n').map(line => {
    const [module, version] = line.split(' ');
    return [module.split('/').pop()!, version];
  }));
}

/** The CRD files each module ships (config/crd/bases), read from the module cache. */
export function fluxCrdFiles(): string[] {
  const dirs = execFileSync('go', ['list', '-m', '-f', '{{.Dir}}', SOURCE_MODULE, KUSTOMIZE_MODULE],
    { cwd: FLUX_TOOLS.moduleDir, env: goEnv(FLUX_TOOLS), encoding: 'utf8' }).trim().split('\n');
  return dirs.flatMap(dir => {
    const bases = path.join(dir, 'config', 'crd', 'bases');
    return fs.readdirSync(bases).filter(f => f.endsWith('.yaml')).sort().map(f => path.join(bases, f));
  });
}

/** The two controllers, started and stopped by the test. */
export class FluxControllers {
  private readonly children: ChildProcess[] = [];
  /** kustomize-controller's log (JSON lines): what it applied, object by object. */
  public readonly kustomizeLog: string;

  constructor(private readonly plane: ControlPlaneInfo, private readonly workDir: string) {
    this.kustomizeLog = path.join(workDir, 'kustomize-controller.log');
  }

  /**
   * Installs the CRDs, the namespace, the service accounts with Flux's cluster-admin binding, and
   * starts the controllers; the artifact server listens on loopback.
   */
  public async start(): Promise<void> {
    fs.mkdirSync(this.workDir, { recursive: true });
    for (const crd of fluxCrdFiles()) this.kubectl('apply', '--server-side', '--field-manager', 'flux-install', '-f', crd);
    this.kubectl('wait', '--for=condition=Established', '--timeout=60s', 'crd/gitrepositories.source.toolkit.fluxcd.io', 'crd/kustomizations.kustomize.toolkit.fluxcd.io');
    installServiceAccounts(this.plane, FLUX_NAMESPACE, ['source-controller', 'kustomize-controller'], 'flux-cluster-reconciler');

    const storagePort = await freePort();
    fs.mkdirSync(path.join(this.workDir, 'artifacts'), { recursive: true });
    this.spawn('source-controller', [
      '--storage-path', path.join(this.workDir, 'artifacts'),
      '--storage-addr', `127.0.0.1:${storagePort}`, '--storage-adv-addr', `127.0.0.1:${storagePort}`,
      '--metrics-addr', '0', '--health-addr', `127.0.0.1:${await freePort()}`,
      '--enable-leader-election=false', '--log-level', 'debug',
    ]);
    this.spawn('kustomize-controller', [
      '--metrics-addr', '0', '--health-addr', `127.0.0.1:${await freePort()}`,
      '--enable-leader-election=false', '--no-remote-bases', '--requeue-dependency', '2s', '--log-level', 'debug',
    ]);
  }

  /** Stops both controllers: SIGTERM, then SIGKILL after a grace period. */
  public async stop(): Promise<void> {
    for (const child of this.children) if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
    const deadline = Date.now() + 10_000;
    while (Date.now() < deadline && this.children.some(c => c.exitCode === null && c.signalCode === null)) await new Promise(r => setTimeout(r, 100));
    for (const child of this.children) if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  }

  /** Fails when a controller has exited. */
  public checkRunning(): void {
    const exited = this.children.find(c => c.exitCode !== null || c.signalCode !== null);
    if (exited) throw new Error(`${path.basename(exited.spawnfile)} exited (${exited.exitCode ?? exited.signalCode}); see ${this.workDir}`);
  }

  /** kubectl as the test's admin. */
  public kubectl(...args: Array<string | { input: string }>): string {
    const last = args[args.length - 1];
    const input = typeof last === 'object' ? last.input : undefined;
    const plain = args.filter((a): a is string => typeof a === 'string');
    return execFileSync(this.plane.kubectl, ['--kubeconfig', this.plane.kubeconfig, ...plain], { encoding: 'utf8', input, stdio: ['pipe', 'pipe', 'pipe'] });
  }

  private spawn(binary: string, args: string[]): void {
    const kubeconfig = serviceAccountKubeconfig(this.plane, FLUX_NAMESPACE, binary, this.workDir);
    const log = fs.openSync(path.join(this.workDir, `${binary}.log`), 'w');
    const child = spawn(path.join(FLUX_TOOLS.binDir, binary), args, {
      stdio: ['ignore', log, log],
      env: { ...process.env, KUBECONFIG: kubeconfig, RUNTIME_NAMESPACE: FLUX_NAMESPACE, TMPDIR: this.workDir },
    });
    fs.closeSync(log);
    this.children.push(child);
  }
}
