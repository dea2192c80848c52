/**
 * kustomize, built from source through the Go module proxy on first use (about
 * a minute) into .tmp/bin, so the tests need nothing installed by hand.
 */
import { execFileSync } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';

export const KUSTOMIZE_MODULE = 'sigs.k8s.io/kustomize/kustomize/v5@v5.8.1';
const BIN_DIR = path.join(__dirname, '..', '..', '.tmp', 'bin');
const BINARY = path.join(BIN_DIR, 'kustomize');

export function kustomizeBinary(): string {
  if (!fs.existsSync(BINARY)) {
    fs.mkdirSync(BIN_DIR, { recursive: true });
    execFileSync('go', ['install', KUSTOMIZE_MODULE], {
      env: { ...process.env, GOBIN: BIN_DIR, GOFLAGS: '-mod=mod' },
      stdio: ['ignore', 'ignore', 'pipe'],
    });
  }
  return BINARY;
}

/** `kustomize build dir`, as text. */
export function kustomizeBuild(dir: string): string {
  return execFileSync(kustomizeBinary(), ['build', dir], { encoding: 'utf8', maxBuffer: 512 * 1024 * 1024 });
}
