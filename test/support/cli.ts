import * as fs from 'fs';
import * as path from 'path';
import { listFiles, tempDir } from './synth';
import { run } from '../../src/cli/index';

/** Runs `kf-tenancy ...args` in-process and captures its output. */
export function cli(args: string[], options: { isTTY?: boolean } = {}) {
  let stdout = '';
  let stderr = '';
  const code = run(['node', 'kf-tenancy', ...args], { out: t => { stdout += t; }, err: t => { stderr += t; }, isTTY: options.isTTY ?? false });
  return { code, stdout, stderr };
}

/** `kf-tenancy synth` of a catalog given as text (written to `tenants.yaml` in a fresh folder): its result and the files it wrote. */
export function synthText(text: string, args: string[] = []) {
  const dir = tempDir();
  const input = path.join(dir, 'tenants.yaml');
  fs.writeFileSync(input, text);
  const out = path.join(dir, 'out');
  const result = cli(['synth', input, '--out', out, ...args]);
  return { ...result, written: listFiles(out), input, out };
}

/** `kf-tenancy synth` of a catalog given as text into `<dir>/<name>` (the catalog is `<dir>/<name>.yaml`); fails the test unless it succeeds. */
export function synthCatalogTo(text: string, dir: string, name: string): string {
  const file = path.join(dir, `${name}.yaml`);
  fs.writeFileSync(file, text);
  const out = path.join(dir, name);
  const result = cli(['synth', file, '--out', out]);
  if (result.code !== 0) throw new Error(`kf-tenancy synth failed: ${result.stderr}`);
  return out;
}
