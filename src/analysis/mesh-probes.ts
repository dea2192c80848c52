/**
 * Which requests the access analysis sends to a namespace on an identity's behalf. A rule may
 * admit only some methods, paths or ports; one request (`GET /`) would miss those, so the
 * analysis tries `GET /` on a port no policy names, and one request for each operation of an
 * ALLOW rule and each path it names, with the operation's first method and port. An identity
 * reaches the namespace when any of them is admitted. Knative's probe paths, which Kubeflow opens
 * to every caller by design (and the allow-rule invariant admits), are not probed: reaching them is
 * not access.
 */
import { NamespaceEnforcement } from './ambient';
import { actionOf, istioMatch, MeshDecision, MeshRequest } from './mesh';
import { KNATIVE_PROBE_PATHS } from '../core/kubeflow-defaults';
import { AuthorizationPolicyManifest } from '../core/manifest';

/** What a probe sets of a request; the identity sets the rest. */
export interface MeshProbe {
  readonly method: string;
  readonly path: string;
  readonly port: number;
}

/** The first port from 8080 up that no policy names: "any other port". */
function unnamedPort(policies: AuthorizationPolicyManifest[]): number {
  const named = new Set<string>();
  for (const rule of policies.flatMap(p => p.spec?.rules ?? [])) {
    for (const to of rule?.to ?? []) for (const port of [...to.operation?.ports ?? [], ...to.operation?.notPorts ?? []]) named.add(String(port));
    for (const c of rule?.when ?? []) if (c.key === 'destination.port') for (const port of [...c.values ?? [], ...c.notValues ?? []]) named.add(String(port));
  }
  let port = 8080;
  while (named.has(String(port))) port++;
  return port;
}

/** A value an Istio pattern matches: the wildcard filled with `fill` (`*` alone: `fallback`). */
function instanceOf(pattern: string | undefined, fallback: string, fill = ''): string {
  if (pattern === undefined || pattern === '*') return fallback;
  return pattern.startsWith('*') ? `${fill}${pattern.slice(1)}` : pattern.endsWith('*') ? `${pattern.slice(0, -1)}${fill}` : pattern;
}

/** A path a path pattern (or template) matches. */
function pathInstance(pattern: string | undefined): string {
  // A wildcard stands for at least one character, so a pattern's instance is never one of the exact probe paths.
  const path = instanceOf(pattern, '/', 'x').replace(/\{\*\*\}/g, 'x').replace(/\{\*\}/g, 'x');
  return path.startsWith('/') ? path : `/${path}`;
}

/** Methods a probe may use: a pattern stands for the first of these it matches (a server refuses made-up methods). */
const HTTP_METHODS = ['GET', 'POST', 'PUT', 'PATCH', 'DELETE', 'HEAD', 'OPTIONS'];

function methodInstance(pattern: string | undefined): string {
  if (pattern === undefined) return 'GET';
  return HTTP_METHODS.find(method => istioMatch(pattern, method)) ?? instanceOf(pattern, 'GET');
}

/** The probes for a namespace's `policies`, the default first, without repeats. */
export function meshProbes(policies: AuthorizationPolicyManifest[]): MeshProbe[] {
  const port = unnamedPort(policies);
  const probes = new Map<string, MeshProbe>();
  const add = (probe: MeshProbe) => probes.set(JSON.stringify(probe), probe);
  add({ method: 'GET', path: '/', port });
  for (const policy of policies.filter(p => actionOf(p) === 'ALLOW')) {
    for (const rule of policy.spec?.rules ?? []) {
      for (const to of rule?.to ?? []) {
        const operation = to.operation ?? {};
        const named = Number(instanceOf(operation.ports?.[0], String(port)));
        for (const path of (operation.paths?.length ? operation.paths : [undefined]).map(pathInstance)) {
          if (KNATIVE_PROBE_PATHS.includes(path)) continue;
          add({ method: methodInstance(operation.methods?.[0]), path, port: Number.isInteger(named) && named >= 0 && named <= 65535 ? named : port });
        }
      }
    }
  }
  return [...probes.values()];
}

/** The decision of the first probe that admits `request`, else of the first probe. */
export function decideOnProbes(enforcement: NamespaceEnforcement, probes: MeshProbe[], request: Omit<MeshRequest, keyof MeshProbe>): MeshDecision {
  let first: MeshDecision | undefined;
  for (const probe of probes) {
    const decision = enforcement.decide({ ...request, ...probe });
    if (decision.admitted) return decision;
    first ??= decision;
  }
  return first ?? { admitted: false, policy: '' };
}

/**
 * A header value no header condition of `policies` matches except `*` (which matches every
 * caller alike): the identity of "somebody nobody declared". Chosen per namespace, so no policy
 * can single it out (a DENY rule on a fixed value would hide an open namespace).
 */
export function unnamedHeaderValue(policies: AuthorizationPolicyManifest[]): string {
  const patterns = policies.flatMap(p => p.spec?.rules ?? []).flatMap(rule => rule?.when ?? [])
    .filter(c => String(c.key ?? '').startsWith('request.headers['))
    .flatMap(c => [...c.values ?? [], ...c.notValues ?? []]).filter(v => v !== '*');
  for (let i = 0; ; i++) {
    const value = `nobody-${i}`;
    if (!patterns.some(p => istioMatch(p, value) || istioMatch(p, `${value}@nowhere.invalid`))) return `${value}@nowhere.invalid`;
  }
}

/** The requests of somebody nobody declared: with the user-id header, and with the groups header too (users without groups send none). */
export function anonymousRequests(principal: string, userIdHeader: string, groupsHeader: string,
  value: string): Array<Omit<MeshRequest, keyof MeshProbe>> {
  return [
    { principal, headers: { [userIdHeader.toLowerCase()]: value } },
    { principal, headers: { [userIdHeader.toLowerCase()]: value, [groupsHeader.toLowerCase()]: value } },
  ];
}

/**
 * Whether somebody nobody declared gets through the ingress gateway into a namespace: the first
 * probe decision that admits one of `anonymousRequests`, or undefined. One reading for the
 * access report (open namespaces) and the isolation check.
 */
export function anonymousAdmission(enforcement: NamespaceEnforcement, probes: MeshProbe[], policies: AuthorizationPolicyManifest[],
  gateway: { ingressGatewayPrincipal: string; userIdHeader: string; groupsHeader: string }): MeshDecision | undefined {
  const anonymous = anonymousRequests(gateway.ingressGatewayPrincipal, gateway.userIdHeader, gateway.groupsHeader, unnamedHeaderValue(policies));
  return anonymous.map(request => decideOnProbes(enforcement, probes, request)).find(decision => decision.admitted);
}
