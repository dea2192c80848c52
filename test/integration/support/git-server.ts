/**
 * A Git repository served over smart HTTP on loopback, as a GitOps controller reads one: Git's
 * own `git http-backend` (CGI) behind Node's HTTP server. The tests commit synthesized output into
 * a working copy and push it to the served bare repository.
 */
import { execFileSync, spawn } from 'child_process';
import * as http from 'http';
import * as net from 'net';
import * as path from 'path';

const GIT_IDENTITY = {
  GIT_AUTHOR_NAME: 'kf-tenancy test',
  GIT_AUTHOR_EMAIL: 'test@example.com',
  GIT_COMMITTER_NAME: 'kf-tenancy test',
  GIT_COMMITTER_EMAIL: 'test@example.com',
};

export class GitServer {
  /** The working copy commits are made in. */
  public readonly workTree: string;
  private readonly bare: string;
  private server?: http.Server;
  private port = 0;

  /** A bare repository `name`.git under `dir`, and a working copy beside it. */
  constructor(dir: string, private readonly name = 'platform') {
    this.bare = path.join(dir, `${name}.git`);
    this.workTree = path.join(dir, name);
    this.git(dir, 'init', '--quiet', '--bare', '--initial-branch', 'main', this.bare);
    this.git(dir, 'init', '--quiet', '--initial-branch', 'main', this.workTree);
    this.git(this.workTree, 'remote', 'add', 'origin', this.bare);
  }

  /** The URL a controller clones from. */
  public get url(): string {
    if (!this.server) throw new Error('git server not started');
    return `http://127.0.0.1:${this.port}/${this.name}.git`;
  }

  public async start(): Promise<void> {
    const projectRoot = path.dirname(this.bare);
    this.server = http.createServer((req, res) => serveCgi(projectRoot, req, res));
    await new Promise<void>(resolve => this.server!.listen(0, '127.0.0.1', resolve));
    this.port = (this.server.address() as net.AddressInfo).port;
  }

  public async stop(): Promise<void> {
    const server = this.server;
    if (!server) return;
    this.server = undefined;
    server.closeAllConnections();
    await new Promise<void>(resolve => server.close(() => resolve()));
  }

  /** Commits everything in the working copy (added, changed, removed) and pushes it; returns the commit. */
  public commitAll(message: string): string {
    this.git(this.workTree, 'add', '--all');
    this.git(this.workTree, 'commit', '--quiet', '--allow-empty', '-m', message);
    this.git(this.workTree, 'push', '--quiet', 'origin', 'main');
    return this.git(this.workTree, 'rev-parse', 'HEAD').trim();
  }

  private git(cwd: string, ...args: string[]): string {
    return execFileSync('git', args, { cwd, encoding: 'utf8', env: { ...process.env, ...GIT_IDENTITY }, stdio: ['ignore', 'pipe', 'pipe'] });
  }
}

/** One request through `git http-backend`: the CGI variables in, its header block parsed out. */
function serveCgi(projectRoot: string, req: http.IncomingMessage, res: http.ServerResponse): void {
  const url = new URL(req.url ?? '/', 'http://127.0.0.1');
  const header = (name: string) => {
    const value = req.headers[name];
    return Array.isArray(value) ? value.join(', ') : value ?? '';
  };
  const backend = spawn('git', ['http-backend'], {
    env: {
      PATH: process.env.PATH,
      GIT_PROJECT_ROOT: projectRoot,
      GIT_HTTP_EXPORT_ALL: '1',
      REQUEST_METHOD: req.method ?? 'GET',
      PATH_INFO: decodeURIComponent(url.pathname),
      QUERY_STRING: url.search.replace(/^\?/, ''),
      CONTENT_TYPE: header('content-type'),
      CONTENT_LENGTH: header('content-length'),
      HTTP_CONTENT_ENCODING: header('content-encoding'),
      GIT_PROTOCOL: header('git-protocol'),
      REMOTE_ADDR: '127.0.0.1',
    },
  });
  req.pipe(backend.stdin);
  let head = Buffer.alloc(0);
  let headerDone = false;
  backend.stdout.on('data', (chunk: Buffer) => {
    if (headerDone) {
      res.write(chunk);
      return;
    }
    head = Buffer.concat([head, chunk]);
    const end = head.indexOf('\r\n\r\n');
    if (end < 0) return;
    headerDone = true;
    let status = 200;
    for (const line of head.subarray(0, end).toString('latin1').split('\r\n')) {
      const colon = line.indexOf(':');
      const key = line.slice(0, colon).trim();
      const value = line.slice(colon + 1).trim();
      if (key.toLowerCase() === 'status') status = parseInt(value, 10);
      else res.setHeader(key, value);
    }
    res.writeHead(status);
    res.write(head.subarray(end + 4));
  });
  backend.on('close', () => {
    if (!headerDone) res.writeHead(502);
    res.end();
  });
  backend.on('error', () => {
    if (!res.headersSent) res.writeHead(500);
    res.end();
  });
}
