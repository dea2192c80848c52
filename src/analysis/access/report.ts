/**
 * The access matrix as Markdown for a pull request, bounded in length, most important first.
 */
import { BoundedText } from '../bounded-text';
import { guardLine } from '../guard';
import { AccessMatrix, IdentityAccess, NamespaceAccess } from './model';

/** `edit`, `view (RBAC only)` when the gateway refuses a user or group, `gateway only` without RBAC access. */
export function describeLevel(a: NamespaceAccess, serviceAccount: boolean): string {
  if (a.level === 'none') return 'gateway only';
  return !a.meshIngress && !serviceAccount ? `${a.level} (RBAC only)` : a.level;
}

function describeCell(namespace: string, a: NamespaceAccess, serviceAccount: boolean): string {
  return `${describeLevel(a, serviceAccount)} in ${namespace}`;
}

function describeAccess(identity: IdentityAccess): string {
  return Object.entries(identity.access).map(([ns, a]) => describeCell(ns, a, identity.kind === 'ServiceAccount')).join(', ');
}

/** How long a report may be; a GitHub comment holds 65,536 characters. */
export const DEFAULT_REPORT_CHARS = 60_000;

/** How a report is printed. */
export interface ReportOptions {
  /**
   * The most characters the report may have; sections that do not fit are cut, saying what
   * was left out (the JSON matrix keeps everything). 0 for no bound.
   * @default DEFAULT_REPORT_CHARS
   */
  readonly maxChars?: number;
}

export const FULL_REPORT = 'The JSON report (--json) has everything; --max-chars 0 prints it all.';

/**
 * The matrix as Markdown, sized for a pull request: findings first (open namespaces, gateway-only
 * and RBAC-only access), then counts per role, identities with access to more than one
 * namespace, counts per namespace, every identity, and the network paths, each cut to fit.
 */
export function accessMarkdown(matrix: AccessMatrix, options: ReportOptions = {}): string {
  const network = matrix.network;
  const out = new BoundedText(options.maxChars ?? DEFAULT_REPORT_CHARS);
  out.add(`Access to ${matrix.namespaces.length} namespaces by ${matrix.identities.length} identities (admin ⊃ edit ⊃ view; `
    + 'users and groups also pass the ingress gateway unless the cell says otherwise).');
  out.add('');
  out.add(guardLine(matrix.guard, matrix.namespaces));

  const cells = matrix.identities.flatMap(identity => Object.entries(identity.access).map(([namespace, access]) =>
    ({ identity, namespace, access, level: describeLevel(access, identity.kind === 'ServiceAccount') })));
  const findings = [
    ...(matrix.meshOpen.length > 0 ? [`- admit every request from the ingress gateway: ${matrix.meshOpen.join(', ')}`] : []),
    ...matrix.unenforcedPolicies.map(u => `- enforced nowhere: AuthorizationPolicy ${u.policy} ${u.reason}`),
    ...matrix.escalations.map(e => `- escalation: Role ${e.namespace}/${e.role} grants ${e.grants.join(', ')}`
      + (e.reason === undefined ? ' (no reason given)' : ` (reason: ${e.reason})`)),
    ...matrix.gpuQueues.filter(q => q.admits !== q.namespace).map(q => `- GPU queue: LocalQueue ${q.namespace}/${q.localQueue} feeds ClusterQueue `
      + `${q.clusterQueue}, which ${q.admits === undefined ? 'is not declared, or does not admit one namespace by name' : `admits ${q.admits}`}`),
    ...matrix.sharedCloudIdentities.map(s => `- cloud identity ${s.value} is bound in ${s.namespaces.length} namespaces: ${s.namespaces.join(', ')}`),
    ...(network.openIngress.length > 0 ? [`- network open to every namespace (no ingress policy): ${network.openIngress.join(', ')}`] : []),
    ...(network.openEgress.length > 0 ? [`- network reaches every namespace (no egress policy): ${network.openEgress.join(', ')}`] : []),
    ...cells.filter(c => c.level === 'gateway only').map(c => `- gateway only: ${c.identity.name} in ${c.namespace} (admitted by ${c.access.admittedBy}, no RBAC access)`),
    ...cells.filter(c => c.level.endsWith('(RBAC only)')).map(c => `- RBAC only: ${c.identity.name} has ${c.access.level} in ${c.namespace}, the gateway refuses it`),
  ];
  if (findings.length > 0) out.section(['', `Findings (${findings.length}):`, ''], findings, 'findings');

  const roles = new Map<string, Record<IdentityAccess['kind'], number>>();
  for (const cell of cells) {
    const counts = roles.get(cell.level) ?? roles.set(cell.level, { User: 0, Group: 0, ServiceAccount: 0 }).get(cell.level)!;
    counts[cell.identity.kind]++;
  }
  out.section(['', 'Access by role (identity and namespace pairs):', '', '| role | users | groups | service accounts |', '|---|---|---|---|'],
    [...roles].sort(([a], [b]) => (a < b ? -1 : 1)).map(([role, n]) => `| ${role} | ${n.User} | ${n.Group} | ${n.ServiceAccount} |`), 'roles');

  const wide = matrix.identities.filter(i => Object.keys(i.access).length > 1)
    .sort((a, b) => Object.keys(b.access).length - Object.keys(a.access).length);
  if (wide.length > 0) {
    out.section(['', `Identities with access to more than one namespace (${wide.length}):`, '', '| identity | kind | access |', '|---|---|---|'],
      wide.map(i => `| ${i.name} | ${i.kind} | ${describeAccess(i)} |`), 'identities');
  }

  const perNamespace = new Map<string, Map<string, number>>();
  for (const cell of cells) {
    const counts = perNamespace.get(cell.namespace) ?? perNamespace.set(cell.namespace, new Map()).get(cell.namespace)!;
    counts.set(cell.level, (counts.get(cell.level) ?? 0) + 1);
  }
  const count = (counts: Map<string, number> | undefined, level: string) => (counts?.get(level) ?? 0) + (counts?.get(`${level} (RBAC only)`) ?? 0);
  out.section(['', 'Per namespace (identities, RBAC-only ones included):', '', '| namespace | admin | edit | view | custom | gateway only |', '|---|---|---|---|---|---|'],
    matrix.namespaces.map(ns => {
      const counts = perNamespace.get(ns);
      return `| ${ns} | ${count(counts, 'admin')} | ${count(counts, 'edit')} | ${count(counts, 'view')} | ${count(counts, 'custom')} | ${counts?.get('gateway only') ?? 0} |`;
    }), 'namespaces');

  out.section(['', 'Every identity:', '', '| identity | kind | access |', '|---|---|---|'],
    matrix.identities.map(i => `| ${i.name} | ${i.kind} | ${describeAccess(i)} |`), 'identities');

  if (matrix.cloudIdentities.length > 0) {
    out.section(['', `Cloud identities (${matrix.cloudIdentities.length}):`, '', '| namespace | service account | cloud identity |', '|---|---|---|'],
      matrix.cloudIdentities.map(c => `| ${c.namespace} | ${c.serviceAccount} | ${c.value} |`), 'cloud identities');
  }

  if (matrix.gpuQueues.length > 0) {
    out.section(['', `GPU queues (${matrix.gpuQueues.length}; Kueue LocalQueues):`, '', '| namespace | local queue | cluster queue | admits |', '|---|---|---|---|'],
      matrix.gpuQueues.map(q => `| ${q.namespace} | ${q.localQueue} | ${q.clusterQueue} | ${q.admits ?? 'not one namespace by name'} |`), 'GPU queues');
  }

  out.section(['', `Network paths between namespaces (${network.paths.length}; traffic within a namespace not shown):`, '', '| from | to | ports | pods |', '|---|---|---|---|'],
    network.paths.map(p => `| ${p.from} | ${p.to} | ${p.ports.join(' ')} | ${p.pods ?? 'all'} |`), 'network paths');
  return out.text(FULL_REPORT);
}
