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
import { TenancyApp, TenantCatalog, TenantProfile } from '../src';
import { cli } from './support/cli';
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
