/**
 * Builds the `tool` binaries of a small Go module of the repository (test/controlplane,
 * test/flux) into a folder under .tmp/, and rebuilds them only when what they are built from
 * changes: the module's go.mod and go.sum, its own source files, the flags and the toolchain.
 * A warm machine pays nothing; a cold one downloads the modules through the Go module proxy.
 */
import { execFileSync } from 'child_process';
import { createHash } from 'crypto';
import * as fs from 'fs';
import * as path from 'path';

/** One Go module whose tools the integration tests run. */
export interface GoTools {
  /** What the log calls them, e.g. "control plane". */
  readonly label: string;
  /** The module's folder (holds go.mod). */
  readonly moduleDir: string;
  /** Where the binaries go. */
  readonly binDir: string;
  /** The binaries the build must leave in binDir. */
  readonly binaries: readonly string[];
  /** Package patterns to build: `tool` builds every tool the go.mod declares. */
  readonly packages: readonly string[];
  /** Files of the module, besides go.mod and go.sum, the binaries are built from. */
  readonly sources?: readonly string[];
  /** `-ldflags` of the build. */
  readonly ldflags?: string;
  /**
   * The Go toolchain the module needs when it is newer than the machine's (GOTOOLCHAIN; the go
   * command takes it from the Go module proxy like any module).
   */
  readonly toolchain?: string;
}

/** The environment the go command runs in for these tools. */
function goEnv(tools: GoTools): NodeJS.ProcessEnv {
  return tools.toolchain ? { ...process.env, GOTOOLCHAIN: tools.toolchain } : process.env;
}

/** Where the module cache holds each of `modules` (dependencies of the tools' module). */
export function goModuleDirs(tools: GoTools, modules: string[]): string[] {
  return execFileSync('go', ['list', '-m', '-f', '{{.Dir}}', ...modules], { cwd: tools.moduleDir, env: goEnv(tools), encoding: 'utf8' }).trim().split('\n');
}

function buildKey(tools: GoTools): string {
  const hash = createHash('sha256');
  for (const file of ['go.mod', 'go.sum', ...(tools.sources ?? [])]) hash.update(fs.readFileSync(path.join(tools.moduleDir, file)));
  hash.update(JSON.stringify([tools.packages, tools.ldflags ?? '', tools.toolchain ?? '']));
  return hash.digest('hex');
}

/** Builds the binaries unless they are up to date; returns what happened, with the time taken. */
export function ensureGoTools(tools: GoTools, log: (line: string) => void = () => undefined): { built: boolean; seconds: number } {
  const stamp = path.join(tools.binDir, '.stamp');
  const key = buildKey(tools);
  const upToDate = fs.existsSync(stamp) && fs.readFileSync(stamp, 'utf8') === key && tools.binaries.every(b => fs.existsSync(path.join(tools.binDir, b)));
  if (upToDate) return { built: false, seconds: 0 };
  fs.mkdirSync(tools.binDir, { recursive: true });
  const started = Date.now();
  log(`${tools.label}: building ${tools.binaries.join(', ')} from source; the first build takes several minutes`);
  execFileSync('go', ['build', '-trimpath', `-ldflags=${tools.ldflags ?? '-s -w'}`, '-o', `${tools.binDir}${path.sep}`, ...tools.packages], {
    cwd: tools.moduleDir,
    env: goEnv(tools),
    stdio: ['ignore', 'inherit', 'inherit'],
  });
  fs.writeFileSync(stamp, key);
  return { built: true, seconds: (Date.now() - started) / 1000 };
}
