/**
 * The access report and diff at pull-request size: a bound on characters, findings and the most
 * security-relevant changes first, a count of what was left out; the JSON and the lean reading
 * path give the same matrix as before.
 */
import * as fs from 'fs';
import * as path from 'path';
import { cli, synthCatalogTo } from './support/cli';
import { tempDir } from './support/synth';
import { generateCatalog } from '../bench/catalog';
import { EXAMPLE_CATALOG } from './support/paths';
import {
  accessDiff, accessDiffReport, AccessMatrix, accessMarkdown, accessMatrix, accessReuse, accessViewer, DEFAULT_REPORT_CHARS,
  IdentityAccess, NamespaceAccess,
} from '../src/analysis/access';
import { ManifestCache, readManifestDir } from '../src/catalog/manifest-reader';


const synth = (catalogText: string, name: string) => synthCatalogTo(catalogText, tempDir(), name);

const cell = (level: NamespaceAccess['level'], meshIngress: boolean, verbs: string[] = ['get']): NamespaceAccess =>
  ({ level, resources: level === 'none' ? {} : { pods: verbs }, grantedBy: [], meshIngress, ...(meshIngress ? { admittedBy: 'ns/policy' } : {}) });

/** A matrix of `n` users, each editor in its own namespace; `extra` identities are added as given. */
function matrix(n: number, extra: IdentityAccess[] = [], open: string[] = []): AccessMatrix {
  const namespaces = Array.from({ length: n }, (_, i) => `team-${String(i).padStart(5, '0')}`);
  return {
    namespaces,
    identities: [...namespaces.map(ns => ({ kind: 'User' as const, name: `user@${ns}.example.com`, access: { [ns]: cell('edit', true) } })), ...extra],
    meshOpen: [],
    network: { openIngress: open, openEgress: [], paths: [] },
    guard: { state: 'enforce', guardedNamespaces: namespaces },
    cloudIdentities: [],
    sharedCloudIdentities: [],
    escalations: [],
    unenforcedPolicies: [],
    gpuQueues: [],
  };
}

describe('the Markdown report stays under its bound', () => {
  const wide: IdentityAccess = { kind: 'Group', name: 'platform-admins', access: { 'team-00001': cell('admin', true), 'team-00002': cell('admin', true) } };
  const gatewayOnly: IdentityAccess = { kind: 'User', name: 'mallory@example.com', access: { 'team-00003': cell('none', true) } };
  const rbacOnly: IdentityAccess = { kind: 'Group', name: 'auditors', access: { 'team-00004': cell('view', false) } };
  const big = matrix(5000, [wide, gatewayOnly, rbacOnly], ['team-00005']);

  test.each([5_000, 20_000, DEFAULT_REPORT_CHARS])('at most %d characters, findings first, saying what it left out', maxChars => {
    const text = accessMarkdown(big, { maxChars });
    expect(text.length).toBeLessThanOrEqual(maxChars);
    const findings = [
      '- network open to every namespace (no ingress policy): team-00005',
      '- gateway only: mallory@example.com in team-00003 (admitted by ns/policy, no RBAC access)',
      '- RBAC only: auditors has view in team-00004, the gateway refuses it',
    ];
    for (const finding of findings) expect(text).toContain(finding);
    // Findings come before every table; the identity with access to two namespaces is listed early too.
    expect(text.indexOf(findings[2])).toBeLessThan(text.indexOf('Access by role'));
    expect(text).toContain('| platform-admins | Group | admin in team-00001, admin in team-00002 |');
    expect(text).toMatch(/… \d+ more (identities|namespaces) left out \(size bound \d+ characters\)/);
    expect(text).toContain('The JSON report (--json) has everything');
  });

  test('with no bound, every identity is listed', () => {
    const text = accessMarkdown(big, { maxChars: 0 });
    expect(text).toContain('| user@team-04999.example.com | User | edit in team-04999 |');
    expect(text).not.toContain('left out');
  });
});

describe('the diff puts what opens access first', () => {
  const before = matrix(3, [
    { kind: 'User', name: 'demoted@example.com', access: { 'team-00000': cell('admin', true) } },
    { kind: 'User', name: 'leaver@example.com', access: { 'team-00001': cell('edit', true) } },
    { kind: 'User', name: 'promoted@example.com', access: { 'team-00002': cell('view', true) } },
  ]);
  const after: AccessMatrix = {
    ...matrix(3, [
      { kind: 'User', name: 'demoted@example.com', access: { 'team-00000': cell('view', true) } },
      { kind: 'User', name: 'newcomer@example.com', access: { 'team-00001': cell('edit', true) } },
      { kind: 'User', name: 'promoted@example.com', access: { 'team-00002': cell('admin', true) } },
    ], ['team-00002']),
    network: { openIngress: ['team-00002'], openEgress: [], paths: [{ from: 'team-00000', to: 'team-00001', ports: ['TCP/80'], policies: [] }] },
    guard: { state: 'warn', guardedNamespaces: [] },
  };

  test('guard weakened, new access, widened roles, newly open, new paths, then the rest', () => {
    expect(accessDiff(before, after)).toEqual([
      '~ tenancy guard: enforce → warn',
      '+ newcomer@example.com: edit in team-00001',
      '~ promoted@example.com: view → admin in team-00002',
      '+ network open to every namespace: team-00002',
      '+ network: team-00000 → team-00001 on TCP/80',
      '~ demoted@example.com: admin → view in team-00000',
      '- leaver@example.com: edit in team-00001',
    ]);
  });

  test('cut to its bound, with a count of the rest', () => {
    const many = matrix(4000);
    const text = accessDiffReport(matrix(0), many, { maxChars: 3_000 });
    expect(text.length).toBeLessThanOrEqual(3_000);
    expect(text.startsWith('+ user@team-00000.example.com: edit in team-00000\n')).toBe(true);
    const shown = text.split('\n').filter(line => line.startsWith('+ ')).length;
    expect(text).toContain(`… ${4000 - shown} more changes not shown (${4000 - shown} widen access, 0 remove it, 0 other)`);
    expect(accessDiffReport(many, many)).toBe('no change in access\n');
  });
});

describe('reading large output lean gives the same matrix', () => {
  const before = synth(generateCatalog(30), 'before');
  // A label on one tenant's namespace, a contributor more in another: the rest is shared.
  const after = synth(generateCatalog(30).replace('  - name: team-29\n', '  - name: team-29\n    namespaceLabels: {tier: gold}\n')
    .replace('      - {name: member-0-of-5@company.com}\n', '      - {name: member-0-of-5@company.com}\n      - {name: newcomer@company.com}\n'), 'after');

  test('the access view and a cache shared by two folders change nothing', () => {
    const plain = [accessMatrix(readManifestDir(before)), accessMatrix(readManifestDir(after))];
    const cache: ManifestCache = new Map();
    const view = accessViewer();
    const lean = [accessMatrix(readManifestDir(before, cache, view)), accessMatrix(readManifestDir(after, cache, view))];
    expect(lean).toEqual(plain);
    // The second matrix of a diff takes over the namespaces whose objects did not change.
    const reuse = accessReuse();
    const reusing = [accessMatrix(readManifestDir(before, cache, view), { reuse }), accessMatrix(readManifestDir(after, cache, view), { reuse })];
    expect(reusing).toEqual(plain);
    expect(reuse.namespaces.get('team-0')?.cells.length).toBeGreaterThan(0);
    // Taken over, not recomputed: an unchanged namespace's cells are the first matrix's objects, a changed one's are new.
    const firstCell = (m: AccessMatrix, namespace: string) => m.identities.find(i => i.kind === 'User' && i.access[namespace] !== undefined)!.access[namespace];
    expect(firstCell(reusing[1], 'team-0')).toBe(firstCell(reusing[0], 'team-0'));
    expect(firstCell(reusing[1], 'team-5')).not.toBe(firstCell(reusing[0], 'team-5'));
    expect(firstCell(plain[1], 'team-0')).not.toBe(firstCell(plain[0], 'team-0'));
    // Every file but team-29's and team-5's is shared: parsed once.
    expect(cache.size).toBeLessThan(listYaml(before).length + 3);
    expect(plain[1].identities.find(i => i.name === 'newcomer@company.com')?.access['team-5']?.level).toBe('edit');
  });

  test('--json writes what JSON.stringify would, without holding it as one string', () => {
    const dir = tempDir();
    const json = path.join(dir, 'access.json');
    expect(cli(['access', before, '--json', json]).code).toBe(0);
    expect(fs.readFileSync(json, 'utf8')).toBe(JSON.stringify(accessMatrix(readManifestDir(before)), null, 2) + '\n');
  });

  test('--max-chars takes a whole number', () => {
    expect(cli(['access', before, '--max-chars', 'lots'])).toMatchObject({ code: 1, stderr: expect.stringContaining('--max-chars: "lots" is not a whole number') });
    expect(cli(['access', before, '--max-chars', '0']).stdout).not.toContain('left out');
  });
});

function listYaml(dir: string): string[] {
  return fs.readdirSync(dir, { recursive: true, encoding: 'utf8' }).filter(f => f.endsWith('manifests.yaml'));
}
