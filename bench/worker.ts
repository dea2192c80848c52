/**
 * One measured run, in its own process so that peak RSS is its own.
 *   worker.ts library CATALOG OUTDIR   - kf-tenancy synth of the catalog (the public path)
 *   worker.ts floor   OBJECTS  OUTDIR   - the same objects and files: YAML library, same layout, one thread
 *   worker.ts dump    CATALOG  OBJECTS  - (untimed) writes the objects of every file as JSON
 *   worker.ts validate CATALOG          - kf-tenancy validate of the catalog
 *   worker.ts access  OUTDIR   JSON     - kf-tenancy access --json of a synthesized folder
 *   worker.ts diff    OUTDIR   OLDDIR   - kf-tenancy access OUTDIR --diff OLDDIR
 *   worker.ts capacity CATALOG          - kf-tenancy capacity of the catalog (GPU queues)
 * Prints one JSON line: { ms, maxRssMb, objects, files }.
 */
import * as fs from 'fs';
import * as path from 'path';
import { Chart } from 'cdk8s';
import { parseAllDocuments, stringify } from 'yaml';
import { TenancyApp, TenantCatalog } from '../src';
import { run } from '../src/cli/index';

const [mode, input, output] = process.argv.slice(2);

function countObjects(dir: string): { objects: number; files: number } {
  let objects = 0;
  let files = 0;
  const walk = (d: string) => {
    for (const entry of fs.readdirSync(d, { withFileTypes: true })) {
      const p = path.join(d, entry.name);
      if (entry.isDirectory()) {walk(p);} else if (entry.name === 'manifests.yaml') {
        files++;
        objects += (fs.readFileSync(p, 'utf8').match(/^apiVersion: /gm) ?? []).length;
      }
    }
  };
  walk(dir);
  return { objects, files };
}

function report(ms: number, outdir: string): void {
  const counts = countObjects(outdir);
  process.stdout.write(JSON.stringify({ ms, maxRssMb: process.resourceUsage().maxRSS / 1024, ...counts }) + '\n');
}

if (mode === 'library') {
  const start = process.hrtime.bigint();
  const serial = process.argv.includes('--serial') ? ['--serial'] : [];
  const code = run(['node', 'kf-tenancy', 'synth', input, '--out', output, ...serial], { out: () => undefined, err: t => process.stderr.write(t) });
  const ms = Number(process.hrtime.bigint() - start) / 1e6;
  if (code !== 0) process.exit(code);
  report(ms, output);
} else if (mode === 'validate' || mode === 'capacity' || mode === 'access' || mode === 'diff') {
  const args = mode === 'validate' || mode === 'capacity' ? [mode, input] : mode === 'access' ? ['access', input, '--json', output] : ['access', input, '--diff', output];
  const start = process.hrtime.bigint();
  const code = run(['node', 'kf-tenancy', ...args], { out: () => undefined, err: t => process.stderr.write(t) });
  const ms = Number(process.hrtime.bigint() - start) / 1e6;
  if (code !== 0) process.exit(code);
  process.stdout.write(JSON.stringify({ ms, maxRssMb: process.resourceUsage().maxRSS / 1024, objects: 0, files: 0 }) + '\n');
} else if (mode === 'floor') {
  const files: Array<{ path: string; docs: any[] }> = JSON.parse(fs.readFileSync(input, 'utf8'));
  const start = process.hrtime.bigint();
  // Same library, same options and same layout as the real output.
  fs.mkdirSync(output, { recursive: true });
  for (const file of files) {
    const target = path.join(output, file.path);
    fs.mkdirSync(path.dirname(target), { recursive: true });
    fs.writeFileSync(target, file.docs.map(d => stringify(d, { keepUndefined: true, lineWidth: 0, version: '1.1' })).join('---\n'));
  }
  const ms = Number(process.hrtime.bigint() - start) / 1e6;
  report(ms, output);
} else if (mode === 'dump') {
  const app = new TenancyApp();
  TenantCatalog.fromFiles(new Chart(app, 'tenants'), 'catalog', [input]);
  // Every file of the real layout (kustomizations included), as plain objects.
  const files = app.renderManifests().map(f => ({ path: f.path, docs: parseAllDocuments(f.content).map((d: any) => d.toJS()) }));
  fs.writeFileSync(output, JSON.stringify(files));
} else {
  throw new Error(`unknown mode ${mode}`);
}
