/**
 * Checks the public API as other languages see it: compiles with jsii, fails
 * on `any` or union types (they have no good Python form) and on undocumented
 * members, then regenerates the reference with jsii-docgen into .tmp and fails
 * when API.md differs. `npx projen compile && npx projen docgen` rewrites API.md.
 */
import { execFileSync } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';

const ROOT = path.join(__dirname, '..');
const fresh = path.join(ROOT, '.tmp', 'API.md');
fs.mkdirSync(path.dirname(fresh), { recursive: true });
execFileSync('npx', ['jsii', '--silence-warnings=reserved-word'], { cwd: ROOT, stdio: ['ignore', 'ignore', 'inherit'] });
const assembly = JSON.parse(fs.readFileSync(path.join(ROOT, '.jsii'), 'utf8'));
const problems: string[] = [];
for (const [fqn, type] of Object.entries<any>(assembly.types)) {
  const text = JSON.stringify(type);
  if (text.includes('"primitive":"any"') || text.includes('"union"')) problems.push(`${fqn}: uses any or a union type`);
  if (!type.docs?.summary) problems.push(`${fqn}: no documentation`);
  for (const member of [...(type.properties ?? []), ...(type.methods ?? []), ...(type.members ?? [])]) {
    if (!member.docs?.summary) problems.push(`${fqn}.${member.name}: no documentation`);
  }
}
if (problems.length > 0) {
  console.error(`public API review failed:\n${problems.map(p => `  - ${p}`).join('\n')}`);
  process.exit(1);
}
execFileSync('npx', ['jsii-docgen', '-o', fresh], { cwd: ROOT, stdio: ['ignore', 'ignore', 'inherit'] });
if (fs.readFileSync(fresh, 'utf8') !== fs.readFileSync(path.join(ROOT, 'API.md'), 'utf8')) {
  console.error('API.md is stale: run `npx projen compile && npx projen docgen` and commit API.md');
  process.exit(1);
}
console.log('API.md is up to date');
