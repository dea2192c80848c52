/**
 * Files a command writes besides the output folder (`access --json`, `import -o`): whole or not
 * at all, and a symlink at the path is replaced, never followed (part of issue #26; the output
 * folder's own rules are tested in hostile-input.test.ts).
 */
import { execFileSync } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';
import { cli, synthText } from './support/cli';
import { EXAMPLE_PROFILES } from './support/paths';
import { tempDir } from './support/synth';

/** A symbolic link at `dir/name` to a file of someone else's, for a command to write to. */
function linkToElsewhere(dir: string, name: string): { target: string; untouched: () => void } {
  const elsewhere = path.join(dir, `elsewhere-${name}`);
  fs.writeFileSync(elsewhere, 'not yours\n');
  const target = path.join(dir, name);
  fs.symlinkSync(elsewhere, target);
  // The link itself is replaced by the command's file; what it pointed to stays as it was.
  const untouched = () => {
    expect(fs.readFileSync(elsewhere, 'utf8')).toBe('not yours\n');
    expect(fs.lstatSync(target).isSymbolicLink()).toBe(false);
  };
  return { target, untouched };
}

const CATALOG = 'apiVersion: kf-tenancy/v1alpha1\nkind: TenantCatalog\ntenants:\n  - {name: team-a, owner: a@c.io}\n';

describe('access --json', () => {
  const { out } = synthText(CATALOG);

  test('a failing command leaves an existing file untouched (--diff of a missing folder)', () => {
    const dir = tempDir();
    const json = path.join(dir, 'access.json');
    fs.writeFileSync(json, 'the previous report\n');
    const result = cli(['access', out, '--json', json, '--diff', path.join(dir, 'missing')]);
    expect(result.code).toBe(1);
    expect(fs.readFileSync(json, 'utf8')).toBe('the previous report\n');
    expect(fs.readdirSync(dir)).toEqual(['access.json']); // no temporary file left behind
  });

  test('a symlink at the path is replaced, and the file it pointed to is not written', () => {
    const { target: json, untouched } = linkToElsewhere(tempDir(), 'access.json');
    expect(cli(['access', out, '--json', json]).code).toBe(0);
    untouched();
    expect(JSON.parse(fs.readFileSync(json, 'utf8')).namespaces).toEqual(['team-a']);
  });

  test('a FIFO (or a device) at the path is refused, not replaced', () => {
    const dir = tempDir();
    const fifo = path.join(dir, 'access.json');
    execFileSync('mkfifo', [fifo]);
    const result = cli(['access', out, '--json', fifo]);
    expect(result).toMatchObject({ code: 1, stderr: expect.stringContaining('cannot write: it is not a regular file') });
    expect(fs.lstatSync(fifo).isFIFO()).toBe(true);
    // import -o takes the same path (a device node is refused like the FIFO; not tested on /dev, which root could replace).
    const catalog = path.join(dir, 'tenants.fifo');
    execFileSync('mkfifo', [catalog]);
    expect(cli(['import', '-o', catalog, EXAMPLE_PROFILES]).code).toBe(1);
    expect(fs.lstatSync(catalog).isFIFO()).toBe(true);
  });

  test('a folder or a missing parent is the user\'s input problem (exit code 1), not an internal error', () => {
    const dir = tempDir();
    expect(cli(['access', out, '--json', dir])).toMatchObject({ code: 1, stderr: expect.stringContaining(`${dir}: cannot write: EISDIR`) });
    expect(cli(['access', out, '--json', path.join(dir, 'no', 'such.json')])).toMatchObject({ code: 1, stderr: expect.stringContaining('cannot write: ENOENT') });
  });
});

describe('import -o', () => {
  test('a symlink at the path is replaced, and the file it pointed to is not written', () => {
    const dir = tempDir();
    const profile = path.join(dir, 'profile.yaml');
    fs.writeFileSync(profile, 'apiVersion: kubeflow.org/v1\nkind: Profile\nmetadata: {name: team-a}\nspec: {owner: {kind: User, name: a@c.io}}\n');
    const { target, untouched } = linkToElsewhere(dir, 'tenants.yaml');
    expect(cli(['import', profile, '-o', target]).code).toBe(0);
    untouched();
    expect(fs.readFileSync(target, 'utf8')).toContain('name: team-a');
  });
});

describe('synth never writes through a symbolic link in --out', () => {
  const setup = () => {
    const dir = tempDir();
    const input = path.join(dir, 'tenants.yaml');
    fs.writeFileSync(input, CATALOG);
    const outside = path.join(dir, 'outside');
    fs.mkdirSync(outside);
    fs.writeFileSync(path.join(outside, 'keep.txt'), 'not yours\n');
    return { dir, input, outside, out: path.join(dir, 'out') };
  };
  const outsideUntouched = (outside: string) => expect(fs.readdirSync(outside)).toEqual(['keep.txt']);

  test('the output folder itself a link: refused, with or without --force', () => {
    const { input, outside, out } = setup();
    fs.symlinkSync(outside, out);
    for (const args of [[], ['--force']]) {
      const result = cli(['synth', input, '--out', out, ...args]);
      expect(result.code).toBe(1);
      expect(result.stderr).toContain(`output folder "${out}" is a symbolic link`);
    }
    outsideUntouched(outside);
  });

  test('a tenant folder that is a link: refused by synth --force, nothing written there', () => {
    const { input, outside, out } = setup();
    expect(cli(['synth', input, '--out', out]).code).toBe(0);
    fs.rmSync(path.join(out, 'tenants', 'team-a'), { recursive: true });
    fs.symlinkSync(outside, path.join(out, 'tenants', 'team-a'));
    expect(cli(['synth', input, '--out', out]).stderr).toContain('holds 1 file this tool did not write ("tenants/team-a")');
    const forced = cli(['synth', input, '--out', out, '--force']);
    expect(forced.code).toBe(1);
    expect(forced.stderr).toContain('"tenants/team-a" is a symbolic link where this tool writes a folder');
    outsideUntouched(outside);
    expect(fs.lstatSync(path.join(out, 'tenants', 'team-a')).isSymbolicLink()).toBe(true);
  });

  test('a file inside that is a link is replaced, never written through', () => {
    const { input, outside, out } = setup();
    expect(cli(['synth', input, '--out', out]).code).toBe(0);
    const manifests = path.join(out, 'tenants', 'team-a', 'manifests.yaml');
    fs.rmSync(manifests);
    fs.symlinkSync(path.join(outside, 'keep.txt'), manifests);
    expect(cli(['synth', input, '--out', out, '--force']).code).toBe(0);
    expect(fs.readFileSync(path.join(outside, 'keep.txt'), 'utf8')).toBe('not yours\n');
    expect(fs.lstatSync(manifests).isSymbolicLink()).toBe(false);
  });

  test('a marker file that is a link is not read as the list of owned files', () => {
    const { input, outside, out } = setup();
    fs.mkdirSync(out);
    fs.writeFileSync(path.join(outside, 'list'), 'keep.txt\n');
    fs.symlinkSync(path.join(outside, 'list'), path.join(out, '.kf-tenancy-files'));
    fs.writeFileSync(path.join(out, 'keep.txt'), 'a file of the user\n');
    const result = cli(['synth', input, '--out', out]);
    expect(result.code).toBe(1);
    expect(result.stderr).toContain('this tool did not write');
    expect(fs.readFileSync(path.join(out, 'keep.txt'), 'utf8')).toBe('a file of the user\n');
  });
});

describe('terminal safety: nothing from input reaches the terminal raw', () => {
  const ESC = '\u001b';
  test.each([
    ['an unknown option (the argument parser\'s own message)', ['synth', `--${ESC}[2Jevil`]],
    ['an unknown command', [`${ESC}]0;pwned${'\u0007'}`]],
    ['a file name', ['validate', `/nonexistent/${ESC}[31mred.yaml`]],
    ['an --out folder in the success line', ['synth', '--out', `out-${ESC}[1m`]],
    ['a bidirectional override in an option value', ['access', 'dist', '--max-chars', '1\u202e0']],
  ])('%s', (_, args) => {
    const dir = tempDir();
    const cwd = process.cwd();
    process.chdir(dir);
    try {
      fs.writeFileSync('tenants.yaml', CATALOG);
      const result = cli(args[0] === 'synth' && args[1] === '--out' ? ['synth', 'tenants.yaml', ...args.slice(1)] : args);
      const printed = result.stdout + result.stderr;
      expect(printed.length).toBeGreaterThan(0);
      expect(printed).not.toMatch(/[\u0000-\u0008\u000b-\u001f\u007f\u202e]/);
    } finally {
      process.chdir(cwd);
    }
  });
});

describe('YAML that refers to itself', () => {
  test.each(['a: &a [*a]\n', 'apiVersion: kf-tenancy/v1alpha1\nkind: TenantCatalog\ntenants: &t [*t]\n',
    'apiVersion: kubeflow.org/v1\nkind: Profile\nmetadata: {name: a}\nspec: &s {owner: {kind: User, name: a@b.io}, x: *s}\n'])('%j is refused, not an internal error', text => {
    const dir = tempDir();
    const file = path.join(dir, 'input.yaml');
    fs.writeFileSync(file, text);
    for (const command of ['validate', 'import']) expect({ command, code: cli([command, file]).code }).toEqual({ command, code: 1 });
  });
});

describe('drift and access on the wrong input say so', () => {
  test('import --drift-from with a dump that holds no Profile', () => {
    const dir = tempDir();
    const live = path.join(dir, 'live.yaml');
    fs.writeFileSync(live, 'apiVersion: v1\nkind: List\nitems: []\n');
    const catalog = path.join(dir, 'tenants.yaml');
    fs.writeFileSync(catalog, CATALOG);
    const result = cli(['import', live, '--drift-from', catalog]);
    expect(result.code).toBe(1);
    expect(result.stderr).toContain('holds no kubeflow.org Profile, so there is nothing to compare with Git');
    expect(result.stdout).not.toContain('in Git, not in the cluster');
  });

  test('access and access --diff on a folder that is not synth output', () => {
    const dir = tempDir();
    fs.writeFileSync(path.join(dir, 'deploy.yaml'), 'apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: web, namespace: team-a}\n');
    const { out } = synthText(CATALOG);
    for (const args of [['access', dir], ['access', out, '--diff', dir]]) {
      const result = cli(args);
      expect({ args, code: result.code }).toEqual({ args, code: 1 });
      expect(result.stderr).toContain(`${dir}: holds Kubernetes objects but no Namespace and no .kf-tenancy-files marker, so it is not the output of kf-tenancy synth`);
    }
  });
});
