/** The benchmark's generated catalog, shared with the output-stability test. */

/** How many cohorts (departments) the GPU-queue catalog spreads its tenants over, under one root. */
const DEPARTMENTS = 10;

/**
 * A catalog of `n` tenants, deterministic. With `kueue`, GPUs are Kueue's instead of the quota's:
 * two flavors, a root cohort with ten departments, and per tenant one guaranteed A100 (lending at
 * most 1, borrowing at most 2) and H100s only by borrowing.
 */
export function generateCatalog(n: number, options: { kueue?: boolean } = {}): string {
  const gpuQuota = options.kueue ? '' : ' requests.nvidia.com/gpu: "2",';
  const lines = [
    'apiVersion: kf-tenancy/v1alpha1',
    'kind: TenantCatalog',
    ...(options.kueue ? [
      'cluster:',
      '  kueue:',
      `    flavors: [{name: a100, capacity: {nvidia.com/gpu: "${n}"}}, {name: h100, capacity: {nvidia.com/gpu: "${Math.ceil(n / 4)}"}}]`,
      '    cohorts:',
      '      - name: ml',
      ...Array.from({ length: DEPARTMENTS }, (_, d) => `      - {name: dept-${d}, parent: ml}`),
    ] : []),
    'defaults:',
    `  resourceQuota: {requests.cpu: "16", limits.cpu: "32", requests.memory: 64Gi, limits.memory: 128Gi,${gpuQuota} pods: "100"}`,
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
    if (options.kueue) {
      lines.push(`    kueue: {cohort: dept-${i % DEPARTMENTS}, quotas: [`
        + '{flavor: a100, nominal: {nvidia.com/gpu: "1"}, borrowingLimit: {nvidia.com/gpu: "2"}, lendingLimit: {nvidia.com/gpu: "1"}}, '
        + '{flavor: h100, nominal: {nvidia.com/gpu: "0"}, borrowingLimit: {nvidia.com/gpu: "1"}}]}');
    }
  }
  return lines.join('\n') + '\n';
}

/**
 * The same catalog after a typical pull request: one contributor added, one demoted to view, the
 * last tenant removed (the access diff's input).
 */
export function changedCatalog(n: number, options: { kueue?: boolean } = {}): string {
  const text = generateCatalog(n, options)
    .replace('      - {name: member-0-of-0@company.com}\n', '      - {name: member-0-of-0@company.com}\n      - {name: newcomer@company.com}\n')
    .replace(`      - {name: member-1-of-${Math.floor(n / 2)}@company.com}`, `      - {name: member-1-of-${Math.floor(n / 2)}@company.com, role: view}`);
  return text.slice(0, text.indexOf(`  - name: team-${n - 1}\n`));
}
