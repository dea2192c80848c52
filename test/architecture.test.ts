/**
 * Keeps the synthesis linear without timing anything: the work done per tenant
 * (constructs visited, validations, tree size) must not grow with the number
 * of tenants. App.synth() with one chart per tenant fails these checks: every
 * chart re-validates the whole app.
 */
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { Chart } from 'cdk8s';
import { Node } from 'constructs';
import { loadESLint } from 'eslint';
import { TenancyApp, TenantCatalog, TenantProfile } from '../src';
import { cli } from './support/cli';
import { ROOT } from './support/paths';
import { listFiles, tempDir } from './support/synth';
import { ParallelFileWriter } from '../src/synth/parallel-writer';
import { SynthesisRun } from '../src/synth/pipeline';

function catalog(n: number): string {
  const tenants = Array.from({ length: n }, (_, i) =>
    `  - {name: team-${i}, owner: o${i}@c.io, contributors: [{name: a${i}@c.io}, {name: b${i}@c.io, role: view}], resourceQuota: {cpu: "4"}}`);
  return `apiVersion: kf-tenancy/v1alpha1\nkind: TenantCatalog\ntenants:\n${tenants.join('\n')}\n`;
}

interface Work { visited: number; validations: number; maxAppChildren: number }

/** Runs `action` while counting constructs visited by findAll, validations, and the app's widest point. */
function measure(action: () => void): Work {
  const work: Work = { visited: 0, validations: 0, maxAppChildren: 0 };
  const original = SynthesisRun.prototype.tenant;
  const findAll = Node.prototype.findAll;
  const validate = Node.prototype.validate;
  const findSpy = jest.spyOn(Node.prototype, 'findAll').mockImplementation(function (this: Node, order) {
    const result = findAll.call(this, order);
    work.visited += result.length;
    if (this.scope === undefined) work.maxAppChildren = Math.max(work.maxAppChildren, this.children.length);
    return result;
  });
  const validateSpy = jest.spyOn(Node.prototype, 'validate').mockImplementation(function (this: Node) {
    work.validations++;
    return validate.call(this);
  });
  // The widest the app gets: measured each time the pipeline emits a tenant.
  const tenantSpy = jest.spyOn(SynthesisRun.prototype, 'tenant').mockImplementation(function (this: SynthesisRun, tenant: TenantProfile) {
    work.maxAppChildren = Math.max(work.maxAppChildren, tenant.node.root.node.children.length);
    return original.call(this, tenant);
  });
  try {
    action();
  } finally {
    findSpy.mockRestore();
    validateSpy.mockRestore();
    tenantSpy.mockRestore();
  }
  return work;
}

function cliSynth(n: number): Work {
  const dir = tempDir();
  const file = path.join(dir, 'c.yaml');
  fs.writeFileSync(file, catalog(n));
  const work = measure(() => expect(cli(['synth', file, '--out', path.join(dir, 'out')]).code).toBe(0));
  expect(listFiles(path.join(dir, 'out')).filter(f => f.endsWith('/manifests.yaml'))).toHaveLength(n);
  return work;
}

function treeSynth(n: number): Work {
  const dir = tempDir();
  const file = path.join(dir, 'c.yaml');
  fs.writeFileSync(file, catalog(n));
  return measure(() => {
    const app = new TenancyApp({ outdir: path.join(dir, 'out') });
    TenantCatalog.fromFiles(new Chart(app, 'c'), 'catalog', [file]);
    app.synth();
  });
}

describe('synthesis work grows linearly with the number of tenants', () => {
  test('kf-tenancy synth streams: the tree never holds more than one tenant', () => {
    const small = cliSynth(30);
    const large = cliSynth(120);
    expect(large.maxAppChildren).toBe(small.maxAppChildren);
    expect(large.maxAppChildren).toBeLessThanOrEqual(2);
    // 4× the tenants: 4× the work (a quadratic walk would be 16×).
    expect(large.visited / small.visited).toBeGreaterThan(3.5);
    expect(large.visited / small.visited).toBeLessThan(4.5);
    expect(large.validations / small.validations).toBeLessThan(4.5);
  });

  test('TenancyApp.synth walks the tree a constant number of times', () => {
    const small = treeSynth(30);
    const large = treeSynth(120);
    expect(large.visited / small.visited).toBeLessThan(4.5);
    expect(large.validations / small.validations).toBeLessThan(4.5);
  });
});

describe('parallel writes', () => {
  test.each([[10, 0], [200, 2]])('%d files: %d writer threads (threads start only when they pay off)', (files, threads) => {
    const dir = tempDir();
    const writer = new ParallelFileWriter(dir, true);
    for (let i = 0; i < files; i++) writer.write({ path: `f/${i}.yaml`, docs: [{ kind: 'ConfigMap', metadata: { name: `c${i}` } }] });
    writer.finish();
    expect(writer.threads).toBe(Math.min(threads, os.availableParallelism()));
    expect(listFiles(dir)).toHaveLength(files);
    expect(fs.readFileSync(path.join(dir, 'f', `${files - 1}.yaml`), 'utf8')).toBe(`kind: ConfigMap\nmetadata:\n  name: c${files - 1}\n`);
  });

  test('worker threads and the main thread write the same bytes', () => {
    const dir = tempDir();
    const file = path.join(dir, 'c.yaml');
    fs.writeFileSync(file, catalog(40));
    const contents = (parallelWrites: boolean) => {
      const out = path.join(dir, `out-${parallelWrites}`);
      const app = new TenancyApp({ outdir: out, parallelWrites });
      TenantCatalog.fromFiles(new Chart(app, 'c'), 'catalog', [file]);
      app.synth();
      return Object.fromEntries(listFiles(out).map(f => [f, fs.readFileSync(path.join(out, f), 'utf8')]));
    };
    const threaded = contents(true);
    expect(Object.keys(threaded).length).toBe(40 * 2 + 3);
    expect(threaded).toEqual(contents(false));
  });
});

/**
 * The pipeline's layers (CONTRIBUTING.md "Where things live"): imports point one way and never
 * in a circle. eslint enforces it (.projenrc.ts: import/no-restricted-paths, import/no-cycle,
 * the catalog's type-only use of constructs, no explicit any in src/); these tests run the same
 * configuration over src/, and over a scratch project with one wrong import each, so a rule that
 * stops working is noticed.
 */
describe('layers', () => {
  const LAYER_RULES = ['import/no-restricted-paths', 'import/no-cycle', '@typescript-eslint/no-restricted-imports', '@typescript-eslint/no-explicit-any',
    'max-lines', 'max-lines-per-function'];

  /** The repository's layer zones, read from the generated eslint configuration, resolved against `cwd`. */
  function zonesFor(cwd: string): unknown[] {
    const config = JSON.parse(fs.readFileSync(path.join(ROOT, '.eslintrc.json'), 'utf8').replace(/^\/\/.*\n/, ''));
    const [level, options] = config.rules['import/no-restricted-paths'];
    // The rule resolves zones against the process's folder unless told otherwise.
    return [level, { ...options, basePath: cwd }];
  }

  async function lint(cwd: string, patterns: string[]): Promise<string[]> {
    const LegacyESLint = await loadESLint({ useFlatConfig: false });
    const eslint = new LegacyESLint({ cwd, resolvePluginsRelativeTo: ROOT, overrideConfig: { rules: { 'import/no-restricted-paths': zonesFor(cwd) } } });
    const results = await eslint.lintFiles(patterns);
    // One line per file and rule (an import two zones forbid is reported twice).
    return [...new Set(results.flatMap(r => r.messages
      .filter(m => m.ruleId !== null && LAYER_RULES.includes(m.ruleId))
      .map(m => `${path.relative(cwd, r.filePath)}: ${m.ruleId}`)))];
  }

  test('src/ imports point one way, without cycles or explicit any; no file over 400 lines, no function over 80', async () => {
    expect(await lint(ROOT, ['src'])).toEqual([]);
  });

  // A scratch project with the repository's eslint configuration; each file breaks one rule.
  const BROKEN: Record<string, string> = {
    'src/core/rule.ts': "import { App } from '../synth/app';\nexport const rule = App;\n",
    'src/synth/app.ts': 'export class App {}\n',
    'src/analysis/report.ts': "import { Tenant } from '../constructs/tenant';\nexport const report = Tenant;\n",
    'src/constructs/tenant.ts': 'export class Tenant {}\nexport interface TenantProps { readonly name: string }\n',
    'src/catalog/reader.ts': "import { Tenant } from '../constructs/tenant';\nimport type { TenantProps } from '../constructs/tenant';\n"
      + 'export const reader = (props: TenantProps) => new Tenant() && props;\n',
    'src/constructs/cluster.ts': "import { run } from '../cli/run';\nexport const cluster = run;\n",
    'src/cli/run.ts': 'export function run(): void {}\n',
    'src/core/a.ts': "import { b } from './b';\nexport const a = () => b;\n",
    'src/core/b.ts': "import { a } from './a';\nexport const b = () => a;\n",
    'src/core/loose.ts': 'export function loose(value: any): string { return String(value); }\n',
    'src/core/long.ts': `export function long(): number {\n  let n = 0;\n${'  n++;\n'.repeat(79)}  return n;\n}\n`,
    'src/core/big.ts': Array.from({ length: 401 }, (_, i) => `export const c${i} = ${i};`).join('\n') + '\n',
  };

  test('a wrong-way import, a cycle, a construct in the catalog, an explicit any, a long file and a long function are each refused', async () => {
    // Inside the repository (plugins and parsers resolve from its node_modules); .tmp/ is ignored by git.
    fs.mkdirSync(path.join(ROOT, '.tmp'), { recursive: true });
    const scratch = fs.mkdtempSync(path.join(ROOT, '.tmp', 'layers-'));
    try {
      fs.copyFileSync(path.join(ROOT, '.eslintrc.json'), path.join(scratch, '.eslintrc.json'));
      fs.writeFileSync(path.join(scratch, 'tsconfig.json'), JSON.stringify({ compilerOptions: { strict: true, module: 'node16', target: 'ES2022' }, include: ['src/**/*.ts'] }));
      for (const [file, text] of Object.entries(BROKEN)) {
        fs.mkdirSync(path.dirname(path.join(scratch, file)), { recursive: true });
        fs.writeFileSync(path.join(scratch, file), text);
      }
      expect((await lint(scratch, ['src'])).sort()).toEqual([
        'src/analysis/report.ts: import/no-restricted-paths',
        'src/catalog/reader.ts: @typescript-eslint/no-restricted-imports',
        'src/constructs/cluster.ts: import/no-restricted-paths',
        'src/core/a.ts: import/no-cycle',
        'src/core/b.ts: import/no-cycle',
        'src/core/big.ts: max-lines',
        'src/core/long.ts: max-lines-per-function',
        'src/core/loose.ts: @typescript-eslint/no-explicit-any',
        'src/core/rule.ts: import/no-restricted-paths',
      ]);
    } finally {
      fs.rmSync(scratch, { recursive: true, force: true });
    }
  });
});
