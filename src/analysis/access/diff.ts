/**
 * What changes in access between two matrices, widening first, as lines and as a bounded report.
 */
import { BoundedText } from '../bounded-text';
import { GuardStatus } from '../guard';
import { NetworkPath } from '../network';
import { AccessMatrix } from './model';
import { DEFAULT_REPORT_CHARS, describeLevel, FULL_REPORT, ReportOptions } from './report';

/** Whether both ends of `networkPath` are unrestricted in `m` (namespaces outside the manifests count as unrestricted). */
function impliedByOpenness(m: OpennessIndex, networkPath: NetworkPath): boolean {
  return (!m.namespaces.has(networkPath.from) || m.openEgress.has(networkPath.from))
    && (!m.namespaces.has(networkPath.to) || m.openIngress.has(networkPath.to));
}

/** A matrix's namespaces and open ones, as sets (the diff asks once per path). */
interface OpennessIndex {
  readonly namespaces: Set<string>;
  readonly openIngress: Set<string>;
  readonly openEgress: Set<string>;
}

function opennessIndex(m: AccessMatrix): OpennessIndex {
  return { namespaces: new Set(m.namespaces), openIngress: new Set(m.network.openIngress), openEgress: new Set(m.network.openEgress) };
}

/** How much a level opens: base level, then whether the gateway also admits (RBAC only is less). */
function levelRank(level: string): number {
  const base = level.startsWith('admin') ? 4 : level.startsWith('edit') ? 3 : level.startsWith('view') ? 2 : level.startsWith('custom') ? 2 : 1;
  return base * 2 + (level.endsWith('(RBAC only)') ? 0 : 1);
}

const GUARD_STRENGTH: Record<GuardStatus['state'], number> = { enforce: 3, warn: 2, partial: 1, absent: 0 };

/** The order of a diff: what opens access first, then what changes it, then what closes it. */
enum Relevance {
  GUARD_WEAKENED,
  NEW_ACCESS,
  WIDENED,
  NEWLY_OPEN,
  NEW_PATH,
  CHANGED,
  REMOVED,
}

interface DiffEntry {
  readonly relevance: Relevance;
  readonly line: string;
}

function isWider(before: Record<string, string[]>, after: Record<string, string[]>): boolean {
  return Object.entries(after).some(([label, verbs]) => verbs.some(verb => !(before[label] ?? []).includes(verb)));
}

function diffEntries(before: AccessMatrix, after: AccessMatrix): DiffEntry[] {
  const index = (m: AccessMatrix) => {
    const map = new Map<string, { level: string; resources: Record<string, string[]> }>();
    for (const i of m.identities) {
      for (const [ns, a] of Object.entries(i.access)) {
        map.set(`${i.kind}\u0000${i.name}\u0000${ns}`, { level: describeLevel(a, i.kind === 'ServiceAccount'), resources: a.resources });
      }
    }
    return map;
  };
  const old = index(before);
  const now = index(after);
  const entries: DiffEntry[] = [];
  const add = (relevance: Relevance, line: string) => entries.push({ relevance, line });
  if (before.guard.state !== after.guard.state) {
    add(GUARD_STRENGTH[after.guard.state] < GUARD_STRENGTH[before.guard.state] ? Relevance.GUARD_WEAKENED : Relevance.CHANGED,
      `~ tenancy guard: ${before.guard.state} → ${after.guard.state}`);
  }
  for (const key of [...new Set([...old.keys(), ...now.keys()])].sort()) {
    const [, name, ns] = key.split('\u0000');
    const a = old.get(key);
    const b = now.get(key);
    if (a && !b) {add(Relevance.REMOVED, `- ${name}: ${a.level} in ${ns}`);} else if (!a && b) {add(Relevance.NEW_ACCESS, `+ ${name}: ${b.level} in ${ns}`);} else if (a && b && a.level !== b.level) {add(levelRank(b.level) > levelRank(a.level) ? Relevance.WIDENED : Relevance.CHANGED, `~ ${name}: ${a.level} → ${b.level} in ${ns}`);} else if (a && b && JSON.stringify(a.resources) !== JSON.stringify(b.resources)) {
      add(isWider(a.resources, b.resources) ? Relevance.WIDENED : Relevance.CHANGED, `~ ${name}: ${b.level} in ${ns} (verbs changed)`);
    }
  }
  const paths = (m: AccessMatrix) => new Map(m.network.paths.map(p => [`${p.from} → ${p.to}${p.pods ? ` (pods ${p.pods})` : ''}`, p]));
  const oldPaths = paths(before);
  const newPaths = paths(after);
  const openBefore = opennessIndex(before);
  const openAfter = opennessIndex(after);
  for (const key of [...new Set([...oldPaths.keys(), ...newPaths.keys()])].sort()) {
    const a = oldPaths.get(key);
    const b = newPaths.get(key);
    // A path that the other side's open namespaces still allow is not a change.
    if (a && !b && !impliedByOpenness(openAfter, a)) {add(Relevance.REMOVED, `- network: ${key} on ${a.ports.join(' ')}`);} else if (!a && b && !impliedByOpenness(openBefore, b)) {add(Relevance.NEW_PATH, `+ network: ${key} on ${b.ports.join(' ')}`);} else if (a && b && a.ports.join(' ') !== b.ports.join(' ')) {
      const wider = b.ports.includes('all') ? !a.ports.includes('all') : b.ports.some(port => !a.ports.includes(port));
      add(wider ? Relevance.NEW_PATH : Relevance.CHANGED, `~ network: ${key} on ${a.ports.join(' ')} → ${b.ports.join(' ')}`);
    }
  }
  const open = (label: string, x: string[], y: string[]) => {
    const [xs, ys] = [new Set(x), new Set(y)];
    for (const ns of y.filter(n => !xs.has(n))) add(Relevance.NEWLY_OPEN, `+ ${label}: ${ns}`);
    for (const ns of x.filter(n => !ys.has(n))) add(Relevance.REMOVED, `- ${label}: ${ns}`);
  };
  const bindings = (m: AccessMatrix) => new Set(m.cloudIdentities.map(c => `${c.namespace}/${c.serviceAccount} → ${c.value}`));
  const [oldBindings, newBindings] = [bindings(before), bindings(after)];
  for (const line of [...newBindings].filter(b => !oldBindings.has(b)).sort()) add(Relevance.NEW_ACCESS, `+ cloud identity: ${line}`);
  for (const line of [...oldBindings].filter(b => !newBindings.has(b)).sort()) add(Relevance.REMOVED, `- cloud identity: ${line}`);
  const queues = (m: AccessMatrix) => new Set(m.gpuQueues.map(q => `${q.namespace}/${q.localQueue} → ClusterQueue ${q.clusterQueue}`
    + ` (admits ${q.admits ?? 'not one namespace by name'})`));
  const [oldQueues, newQueues] = [queues(before), queues(after)];
  for (const line of [...newQueues].filter(q => !oldQueues.has(q)).sort()) add(Relevance.NEW_ACCESS, `+ GPU queue: ${line}`);
  for (const line of [...oldQueues].filter(q => !newQueues.has(q)).sort()) add(Relevance.REMOVED, `- GPU queue: ${line}`);
  open('admits every gateway request', before.meshOpen, after.meshOpen);
  open('network open to every namespace', before.network.openIngress, after.network.openIngress);
  open('network reaches every namespace', before.network.openEgress, after.network.openEgress);
  // Stable: within a relevance, the order they were found in (identities, paths, openness; each sorted).
  return entries.map((entry, i) => ({ entry, i })).sort((x, y) => x.entry.relevance - y.entry.relevance || x.i - y.i).map(x => x.entry);
}

/**
 * What changed between two matrices, most security-relevant first: the guard weakened, new access,
 * widened roles, namespaces newly open, new network paths, then other changes and what was lost.
 * One line per identity and namespace whose access changed, and one per network path.
 */
export function accessDiff(before: AccessMatrix, after: AccessMatrix): string[] {
  return diffEntries(before, after).map(e => e.line);
}

/** The diff as text for a pull-request comment: as many lines as fit, then a count of the rest. */
export function accessDiffReport(before: AccessMatrix, after: AccessMatrix, options: ReportOptions = {}): string {
  const entries = diffEntries(before, after);
  if (entries.length === 0) return 'no change in access\n';
  const out = new BoundedText(options.maxChars ?? DEFAULT_REPORT_CHARS);
  let shown = 0;
  for (const entry of entries) {
    if (!out.add(entry.line)) break;
    shown++;
  }
  if (shown === entries.length) return out.text(FULL_REPORT);
  const rest = entries.slice(shown);
  const gains = rest.filter(e => e.relevance < Relevance.CHANGED).length;
  const losses = rest.filter(e => e.relevance === Relevance.REMOVED).length;
  return out.text(FULL_REPORT) + `… ${rest.length} more changes not shown (${gains} widen access, ${losses} remove it, `
    + `${rest.length - gains - losses} other); --max-chars 0 prints them all\n`;
}
