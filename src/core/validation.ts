/**
 * Pure validation rules shared by the constructs and the Profile reader.
 * Each returns `undefined` when the value is fine, else a message that says
 * what is wrong and how to fix it.
 */
import { closest, distance } from 'fastest-levenshtein';
import { asProblem, formatProblem, Problem, Reported } from './problem';
import { reservedNamespaceProblem, reservedNamespaces } from './reserved-namespaces';

const DNS_LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;
const DNS_SUBDOMAIN = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;
const LABEL_NAME = /^[A-Za-z0-9]([-A-Za-z0-9_.]*[A-Za-z0-9])?$/;
const HEADER_NAME = /^[a-z0-9!#$%&'*+.^_`|~-]+$/;
const AWS_ROLE_ARN = /^arn:aws[a-z-]*:iam::\d{12}:role\/[\w+=,.@\/-]{1,512}$/;

/**
 * The message for a key that is not one of `known`: the known keys, and the closest one when it is
 * a likely misspelling (a few edits, another letter case, or the same letters in another order).
 */
export function unknownKeyMessage(key: string, known: readonly string[]): string {
  const nearest = known.length > 0 ? closest(key, [...known]) : undefined;
  const letters = (text: string) => [...text.toLowerCase()].sort().join('');
  // A few edits, or the same letters in another order (swapped letters cost two edits).
  const edits = nearest === undefined ? Infinity : distance(key.toLowerCase(), nearest.toLowerCase());
  const likely = nearest !== undefined && (edits <= Math.max(1, Math.min(2, Math.floor(nearest.length / 3))) || letters(key) === letters(nearest));
  return `unknown key ${shown(key)}${likely ? `; did you mean "${nearest}"?` : ''} (known: ${known.join(', ')})`;
}

/** Control, format (zero-width, bidirectional) and line-separator characters: never printed raw. */
const UNPRINTABLE = /[\p{Cc}\p{Cf}\p{Zl}\p{Zp}]/gu;
/** Longest value a message quotes; the rest is cut, so a hostile input is never echoed back whole. */
const MAX_SHOWN_VALUE = 80;
/** Longest message; beyond it the message is cut with a note of how much was left out. */
const MAX_MESSAGE = 2000;

function escapeUnprintable(text: string): string {
  return text.replace(UNPRINTABLE, c => `\\u{${c.codePointAt(0)!.toString(16).toUpperCase().padStart(4, '0')}}`);
}

/**
 * A value as a message may quote it: in double quotes, with control, invisible and
 * bidirectional characters escaped (`\u{202E}`) and anything past 80 characters cut.
 */
export function shown(value: unknown): string {
  if (typeof value !== 'string') return `${describeValue(value)}`;
  const escaped = escapeUnprintable(value);
  return escaped.length <= MAX_SHOWN_VALUE ? `"${escaped}"` : `"${escaped.slice(0, MAX_SHOWN_VALUE)}…" (${value.length} characters)`;
}

/** What a non-string value is, for a message: `true (a boolean)`, `493 (a number)`, `a list`. */
export function describeValue(value: unknown): string {
  if (value === null || value === undefined) return 'nothing';
  if (Array.isArray(value)) return 'a list';
  if (typeof value === 'object') return 'a map';
  if (typeof value === 'string') return shown(value);
  return `${escapeUnprintable(String(value)).slice(0, MAX_SHOWN_VALUE)} (a ${typeof value})`;
}

/**
 * Text made safe for a terminal or a CI log, whole (line breaks and tabs kept): every other
 * control, format and bidirectional character escaped, so no input can move the cursor, recolour
 * or hide text, or reorder what is shown.
 */
export function terminalSafe(text: string): string {
  return text.replace(UNPRINTABLE, c => (c === '\n' || c === '\t' ? c : escapeUnprintable(c)));
}

/** A message made safe to print: unprintable characters escaped, length bounded. */
export function printableMessage(message: string): string {
  const escaped = escapeUnprintable(message);
  return escaped.length <= MAX_MESSAGE ? escaped : `${escaped.slice(0, MAX_MESSAGE)}… (${escaped.length - MAX_MESSAGE} more characters)`;
}

/**
 * An error thrown when one or more inputs are invalid; carries every problem as data
 * (`problems`) and as text (`errors`, each made safe to print: no raw control or
 * bidirectional characters, bounded length).
 */
export class TenancyValidationError extends Error {
  public readonly errors: string[];
  public readonly problems: Problem[];
  constructor(reported: Reported[]) {
    const problems = reported.map(asProblem);
    const safe = problems.map(p => printableMessage(formatProblem(p)));
    super(`${safe.length} validation error${safe.length === 1 ? '' : 's'}:\n${safe.map(e => `  - ${e}`).join('\n')}`);
    this.name = 'TenancyValidationError';
    this.errors = safe;
    this.problems = problems;
  }
}

/** Throws one TenancyValidationError listing all problems, if there are any. */
export function throwIfAny(reported: Reported[]): void {
  if (reported.length > 0) throw new TenancyValidationError(reported);
}

/**
 * Every problem of a TenancyValidationError. Any other error is not about the input but a
 * bug (or a construct-id clash a check should have caught first): it is thrown again, so it
 * is never shown to the user as if their input were wrong.
 */
export function problemsOf(error: unknown): Problem[] {
  if (error instanceof TenancyValidationError) return error.problems;
  throw error;
}

/** Every message of a TenancyValidationError, as text; any other error is thrown again (see {@link problemsOf}). */
export function messagesOf(error: unknown): string[] {
  if (error instanceof TenancyValidationError) return error.errors;
  throw error;
}

/** Names every JavaScript object already has as a property: cdk8s and constructs cannot use them as ids or keys. */
const OBJECT_PROPERTY_NAMES = new Set(Object.getOwnPropertyNames(Object.prototype));

/** Why `value` cannot be a name (a property every JavaScript object has), or undefined. */
export function builtinNameProblem(value: string): string | undefined {
  return OBJECT_PROPERTY_NAMES.has(value)
    ? `"${value}" is a property name every JavaScript object has, which the construct library cannot use as a name or key; choose another`
    : undefined;
}

export function dnsLabelProblem(value: string): string | undefined {
  if (typeof value !== 'string') return notAString(value);
  const builtin = builtinNameProblem(value);
  if (builtin) return builtin;
  if (value.length === 0) return 'is empty; use a lowercase DNS-1123 label such as "team-a"';
  if (value.length > 63) return `"${value}" is ${value.length} characters long; a DNS-1123 label has at most 63`;
  if (!DNS_LABEL.test(value)) {
    const hint = value.toLowerCase().replace(/[^a-z0-9-]+/g, '-').replace(/^-+|-+$/g, '').slice(0, 63);
    return `${shown(value)} is not a DNS-1123 label (lowercase letters, digits and "-", starting and ending with a letter or digit)${hint ? `; did you mean "${hint}"?` : ''}`;
  }
  return undefined;
}

/** Why `value` is not a DNS-1123 subdomain (the name of most Kubernetes objects), or undefined. */
export function dnsSubdomainProblem(value: string): string | undefined {
  if (typeof value !== 'string') return notAString(value);
  const builtin = builtinNameProblem(value);
  if (builtin) return builtin;
  if (value.length === 0 || value.length > 253 || !DNS_SUBDOMAIN.test(value)) {
    return `${shown(value)} is not a DNS-1123 subdomain (lowercase letters, digits, "-" and ".", at most 253 characters)`;
  }
  return undefined;
}

export function namespaceNameProblem(value: string): string | undefined {
  return dnsLabelProblem(value) ?? reservedNamespaceProblem(value, STATIC_RESERVED);
}

/** The registry without a run's own namespaces (those the pipeline adds per run). */
const STATIC_RESERVED = reservedNamespaces();

/** The message for a value that should have been a string (YAML reads `true`, `0755`, `2024-01-01` as other types). */
export function notAString(value: unknown): string {
  return `${describeValue(value)} is not a string; YAML reads unquoted true/false/yes/no, numbers and dates as other types, so write the value in quotes`;
}

/** `U+200B` for a character, to name it in a message. */
function codePoint(char: string): string {
  return `U+${char.codePointAt(0)!.toString(16).toUpperCase().padStart(4, '0')}`;
}

/**
 * Checks an identity (user or group) as the auth proxy reports it.
 * Refuses Kubernetes' `system:` identities (binding `system:authenticated` would
 * admit every user of the cluster), and `*` anywhere: Istio reads a leading or
 * trailing `*` in a match value as a suffix or prefix wildcard, so `bob*` would
 * admit `bobby@evil.io`. Identities are plain printable ASCII: RBAC and Istio
 * compare bytes, so an invisible or look-alike character is another identity.
 */
export function identityProblem(value: string): string | undefined {
  if (typeof value !== 'string') return notAString(value);
  if (value.trim().length === 0) return 'is empty; give the e-mail or name the auth proxy reports';
  if (/[\s\p{Cc}]/u.test(value)) return `${shown(value)} contains whitespace or control characters; remove them`;
  const odd = /[^\x21-\x7e]/u.exec(value);
  if (odd) {
    return `${shown(value)} contains the character ${codePoint(odd[0])}; RBAC and Istio compare identities byte for byte, `
      + 'so an invisible or look-alike character names someone else: write the identity in plain ASCII as the auth proxy reports it';
  }
  if (value === '*') return '"*" would match everyone; name a user or group';
  if (value.includes('*')) {
    return `${shown(value)} contains "*", which Istio reads as a wildcard (a leading or trailing "*" matches any suffix or prefix) `
      + 'and would admit other identities; write the exact identity';
  }
  if (value.includes(',')) return `${shown(value)} contains ","; the groups header is a comma-separated list, so a name with a comma cannot be matched safely`;
  if (value.toLowerCase().startsWith('system:')) {
    return `${shown(value)} is a Kubernetes system identity; tenants may only grant access to real users and groups`;
  }
  if (!/[A-Za-z0-9]/.test(value)) return `${shown(value)} has no letter or digit, so it has no KFAM name; use a real identity`;
  if (value.length > 253) return `${shown(value)} is ${value.length} characters long; at most 253 are allowed`;
  if (value.includes('@')) {
    const parts = value.split('@');
    if (parts.length !== 2 || parts[0] === '' || parts[1] === '' || parts[1].startsWith('.') || parts[1].endsWith('.')) {
      return `${shown(value)} is not a well-formed e-mail address (local@domain)`;
    }
  }
  return undefined;
}

export function labelKeyProblem(key: string): string | undefined {
  const builtin = builtinNameProblem(key);
  if (builtin) return `label key ${builtin}`;
  const slash = key.lastIndexOf('/');
  const prefix = slash >= 0 ? key.slice(0, slash) : undefined;
  const name = slash >= 0 ? key.slice(slash + 1) : key;
  if (prefix !== undefined && (prefix.length > 253 || !DNS_SUBDOMAIN.test(prefix))) {
    return `label key "${key}" has an invalid prefix; it must be a DNS subdomain such as "example.com"`;
  }
  if (name.length === 0 || name.length > 63 || !LABEL_NAME.test(name)) {
    return `label key "${key}" is invalid; the name part must be 1-63 alphanumerics, "-", "_" or "."`;
  }
  return undefined;
}

export function labelValueProblem(value: string): string | undefined {
  if (value === '') return undefined;
  if (value.length > 63 || !LABEL_NAME.test(value)) {
    return `label value "${value}" is invalid; use at most 63 alphanumerics, "-", "_" or ".", or "" to remove the label`;
  }
  return undefined;
}

export function headerNameProblem(value: string): string | undefined {
  if (typeof value !== 'string') return notAString(value);
  if (!HEADER_NAME.test(value)) return `${shown(value)} is not a lowercase HTTP header name such as "kubeflow-userid"`;
  return undefined;
}

/**
 * The identity headers auth proxies set after authenticating a user (and strip or overwrite when
 * a client sends them), each with its one meaning. An allowlist: any other header (`traceparent`,
 * `x-forwarded-user`, `x-user`) may reach the workload as the client sent it, and a policy that
 * matched it would let every client choose whom it is admitted as.
 * - Kubeflow: `kubeflow-userid`, `kubeflow-groups` (oauth2-proxy's claims, set by the gateway);
 * - oauth2-proxy `--set-xauthrequest`: `x-auth-request-user`, `-email`, `-preferred-username`, `-groups`;
 * - Google IAP: `x-goog-authenticated-user-email`; AWS ALB: `x-amzn-oidc-identity`;
 *   Azure App Service authentication: `x-ms-client-principal-name`.
 */
export const IDENTITY_HEADERS: Readonly<Record<'user' | 'groups', readonly string[]>> = {
  user: ['kubeflow-userid', 'x-auth-request-user', 'x-auth-request-email', 'x-auth-request-preferred-username',
    'x-goog-authenticated-user-email', 'x-amzn-oidc-identity', 'x-ms-client-principal-name'],
  groups: ['kubeflow-groups', 'x-auth-request-groups'],
};

/**
 * An identity header of the given meaning (a user id, or the groups): one an auth proxy sets, from
 * the allowlist. With `traceparent` or `user-agent`, every client would choose whom it is admitted as.
 */
export function identityHeaderProblem(value: string, meaning: 'user' | 'groups' = 'user'): string | undefined {
  const problem = headerNameProblem(value);
  if (problem) return problem;
  if (IDENTITY_HEADERS[meaning].includes(value)) return undefined;
  const other = meaning === 'user' ? 'groups' : 'user';
  if (IDENTITY_HEADERS[other].includes(value)) {
    return `${shown(value)} carries the ${other === 'user' ? 'user id' : 'groups'}, not the ${meaning === 'user' ? 'user id' : 'groups'}; each identity header has one meaning`;
  }
  return `${shown(value)} is not a header an auth proxy sets (clients could send it themselves and choose whom they are admitted as); `
    + `use one of ${IDENTITY_HEADERS[meaning].map(h => `"${h}"`).join(', ')}`;
}

const PRINCIPAL = /^([^/\s*]+)\/ns\/([a-z0-9]([-a-z0-9]*[a-z0-9])?)\/sa\/([a-z0-9]([-a-z0-9.]*[a-z0-9])?)$/;

/** The namespace of an Istio principal `<trust-domain>/ns/<namespace>/sa/<name>`, if it is one. */
export function principalNamespace(value: string): string | undefined {
  return typeof value === 'string' ? PRINCIPAL.exec(value)?.[2] : undefined;
}

export function principalProblem(value: string): string | undefined {
  if (typeof value !== 'string') return notAString(value);
  if (value.includes('*')) return `${shown(value)} contains "*", which Istio reads as a wildcard; name one service account exactly`;
  if (!PRINCIPAL.test(value)) {
    return `${shown(value)} is not an Istio principal of the form <trust-domain>/ns/<namespace>/sa/<service-account>`;
  }
  return undefined;
}

export function gcpServiceAccountProblem(value: string): string | undefined {
  if (!/^[a-z0-9][-a-z0-9]{0,62}@[a-z0-9][-a-z0-9.]*\.gserviceaccount\.com$/.test(value)) {
    return `"${value}" is not a GCP service account e-mail (name@project.iam.gserviceaccount.com)`;
  }
  return undefined;
}

export function awsRoleArnProblem(value: string): string | undefined {
  if (value === '') return 'is empty; give the IAM role ARN, e.g. arn:aws:iam::123456789012:role/team-a';
  if (!AWS_ROLE_ARN.test(value)) return `"${value}" is not an IAM role ARN (arn:aws:iam::<12-digit account>:role/<name>)`;
  return undefined;
}

/** A recorder of `prefix.field: problem` messages into `problems`; undefined problems are skipped. */
export function problemsAt(prefix: string, problems: string[]): (field: string, problem: string | undefined) => void {
  return (field, problem) => { if (problem) problems.push(`${prefix}.${field}: ${problem}`); };
}

/**
 * The checks shared by cluster objects placed over the tenants (quota alerts, dashboard):
 * each tenant a namespace name, the object's namespace and name, and its labels.
 */
export function tenantObjectProblems(at: (field: string, problem: string | undefined) => void,
  props: { tenants: string[]; namespace?: string; name?: string }, labelsField: string, labels: { [key: string]: string } | undefined): void {
  props.tenants.forEach((t, i) => at(`tenants[${i}]`, namespaceNameProblem(t)));
  if (props.namespace !== undefined) at('namespace', namespaceNameProblem(props.namespace));
  if (props.name !== undefined) at('name', dnsLabelProblem(props.name));
  for (const [key, value] of Object.entries(labels ?? {})) at(`${labelsField}["${key}"]`, labelKeyProblem(key) ?? labelValueProblem(value));
}
