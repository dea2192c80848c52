import { run } from '../../src/cli/index';

/** Runs `kf-tenancy ...args` in-process and captures its output. */
export function cli(args: string[], options: { isTTY?: boolean } = {}) {
  let stdout = '';
  let stderr = '';
  const code = run(['node', 'kf-tenancy', ...args], { out: t => { stdout += t; }, err: t => { stderr += t; }, isTTY: options.isTTY ?? false });
  return { code, stdout, stderr };
}
