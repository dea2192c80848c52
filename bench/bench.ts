/**
 * Synthesis benchmark: N generated tenants (5 contributors each, with quota,
 * LimitRange and network policy) through the public path (catalog → kf-tenancy
 * synth → GitOps layout), against the floor: the same objects written with the
 * same YAML library to the same files. Beside it, at the same sizes: `kf-tenancy validate` of the
 * catalog, `kf-tenancy access --json` of the output, and `kf-tenancy access --diff` of the output
 * against that of a changed catalog (one contributor added, one demoted, one tenant removed), each
 * with its peak RSS. Median of RUNS runs per N, each run in a fresh process.
 *
 *   npm run bench                  # table
 *   npm run bench -- --json        # JSON
 *   npm run bench -- --sizes 100,1000 --runs 5
 *   npm run bench -- --serial      # the library on one thread, like the floor
 *   npm run bench -- --kueue       # GPU queues on: a ClusterQueue and LocalQueue per tenant, and `capacity`
 *
 * It also times `npx cdk8s synth` of the bundled example (cdk8s.yaml: the example app on the
 * compiled lib/ and the isolation-check plugin), the command a platform team runs on every
 * pull request; `--no-cdk8s` leaves it out.
 */
import { execFileSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { parseArgs } from 'util';
import { changedCatalog, generateCatalog } from './catalog';

const { values } = parseArgs({
  options: {
    'json': { type: 'boolean', default: false },
    'sizes': { type: 'string', default: '100,1000,10000' },
    'runs': { type: 'string', default: '3' },
    'serial': { type: 'boolean', default: false },
    'no-cdk8s': { type: 'boolean', default: false },
    'kueue': { type: 'boolean', default: false },
  },
});
const ROOT = path.join(__dirname, '..');
const sizes = values.sizes!.split(',').map(Number);
const runs = Number(values.runs);
const WORKER = path.join(__dirname, 'worker.ts');

interface Sample { ms: number; maxRssMb: number; objects: number; files: number }

function worker(args: string[]): Sample {
  const out = execFileSync(process.execPath, ['--max-old-space-size=4096', '-r', 'ts-node/register/transpile-only', WORKER, ...args], {
    encoding: 'utf8', maxBuffer: 64 * 1024 * 1024, stdio: ['ignore', 'pipe', 'inherit'],
  });
  return out.trim() ? JSON.parse(out.trim().split('\n').pop()!) : (undefined as any);
}

function printTable(header: string[], table: string[][]): void {
  const widths = header.map((h, i) => Math.max(h.length, ...table.map(row => row[i].length)));
  const line = (cells: string[]) => `| ${cells.map((c, i) => c.padStart(widths[i])).join(' | ')} |`;
  console.log(line(header));
  console.log(`|${widths.map(w => '-'.repeat(w + 2)).join('|')}|`);
  for (const row of table) console.log(line(row));
}

function median(samples: number[]): number {
  const sorted = [...samples].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)];
}

/** Wall time of `npx cdk8s synth` of the bundled example, as the README runs it, into a scratch folder. */
function cdk8sSynthMs(): number {
  const out = fs.mkdtempSync(path.join(os.tmpdir(), 'kf-bench-cdk8s-'));
  const start = process.hrtime.bigint();
  execFileSync('npx', ['cdk8s', 'synth', '--output', out], { cwd: ROOT, stdio: ['ignore', 'ignore', 'pipe'] });
  const ms = Number(process.hrtime.bigint() - start) / 1e6;
  const written = fs.readdirSync(path.join(out, 'tenants')).filter(f => !f.endsWith('.yaml'));
  fs.rmSync(out, { recursive: true, force: true });
  if (written.length !== 4) throw new Error(`cdk8s synth wrote ${written.length} tenant folders, expected the example's 4`);
  return ms;
}

const rows: any[] = [];
/** synth, validate, access --json and access --diff at each size: median time, peak RSS. */
const analysis: Array<Record<string, number>> = [];
for (const n of sizes) {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), `kf-bench-${n}-`));
  const catalog = path.join(dir, 'tenants.yaml');
  fs.writeFileSync(catalog, generateCatalog(n, { kueue: values.kueue }));
  const objectsFile = path.join(dir, 'objects.json');
  worker(['dump', catalog, objectsFile]);
  const library: Sample[] = [];
  const floor: Sample[] = [];
  const validate: Sample[] = [];
  const access: Sample[] = [];
  const diff: Sample[] = [];
  const capacity: Sample[] = [];
  // The folder of a pull request's catalog, for the access diff against the library's output.
  const changed = path.join(dir, 'changed.yaml');
  fs.writeFileSync(changed, changedCatalog(n, { kueue: values.kueue }));
  worker(['library', changed, path.join(dir, 'changed')]);
  for (let r = 0; r < runs; r++) {
    const out = path.join(dir, `lib-${r}`);
    library.push(worker(['library', catalog, out, ...(values.serial ? ['--serial'] : [])]));
    floor.push(worker(['floor', objectsFile, path.join(dir, `floor-${r}`)]));
    validate.push(worker(['validate', catalog]));
    access.push(worker(['access', out, path.join(dir, 'access.json')]));
    diff.push(worker(['diff', path.join(dir, 'changed'), out]));
    if (values.kueue) capacity.push(worker(['capacity', catalog]));
    fs.rmSync(out, { recursive: true, force: true });
    fs.rmSync(path.join(dir, `floor-${r}`), { recursive: true, force: true });
  }
  const timeOf = (samples: Sample[]) => Math.round(median(samples.map(x => x.ms)));
  const rssOf = (samples: Sample[]) => Math.round(Math.max(...samples.map(x => x.maxRssMb)));
  analysis.push({
    tenants: n,
    synthMs: timeOf(library),
    validateMs: timeOf(validate),
    accessMs: timeOf(access),
    diffMs: timeOf(diff),
    synthRssMb: rssOf(library),
    validateRssMb: rssOf(validate),
    accessRssMb: rssOf(access),
    diffRssMb: rssOf(diff),
    ...(values.kueue ? { capacityMs: timeOf(capacity), capacityRssMb: rssOf(capacity) } : {}),
  });
  const ms = median(library.map(s => s.ms));
  const floorMs = median(floor.map(s => s.ms));
  rows.push({
    tenants: n,
    objects: library[0].objects,
    ms: Math.round(ms),
    floorMs: Math.round(floorMs),
    ratio: Number((ms / floorMs).toFixed(2)),
    objectsPerSecond: Math.round(library[0].objects / (ms / 1000)),
    msPerTenant: Number((ms / n).toFixed(3)),
    peakRssMb: Math.round(Math.max(...library.map(s => s.maxRssMb))),
    floorPeakRssMb: Math.round(Math.max(...floor.map(s => s.maxRssMb))),
    runs,
  });
  fs.rmSync(dir, { recursive: true, force: true });
  if (!values.json) process.stderr.write(`measured ${n} tenants\n`);
}

const cdk8sSynth = values['no-cdk8s'] ? undefined : Math.round(median(Array.from({ length: runs }, cdk8sSynthMs)));

if (values.json) {
  process.stdout.write(JSON.stringify({ synth: rows, commands: analysis, cdk8sSynthExampleMs: cdk8sSynth }, null, 2) + '\n');
} else {
  printTable(['tenants', 'objects', 'time (ms)', 'floor (ms)', 'ratio', 'objects/s', 'ms/tenant', 'peak RSS (MB)', 'floor RSS (MB)'], rows.map(r => [
    r.tenants, r.objects, r.ms, r.floorMs, r.ratio, r.objectsPerSecond, r.msPerTenant, r.peakRssMb, r.floorPeakRssMb,
  ].map(String)));
  console.log(`median of ${runs} runs per size; each run in a fresh process`);
  console.log('');
  printTable(['tenants', 'synth (ms)', 'validate (ms)', 'access --json (ms)', 'access --diff (ms)', 'synth RSS', 'validate RSS', 'access RSS', 'diff RSS (MB)'],
    analysis.map(a => [a.tenants, a.synthMs, a.validateMs, a.accessMs, a.diffMs, a.synthRssMb, a.validateRssMb, a.accessRssMb, a.diffRssMb]
      .map(String)));
  if (values.kueue) {
    console.log('');
    printTable(['tenants', 'capacity (ms)', 'capacity RSS (MB)'], analysis.map(a => [a.tenants, a.capacityMs, a.capacityRssMb].map(String)));
  }
  if (analysis.length > 1) {
    // Time per tenant from the smallest to the largest size: 1.00 is linear.
    const [first, last] = [analysis[0], analysis[analysis.length - 1]];
    const growth = (key: string) => ((last[key] / last.tenants) / (first[key] / first.tenants)).toFixed(2);
    console.log(`time per tenant, ${first.tenants} → ${last.tenants} tenants (1.00 = linear): synth ${growth('synthMs')}, validate ${growth('validateMs')}, `
      + `access ${growth('accessMs')}, diff ${growth('diffMs')}${values.kueue ? `, capacity ${growth('capacityMs')}` : ''}`);
  }
  if (cdk8sSynth !== undefined) console.log(`npx cdk8s synth of the bundled example (4 tenants, isolation-check plugin included): ${cdk8sSynth} ms, median of ${runs}`);
}
