/**
 * A real Kubernetes control plane for the integration tests: etcd,
 * kube-apiserver and kube-controller-manager built from source through the Go
 * module proxy (test/controlplane/go.mod), started on free loopback ports,
 * stopped by PID.
 */
import { execFileSync } from 'child_process';
import { generateKeyPairSync, randomBytes } from 'crypto';
import * as fs from 'fs';
import * as net from 'net';
import * as path from 'path';
import { ensureGoTools, GoTools } from './go-build';
import { ProcessGroup, writeKubeconfig } from './processes';

const ROOT = path.join(__dirname, '..', '..', '..');
export const MODULE_DIR = path.join(ROOT, 'test', 'controlplane');
export const BIN_DIR = path.join(ROOT, '.tmp', 'controlplane', 'bin');
/** The Kubernetes release the module pins; stamped into the binaries so clients can parse the version. */
export const KUBERNETES_VERSION = 'v1.34.4';
const BINARIES = ['etcd', 'kube-apiserver', 'kube-controller-manager', 'kubectl'];

/** Whether the Go toolchain is on PATH. */
export function goAvailable(): boolean {
  try {
    execFileSync('go', ['version'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

function ldflags(): string {
  const [major, minor] = KUBERNETES_VERSION.slice(1).split('.');
  const vars: Record<string, string> = { gitVersion: KUBERNETES_VERSION, gitMajor: major, gitMinor: minor, gitTreeState: 'clean' };
  const sets = ['k8s.io/component-base/version', 'k8s.io/client-go/pkg/version']
    .flatMap(pkg => Object.entries(vars).map(([k, v]) => `-X ${pkg}.${k}=${v}`));
  return ['-s', '-w', ...sets].join(' ');
}

/** The module and binaries of the control plane. */
export const CONTROL_PLANE_TOOLS: GoTools = {
  label: 'control plane',
  moduleDir: MODULE_DIR,
  binDir: BIN_DIR,
  binaries: BINARIES,
  packages: ['tool', './etcd'],
  sources: [path.join('etcd', 'main.go')],
  ldflags: ldflags(),
};

/** Builds the binaries unless they are up to date; returns what happened, with the time taken. */
export function ensureBinaries(log: (line: string) => void = () => undefined): { built: boolean; seconds: number } {
  return ensureGoTools(CONTROL_PLANE_TOOLS, log);
}

/** A free TCP port on loopback. */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as net.AddressInfo;
      server.close(() => resolve(port));
    });
  });
}

/** What the tests need to talk to the control plane; written to a file the tests read. */
export interface ControlPlaneInfo {
  readonly server: string;
  readonly token: string;
  readonly kubeconfig: string;
  readonly kubectl: string;
  readonly workDir: string;
  /** etcd's client URL, for a second API server in a test (with its own --etcd-prefix). */
  readonly etcd: string;
  readonly pids: number[];
}

/**
 * kube-apiserver's flags: RBAC authorization, token auth from `dir/tokens.csv`,
 * service-account keys from `dir/sa.key|pub`, loopback only.
 */
export function apiServerArgs(dir: string, etcd: string, port: number, certDir = path.join(dir, 'certs')): string[] {
  return [
    '--etcd-servers', etcd,
    '--bind-address', '127.0.0.1', '--advertise-address', '127.0.0.1', '--secure-port', String(port),
    '--cert-dir', certDir,
    '--authorization-mode', 'RBAC',
    '--token-auth-file', path.join(dir, 'tokens.csv'),
    '--service-account-key-file', path.join(dir, 'sa.pub'),
    '--service-account-signing-key-file', path.join(dir, 'sa.key'),
    '--service-account-issuer', 'https://kubernetes.default.svc',
    '--service-cluster-ip-range', '10.96.0.0/16',
    // Endpoints may not hold loopback addresses; nothing here needs the kubernetes Service.
    '--endpoint-reconciler-type', 'none',
  ];
}

export class ControlPlane {
  private readonly processes: ProcessGroup;
  private info?: ControlPlaneInfo;

  constructor(private readonly workDir: string) {
    this.processes = new ProcessGroup(BIN_DIR, workDir);
  }

  public get details(): ControlPlaneInfo {
    if (!this.info) throw new Error('control plane not started');
    return this.info;
  }

  public async start(): Promise<ControlPlaneInfo> {
    const dir = this.workDir;
    fs.mkdirSync(dir, { recursive: true });
    const [etcdClient, etcdPeer, apiPort] = [await freePort(), await freePort(), await freePort()];
    const token = randomBytes(24).toString('hex');
    const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
    fs.writeFileSync(path.join(dir, 'sa.key'), privateKey.export({ type: 'pkcs1', format: 'pem' }));
    fs.writeFileSync(path.join(dir, 'sa.pub'), publicKey.export({ type: 'spki', format: 'pem' }));
    fs.writeFileSync(path.join(dir, 'tokens.csv'), `${token},kf-tenancy-admin,kf-tenancy-admin,system:masters\n`);
    const server = `https://127.0.0.1:${apiPort}`;
    const kubeconfig = path.join(dir, 'kubeconfig');
    writeKubeconfig(kubeconfig, server, 'admin', token);

    this.spawn('etcd', [
      '--name', 'test', '--data-dir', path.join(dir, 'etcd'), '--unsafe-no-fsync',
      '--listen-client-urls', `http://127.0.0.1:${etcdClient}`, '--advertise-client-urls', `http://127.0.0.1:${etcdClient}`,
      '--listen-peer-urls', `http://127.0.0.1:${etcdPeer}`, '--initial-advertise-peer-urls', `http://127.0.0.1:${etcdPeer}`,
      '--initial-cluster', `test=http://127.0.0.1:${etcdPeer}`,
    ]);
    this.spawn('kube-apiserver', apiServerArgs(dir, `http://127.0.0.1:${etcdClient}`, apiPort));
    this.info = {
      server,
      token,
      kubeconfig,
      kubectl: path.join(BIN_DIR, 'kubectl'),
      workDir: dir,
      etcd: `http://127.0.0.1:${etcdClient}`,
      pids: this.processes.pids,
    };
    await this.waitFor('kube-apiserver /readyz', async () => (await this.get('/readyz')).status === 200, 120);

    this.spawn('kube-controller-manager', [
      '--kubeconfig', kubeconfig,
      // Aggregation fills kubeflow-admin/edit/view; the others give namespaces their default
      // ServiceAccount, quotas their status, and let namespaces and their objects be deleted.
      '--controllers', 'clusterrole-aggregation,serviceaccount,serviceaccount-token,resourcequota,namespace,garbagecollector',
      '--service-account-private-key-file', path.join(dir, 'sa.key'),
      '--root-ca-file', path.join(dir, 'certs', 'apiserver.crt'),
      '--leader-elect=false', '--secure-port', '0',
    ]);
    this.info = { ...this.info, pids: this.processes.pids };
    return this.info;
  }

  /** Stops every process started here, by PID: SIGTERM, then SIGKILL after a grace period. */
  public stop(): Promise<void> {
    return this.processes.stop();
  }

  /** A GET against the API server with the admin token. */
  public async get(urlPath: string): Promise<{ status: number; body: string }> {
    const { server, token } = this.details;
    return request(server, token, 'GET', urlPath);
  }

  public async waitFor(what: string, check: () => Promise<boolean>, seconds: number): Promise<void> {
    const deadline = Date.now() + seconds * 1000;
    let lastError = '';
    while (Date.now() < deadline) {
      const exited = this.processes.exited();
      if (exited) throw new Error(`${what}: ${exited.spawnfile} exited with code ${exited.exitCode}; see ${this.workDir}/*.log`);
      try {
        if (await check()) return;
      } catch (error) {
        lastError = String(error);
      }
      await sleep(250);
    }
    throw new Error(`${what}: not ready after ${seconds} s ${lastError}; see ${this.workDir}/*.log`);
  }

  private spawn(binary: string, args: string[]): void {
    this.processes.spawn(binary, args);
  }
}

/**
 * One HTTPS request to the API server (the test server's certificate is self-signed).
 * A connection dropped under load (EPIPE, ECONNRESET; seen once with 16 concurrent
 * SubjectAccessReviews) or a 429 from API priority and fairness is retried a few times.
 */
export interface Response {
  readonly status: number;
  readonly body: string;
  readonly headers: Record<string, string | string[] | undefined>;
}

export async function request(server: string, token: string, method: string, urlPath: string, body?: unknown,
  headers: Record<string, string | string[]> = {}): Promise<Response> {
  for (let attempt = 1; ; attempt++) {
    try {
      const response = await requestOnce(server, token, method, urlPath, body, headers);
      if (response.status !== 429 || attempt >= 5) return response;
    } catch (error: any) {
      if (!['EPIPE', 'ECONNRESET'].includes(error?.code) || attempt >= 5) throw error;
    }
    await sleep(200 * attempt);
  }
}

function requestOnce(server: string, token: string, method: string, urlPath: string, body: unknown, headers: Record<string, string | string[]>)
  : Promise<Response> {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const https = require('https') as typeof import('https');
  return new Promise((resolve, reject) => {
    const payload = body === undefined ? undefined : JSON.stringify(body);
    const req = https.request(`${server}${urlPath}`, {
      method,
      rejectUnauthorized: false,
      headers: {
        'Authorization': `Bearer ${token}`,
        'Content-Type': method === 'PATCH' ? 'application/merge-patch+json' : 'application/json',
        'Accept': 'application/json',
        ...headers,
      },
    }, res => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', chunk => { text += chunk; });
      // Node joins repeated headers with ", ", which a warning's text may contain: keep each Warning apart.
      const warnings = res.rawHeaders.filter((_, i) => i % 2 === 1 && res.rawHeaders[i - 1].toLowerCase() === 'warning');
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body: text, headers: { ...res.headers, warning: warnings } }));
    });
    req.on('error', reject);
    if (payload) req.write(payload);
    req.end();
  });
}

function sleep(ms: number): Promise<void> {
  return new Promise(resolve => setTimeout(resolve, ms));
}
