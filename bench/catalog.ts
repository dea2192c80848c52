/** The benchmark's generated catalog, shared with the output-stability test. */

/** A catalog of `n` tenants, deterministic. */
export function generateCatalog(n: number): string {
  const lines = [
    'apiVersion: kf-tenancy/v1alpha1',
    'kind: TenantCatalog',
    'defaults:',
    '  resourceQuota: {requests.cpu: "16", limits.cpu: "32", requests.memory: 64Gi, limits.memory: 128Gi, requests.nvidia.com/gpu: "2", pods: "100"}',
    '  limitRange:',
    '    container:',
    '      default: {cpu: "1", memory: 2Gi, nvidia.com/gpu: "0"}',
    '      defaultRequest: {cpu: 500m, memory: 1Gi}',
    '      max: {cpu: "8", memory: 32Gi, nvidia.com/gpu: "2"}',
    '    persistentVolumeClaim: {minStorage: 1Gi, maxStorage: 100Gi}',
    '  networkPolicy: {allowInternet: false}',
    'tenants:',
  ];
  for (let i = 0; i < n; i++) {
    lines.push(`  - name: team-${i}`, `    owner: owner-${i}@company.com`, '    contributors:');
    for (let c = 0; c < 5; c++) lines.push(`      - {name: member-${c}-of-${i}@company.com${c === 4 ? ', role: view' : ''}}`);
  }
  return lines.join('\n') + '\n';
}

/**
 * The same catalog after a typical pull request: one contributor added, one demoted to view, the
 * last tenant removed (the access diff's input).
 */
export function changedCatalog(n: number): string {
  const text = generateCatalog(n)
    .replace('      - {name: member-0-of-0@company.com}\n', '      - {name: member-0-of-0@company.com}\n      - {name: newcomer@company.com}\n')
    .replace(`      - {name: member-1-of-${Math.floor(n / 2)}@company.com}`, `      - {name: member-1-of-${Math.floor(n / 2)}@company.com, role: view}`);
  return text.slice(0, text.indexOf(`  - name: team-${n - 1}\n`));
}
