/**
 * Istio ambient mode's two enforcement points for a request to a tenant's workload
 * (docs/mesh.md has the facts with Istio and ztunnel source references):
 *
 * - **ztunnel** (L4, at the destination node) enforces the policies without `targetRefs`, which
 *   istiod converts for it (`convertAuthorizationPolicy` in
 *   pilot/pkg/serviceregistry/ambient/authorization.go): HTTP attributes cannot be read there, so an
 *   ALLOW rule that names one is dropped and a DENY rule loses those parts. ztunnel evaluates the
 *   result (ztunnel src/rbac.rs, src/state.rs `assert_rbac`): DENY first, then one ALLOW must match.
 * - **the waypoint** (an Envoy) enforces only policies whose `targetRefs` name it (or a Service
 *   it serves), translated as for a sidecar; without any it forwards everything.
 *
 * A request through the waypoint passes both: the waypoint with the caller's identity, then ztunnel
 * with the waypoint's. A workload can also be reached without the waypoint (its pod address, or a
 * Service labelled to skip it): then ztunnel alone decides, with the caller's identity. Both
 * routes are evaluated; a caller is admitted when either admits it.
 */
import {
  actionOf, decide, EnforcedPolicies, enforcedPolicies, enforcedSelection, hasTargetRefs, ipInBlock, isDryRun, MeshDecision, MeshRequest,
} from './mesh';
import { validIpOrCidr, validPort } from '../core/istio-validation';
import { AuthorizationPolicyManifest, AuthorizationRuleSpec } from '../core/manifest';
import { waypointPrincipal as principalOfWaypoint } from '../core/naming';

/** Where a namespace's requests are decided. */
export interface DataPlane {
  /** `ambient` when the namespace carries `istio.io/dataplane-mode: ambient`, else `sidecar`. */
  readonly mode: 'sidecar' | 'ambient';
  /** The waypoint the namespace's services use (`istio.io/use-waypoint`), if any. */
  readonly waypoint?: Waypoint;
}

/** A waypoint Gateway. */
export interface Waypoint {
  readonly name: string;
  readonly namespace: string;
}

export const SIDECAR: DataPlane = { mode: 'sidecar' };

/** Istio's root namespace (meshConfig.rootNamespace) as Kubeflow installs Istio: its policies hold mesh-wide. */
export const ROOT_NAMESPACE = 'istio-system';

/** The policies a workload of `namespace` can be subject to: its namespace's and the root namespace's. */
export const scopedTo = (policies: AuthorizationPolicyManifest[], namespace: string, rootNamespace = ROOT_NAMESPACE) =>
  policies.filter(p => p.metadata?.namespace === namespace || p.metadata?.namespace === rootNamespace);

/** The data plane a namespace's labels choose (`istio.io/dataplane-mode`, `istio.io/use-waypoint[-namespace]`). */
export function dataPlaneOf(namespace: string, labels: Record<string, string> | undefined): DataPlane {
  if (labels?.['istio.io/dataplane-mode'] !== 'ambient') return SIDECAR;
  const name = labels['istio.io/use-waypoint'];
  if (name === undefined || name === '' || name === 'none') return { mode: 'ambient' };
  return { mode: 'ambient', waypoint: { name, namespace: labels['istio.io/use-waypoint-namespace'] || namespace } };
}

/** The SPIFFE identity (without `spiffe://`) of an Istio-managed waypoint (core/naming.ts). */
export const waypointPrincipal = (waypoint: Waypoint) => principalOfWaypoint(waypoint.namespace, waypoint.name);

// ---------------------------------------------------------------------------------------------
// ztunnel: istiod's conversion and ztunnel's evaluation

type StringMatch = { readonly kind: 'exact' | 'prefix' | 'suffix' | 'presence'; readonly value: string };

interface L4Match {
  readonly namespaces: StringMatch[];
  readonly notNamespaces: StringMatch[];
  readonly serviceAccounts: Array<readonly [string, string]>;
  readonly notServiceAccounts: Array<readonly [string, string]>;
  readonly principals: StringMatch[];
  readonly notPrincipals: StringMatch[];
  readonly sourceIps: string[];
  readonly notSourceIps: string[];
  readonly destinationIps: string[];
  readonly notDestinationIps: string[];
  readonly destinationPorts: number[];
  readonly notDestinationPorts: number[];
}

/** A policy as istiod sends it to ztunnel: groups (any may match) of clauses (all must) of matches (any may). */
export interface ZtunnelAuthorization {
  /** `namespace/name` */
  readonly policy: string;
  readonly action: 'ALLOW' | 'DENY';
  readonly groups: L4Match[][][];
  /** HTTP attributes istiod dropped, sorted (its status message names them). */
  readonly dropped: string[];
}

const stringMatches = (values: string[] | undefined): StringMatch[] => (values ?? []).map(v =>
  (v === '*' ? { kind: 'presence', value: '' } : v.startsWith('*') ? { kind: 'suffix', value: v.slice(1) }
    : v.endsWith('*') ? { kind: 'prefix', value: v.slice(0, -1) } : { kind: 'exact', value: v }));
const serviceAccountMatches = (values: string[] | undefined, namespace: string) => (values ?? []).map(v =>
  (v.includes('/') ? [v.slice(0, v.indexOf('/')), v.slice(v.indexOf('/') + 1)] as const : [namespace, v] as const));
const ports = (values: string[] | undefined) => (values ?? []).filter(validPort).map(Number);
const addresses = (values: string[] | undefined) => (values ?? []).filter(v => v !== '' && validIpOrCidr(v));

const EMPTY_MATCH: L4Match = {
  namespaces: [],
  notNamespaces: [],
  serviceAccounts: [],
  notServiceAccounts: [],
  principals: [],
  notPrincipals: [],
  sourceIps: [],
  notSourceIps: [],
  destinationIps: [],
  notDestinationIps: [],
  destinationPorts: [],
  notDestinationPorts: [],
};

const OPERATION_HTTP = ['hosts', 'notHosts', 'methods', 'notMethods', 'paths', 'notPaths'] as const;
const SOURCE_HTTP = ['remoteIpBlocks', 'notRemoteIpBlocks', 'requestPrincipals', 'notRequestPrincipals'] as const;
/** The `when` keys ztunnel can read; every other key is an HTTP attribute. */
export const L4_CONDITION_KEYS = ['source.ip', 'source.namespace', 'source.principal', 'destination.ip', 'destination.port'];

const present = (list: unknown) => Array.isArray(list) && list.length > 0;

/** The HTTP attributes a rule names (what ztunnel cannot read). */
export function httpAttributesOf(rule: AuthorizationRuleSpec): string[] {
  const found = new Set<string>();
  const fields = (section: unknown) => (section ?? {}) as Record<string, unknown>;
  for (const to of rule.to ?? []) for (const key of OPERATION_HTTP) if (present(fields(to?.operation)[key])) found.add(key);
  for (const from of rule.from ?? []) for (const key of SOURCE_HTTP) if (present(fields(from?.source)[key])) found.add(key);
  for (const condition of rule.when ?? []) if (!L4_CONDITION_KEYS.includes(String(condition?.key))) found.add(String(condition?.key));
  return [...found];
}

function convertRule(rule: AuthorizationRuleSpec, namespace: string): L4Match[][] {
  const clauses: L4Match[][] = [];
  const to = (rule.to ?? []).map(t =>
    ({ ...EMPTY_MATCH, destinationPorts: ports(t?.operation?.ports), notDestinationPorts: ports(t?.operation?.notPorts) }));
  if (to.length > 0) clauses.push(to);
  const from = (rule.from ?? []).map(f => {
    const s = f?.source ?? {};
    return {
      ...EMPTY_MATCH,
      sourceIps: addresses(s.ipBlocks),
      notSourceIps: addresses(s.notIpBlocks),
      namespaces: stringMatches(s.namespaces),
      notNamespaces: stringMatches(s.notNamespaces),
      serviceAccounts: serviceAccountMatches(s.serviceAccounts, namespace),
      notServiceAccounts: serviceAccountMatches(s.notServiceAccounts, namespace),
      principals: stringMatches(s.principals),
      notPrincipals: stringMatches(s.notPrincipals),
    };
  });
  if (from.length > 0) clauses.push(from);
  for (const condition of rule.when ?? []) {
    const key = String(condition?.key);
    const [values, notValues] = [condition?.values, condition?.notValues];
    clauses.push([{
      ...EMPTY_MATCH,
      namespaces: key === 'source.namespace' ? stringMatches(values) : [],
      notNamespaces: key === 'source.namespace' ? stringMatches(notValues) : [],
      principals: key === 'source.principal' ? stringMatches(values) : [],
      notPrincipals: key === 'source.principal' ? stringMatches(notValues) : [],
      sourceIps: key === 'source.ip' ? addresses(values) : [],
      notSourceIps: key === 'source.ip' ? addresses(notValues) : [],
      destinationPorts: key === 'destination.port' ? ports(values) : [],
      notDestinationPorts: key === 'destination.port' ? ports(notValues) : [],
      destinationIps: key === 'destination.ip' ? addresses(values) : [],
      notDestinationIps: key === 'destination.ip' ? addresses(notValues) : [],
    }]);
  }
  return clauses;
}

/**
 * What istiod sends ztunnel for a policy, or undefined when it sends nothing: a policy with
 * `targetRef(s)` (for waypoints and gateways), a dry-run one, or an action other than ALLOW/DENY.
 */
export function ztunnelAuthorization(policy: AuthorizationPolicyManifest): ZtunnelAuthorization | undefined {
  const spec = policy.spec ?? {};
  if (isDryRun(policy) || hasTargetRefs(policy)) return undefined;
  const action = actionOf(policy);
  if (action !== 'ALLOW' && action !== 'DENY') return undefined;
  const namespace = String(policy.metadata?.namespace ?? '');
  const dropped = new Set<string>();
  const groups: L4Match[][][] = [];
  for (const rule of spec.rules ?? []) {
    const http = httpAttributesOf(rule ?? {});
    http.forEach(a => dropped.add(a));
    // "L7 policies never match for ALLOW"; a DENY rule keeps what ztunnel can read.
    if (action === 'ALLOW' && http.length > 0) continue;
    groups.push(convertRule(rule ?? {}, namespace));
  }
  return { policy: `${namespace}/${policy.metadata?.name}`, action, groups, dropped: [...dropped].sort() };
}

/** A connection as the destination ztunnel sees it. */
export interface L4Connection {
  /** SPIFFE identity without `spiffe://`; empty for plaintext. */
  readonly principal: string;
  /** The peer's address; when absent it lies in no block. */
  readonly sourceIp?: string;
  readonly destinationIp?: string;
  readonly port: number;
}

function stringMatch(m: StringMatch, value: string): boolean {
  switch (m.kind) {
    case 'presence': return value !== '';
    case 'prefix': return value.startsWith(m.value);
    case 'suffix': return value.endsWith(m.value);
    default: return value === m.value;
  }
}

function either<T>(positive: T[], negative: T[], test: (item: T) => boolean): boolean {
  return (positive.length === 0 || positive.some(test)) && (negative.length === 0 || !negative.some(test));
}

const isEmpty = (m: L4Match) => Object.values(m).every(list => (list as unknown[]).length === 0);

function l4Matches(m: L4Match, conn: L4Connection): boolean {
  // ztunnel reads the namespace and service account from the identity's `/ns/<ns>/sa/<sa>` parts.
  const parts = /^[^/]+\/ns\/([^/]+)\/sa\/([^/]+)$/.exec(conn.principal);
  const [ns, sa] = parts ? [parts[1], parts[2]] : ['', ''];
  return either(m.destinationIps, m.notDestinationIps, block => ipInBlock(block, conn.destinationIp))
    && either(m.sourceIps, m.notSourceIps, block => ipInBlock(block, conn.sourceIp))
    && either(m.destinationPorts, m.notDestinationPorts, p => p === conn.port)
    && either(m.serviceAccounts, m.notServiceAccounts, ([n, s]) => parts !== null && n === ns && s === sa)
    && either(m.principals, m.notPrincipals, p => conn.principal !== '' && stringMatch(p, conn.principal))
    && either(m.namespaces, m.notNamespaces, p => stringMatch(p, ns));
}

/** ztunnel's `Authorization::matches`: an empty match never matches; an empty clause list always does. */
function authorizationMatches(authorization: ZtunnelAuthorization, conn: L4Connection): boolean {
  return authorization.groups.some(clauses => clauses.every(matches => matches.length === 0
    || matches.some(m => !isEmpty(m) && l4Matches(m, conn))));
}

/**
 * Whether ztunnel gets a policy for a workload with `labels` (its namespace's or the root
 * namespace's): without a selector for every workload (scope NAMESPACE or GLOBAL); with one, only
 * as a workload's attached policy, which `buildWorkloadPolicies` (workloads.go) attaches when the
 * selector has labels, each present on the workload with its value (`selector: {}` reaches none).
 */
function reachesZtunnel(policy: AuthorizationPolicyManifest, labels: Record<string, string>): boolean {
  const selector = policy.spec?.selector;
  if (selector == null) return true;
  const match = selector.matchLabels;
  return match != null && Object.entries(match).every(([k, v]) => Object.prototype.hasOwnProperty.call(labels, k) && labels[k] === v);
}

/** The policies ztunnel enforces at a workload of `namespace` with `labels`, converted, by name. */
export function ztunnelPolicies(policies: AuthorizationPolicyManifest[], namespace: string, labels: Record<string, string> = {},
  rootNamespace = ROOT_NAMESPACE): ZtunnelAuthorization[] {
  return scopedTo(policies, namespace, rootNamespace).filter(p => reachesZtunnel(p, labels))
    .map(ztunnelAuthorization).filter((a): a is ZtunnelAuthorization => a !== undefined)
    // ztunnel keeps policies in maps; for a stable deciding policy, the first by name decides.
    .sort((a, b) => (a.policy < b.policy ? -1 : a.policy > b.policy ? 1 : 0));
}

/** ztunnel's decision (`assert_rbac`): a matching DENY refuses; without ALLOW policies it admits; else one must match. */
export function ztunnelDecision(authorizations: ZtunnelAuthorization[], conn: L4Connection): MeshDecision {
  const deny = authorizations.find(a => a.action === 'DENY' && authorizationMatches(a, conn));
  if (deny) return { admitted: false, policy: deny.policy };
  const allow = authorizations.filter(a => a.action === 'ALLOW');
  if (allow.length === 0) return { admitted: true, policy: '' };
  const match = allow.find(a => authorizationMatches(a, conn));
  return match ? { admitted: true, policy: match.policy } : { admitted: false, policy: '' };
}

// ---------------------------------------------------------------------------------------------
// The waypoint

interface TargetRef { group?: unknown; kind?: unknown; name?: unknown; namespace?: unknown }

const targetRefsOf = (policy: AuthorizationPolicyManifest): TargetRef[] =>
  [...policy.spec?.targetRef != null ? [policy.spec.targetRef as TargetRef] : [], ...(policy.spec?.targetRefs ?? []) as TargetRef[]]
    .filter(ref => ref != null);
const group = (ref: TargetRef) => (ref.group == null || ref.group === '' ? 'core' : String(ref.group));

/** Whether a `targetRef` names the Gateway `waypoint` from a policy in `policyNamespace` (ShouldAttachPolicy, Gateway case). */
export function targetsWaypoint(ref: TargetRef, policyNamespace: string, waypoint: Waypoint): boolean {
  return group(ref) === 'gateway.networking.k8s.io' && ref.kind === 'Gateway' && ref.name === waypoint.name
    && policyNamespace === waypoint.namespace && (ref.namespace == null || ref.namespace === '' || ref.namespace === waypoint.namespace);
}

/** Whether a `targetRef` names a Kubernetes Service (attached on the waypoint serving it). */
const targetsService = (ref: TargetRef) => group(ref) === 'core' && ref.kind === 'Service';

/** Whether a `targetRef` names the `istio-waypoint` GatewayClass from the root namespace: every waypoint's. */
const targetsEveryWaypoint = (ref: TargetRef, policyNamespace: string, rootNamespace: string) => policyNamespace === rootNamespace
  && group(ref) === 'gateway.networking.k8s.io' && ref.kind === 'GatewayClass' && ref.name === 'istio-waypoint';

/**
 * The policies the waypoint enforces for a request to Service `service` in `namespace` (undefined:
 * a Service no policy names): those whose `targetRefs` name the waypoint, those in the Service's
 * namespace naming it, and the root namespace's naming the `istio-waypoint` class. Waypoints ignore
 * selectors and namespace-wide policies.
 */
export function waypointPolicies(policies: AuthorizationPolicyManifest[], waypoint: Waypoint, namespace: string,
  service?: string, rootNamespace = ROOT_NAMESPACE): AuthorizationPolicyManifest[] {
  return policies.filter(p => targetRefsOf(p).some(ref => targetsWaypoint(ref, String(p.metadata?.namespace), waypoint)
    || targetsEveryWaypoint(ref, String(p.metadata?.namespace), rootNamespace)
    || (service !== undefined && targetsService(ref) && ref.name === service && p.metadata?.namespace === namespace)));
}

// ---------------------------------------------------------------------------------------------
// A namespace's enforcement

/** Decides requests to one namespace's workloads, at every point that enforces there. */
export interface NamespaceEnforcement {
  decide(request: MeshRequest): MeshDecision;
}

/** The decision of the first route that admits, else of the first route. */
function firstAdmitting(decisions: Array<() => MeshDecision>): MeshDecision {
  let first: MeshDecision | undefined;
  for (const route of decisions) {
    const decision = route();
    if (decision.admitted) return decision;
    first ??= decision;
  }
  return first ?? { admitted: false, policy: '' };
}

/**
 * How the namespace's workloads (without labels: the view of the access report) decide requests:
 * a sidecar's policies, or ambient mode's routes through the waypoint (for each Service some
 * policy names, and for any other) and straight to ztunnel.
 */
export function namespaceEnforcement(all: AuthorizationPolicyManifest[], namespace: string, plane: DataPlane,
  rootNamespace = ROOT_NAMESPACE): NamespaceEnforcement {
  const policies = scopedTo(all, namespace, rootNamespace);
  if (plane.mode === 'sidecar') {
    const enforced = enforcedPolicies(policies);
    return { decide: request => decide(enforced, request) };
  }
  const l4 = ztunnelPolicies(policies, namespace, {}, rootNamespace);
  const direct = (request: MeshRequest) => ztunnelDecision(l4, request);
  const waypoint = plane.waypoint;
  if (waypoint === undefined) return { decide: direct };
  const services = [...new Set(policies.flatMap(p => (p.metadata?.namespace === namespace ? targetRefsOf(p) : []))
    .filter(targetsService).map(ref => String(ref.name)))].sort();
  const views: EnforcedPolicies[] = [undefined, ...services].map(service =>
    enforcedSelection(waypointPolicies(policies, waypoint, namespace, service, rootNamespace)));
  const hop = waypointPrincipal(waypoint);
  const viaWaypoint = (view: EnforcedPolicies, request: MeshRequest): MeshDecision => {
    const l7 = decide(view, request);
    if (!l7.admitted) return l7;
    // ztunnel sees the waypoint's identity and address (unknown here: in no block).
    const l4Decision = ztunnelDecision(l4, { principal: hop, port: request.port, destinationIp: request.destinationIp });
    return l4Decision.admitted ? l7 : l4Decision;
  };
  return {
    decide: request => firstAdmitting([...views.map(view => () => viaWaypoint(view, request)), () => direct(request)]),
  };
}

/**
 * Policies of an ambient namespace that no proxy enforces as written: rules with HTTP attributes
 * in a policy without `targetRefs` (ztunnel drops them from ALLOW and ignores those parts of
 * DENY; the waypoint never sees the policy), and `targetRefs` that name no waypoint of the
 * namespace. In a sidecar namespace, a policy with `targetRefs` (sidecars ignore it).
 */
export function unenforcedPolicies(policies: AuthorizationPolicyManifest[], plane: DataPlane): Array<{ policy: string; reason: string }> {
  const found: Array<{ policy: string; reason: string }> = [];
  for (const policy of policies) {
    const name = `${policy.metadata?.namespace}/${policy.metadata?.name}`;
    const refs = targetRefsOf(policy);
    if (plane.mode === 'sidecar') {
      if (refs.length > 0) found.push({ policy: name, reason: 'has targetRefs, which sidecars ignore; drop targetRefs (or use ambient mode with a waypoint)' });
      continue;
    }
    if (refs.length > 0) {
      const waypoint = plane.waypoint;
      const attached = waypoint !== undefined
        && refs.some(ref => targetsWaypoint(ref, String(policy.metadata?.namespace), waypoint) || targetsService(ref));
      if (!attached) {
        found.push({
          policy: name,
          reason: `targets no waypoint of the namespace${waypoint ? ` (its waypoint is Gateway ${waypoint.namespace}/${waypoint.name})` : ''}; `
          + 'target the namespace\'s waypoint Gateway',
        });
      }
      continue;
    }
    const http = [...new Set((policy.spec?.rules ?? []).flatMap(rule => httpAttributesOf(rule ?? {})))].sort();
    if (http.length > 0 && !isDryRun(policy)) {
      found.push({
        policy: name,
        reason: `uses HTTP attributes (${http.join(', ')}) without targetRefs: ztunnel cannot read them (it drops such ALLOW rules and those parts `
          + 'of DENY rules) and the waypoint enforces only policies that target it; attach the policy to the waypoint with targetRefs',
      });
    }
  }
  return found;
}
