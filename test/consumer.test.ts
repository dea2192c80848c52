/**
 * Uses the library as a platform repo would: `npm pack` it, install the tarball
 * into a scratch project that depends only on cdk8s and constructs, and
 * synthesize a tenant there, from code and with the `kf-tenancy` command.
 */
import { execFileSync } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';
import { EXAMPLE_CATALOG, EXAMPLE_PROFILES, ROOT } from './support/paths';
import { listFiles, parseYaml, tempDir } from './support/synth';


function sh(command: string, args: string[], cwd: string): string {
  return execFileSync(command, args, { cwd, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, npm_config_update_notifier: 'false' } });
}

describe('consumer project', () => {
  const scratch = tempDir();
  const pkg = JSON.parse(fs.readFileSync(path.join(ROOT, 'package.json'), 'utf8'));

  beforeAll(() => {
    // Compile with jsii (the real build) and pack the library.
    sh('npx', ['jsii', '--silence-warnings=reserved-word'], ROOT);
    const tarball = sh('npm', ['pack', '--silent', '--pack-destination', scratch], ROOT).trim().split('\n').pop()!;
    fs.writeFileSync(path.join(scratch, 'package.json'), JSON.stringify({
      name: 'platform-repo',
      private: true,
      dependencies: {
        'cdk8s': pkg.devDependencies.cdk8s,
        'constructs': pkg.devDependencies.constructs,
        'cdk8s-kubeflow-tenancy': `file:./${tarball}`,
      },
    }, null, 2));
    sh('npm', ['install', '--no-audit', '--no-fund', '--prefer-offline'], scratch);
  }, 600_000);

  test('installs with cdk8s-plus-28 as its peer and nothing from the repo', () => {
    const installed = path.join(scratch, 'node_modules', 'cdk8s-kubeflow-tenancy');
    expect(fs.existsSync(path.join(installed, 'lib', 'index.js'))).toBe(true);
    expect(fs.existsSync(path.join(installed, 'src'))).toBe(false);
    expect(fs.existsSync(path.join(scratch, 'node_modules', 'cdk8s-plus-28'))).toBe(true);
  });

  test('synthesizes a tenant from code', () => {
    fs.writeFileSync(path.join(scratch, 'main.js'), `
const { Chart } = require('cdk8s');
const { TenancyApp, TenantProfile, IdentityKind } = require('cdk8s-kubeflow-tenancy');
const app = new TenancyApp({ outdir: 'out' });
const tenant = new TenantProfile(new Chart(app, 'platform'), 'team-consumer', { owner: 'owner@company.com' });
tenant.addContributor({ name: 'readers@company.com', kind: IdentityKind.GROUP });
app.synth();
`);
    sh('node', ['main.js'], scratch);
    expect(listFiles(path.join(scratch, 'out'))).toContain('tenants/team-consumer/manifests.yaml');
    const objects = parseYaml(fs.readFileSync(path.join(scratch, 'out/tenants/team-consumer/manifests.yaml'), 'utf8'));
    expect(objects.filter(o => o.kind !== 'NetworkPolicy').map(o => `${o.kind}/${o.metadata.name}`)).toEqual([
      'Namespace/team-consumer',
      'Profile/team-consumer',
      'RoleBinding/group-readers-company-com-clusterrole-edit',
      'AuthorizationPolicy/group-readers-company-com-clusterrole-edit',
    ]);
  });

  test('runs the kf-tenancy command', () => {
    fs.copyFileSync(EXAMPLE_PROFILES, path.join(scratch, 'profile.yaml'));
    expect(sh('npx', ['--no-install', 'kf-tenancy', 'synth', 'profile.yaml', '--out', 'cli-out'], scratch)).toBe('wrote 2 tenants to cli-out\n');
    expect(listFiles(path.join(scratch, 'cli-out')).filter(f => f.endsWith('/manifests.yaml'))).toHaveLength(2);
  });

  test('reads a tenants catalog with the schema shipped in the package', () => {
    fs.copyFileSync(EXAMPLE_CATALOG, path.join(scratch, 'tenants.yaml'));
    expect(sh('npx', ['--no-install', 'kf-tenancy', 'validate', 'tenants.yaml'], scratch)).toBe('4 tenants valid\n');
    fs.writeFileSync(path.join(scratch, 'bad.yaml'), 'apiVersion: kf-tenancy/v1alpha1\nkind: TenantCatalog\ntenants:\n  - {name: t, ownr: x@c.io}\n');
    expect(() => sh('npx', ['--no-install', 'kf-tenancy', 'validate', 'bad.yaml'], scratch)).toThrow(/bad\.yaml:4: tenant "t": entry: unknown key "ownr"/);
  });

  test('ships the cdk8s validation plugin as a file cdk8s-cli can load by path', () => {
    const plugin = path.join(scratch, 'node_modules', 'cdk8s-kubeflow-tenancy', 'lib', 'validation-plugin.js');
    const script = `new (require(${JSON.stringify(plugin)}).IsolationCheck)({catalog: 'tenants.yaml'}).validate({manifests: [], `
      + 'report: {addViolation: v => console.log(v.recommendation), submit: s => console.log(s)}})';
    expect(sh('node', ['-e', script], scratch)).toBe('success\n');
  });
});
