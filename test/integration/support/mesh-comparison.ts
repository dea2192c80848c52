/**
 * The comparison of the mesh model (src/analysis/mesh.ts, src/analysis/ambient.ts) with the
 * oracle (Istio's code in a real Envoy; ztunnel's evaluation ported in test/istio/ambient.go),
 * shared by the sidecar and the ambient suites: request by request, hop by hop, and the access
 * report of a whole synthesis namespace by namespace.
 */
import { OracleAmbient, OracleRequest, OracleVerdict, runOracle } from './mesh-oracle';
import { ContributorOptions, ContributorRole, IdentityKind } from '../../../src';
import { accessMatrix } from '../../../src/analysis/access';
import {
  DataPlane, dataPlaneOf, namespaceEnforcement, scopedTo, waypointPolicies, waypointPrincipal, ztunnelDecision, ztunnelPolicies,
} from '../../../src/analysis/ambient';
import { decide, enforcedPolicies, enforcedSelection, MeshDecision } from '../../../src/analysis/mesh';
import { anonymousRequests, meshProbes, unnamedHeaderValue } from '../../../src/analysis/mesh-probes';
import { KubeflowAuthOptions, resolveAuth, ResolvedKubeflowAuth } from '../../../src/core/auth-options';
import { KNATIVE_PROBE_PATHS } from '../../../src/core/kubeflow-defaults';
import { withProfileControllerObjects } from '../../../src/core/kubeflow-profile';
import { AuthorizationPolicyManifest, AuthorizationRuleSpec, Manifest } from '../../../src/core/manifest';

const SIDECAR: DataPlane = { mode: 'sidecar' };
const same = (a: { allowed?: boolean; admitted?: boolean; policy: string } | undefined, b: MeshDecision | undefined) =>
  (a === undefined ? b === undefined : b !== undefined && (a.allowed ?? a.admitted) === b.admitted && a.policy === b.policy);
const show = (d: { allowed?: boolean; admitted?: boolean; policy: string } | undefined) =>
  (d === undefined ? 'none' : `${(d.allowed ?? d.admitted) ? 'allow' : 'deny'} ${d.policy || '-'}`);

/** The model's decision for each hop the oracle reports, and the final one. */
interface ModelVerdict {
  final: MeshDecision;
  waypoint?: MeshDecision;
  ztunnelAfterWaypoint?: MeshDecision;
  ztunnel?: MeshDecision;
}

function modelVerdicts(namespace: string, policies: AuthorizationPolicyManifest[], requests: OracleRequest[], labels: Record<string, string>,
  plane: DataPlane, service?: string): Map<string, ModelVerdict> {
  if (plane.mode === 'sidecar') {
    // enforcedPolicies takes the namespace's and the root namespace's policies (as the access report passes them).
    const enforced = enforcedPolicies(scopedTo(policies, namespace), labels);
    return new Map(requests.map(r => [r.id, { final: decide(enforced, r) }]));
  }
  const l4 = ztunnelPolicies(policies, namespace, labels);
  const waypoint = plane.waypoint;
  const atWaypoint = waypoint ? enforcedSelection(waypointPolicies(policies, waypoint, namespace, service)) : undefined;
  // Without a Service some policy names, the namespace's enforcement is the one the report uses.
  const enforcement = service === undefined && Object.keys(labels).length === 0 ? namespaceEnforcement(policies, namespace, plane) : undefined;
  return new Map(requests.map(r => {
    const ztunnel = ztunnelDecision(l4, r);
    const l7 = atWaypoint ? decide(atWaypoint, r) : undefined;
    const hop = waypoint && { principal: waypointPrincipal(waypoint), port: r.port, destinationIp: r.destinationIp };
    const afterWaypoint = l7?.admitted && hop ? ztunnelDecision(l4, hop) : undefined;
    const via = l7 === undefined ? undefined : !l7.admitted ? l7 : afterWaypoint!.admitted ? l7 : afterWaypoint!;
    const final = enforcement?.decide(r) ?? (via?.admitted ? via : ztunnel.admitted ? ztunnel : via ?? ztunnel);
    return [r.id, { final, waypoint: l7, ztunnelAfterWaypoint: afterWaypoint, ztunnel }];
  }));
}

/** Disagreements between the oracle and the model for `requests` to a workload with `labels` in `namespace`. */
export function disagreements(label: string, namespace: string, policies: AuthorizationPolicyManifest[], requests: OracleRequest[],
  labels: Record<string, string> = {}, plane: DataPlane = SIDECAR, service?: string,
): { differences: string[]; oracle: Map<string, OracleVerdict>; ours: Map<string, MeshDecision> } {
  // What the oracle's connections are: to 127.0.0.1, with server name "localhost" over mTLS, and
  // headers in the order it writes them (by name, byte order), which decides repeated headers.
  const inOracleOrder = (headers: Record<string, string>) =>
    Object.fromEntries(Object.entries(headers).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
  requests = requests.map(r => ({ destinationIp: '127.0.0.1', ...(r.principal ? { sni: 'localhost' } : {}), ...r, headers: inOracleOrder(r.headers) }));
  const ambient: OracleAmbient | undefined = plane.mode === 'ambient' ? { waypoint: plane.waypoint, service } : undefined;
  const result = runOracle(namespace, policies, requests, labels, ambient);
  const invalid = result.invalid.map(i => `${label}: Istio refuses ${i.invalid}: ${i.error}`);
  const verdicts = modelVerdicts(namespace, policies, requests, labels, plane, service);
  const differences = requests.flatMap(r => {
    const o = result.verdicts.get(r.id);
    const m = verdicts.get(r.id)!;
    if (o === undefined) return [`${label} ${r.id}: no verdict from the oracle`];
    const what = `${label} ${r.id} (${r.principal || 'plaintext'} ${r.method} ${r.path} :${r.port} ${JSON.stringify(r.headers)})`;
    // Only a 403 from the RBAC filter is a denial; anything else (a 400 for a request Envoy will not parse) decides nothing.
    const envoyAnswered = !(plane.mode === 'ambient' && plane.waypoint === undefined);
    if (envoyAnswered && o.status !== 200 && !(o.status === 403 && o.details.startsWith('rbac_access_denied'))) return [`${what}: the oracle answered ${o.status} ${o.details}`];
    const hops = plane.mode === 'ambient' ? (['waypoint', 'ztunnelAfterWaypoint', 'ztunnel'] as const) : [];
    const differing = hops.filter(hop => !same(o[hop], m[hop])).map(hop => `${hop}: oracle ${show(o[hop])}, model ${show(m[hop])}`);
    if (!same(o, m.final)) differing.push(`Istio+Envoy${plane.mode === 'ambient' ? '+ztunnel' : ''} ${show(o)}, model ${show(m.final)}`);
    return differing.length === 0 ? [] : [`${what}: ${differing.join('; ')}`];
  });
  return { differences: [...invalid, ...differences], oracle: result.verdicts, ours: new Map([...verdicts].map(([id, v]) => [id, v.final])) };
}

/** A small deterministic generator (an LCG), so every run is reproducible from its seed. */
export function random(seed: number): { next: () => number; pick: <T>(items: readonly T[]) => T } {
  let state = seed;
  const next = () => {
    state = (state * 1103515245 + 12345) % 2147483648;
    return state / 2147483648;
  };
  return { next, pick: items => items[Math.floor(next() * items.length)] };
}

// Small vocabularies, so values collide with each other and with the requests often.
export const PATHS = ['/a', '/a/', '/a/b', '/a*', '*b', '*', '/{*}/b', '/a/{**}', '/A', '/a?x', '/%61'];
export const REQUEST_PATHS = ['/a', '/a/', '/a/b', '/ab', '/b', '/x/b', '/A', '/a?x=1', '/%61', '/a/./b', '/c/../a', '/a/b/c'];
export const METHODS = ['GET', 'POST', 'G*', '*'];
export const PRINCIPALS = ['cluster.local/ns/team-a/sa/x', 'cluster.local/ns/team-b/sa/y', 'cluster.local/ns/istio-system/sa/gw'];
export const PRINCIPAL_PATTERNS = [...PRINCIPALS, '*', '*/sa/x', 'cluster.local/ns/team-*', 'cluster.local/ns/team-b/sa/y*'];
export const NAMESPACES = ['team-a', 'team-b', 'team-*', '*', 'istio-system'];
export const HEADER_VALUES = ['alice', 'bob', 'al*', '*ce', '*', ''];
export const PORTS = ['8080', '9090'];

export function randomRule(r: ReturnType<typeof random>, header = 'x-user'): AuthorizationRuleSpec {
  const rule: AuthorizationRuleSpec = {};
  const some = <T>(items: readonly T[]) => Array.from({ length: 1 + Math.floor(r.next() * 2) }, () => r.pick(items));
  if (r.next() < 0.5) {
    const source = r.pick([
      () => ({ principals: some(PRINCIPAL_PATTERNS) }), () => ({ notPrincipals: some(PRINCIPAL_PATTERNS) }),
      () => ({ namespaces: some(NAMESPACES) }), () => ({ notNamespaces: some(NAMESPACES) }),
    ])();
    rule.from = [{ source }];
  }
  if (r.next() < 0.6) {
    const operation: Record<string, string[]> = {};
    if (r.next() < 0.6) operation[r.next() < 0.8 ? 'paths' : 'notPaths'] = some(PATHS);
    if (r.next() < 0.3) operation[r.next() < 0.8 ? 'methods' : 'notMethods'] = some(METHODS);
    if (r.next() < 0.3 || Object.keys(operation).length === 0) operation[r.next() < 0.8 ? 'ports' : 'notPorts'] = some(PORTS);
    rule.to = [{ operation }];
  }
  if (r.next() < 0.5) {
    const values = some(HEADER_VALUES).filter(v => v !== '');
    rule.when = [r.next() < 0.7 && values.length > 0
      ? { key: `request.headers[${header}]`, values } : { key: `request.headers[${header}]`, notValues: values.length ? values : ['bob'] }];
  }
  return rule;
}

/**
 * Every request the access analysis evaluates for the objects of one synthesis, and what the
 * analysis reports, checked against the oracle namespace by namespace: the gateway with each
 * identity's headers (and with headers naming nobody), the pipelines UI with each user's header,
 * every namespace's service accounts and a plaintext caller, each on every probe of the namespace
 * and on Knative's probe paths. Ambient namespaces (by their labels) are decided as ambient mode does.
 */
export function checkAccess(label: string, written: Manifest[], authOptions: KubeflowAuthOptions = {}): { requests: number; admitted: number } {
  const auth: ResolvedKubeflowAuth = resolveAuth(authOptions);
  const objects = withProfileControllerObjects(written, () => auth);
  const matrix = accessMatrix(written, { auth: authOptions });
  const policies = objects.filter((o): o is AuthorizationPolicyManifest => o.kind === 'AuthorizationPolicy');
  const planes = new Map(objects.filter(o => o.kind === 'Namespace').map(o => [String(o.metadata?.name), dataPlaneOf(String(o.metadata?.name), o.metadata?.labels)]));
  const accounts = [...new Set(objects.filter(o => o.kind === 'ServiceAccount').map(o => `${o.metadata?.namespace}/${o.metadata?.name}`)
    .concat(matrix.namespaces.flatMap(ns => [`${ns}/default-editor`, `${ns}/default-viewer`])))].sort();
  const headersOf = (kind: string, name: string): Record<string, string> => (kind === 'User'
    ? { [auth.userIdHeader.toLowerCase()]: `${auth.userIdPrefix}${name}` } : { [auth.groupsHeader.toLowerCase()]: name });
  const gatewayIdentities = [...matrix.identities.filter(i => i.kind !== 'ServiceAccount').map(i => ({ kind: i.kind, name: i.name })),
    { kind: 'User', name: 'stranger@example.com' }];
  const differences: string[] = [];
  let requests = 0;
  let admitted = 0;
  for (const namespace of matrix.namespaces) {
    const own = policies.filter(p => p.metadata?.namespace === namespace);
    const probes = meshProbes(own);
    const all = [...probes, ...KNATIVE_PROBE_PATHS.map(p => ({ method: 'GET', path: p, port: probes[0].port }))];
    const batch: OracleRequest[] = [];
    const add = (id: string, principal: string, headers: Record<string, string>) => all.forEach((probe, i) =>
      batch.push({ id: `${id}#${i}`, principal, headers: { host: `notebook.${namespace}`, ...headers }, sourceIp: '127.0.0.1', ...probe }));
    for (const identity of gatewayIdentities) add(`gateway:${identity.kind}/${identity.name}`, auth.ingressGatewayPrincipal, headersOf(identity.kind, identity.name));
    const anonymous = anonymousRequests(auth.ingressGatewayPrincipal, auth.userIdHeader, auth.groupsHeader, unnamedHeaderValue(own));
    anonymous.forEach((request, i) => add(`gateway:anonymous-${i}`, request.principal, request.headers));
    for (const identity of gatewayIdentities.filter(i => i.kind === 'User')) add(`pipelines-ui:${identity.name}`, auth.pipelinesUiPrincipal, headersOf('User', identity.name));
    for (const account of accounts) {
      const [ns, sa] = account.split('/');
      add(`sa:${account}`, `cluster.local/ns/${ns}/sa/${sa}`, {});
    }
    add('plaintext', '', {});
    const result = disagreements(`${label} ${namespace}`, namespace, own, batch, {}, planes.get(namespace) ?? SIDECAR);
    differences.push(...result.differences);
    requests += batch.length;
    admitted += [...result.oracle.values()].filter(v => v.allowed).length;

    // What the report says of each gateway identity equals the oracle on the probes, first admitted probe deciding.
    const reached = (id: string) => probes.map((_, i) => result.oracle.get(`${id}#${i}`)!).find(v => v.allowed);
    const open = anonymous.some((_, i) => reached(`gateway:anonymous-${i}`) !== undefined);
    if (open !== matrix.meshOpen.includes(namespace)) {
      differences.push(`${label} ${namespace}: meshOpen ${!open}, the oracle admits anonymous callers: ${open}: ${JSON.stringify(own.map(p => p.spec))}`);
    }
    for (const identity of gatewayIdentities) {
      const verdict = reached(`gateway:${identity.kind}/${identity.name}`);
      const cell = matrix.identities.find(i => i.kind === identity.kind && i.name === identity.name)?.access[namespace];
      if (open && cell === undefined) continue; // an open namespace is reported once, not per identity
      const reported = { meshIngress: cell?.meshIngress ?? false, admittedBy: cell?.admittedBy };
      const expected = { meshIngress: verdict !== undefined, admittedBy: verdict?.policy || undefined };
      if (JSON.stringify(reported) !== JSON.stringify(expected)) {
        differences.push(`${label} ${namespace} ${identity.kind} ${identity.name}: report ${JSON.stringify(reported)}, oracle ${JSON.stringify(expected)}`);
      }
    }
  }
  expect(differences).toEqual([]);
  return { requests, admitted };
}

/** The people and auth settings the random catalogs draw from. */
export const RANDOM_PEOPLE = Array.from({ length: 8 }, (_, i) => `person${i}@example.com`);
export const RANDOM_AUTHS: KubeflowAuthOptions[] = [{}, { userIdHeader: 'x-auth-request-email', userIdPrefix: 'accounts:', groupsHeader: 'x-auth-request-groups' }];

/** Up to three random contributors (users of RANDOM_PEOPLE or `groups`), none the owner, none twice. */
export function randomMembers(r: ReturnType<typeof random>, owner: string, groups: string[]): ContributorOptions[] {
  return Array.from({ length: Math.floor(r.next() * 4) }, (): ContributorOptions => (r.next() < 0.3
    ? { name: r.pick(groups), kind: IdentityKind.GROUP, role: r.pick([ContributorRole.EDIT, ContributorRole.VIEW]) }
    : { name: r.pick(RANDOM_PEOPLE), kind: IdentityKind.USER, role: r.pick([ContributorRole.EDIT, ContributorRole.VIEW]) }))
    .filter((m, i, all) => m.name !== owner && all.findIndex(o => o.name === m.name) === i);
}
