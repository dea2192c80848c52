/**
 * Server-side apply of real output: every object accepted by kube-apiserver
 * (names, schemas, CRD validation, admission), and a second apply changes nothing.
 */
import * as fs from 'fs';
import { EXAMPLE_CATALOG, kubectl, kubectlOk, synthCatalog } from './support/cluster';

/** Objects in a kustomize build of `dir`. */
function objectCount(dir: string): number {
  return kubectlOk(['kustomize', dir]).split(/^---$/m).filter(doc => doc.trim() !== '').length;
}

/** A catalog of `count` tenants with owners, shared contributors, groups, quotas and team roles. */
export function generatedCatalog(count: number): string {
  const lines = ['apiVersion: kf-tenancy/v1alpha1', 'kind: TenantCatalog', 'tenants:'];
  for (let i = 0; i < count; i++) {
    const n = String(i).padStart(3, '0');
    lines.push(`  - name: team-${n}`, `    owner: owner${n}@example.com`, '    contributors:');
    lines.push(`      - {name: shared${i % 7}@example.com, role: ${i % 2 === 0 ? 'edit' : 'view'}}`);
    if (i % 5 === 0) lines.push(`      - {name: group-${i % 3}@example.com, kind: Group, role: view}`);
    lines.push(`    resourceQuota: {cpu: "${4 + (i % 8)}", memory: ${8 + i % 16}Gi, requests.nvidia.com/gpu: "${i % 3}"}`);
    if (i % 4 === 0) lines.push(`    teamRoles: [{name: readers, preset: ml-data-scientist, groups: [readers${i % 2}@example.com]}]`);
  }
  return lines.join('\n') + '\n';
}

function applyTwice(dir: string): void {
  const objects = objectCount(dir);
  const first = kubectlOk(['apply', '--server-side', '--field-manager', 'kf-tenancy-test', '-k', dir]);
  // One line per object, each accepted.
  expect(first.trim().split('\n')).toHaveLength(objects);
  expect(first).not.toMatch(/error|invalid/i);
  // kubectl diff exits 0 when the server already holds exactly what would be applied.
  const diff = kubectl(['diff', '--server-side', '--field-manager', 'kf-tenancy-test', '-k', dir]);
  expect({ code: diff.code, diff: diff.stdout, stderr: diff.stderr }).toEqual({ code: 0, diff: '', stderr: '' });
}

describe('server-side apply', () => {
  test('the bundled example: every object accepted, a second apply changes nothing', () => {
    applyTwice(synthCatalog(fs.readFileSync(EXAMPLE_CATALOG, 'utf8'), 'example'));
    // Other suites share this API server and leave their own tenants behind (in any order), so
    // the example's namespaces are asked for by name: each must exist and carry the Profile label.
    const example = ['fraud-detection-team', 'team-data-science', 'team-ml-platform', 'team-research'];
    expect(kubectlOk(['get', 'namespaces', ...example, '-o', 'jsonpath={range .items[*]}{.metadata.name}={.metadata.labels.app\\.kubernetes\\.io/part-of}{"\\n"}{end}']).trim().split('\n'))
      .toEqual(example.map(name => `${name}=kubeflow-profile`));
    // Its GPU queues too: each team's ClusterQueue in its cohort, admitting only its namespace.
    expect(kubectlOk(['get', 'clusterqueues', ...example, '-o', 'jsonpath={range .items[*]}{.metadata.name}={.spec.cohortName}={.spec.namespaceSelector.matchLabels.kubernetes\\.io/metadata\\.name}{"\\n"}{end}']).trim().split('\n'))
      .toEqual(example.map(name => `${name}=${name === 'team-research' ? 'research' : 'ml'}=${name}`));
  });

  test('a generated catalog of 200 tenants', () => {
    const out = synthCatalog(generatedCatalog(200), 'generated');
    applyTwice(out);
    expect(kubectlOk(['get', 'authorizationpolicies.security.istio.io', '-A', '--no-headers']).trim().split('\n').length).toBeGreaterThanOrEqual(400);
  });
});
