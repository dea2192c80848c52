/**
 * Istio AuthorizationPolicy semantics for requests that arrive through the
 * ingress gateway with the auth proxy's user-id and groups headers: DENY
 * policies first, then, when any ALLOW policy applies, one ALLOW rule must
 * match. Only namespace-wide policies (no selector or targetRef) are evaluated.
 */
import {
  AuthorizationConditionSpec, AuthorizationOperationSpec, AuthorizationPolicyManifest, AuthorizationRuleSpec, AuthorizationSourceSpec,
} from '../core/manifest';

/** A request as the tenant's workloads see it. */
export interface MeshRequest {
  /** mTLS principal of the caller, e.g. the ingress gateway's service account. */
  readonly principal: string;
  /** Namespace of the caller. */
  readonly namespace: string;
  readonly method: string;
  readonly path: string;
  /** Header names in lower case. */
  readonly headers: Record<string, string>;
}

/** Istio string matching: exact, `prefix*`, `*suffix`, or `*` for any non-empty value. */
export function istioMatch(pattern: string, value: string | undefined): boolean {
  if (value === undefined) return false;
  if (pattern === '*') return value !== '';
  if (pattern.endsWith('*')) return value.startsWith(pattern.slice(0, -1));
  if (pattern.startsWith('*')) return value.endsWith(pattern.slice(1));
  return pattern === value;
}

/** `values` (any must match) and `notValues` (none may match); absent lists do not constrain. */
function field(values: string[] | undefined, notValues: string[] | undefined, actual: string | undefined): boolean {
  if (values && !values.some(v => istioMatch(v, actual))) return false;
  if (notValues && notValues.some(v => istioMatch(v, actual))) return false;
  return true;
}

const KNOWN_SOURCE_FIELDS = new Set(['principals', 'notPrincipals', 'namespaces', 'notNamespaces']);
const KNOWN_OPERATION_FIELDS = new Set(['methods', 'notMethods', 'paths', 'notPaths']);

function sourceMatches(source: AuthorizationSourceSpec, request: MeshRequest): boolean {
  // Fields this model does not know (IP blocks, JWT principals) never match a gateway request here.
  if (Object.keys(source).some(k => !KNOWN_SOURCE_FIELDS.has(k))) return false;
  return field(source.principals, source.notPrincipals, request.principal)
    && field(source.namespaces, source.notNamespaces, request.namespace);
}

function operationMatches(operation: AuthorizationOperationSpec, request: MeshRequest): boolean {
  if (Object.keys(operation).some(k => !KNOWN_OPERATION_FIELDS.has(k))) return false;
  return field(operation.methods, operation.notMethods, request.method) && field(operation.paths, operation.notPaths, request.path);
}

function conditionMatches(condition: AuthorizationConditionSpec, request: MeshRequest): boolean {
  const key = String(condition.key ?? '');
  const header = /^request\.headers\[(.+)\]$/.exec(key);
  let actual: string | undefined;
  if (header) actual = request.headers[header[1].toLowerCase()];
  else if (key === 'source.namespace') actual = request.namespace;
  else if (key === 'source.principal') actual = request.principal;
  else return false;
  return field(condition.values, condition.notValues, actual);
}

/** Whether one rule matches: every present section must. A rule with no sections matches everything. */
export function ruleMatches(rule: AuthorizationRuleSpec, request: MeshRequest): boolean {
  const from = rule.from ?? [];
  const to = rule.to ?? [];
  const when = rule.when ?? [];
  return (from.length === 0 || from.some(f => sourceMatches(f.source ?? {}, request)))
    && (to.length === 0 || to.some(t => operationMatches(t.operation ?? {}, request)))
    && when.every(c => conditionMatches(c, request));
}

/** The outcome for one request in one namespace, with the policy that decided it. */
export interface MeshDecision {
  readonly admitted: boolean;
  /** `namespace/name` of the deciding policy; empty when no policy applies. */
  readonly policy: string;
}

/** Decides `request` against the namespace-wide policies among `policies` (all of one namespace). */
export function meshDecision(policies: AuthorizationPolicyManifest[], request: MeshRequest): MeshDecision {
  const wide = policies.filter(p => !p.spec?.selector && !p.spec?.targetRef && !p.spec?.targetRefs)
    .sort((a, b) => (String(a.metadata?.name) < String(b.metadata?.name) ? -1 : 1));
  const id = (p: AuthorizationPolicyManifest) => `${p.metadata?.namespace}/${p.metadata?.name}`;
  for (const policy of wide.filter(p => p.spec?.action === 'DENY')) {
    // A DENY policy without rules denies nothing.
    if ((policy.spec?.rules ?? []).some(r => ruleMatches(r, request))) return { admitted: false, policy: id(policy) };
  }
  const allow = wide.filter(p => (p.spec?.action ?? 'ALLOW') === 'ALLOW');
  if (allow.length === 0) return { admitted: true, policy: '' };
  for (const policy of allow) {
    if ((policy.spec?.rules ?? []).some(r => ruleMatches(r, request))) return { admitted: true, policy: id(policy) };
  }
  return { admitted: false, policy: '' };
}
