/**
 * Output bytes do not change by accident. Every file written for the bundled example (YAML
 * catalog with Argo CD and Flux, Profile YAML, the TypeScript app) and for the benchmark's
 * catalog is compared, by SHA-256, with the digests recorded in
 * `test/fixtures/output-digests.json`. A refactoring must leave them alone; a deliberate change
 * of output re-records them (`UPDATE_OUTPUT_DIGESTS=1 npx jest test/output-stability.test.ts`)
 * and the pull request shows the changed file names.
 */
import { createHash } from 'crypto';
import * as fs from 'fs';
import * as path from 'path';
import { generateCatalog } from '../bench/catalog';
import { ExampleTeams } from '../examples/teams';
import { TenancyApp } from '../src';
import { cli } from './support/cli';
import { EXAMPLE_CATALOG, EXAMPLE_PROFILES, ROOT } from './support/paths';
import { listFiles, tempDir } from './support/synth';

const DIGESTS = path.join(__dirname, 'fixtures', 'output-digests.json');

type Digests = Record<string, Record<string, string>>;

function digestsOf(dir: string): Record<string, string> {
  return Object.fromEntries(listFiles(dir).sort().map(file =>
    [file, createHash('sha256').update(fs.readFileSync(path.join(dir, file))).digest('hex')]));
}

function cliSynth(args: string[]): Record<string, string> {
  const out = path.join(tempDir(), 'out');
  const result = cli(['synth', ...args, '--out', out]);
  expect(result.stderr).toBe('');
  expect(result.code).toBe(0);
  return digestsOf(out);
}

const CASES: Record<string, () => Record<string, string>> = {
  'example catalog with Argo CD and Flux': () => cliSynth([EXAMPLE_CATALOG,
    '--argocd', '--repo-url', 'https://git.example.com/platform.git', '--repo-path', 'deploy/tenants', '--flux']),
  'example Profile YAML without a profile controller': () => cliSynth([EXAMPLE_PROFILES,
    '--profile-controller', 'none']),
  'example TypeScript app': () => {
    const out = path.join(tempDir(), 'out');
    const app = new TenancyApp({ outdir: out });
    new ExampleTeams(app, 'example-teams');
    app.synth();
    return digestsOf(out);
  },
  'benchmark catalog, 40 tenants': () => {
    const file = path.join(tempDir(), 'bench.yaml');
    fs.writeFileSync(file, generateCatalog(40));
    return cliSynth([file]);
  },
};

describe('output bytes are unchanged', () => {
  const recorded: Digests = fs.existsSync(DIGESTS) ? JSON.parse(fs.readFileSync(DIGESTS, 'utf8')) : {};
  const current: Digests = {};

  test.each(Object.keys(CASES))('%s', name => {
    current[name] = CASES[name]();
    if (process.env.UPDATE_OUTPUT_DIGESTS) return;
    expect(current[name]).toEqual(recorded[name]);
  });

  afterAll(() => {
    if (!process.env.UPDATE_OUTPUT_DIGESTS) return;
    fs.mkdirSync(path.dirname(DIGESTS), { recursive: true });
    fs.writeFileSync(DIGESTS, JSON.stringify(current, null, 2) + '\n');
  });
});
