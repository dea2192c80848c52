/**
 * Kueue for the GPU-queue test: the manager built from its Go module (test/kueue/go.mod), its CRDs
 * installed from the module's own files, run as a process against the test API server with its
 * webhooks on loopback. Kueue's certificate rotator must accept the certificates it is given
 * (test/kueue/pki) and find its webhook configurations and CRD conversion webhooks to inject the CA
 * into before it starts its controllers; see test/kueue/NOTES.md.
 */
import { execFileSync } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';
import { parseAllDocuments, stringify } from 'yaml';
import { kubectl, kubectlOk } from './cluster';
import { ControlPlaneInfo, freePort } from './controlplane';
import { ensureGoTools, goModuleDirs, GoTools } from './go-build';
import { ProcessGroup } from './processes';

const ROOT = path.join(__dirname, '..', '..', '..');

/** Kueue's manager and the certificate helper, as the integration tests build them. */
export const KUEUE_TOOLS: GoTools = {
  label: 'kueue',
  moduleDir: path.join(ROOT, 'test', 'kueue'),
  binDir: path.join(ROOT, '.tmp', 'kueue', 'bin'),
  binaries: ['kueue', 'pki'],
  packages: ['tool', './pki'],
  sources: ['pki/main.go'],
};

export const KUEUE_NAMESPACE = 'kueue-system';
const SERVICE = 'kueue-webhook-service';
const SECRET = 'kueue-webhook-server-cert';
/** The CRDs Kueue's rotator injects its CA into (pkg/util/cert/cert.go): they convert v1beta1 through its webhook. */
const CONVERTED = ['localqueues', 'clusterqueues', 'workloads', 'cohorts', 'multikueueclusters'];

/** Builds the binaries unless up to date. */
export function ensureKueueBinaries(log: (line: string) => void = () => undefined): { built: boolean; seconds: number } {
  return ensureGoTools(KUEUE_TOOLS, log);
}

function moduleDir(): string {
  return goModuleDirs(KUEUE_TOOLS, ['sigs.k8s.io/kueue'])[0];
}

/** The Kueue manager, started and stopped by the test. */
export class KueueController {
  private readonly processes: ProcessGroup;

  constructor(private readonly plane: ControlPlaneInfo, private readonly workDir: string) {
    this.processes = new ProcessGroup(KUEUE_TOOLS.binDir, workDir);
  }

  /** Installs what Kueue needs on the API server, starts it, and waits until it serves. */
  public async start(): Promise<void> {
    const certs = path.join(this.workDir, 'certs');
    fs.mkdirSync(certs, { recursive: true });
    execFileSync(path.join(KUEUE_TOOLS.binDir, 'pki'), [certs, `${SERVICE}.${KUEUE_NAMESPACE}.svc`]);
    const caBundle = fs.readFileSync(path.join(certs, 'ca.crt')).toString('base64');
    const port = await freePort();
    const health = await freePort();
    kubectlOk(['create', 'namespace', KUEUE_NAMESPACE], { as: null });
    kubectlOk(['-n', KUEUE_NAMESPACE, 'create', 'secret', 'generic', SECRET,
      ...['ca.crt', 'ca.key', 'tls.crt', 'tls.key'].map(f => `--from-file=${path.join(certs, f)}`)], { as: null });
    kubectlOk(['apply', '--server-side', '--force-conflicts', '--field-manager', 'kueue-install', '-f', '-'], { as: null, input: this.installManifests(port, caBundle) });
    fs.writeFileSync(path.join(this.workDir, 'config.yaml'), stringify({
      apiVersion: 'config.kueue.x-k8s.io/v1beta2',
      kind: 'Configuration',
      namespace: KUEUE_NAMESPACE,
      health: { healthProbeBindAddress: `127.0.0.1:${health}` },
      metrics: { bindAddress: '0' },
      webhook: { host: '127.0.0.1', port, certDir: certs },
      leaderElection: { leaderElect: false },
      internalCertManagement: { enable: true, webhookServiceName: SERVICE, webhookSecretName: SECRET },
      integrations: { frameworks: ['batch/job'] },
    }));
    this.processes.spawn('kueue', ['--config', path.join(this.workDir, 'config.yaml'), '--kubeconfig', this.plane.kubeconfig]);
    await this.waitReady(health);
  }

  /** The module's CRDs with conversion through the loopback webhook, and its webhook configurations pointed at it. */
  private installManifests(port: number, caBundle: string): string {
    const url = (p: string) => `https://127.0.0.1:${port}${p}`;
    const bases = path.join(moduleDir(), 'config', 'components', 'crd', 'bases');
    const docs: any[] = fs.readdirSync(bases).filter(f => f.endsWith('.yaml')).sort().map(f => parseAllDocuments(fs.readFileSync(path.join(bases, f), 'utf8'))[0].toJS());
    for (const crd of docs.filter(d => CONVERTED.includes(d.spec.names.plural))) {
      crd.spec.conversion = { strategy: 'Webhook', webhook: { clientConfig: { url: url('/convert'), caBundle }, conversionReviewVersions: ['v1'] } };
    }
    const webhooks = parseAllDocuments(fs.readFileSync(path.join(moduleDir(), 'config', 'components', 'webhook', 'manifests.yaml'), 'utf8'))
      .map(d => d.toJS()).filter(d => d);
    for (const config of webhooks) {
      config.metadata.name = `kueue-${config.kind === 'MutatingWebhookConfiguration' ? 'mutating' : 'validating'}-webhook-configuration`;
      for (const hook of config.webhooks) hook.clientConfig = { url: url(hook.clientConfig.service.path), caBundle };
    }
    return [...docs, ...webhooks].map(d => stringify(d)).join('---\n');
  }

  private async waitReady(health: number): Promise<void> {
    const deadline = Date.now() + 120_000;
    while (Date.now() < deadline) {
      this.checkRunning();
      try {
        const response = await fetch(`http://127.0.0.1:${health}/readyz`);
        if (response.status === 200) return;
      } catch {
        // not listening yet
      }
      await new Promise(r => setTimeout(r, 500));
    }
    throw new Error(`kueue not ready after 120 s; see ${this.workDir}/kueue.log`);
  }

  /** Fails when the manager has exited. */
  public checkRunning(): void {
    const exited = this.processes.exited();
    if (exited) throw new Error(`kueue exited (${exited.exitCode ?? exited.signalCode}); see ${this.workDir}/kueue.log`);
  }

  /**
   * Stops the manager and takes its webhooks out of the API server (they fail closed): other suites
   * apply Kueue objects with nothing listening on the loopback port.
   */
  public async stop(): Promise<void> {
    await this.processes.stop();
    kubectl(['delete', '--ignore-not-found', 'mutatingwebhookconfiguration/kueue-mutating-webhook-configuration',
      'validatingwebhookconfiguration/kueue-validating-webhook-configuration'], { as: null });
    for (const plural of CONVERTED) {
      kubectl(['patch', 'crd', `${plural}.kueue.x-k8s.io`, '--type=json', '-p', JSON.stringify([{ op: 'replace', path: '/spec/conversion', value: { strategy: 'None' } }])],
        { as: null });
    }
  }
}
