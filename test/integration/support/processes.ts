/**
 * The server processes a test starts (the control plane, Flux's controllers): each writes its
 * output to `<logDir>/<binary>.log`, and all are stopped by PID, SIGTERM first, SIGKILL after a
 * grace period. Also the kubeconfig they and the tests connect with.
 */
import { ChildProcess, spawn } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';

const running = (child: ChildProcess) => child.exitCode === null && child.signalCode === null;

export class ProcessGroup {
  private readonly children: ChildProcess[] = [];

  constructor(private readonly binDir: string, private readonly logDir: string) {}

  /** Starts `binDir/binary` with `args` (and `env` on top of the test's environment). */
  public spawn(binary: string, args: string[], env: Record<string, string> = {}): void {
    const log = fs.openSync(path.join(this.logDir, `${binary}.log`), 'w');
    const child = spawn(path.join(this.binDir, binary), args, { stdio: ['ignore', log, log], env: { ...process.env, ...env } });
    fs.closeSync(log);
    this.children.push(child);
  }

  public get pids(): number[] {
    return this.children.map(c => c.pid!);
  }

  /** A process that has ended, if any. */
  public exited(): ChildProcess | undefined {
    return this.children.find(c => !running(c));
  }

  /** Stops every process, the last started first. */
  public async stop(): Promise<void> {
    for (const child of [...this.children].reverse()) if (running(child)) child.kill('SIGTERM');
    const deadline = Date.now() + 10_000;
    while (Date.now() < deadline && this.children.some(running)) await new Promise(r => setTimeout(r, 100));
    for (const child of this.children) if (running(child)) child.kill('SIGKILL');
  }
}

/** A kubeconfig for the test API server (self-signed certificate) with a bearer token. */
export function writeKubeconfig(file: string, server: string, user: string, token: string, namespace?: string): void {
  fs.writeFileSync(file, [
    'apiVersion: v1',
    'kind: Config',
    `clusters: [{name: test, cluster: {server: "${server}", insecure-skip-tls-verify: true}}]`,
    `users: [{name: ${user}, user: {token: "${token}"}}]`,
    `contexts: [{name: test, context: {cluster: test, user: ${user}${namespace ? `, namespace: ${namespace}` : ''}}}]`,
    'current-context: test',
    '',
  ].join('\n'));
}
