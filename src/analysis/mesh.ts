/**
 * Istio AuthorizationPolicy semantics for one HTTP request to one workload, as a sidecar enforces
 * them: the policies that apply to the workload (namespace-wide, or selecting its labels), dry-run
 * policies left out, DENY rules first, then, when any ALLOW policy applies, one ALLOW rule must match.
 *
 * Each attribute is matched the way Istio's translation (pilot/pkg/security/authz/model) writes
 * its Envoy matcher and Envoy evaluates it: principals and namespaces only on mTLS requests, a
 * header value `*` as "present" (an empty value counts), paths without the query and after
 * normalization, `{*}`/`{**}` path templates, ports. The integration suite checks this module
 * against Istio's own code running in a real Envoy (test/integration/mesh-oracle.itest.ts).
 */
import * as ipaddr from 'ipaddr.js';
import { asciiLower, GENERATED_REQUEST_ID, MeshRequest, SeenRequest, seenBy } from './mesh-request';
import { validIpOrCidr, validPort } from '../core/istio-validation';
import {
  AuthorizationConditionSpec, AuthorizationOperationSpec, AuthorizationPolicyManifest, AuthorizationRuleSpec, AuthorizationSourceSpec,
} from '../core/manifest';

export { GENERATED_REQUEST_ID, MeshRequest, normalizedPath } from './mesh-request';

/** The outcome for one request, with the policy that decided it. */
export interface MeshDecision {
  readonly admitted: boolean;
  /** `namespace/name` of the deciding policy: the matched DENY or ALLOW rule's; empty when no rule decided. */
  readonly policy: string;
}

/**
 * Istio's string matching (its `StringMatcherWithPrefix` and `HeaderMatcher`): `*` alone, then a
 * leading `*` (suffix match), then a trailing `*` (prefix match), else exact. `*` needs a
 * non-empty value, except for headers, where Istio writes a presence match.
 */
export function istioMatch(pattern: string, value: string | undefined, presence = false): boolean {
  if (value === undefined) return false;
  if (pattern === '*') return presence || value !== '';
  if (pattern.startsWith('*')) return value.endsWith(pattern.slice(1));
  if (pattern.endsWith('*')) return value.startsWith(pattern.slice(0, -1));
  return pattern === value;
}

const escapeRegExp = (text: string) => text.replace(/[.*+?^${}()|[\]\\/-]/g, '\\$&');
// Full matches, as Envoy's RE2 matchers are; compiled once per pattern (bounded: input may hold endless patterns).
const REGEX_CACHE = new Map<string, RegExp>();
function fullMatch(regex: string, value: string): boolean {
  let compiled = REGEX_CACHE.get(regex);
  if (compiled === undefined) {
    if (REGEX_CACHE.size >= 512) REGEX_CACHE.clear();
    REGEX_CACHE.set(regex, compiled = new RegExp(`^(?:${regex})$`));
  }
  return compiled.test(value);
}

/** The peer's SPIFFE URI, or undefined for plaintext (Istio matches identities only on mTLS). */
const peerUri = (request: MeshRequest) => (request.principal === '' ? undefined : `spiffe://${request.principal}`);

/** Whether `address` lies in an IP block (an address or CIDR, as Istio writes it); an absent address lies in none. */
export function ipInBlock(block: string, address: string | undefined): boolean {
  if (address === undefined || !ipaddr.isValid(address)) return false;
  try {
    // Families as written: Envoy's range for `::ffff:127.0.0.1` is IPv6 and never holds an IPv4 peer.
    const ip = ipaddr.parse(address);
    const bare = block.replace(/%.*$/, '');
    const [range, bits] = block.includes('/') ? ipaddr.parseCIDR(block) : [ipaddr.parse(bare), ipaddr.parse(bare).kind() === 'ipv4' ? 32 : 128];
    return ip.kind() === range.kind() && ip.match(range, bits);
  } catch {
    return false;
  }
}


/** Envoy's URI template (`{*}` one segment, `{**}` any rest) as a regular expression. */
function templateRegex(template: string): string {
  const literal = "a-zA-Z0-9\\-._~%!$&'()*+,;:@=";
  return template.split('/').map(segment => {
    if (segment === '{*}') return `[${literal}]+`;
    if (segment === '{**}') return `[${literal}/]*`;
    return escapeRegExp(segment);
  }).join('/');
}

const containsTemplate = (path: string) => path.includes('{*}') || path.includes('{**}');

function pathMatches(pattern: string, request: MeshRequest): boolean {
  const path = request.path;
  return containsTemplate(pattern) ? fullMatch(templateRegex(pattern), path) : istioMatch(pattern, path);
}

/** One attribute: how Istio matches a value against the request, and which values it cannot translate. */
interface Attribute {
  readonly test: (pattern: string, request: MeshRequest, policyNamespace: string) => boolean;
  /** A value Istio's translation refuses (the value is dropped in a DENY rule, the whole rule in an ALLOW rule). */
  readonly invalid?: (pattern: string) => boolean;
}

const PRINCIPAL: Attribute = {
  test: (pattern, request) => {
    const uri = peerUri(request);
    return uri !== undefined && (pattern === '*' ? true : pattern.startsWith('*') ? fullMatch(`spiffe://.*${escapeRegExp(pattern.slice(1))}`, uri)
      : pattern.endsWith('*') ? uri.startsWith(`spiffe://${pattern.slice(0, -1)}`) : uri === `spiffe://${pattern}`);
  },
};
const NAMESPACE: Attribute = {
  test: (pattern, request) => {
    const uri = peerUri(request);
    if (uri === undefined) return false;
    // `.*/ns/<namespace>/.*` without a wildcard is a substring test (no regular expression per namespace).
    return pattern.includes('*') ? fullMatch(`.*/ns/${pattern.split('*').map(escapeRegExp).join('.*')}/.*`, uri) : uri.includes(`/ns/${pattern}/`);
  },
};
const SERVICE_ACCOUNT: Attribute = {
  test: (pattern, request, policyNamespace) => {
    const uri = peerUri(request);
    const [ns, sa] = pattern.includes('/') ? [pattern.slice(0, pattern.indexOf('/')), pattern.slice(pattern.indexOf('/') + 1)] : [policyNamespace, pattern];
    return uri !== undefined && fullMatch(`spiffe://.+/ns/${escapeRegExp(ns)}/(.+/|)sa/${escapeRegExp(sa)}(/.+)?`, uri);
  },
};
const TRUST_DOMAIN: Attribute = {
  test: (pattern, request) => {
    const uri = peerUri(request);
    if (uri === undefined) return false;
    if (pattern === '*') return uri.startsWith('spiffe://');
    if (!pattern.includes('*')) return uri.startsWith(`spiffe://${pattern}/`);
    const [before, after] = [pattern.slice(0, pattern.indexOf('*')), pattern.slice(pattern.indexOf('*') + 1)];
    return fullMatch(`spiffe://${escapeRegExp(before)}[^/]*${escapeRegExp(after)}/.*`, uri);
  },
};
const SOURCE_IP: Attribute = { test: (pattern, request) => ipInBlock(pattern, request.sourceIp), invalid: p => !validIpOrCidr(p) };
const REMOTE_IP: Attribute = { test: (pattern, request) => ipInBlock(pattern, (request as SeenRequest).remoteIp), invalid: p => !validIpOrCidr(p) };
const DESTINATION_IP: Attribute = { test: (pattern, request) => ipInBlock(pattern, request.destinationIp), invalid: p => !validIpOrCidr(p) };
/** `connection.sni`: Istio's plain string matcher (`*` = any non-empty) on the TLS server name. */
const SNI: Attribute = { test: (pattern, request) => istioMatch(pattern, request.sni || undefined) };
/** Attributes of a JWT (request principals, claims, audiences, presenter): the modelled requests carry none. */
const JWT: Attribute = { test: () => false };
/** Envoy filter metadata, which the modelled requests do not carry: absent. */
const ABSENT: Attribute = { test: () => false, invalid: () => false };
/** A key Istio's translation cannot read: every value fails (the ALLOW rule is dropped, the DENY value ignored). */
const BROKEN: Attribute = { test: () => false, invalid: () => true };
const PORT: Attribute = {
  test: (pattern, request) => validPort(pattern) && Number(pattern) === request.port,
  invalid: p => !validPort(p),
};
/** A header condition: Envoy matches each value of a header sent more than once on its own. */
const header = (name: string): Attribute => ({
  test: (pattern, request) => ((request as SeenRequest).headerValues[asciiLower(name)] ?? [])
    .some(value => (value === GENERATED_REQUEST_ID ? pattern === '*' : istioMatch(pattern, value, true))),
});
const METHOD: Attribute = { test: (pattern, request) => istioMatch(pattern, request.method, true) };
const HOST: Attribute = {
  test: (pattern, request) => istioMatch(asciiLower(pattern), asciiLower(request.headers[':authority'] ?? ''), true),
};
const PATH: Attribute = { test: pathMatches };

/** The attribute a `when` key names, or undefined for a key Istio does not know (it skips the rule). */
function conditionAttribute(key: string): Attribute | undefined {
  switch (key) {
    case 'source.principal': return PRINCIPAL;
    case 'source.namespace': return NAMESPACE;
    case 'source.serviceAccount': return SERVICE_ACCOUNT;
    case 'source.trustDomain': return TRUST_DOMAIN;
    case 'source.ip': return SOURCE_IP;
    case 'remote.ip': return REMOTE_IP;
    case 'destination.port': return PORT;
    case 'destination.ip': return DESTINATION_IP;
    case 'connection.sni': return SNI;
    case 'request.auth.principal': case 'request.auth.audiences': case 'request.auth.presenter': return JWT;
    default:
      // Istio reads the claim path as `[a]` or `[a][b]...`; anything else fails its translation.
      if (key.startsWith('request.auth.claims')) return /^(\[[^[\]]*\])+$|^\[.*\]$/.test(key.slice('request.auth.claims'.length)) ? JWT : BROKEN;
      if (key.startsWith('experimental.envoy.filters.')) return ABSENT;
      if (key.startsWith('request.headers')) {
        const name = /^request\.headers\[(.*)\]$/.exec(key)?.[1];
        return name === undefined ? BROKEN : header(name);
      }
      return undefined;
  }
}

/** One constraint of a rule: the request must match one of `values` and none of `notValues`. */
interface Constraint {
  readonly attribute: Attribute;
  readonly values?: string[];
  readonly notValues?: string[];
}

/** Each field of a source or operation with the attribute it matches; `notX` is the field's exclusion list. */
const SOURCE_FIELDS: ReadonlyArray<readonly [Attribute, string]> = [[PRINCIPAL, 'principals'], [JWT, 'requestPrincipals'],
  [SERVICE_ACCOUNT, 'serviceAccounts'], [TRUST_DOMAIN, 'trustDomains'], [NAMESPACE, 'namespaces'], [REMOTE_IP, 'remoteIpBlocks'], [SOURCE_IP, 'ipBlocks']];
const OPERATION_FIELDS: ReadonlyArray<readonly [Attribute, string]> = [[HOST, 'hosts'], [METHOD, 'methods'], [PATH, 'paths'], [PORT, 'ports']];

type Fields = ReadonlyArray<readonly [Attribute, string]>;

function constraintsOf(section: AuthorizationSourceSpec | AuthorizationOperationSpec, fields: Fields): Constraint[] {
  const lists = section as Record<string, string[] | undefined>;
  return fields.map(([attribute, field]) => ({ attribute, values: lists[field], notValues: lists[`not${field[0].toUpperCase()}${field.slice(1)}`] }));
}

/**
 * How Istio treats a value its translation refuses: in an ALLOW rule the whole rule is dropped (it
 * admits less), in a DENY rule only the value (it denies more). Admission validation refuses such
 * values first; this keeps the evaluator faithful for objects that never passed it.
 */
type Translated = { readonly constraints: Constraint[] } | undefined;

function translate(constraints: Constraint[], allow: boolean): Translated {
  const kept: Constraint[] = [];
  for (const c of constraints) {
    if (!c.values?.length && !c.notValues?.length) continue;
    const bad = (v: string) => c.attribute.invalid?.(v) ?? false;
    if (allow && [...c.values ?? [], ...c.notValues ?? []].some(bad)) return undefined;
    const values = c.values?.filter(v => !bad(v));
    const notValues = c.notValues?.filter(v => !bad(v));
    kept.push({ attribute: c.attribute, values: values?.length ? values : undefined, notValues: notValues?.length ? notValues : undefined });
  }
  return { constraints: kept };
}

function satisfied(c: Constraint, request: MeshRequest, ns: string): boolean {
  if (c.values && !c.values.some(v => c.attribute.test(v, request, ns))) return false;
  if (c.notValues && c.notValues.some(v => c.attribute.test(v, request, ns))) return false;
  return true;
}

/** A rule as Istio translates it: alternatives of principal constraints and of permission constraints. */
interface CompiledRule {
  readonly principals: Constraint[][];
  readonly permissions: Constraint[][];
}

function compileRule(rule: AuthorizationRuleSpec, allow: boolean): CompiledRule | undefined {
  const whenPrincipal: Constraint[] = [];
  const whenPermission: Constraint[] = [];
  for (const condition of rule.when ?? [] as AuthorizationConditionSpec[]) {
    const key = String(condition.key ?? '');
    const attribute = conditionAttribute(key);
    if (attribute === undefined) return undefined; // Istio: "unknown attribute", the rule is skipped
    const onPermission = key === 'destination.port' || key === 'destination.ip' || key === 'connection.sni' || key.startsWith('experimental.');
    (onPermission ? whenPermission : whenPrincipal).push({ attribute, values: condition.values, notValues: condition.notValues });
  }
  const alternatives = (sections: Constraint[][] | undefined, base: Constraint[]): Constraint[][] | undefined => {
    const out: Constraint[][] = [];
    // An empty list reaches istiod as an absent field (protobuf has no empty list): no constraint.
    for (const section of sections?.length ? sections : [[]]) {
      const translated = translate([...section, ...base], allow);
      if (translated === undefined) return undefined;
      out.push(translated.constraints);
    }
    return out;
  };
  const principals = alternatives(rule.from?.map(f => constraintsOf(f.source ?? {}, SOURCE_FIELDS)), whenPrincipal);
  const permissions = alternatives(rule.to?.map(t => constraintsOf(t.operation ?? {}, OPERATION_FIELDS)), whenPermission);
  return principals && permissions ? { principals, permissions } : undefined;
}

function compiledMatches(rule: CompiledRule, request: MeshRequest, ns: string): boolean {
  const all = (list: Constraint[]) => list.every(c => satisfied(c, request, ns));
  return rule.principals.some(all) && rule.permissions.some(all);
}

/** Whether one rule of an ALLOW policy in namespace `ns` matches. A rule with no sections matches everything. */
export function ruleMatches(rule: AuthorizationRuleSpec, request: MeshRequest, ns = '', action = 'ALLOW'): boolean {
  const compiled = compileRule(rule, action === 'ALLOW');
  return compiled !== undefined && compiledMatches(compiled, seenBy(request), ns);
}

/** A policy's action; protobuf's JSON reading also takes the enum's number (0 ALLOW, 1 DENY, 2 AUDIT, 3 CUSTOM). */
export function actionOf(policy: AuthorizationPolicyManifest): string {
  const action: unknown = policy.spec?.action;
  if (typeof action === 'number') return ['ALLOW', 'DENY', 'AUDIT', 'CUSTOM'][action] ?? String(action);
  return action == null ? 'ALLOW' : String(action); // null is the default, as for every protobuf field
}

/** Istio's `istio.io/dry-run` annotation, read as Go's strconv.ParseBool reads it (anything else enforces). */
export function isDryRun(policy: AuthorizationPolicyManifest): boolean {
  const value = policy.metadata?.annotations?.['istio.io/dry-run'];
  return value !== undefined && ['1', 't', 'T', 'TRUE', 'true', 'True'].includes(value);
}

/** Whether a policy names targets (a `targetRef` or `targetRefs`; null reads as absent, as protobuf's JSON reading has it). */
export function hasTargetRefs(policy: AuthorizationPolicyManifest): boolean {
  return policy.spec?.targetRef != null || (Array.isArray(policy.spec?.targetRefs) && policy.spec!.targetRefs.length > 0);
}

/** Whether a policy applies to a sidecar workload with `labels`: no targetRef, and no selector or one the labels satisfy. */
export function appliesToWorkload(policy: AuthorizationPolicyManifest, labels: Record<string, string>): boolean {
  const spec = policy.spec ?? {};
  if (hasTargetRefs(policy)) return false;
  const match = spec.selector?.matchLabels ?? {};
  return Object.entries(match).every(([k, v]) => labels[k] === v);
}

/** Envoy's key for one rule (`ns[<ns>]-policy[<name>]-rule[<i>]`); Envoy tries the rules of a filter in this key's byte order. */
const ruleKey = (policy: AuthorizationPolicyManifest, i: number) => `ns[${policy.metadata?.namespace}]-policy[${policy.metadata?.name}]-rule[${i}]`;

/** Compares as Envoy's std::map<std::string> does: by UTF-8 bytes (UTF-16 order differs only beyond the BMP). */
function byteOrder(a: string, b: string): number {
  // eslint-disable-next-line no-control-regex
  if (/^[\x00-\x7f]*$/.test(a) && /^[\x00-\x7f]*$/.test(b)) return a < b ? -1 : a > b ? 1 : 0;
  return Buffer.compare(Buffer.from(a), Buffer.from(b));
}

/** One rule of an enforced policy, translated once. */
interface EnforcedRule {
  readonly policy: string;
  readonly namespace: string;
  readonly rule: CompiledRule;
}

/** The policies enforced at one workload, translated and in Envoy's order: decide any number of requests against them. */
export interface EnforcedPolicies {
  readonly deny: EnforcedRule[];
  readonly allow: EnforcedRule[];
  /** Whether any ALLOW policy is enforced (then a request must match one of its rules). */
  readonly allowEnforced: boolean;
}

function enforcedRules(policies: AuthorizationPolicyManifest[], allow: boolean): EnforcedRule[] {
  return policies.flatMap(policy => (policy.spec?.rules ?? []).map((rule, i) => ({ key: ruleKey(policy, i), policy, rule })))
    .sort((a, b) => byteOrder(a.key, b.key))
    .flatMap(({ policy, rule }) => {
      const compiled = compileRule(rule ?? {}, allow);
      const namespace = String(policy.metadata?.namespace ?? '');
      return compiled ? [{ policy: `${namespace}/${policy.metadata?.name}`, namespace, rule: compiled }] : [];
    });
}

/**
 * The policies among `policies` (those of the workload's namespace and of the mesh's root
 * namespace) that a sidecar of a workload with `labels` enforces, translated as Istio does.
 */
export function enforcedPolicies(policies: AuthorizationPolicyManifest[], labels: Record<string, string> = {}): EnforcedPolicies {
  return enforcedSelection(policies.filter(p => appliesToWorkload(p, labels)));
}

/** Policies a proxy has selected (a waypoint selects by targetRefs), translated as Istio does; dry-run ones left out. */
export function enforcedSelection(selected: AuthorizationPolicyManifest[]): EnforcedPolicies {
  const enforced = selected.filter(p => !isDryRun(p));
  const allowPolicies = enforced.filter(p => actionOf(p) === 'ALLOW');
  return {
    deny: enforcedRules(enforced.filter(p => actionOf(p) === 'DENY'), false),
    allow: enforcedRules(allowPolicies, true),
    allowEnforced: allowPolicies.length > 0,
  };
}

/** Decides `request` against policies translated by `enforcedPolicies`. */
export function decide(enforced: EnforcedPolicies, received: MeshRequest): MeshDecision {
  const request = seenBy(received);
  const deny = enforced.deny.find(r => compiledMatches(r.rule, request, r.namespace));
  if (deny) return { admitted: false, policy: deny.policy };
  if (!enforced.allowEnforced) return { admitted: true, policy: '' };
  const allow = enforced.allow.find(r => compiledMatches(r.rule, request, r.namespace));
  return allow ? { admitted: true, policy: allow.policy } : { admitted: false, policy: '' };
}

/** Decides `request` against `policies` for a workload with `labels` (see `enforcedPolicies`). */
export function meshDecision(policies: AuthorizationPolicyManifest[], request: MeshRequest, labels: Record<string, string> = {}): MeshDecision {
  return decide(enforcedPolicies(policies, labels), request);
}
