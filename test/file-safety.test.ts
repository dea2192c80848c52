/**
 * Files a command writes besides the output folder (`access --json`, `import -o`): whole or not
 * at all, and a symlink at the path is replaced, never followed (part of issue #26; the output
 * folder's own rules are tested in hostile-input.test.ts).
 */
import * as fs from 'fs';
import * as path from 'path';
import { cli, synthText } from './support/cli';
import { tempDir } from './support/synth';

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
    const dir = tempDir();
    const elsewhere = path.join(dir, 'elsewhere.txt');
    fs.writeFileSync(elsewhere, 'not yours\n');
    const json = path.join(dir, 'access.json');
    fs.symlinkSync(elsewhere, json);
    expect(cli(['access', out, '--json', json]).code).toBe(0);
    expect(fs.readFileSync(elsewhere, 'utf8')).toBe('not yours\n');
    expect(fs.lstatSync(json).isSymbolicLink()).toBe(false);
    expect(JSON.parse(fs.readFileSync(json, 'utf8')).namespaces).toEqual(['team-a']);
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
    const elsewhere = path.join(dir, 'elsewhere.yaml');
    fs.writeFileSync(elsewhere, 'not yours\n');
    const target = path.join(dir, 'tenants.yaml');
    fs.symlinkSync(elsewhere, target);
    expect(cli(['import', profile, '-o', target]).code).toBe(0);
    expect(fs.readFileSync(elsewhere, 'utf8')).toBe('not yours\n');
    expect(fs.lstatSync(target).isSymbolicLink()).toBe(false);
    expect(fs.readFileSync(target, 'utf8')).toContain('name: team-a');
  });
});
