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
import { validIpOrCidr, validPort } from '../core/istio-validation';
import {
  AuthorizationConditionSpec, AuthorizationOperationSpec, AuthorizationPolicyManifest, AuthorizationRuleSpec, AuthorizationSourceSpec,
} from '../core/manifest';

/** A request as the receiving workload's proxy sees it. */
export interface MeshRequest {
  /** SPIFFE identity of the mTLS peer without `spiffe://` (e.g. `cluster.local/ns/a/sa/b`); empty for plaintext. */
  readonly principal: string;
  readonly method: string;
  /** The path as sent, query included; Envoy normalizes it before any policy sees it. */
  readonly path: string;
  /** The workload port the request arrives on. */
  readonly port: number;
  /** Header names in lower case; `host` is the authority. */
  readonly headers: Record<string, string>;
  /** The caller's address; when absent it lies in no IP block. */
  readonly sourceIp?: string;
  /** The address the request arrived at; when absent it lies in no IP block. */
  readonly destinationIp?: string;
  /** The TLS server name of an mTLS request; absent for plaintext or when not known. */
  readonly sni?: string;
}

/**
 * The request as the RBAC filter sees it, after Envoy's HTTP connection manager: the target read
 * from an absolute-form URL, the path normalized and without its query, hop-by-hop and Envoy's own
 * headers removed, values trimmed, pseudo-headers and the headers Envoy adds present, and the
 * remote address taken from `x-forwarded-for`.
 */
interface SeenRequest extends MeshRequest {
  readonly remoteIp?: string;
  /** Every value of each header (names in lower case): a name sent twice, in any case, has two. */
  readonly headerValues: Record<string, string[]>;
}

/** ASCII-only lower case, as Envoy folds header names and hosts (JavaScript folds Unicode too). */
const asciiLower = (text: string) => text.replace(/[A-Z]/g, c => c.toLowerCase());

/**
 * Headers Envoy removes before any filter from a request that is not internal: hop-by-hop headers,
 * the x-envoy-* control headers it would otherwise obey, and the client certificate header it
 * sanitizes. Other x-envoy-* headers pass.
 */
const STRIPPED_HEADERS = new Set(['connection', 'keep-alive', 'proxy-connection', 'upgrade', 'transfer-encoding', 'x-forwarded-client-cert',
  'x-envoy-internal', 'x-envoy-retry-on', 'x-envoy-retry-grpc-on', 'x-envoy-max-retries', 'x-envoy-upstream-alt-stat-name',
  'x-envoy-upstream-rq-timeout-ms', 'x-envoy-upstream-rq-per-try-timeout-ms', 'x-envoy-expected-rq-timeout-ms', 'x-envoy-force-trace',
  'x-envoy-ip-tags', 'x-envoy-upstream-rq-timeout-alt-response', 'x-envoy-hedge-on-per-try-timeout', 'x-envoy-retriable-status-codes',
  'x-envoy-retriable-header-names', 'x-envoy-upstream-stream-duration-ms', 'x-envoy-original-url']);

/**
 * Headers Envoy keeps inline: copies sent more than once reach the filters as one value, joined
 * with "," in the order sent. Other headers keep one entry per copy.
 */
const INLINE_HEADERS = new Set(['user-agent', 'x-request-id', 'x-forwarded-proto', 'x-forwarded-host', 'x-forwarded-for', 'via', 'content-type',
  'content-encoding', 'accept', 'accept-encoding', 'authorization', 'origin', 'referer', 'cache-control', 'pragma', 'if-none-match',
  'grpc-timeout', 'grpc-accept-encoding', 'access-control-request-method', 'x-client-trace-id', 'x-envoy-attempt-count',
  'x-envoy-decorator-operation', 'x-envoy-downstream-service-cluster', 'x-envoy-original-path', 'x-envoy-external-address']);

/** Connection tokens Envoy does not read as header names (`sanitizeConnectionHeader`); `te` is handled on its own. */
const CONNECTION_OPTIONS = new Set(['close', 'http2-settings', 'keep-alive', 'upgrade', 'connection', 'te', 'host']);

/**
 * The value of `x-request-id` when the client sent none: Envoy generates a random UUID, which no
 * policy value can name in advance; only `*` (presence) matches it.
 */
export const GENERATED_REQUEST_ID = '\u0000generated-request-id';

/** An address as Envoy parses one in x-forwarded-for (inet_pton: Go's strict reading, no zone, no range). */
const forwardedAddress = (text: string) => (!text.includes('/') && !text.includes('%') && validIpOrCidr(text) ? text : undefined);

function seenBy(request: MeshRequest): SeenRequest {
  // The request line ends the target at whitespace.
  let target = request.path.replace(/^[ \t]+|[ \t]+$/g, '');
  const headerValues: Record<string, string[]> = {};
  for (const [name, value] of Object.entries(request.headers)) {
    const key = asciiLower(name);
    (headerValues[key] ??= []).push(String(value).replace(/^[ \t]+|[ \t]+$/g, ''));
  }
  // Envoy removes every header the Connection header nominates (sanitizeConnectionHeader).
  for (const token of (headerValues.connection ?? []).join(',').split(',')) {
    const name = asciiLower(token.replace(/^[ \t]+|[ \t]+$/g, ''));
    if (name !== '' && !CONNECTION_OPTIONS.has(name)) delete headerValues[name];
  }
  // Copies of an inline header become one value, in the order sent.
  for (const name of Object.keys(headerValues)) if (INLINE_HEADERS.has(name)) headerValues[name] = [headerValues[name].join(',')];
  // Expect is removed only as "100-continue".
  if (headerValues.expect?.some(v => asciiLower(v) === '100-continue')) delete headerValues.expect;
  // Of two Host headers, the last is the authority.
  let host = headerValues.host?.[headerValues.host.length - 1];
  // An absolute-form target (`http://user@host/path`): Envoy takes the authority (without user info) and the path from it.
  const absolute = /^[a-zA-Z][a-zA-Z0-9+.-]*:\/\/([^/?#]*)(.*)$/.exec(target);
  if (absolute) {
    host = absolute[1].slice(absolute[1].lastIndexOf('@') + 1);
    target = absolute[2].startsWith('/') ? absolute[2] : `/${absolute[2]}`;
  }
  const query = target.search(/[?#]/);
  const path = normalizedPath(query < 0 ? target : target.slice(0, query));
  for (const key of Object.keys(headerValues)) if (STRIPPED_HEADERS.has(key) || key === 'host') delete headerValues[key];
  // TE survives only as "trailers", and only when the client asked for trailers.
  if (headerValues.te) {
    if (headerValues.te.some(v => v.split(',').some(token => token.trim() === 'trailers'))) headerValues.te = ['trailers'];
    else delete headerValues.te;
  }
  // :scheme: an absolute target's, else a valid x-forwarded-proto, else the connection's.
  const connectionScheme = request.principal === '' ? 'http' : 'https';
  const forwardedProto = headerValues['x-forwarded-proto']?.[0];
  const scheme = absolute ? asciiLower(/^[^:]+/.exec(request.path.trim())![0])
    : forwardedProto !== undefined && ['http', 'https'].includes(asciiLower(forwardedProto)) ? asciiLower(forwardedProto) : connectionScheme;
  headerValues[':authority'] = [host ?? ''];
  headerValues[':method'] = [request.method];
  headerValues[':scheme'] = [scheme];
  headerValues[':path'] = [`${path}${query < 0 ? '' : target.slice(query).split('#')[0]}`];
  headerValues['x-forwarded-proto'] ??= [connectionScheme];
  headerValues['x-request-id'] ??= [GENERATED_REQUEST_ID];
  if (host !== undefined) headerValues.host = [host];
  const headers = Object.fromEntries(Object.entries(headerValues).map(([k, v]) => [k, v.join(',')]));
  // With no trusted hops, the remote address is the last address of x-forwarded-for, else the peer.
  const forwarded = headerValues['x-forwarded-for']?.join(',').split(',').pop()?.trim();
  const remoteIp = (forwarded !== undefined ? forwardedAddress(forwarded) : undefined) ?? request.sourceIp;
  return { ...request, path, headers, headerValues, remoteIp };
}

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


/** Characters Envoy's path canonicalization percent-encodes (with non-ASCII and control characters). */
const ENCODED = new Set([' ', '"', '<', '>', '`', '{', '}', '|', '^']);
const UNRESERVED = /^[A-Za-z0-9\-._~]$/;

/** One path segment's characters as Envoy canonicalizes them; a stray `%` is marked `\u0000` for now. */
function canonicalSegment(segment: string): string {
  let out = '';
  for (let i = 0; i < segment.length; i++) {
    const c = segment[i];
    if (c === '%') {
      const hex = segment.slice(i + 1, i + 3);
      if (/^[0-9a-fA-F]{2}$/.test(hex)) {
        const decoded = String.fromCharCode(parseInt(hex, 16));
        out += UNRESERVED.test(decoded) ? decoded : `%${hex}`;
        i += 2;
      } else {
        out += '\u0000';
      }
    } else if (ENCODED.has(c) || c.charCodeAt(0) < 0x20 || c.charCodeAt(0) === 0x7f) {
      out += `%${c.charCodeAt(0).toString(16).toUpperCase().padStart(2, '0')}`;
    } else if (c.charCodeAt(0) > 0x7f) {
      const char = String.fromCodePoint(segment.codePointAt(i)!);
      out += [...Buffer.from(char, 'utf8')].map(b => `%${b.toString(16).toUpperCase().padStart(2, '0')}`).join('');
      i += char.length - 1;
    } else {
      out += c;
    }
  }
  return out;
}

/**
 * A path (without its query) as Envoy's `normalize_path` canonicalizes it before any policy sees it:
 * escapes of unreserved characters decoded, other escapes kept as written; spaces, quotes,
 * `<>`{}|^`, control and non-ASCII characters encoded; a `%` that starts no escape kept, unless
 * decoding made it look like one (then `%25`); `\` read as `/`, except inside a segment that starts
 * with a literal `.;` or `..;`, which runs to the next `/`; then dot segments removed (`.`, `..`,
 * their escaped forms, and the literal `.;x`, `..;x`).
 */
export function normalizedPath(path: string): string {
  // The access analysis sends the same few probe paths for thousands of identities.
  let normalized = NORMALIZED.get(path);
  if (normalized === undefined) {
    if (NORMALIZED.size >= 1024) NORMALIZED.clear();
    NORMALIZED.set(path, normalized = canonicalPath(path));
  }
  return normalized;
}

const NORMALIZED = new Map<string, string>();

function canonicalPath(path: string): string {
  const segments: Array<{ text: string; dots: 0 | 1 | 2 }> = [];
  for (const raw of path.split('/')) {
    const parts = raw.split('\\');
    for (let p = 0; p < parts.length; p++) {
      const literal = /^(\.\.?);/.exec(parts[p]);
      if (literal) {
        // A literal dot segment with parameters: the rest of the raw segment, backslashes included, belongs to it.
        segments.push({ text: '', dots: literal[1].length as 1 | 2 });
        break;
      }
      const text = canonicalSegment(parts[p]);
      segments.push({ text, dots: text === '.' ? 1 : text === '..' ? 2 : 0 });
    }
  }
  const kept: string[] = [];
  segments.forEach((segment, i) => {
    const last = i === segments.length - 1;
    if (segment.dots === 1) {
      if (last) kept.push('');
    } else if (segment.dots === 2) {
      if (kept.length > 1) kept.pop();
      if (last) kept.push('');
    } else {
      kept.push(segment.text);
    }
  });
  const joined = kept.join('/').replace(/\u0000(?=[0-9a-fA-F]{2})/g, '%25').replace(/\u0000/g, '%');
  return joined.startsWith('/') ? joined : `/${joined}`;
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
