/**
 * A request as the receiving workload's Envoy sees it before any policy does: headers stripped,
 * joined and derived the way Envoy's HTTP connection manager does it, and the path canonicalized
 * by `normalize_path`. The policy evaluation is mesh.ts.
 */
import { validIpOrCidr } from '../core/istio-validation';

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
export interface SeenRequest extends MeshRequest {
  readonly remoteIp?: string;
  /** Every value of each header (names in lower case): a name sent twice, in any case, has two. */
  readonly headerValues: Record<string, string[]>;
}

/** ASCII-only lower case, as Envoy folds header names and hosts (JavaScript folds Unicode too). */
export const asciiLower = (text: string) => text.replace(/[A-Z]/g, c => c.toLowerCase());

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

export function seenBy(request: MeshRequest): SeenRequest {
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
