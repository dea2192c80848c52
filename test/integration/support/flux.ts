/**
 * Flux for the GitOps loop test: source-controller and kustomize-controller built from their Go
 * modules (test/flux/go.mod), their CRDs installed from those modules' own files, both run as
 * processes against the test API server, each as its own service account (as Flux's install
 * binds them), so the tenancy guard sees the identity it exempts.
 */
import * as fs from 'fs';
import * as path from 'path';
import { kubectlOk } from './cluster';
import { ControlPlaneInfo, freePort } from './controlplane';
import { ensureGoTools, goModuleDirs, GoTools } from './go-build';
import { ProcessGroup } from './processes';
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

/** The CRD files each module ships (config/crd/bases), read from the module cache. */
export function fluxCrdFiles(): string[] {
  return goModuleDirs(FLUX_TOOLS, [SOURCE_MODULE, KUSTOMIZE_MODULE]).flatMap(dir => {
    const bases = path.join(dir, 'config', 'crd', 'bases');
    return fs.readdirSync(bases).filter(f => f.endsWith('.yaml')).sort().map(f => path.join(bases, f));
  });
}

/** The two controllers, started and stopped by the test. */
export class FluxControllers {
  private readonly processes: ProcessGroup;
  /** kustomize-controller's log (JSON lines): what it applied, object by object. */
  public readonly kustomizeLog: string;

  constructor(private readonly plane: ControlPlaneInfo, private readonly workDir: string) {
    this.processes = new ProcessGroup(FLUX_TOOLS.binDir, workDir);
    this.kustomizeLog = path.join(workDir, 'kustomize-controller.log');
  }

  /**
   * Installs the CRDs, the namespace, the service accounts with Flux's cluster-admin binding, and
   * starts the controllers; the artifact server listens on loopback.
   */
  public async start(): Promise<void> {
    fs.mkdirSync(this.workDir, { recursive: true });
    for (const crd of fluxCrdFiles()) kubectlOk(['apply', '--server-side', '--field-manager', 'flux-install', '-f', crd], { as: null });
    kubectlOk(['wait', '--for=condition=Established', '--timeout=60s', 'crd/gitrepositories.source.toolkit.fluxcd.io', 'crd/kustomizations.kustomize.toolkit.fluxcd.io'],
      { as: null });
    installServiceAccounts(FLUX_NAMESPACE, ['source-controller', 'kustomize-controller'], 'flux-cluster-reconciler');

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
  public stop(): Promise<void> {
    return this.processes.stop();
  }

  /** Fails when a controller has exited. */
  public checkRunning(): void {
    const exited = this.processes.exited();
    if (exited) throw new Error(`${path.basename(exited.spawnfile)} exited (${exited.exitCode ?? exited.signalCode}); see ${this.workDir}`);
  }

  private spawn(binary: string, args: string[]): void {
    const kubeconfig = serviceAccountKubeconfig(this.plane, FLUX_NAMESPACE, binary, this.workDir);
    this.processes.spawn(binary, args, { KUBECONFIG: kubeconfig, RUNTIME_NAMESPACE: FLUX_NAMESPACE, TMPDIR: this.workDir });
  }
}
