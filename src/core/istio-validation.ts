/**
 * Istio's admission validation of an AuthorizationPolicy (pkg/config/validation in istio/istio:
 * `ValidateAuthorizationPolicy`, the dry-run annotation check, pkg/config/security's attribute
 * checks), so a policy istiod's webhook would refuse is refused at synth time, with its field.
 * The integration suite runs each refusal and each accepted case through Istio's own code.
 */
import * as ipaddr from 'ipaddr.js';
import { AuthorizationOperationSpec, AuthorizationPolicyManifest, AuthorizationSourceSpec } from './manifest';

/** One thing Istio's validation refuses: the field (a path under the object) and why. */
export interface IstioPolicyProblem {
  readonly field: string;
  readonly message: string;
}

const MATCH_ONE = '{*}';
const MATCH_ANY = '{**}';
/** RFC 3986 pchar, as Istio checks the literal segments of a path template. */
const PATH_LITERAL = /^[a-zA-Z0-9\-._~%!$&'()+,;:@=]+$/;
const TARGET_KINDS = new Set(['core/Service', 'networking.istio.io/ServiceEntry', 'gateway.networking.k8s.io/Gateway', 'gateway.networking.k8s.io/GatewayClass']);
const BOOLEANS = new Set(['1', 't', 'T', 'TRUE', 'true', 'True', '0', 'f', 'F', 'FALSE', 'false', 'False']);
const INTERNAL_ANNOTATIONS = ['internal.istio.io/webhook-always-reject', 'internal.istio.io/parent-namespace', 'internal.istio.io/parents'];

const IPV4 = /^(0|[1-9]\d{0,2})\.(0|[1-9]\d{0,2})\.(0|[1-9]\d{0,2})\.(0|[1-9]\d{0,2})$/;

const validIpv4 = (value: string) => IPV4.exec(value)?.slice(1).every(part => Number(part) <= 255) ?? false;

/** An address as Go's netip.ParseAddr reads it: an IPv6 zone only when `zone` (ParsePrefix takes none). */
function validAddress(value: string, zone: boolean): boolean {
  if (validIpv4(value)) return true;
  const at = value.indexOf('%');
  if (at >= 0 && (!zone || at === value.length - 1)) return false;
  const address = at >= 0 ? value.slice(0, at) : value;
  // An embedded IPv4 part is read as strictly as a plain one (no leading zeros).
  const embedded = /:(\d+\.\d+\.\d+\.\d+)$/.exec(address);
  if (embedded && !validIpv4(embedded[1])) return false;
  return address.includes(':') && ipaddr.IPv6.isValid(address);
}

/** An address or a CIDR as Istio's ValidateIPs reads it (Go's netip). */
export function validIpOrCidr(value: string): boolean {
  if (typeof value !== 'string') return false;
  if (!value.includes('/')) return validAddress(value, true);
  const [address, bits, ...rest] = value.split('/');
  if (rest.length > 0 || !/^(0|[1-9]\d*)$/.test(bits) || !validAddress(address, false)) return false;
  return Number(bits) <= (address.includes(':') ? 128 : 32);
}

/** A port as Istio reads one (decimal, at most 65535). */
export const validPort = (value: string) => /^\d+$/.test(value) && Number(value) <= 65535;

/** `a[b]`, as Istio's validateMapKey wants for header, claim and filter keys. */
function validMapKey(key: string): boolean {
  const open = key.indexOf('[');
  return key.endsWith(']') && open > 0 && open < key.length - 2;
}

function wildcardProblem(values: string[]): string | undefined {
  if (values.some(v => v === '')) return 'empty value';
  for (const value of values) {
    const count = value.split('*').length - 1;
    if (count > 1) return `at most one wildcard is allowed: "${value}"`;
    if (count === 1 && value !== '*' && !value.startsWith('*') && !value.endsWith('*')) return `a wildcard only at the start or end: "${value}"`;
  }
  return undefined;
}

function serviceAccountProblem(values: string[]): string | undefined {
  if (values.length > 16) return 'at most 16 values';
  for (const value of values) {
    if (value.includes('*')) return `no wildcard: "${value}"`;
    const parts = value.split('/');
    if (parts.length > 2 || parts.some(p => p === '') || Buffer.byteLength(value, 'utf8') > 320) return `"serviceAccount" or "namespace/serviceAccount" (at most 320 characters): "${value}"`;
  }
  return undefined;
}

function trustDomainProblem(values: string[]): string | undefined {
  return wildcardProblem(values) ?? values.filter(v => v.includes('/')).map(v => `no "/" in a trust domain: "${v}"`)[0];
}

function pathTemplateProblem(paths: string[]): string | undefined {
  for (const path of paths) {
    const template = path.includes(MATCH_ONE) || path.includes(MATCH_ANY);
    // Istio accepts these, but Envoy refuses to load the template (and the listener with it).
    if (template && (!path.startsWith('/') || path.startsWith('//'))) return `"${path}": a path template must start with a single "/"`;
    // Envoy crashes loading a template with an empty segment (`/{*}//`), and refuses one over 256 characters once Istio
    // has rewritten {*} to * and {**} to **: the proxy would fail, so these are refused too.
    if (template && path.includes('//')) return `"${path}": an empty segment ("//") in a path template stops Envoy; remove it`;
    if (template && path.replace(/\{\*\*\}/g, '**').replace(/\{\*\}/g, '*').length > 256) {
      return `"${path}": a path template may have at most 256 characters (Envoy's limit); shorten it`;
    }
    let sawAny = false;
    for (const glob of path.replace(/^\/+|\/+$/g, '').split('/')) {
      if ((glob === MATCH_ONE || glob === MATCH_ANY) && sawAny) return `"${path}": {**} must be the last operator`;
      if (glob === MATCH_ANY) sawAny = true;
      if (glob === MATCH_ONE || glob === MATCH_ANY) continue;
      if (/[{}]/.test(glob)) return `"${path}": "{" or "}" outside {*} and {**}`;
      if (template && !PATH_LITERAL.test(glob)) return `"${path}": segment "${glob}" is not a valid path literal`;
    }
  }
  return undefined;
}

/** Why Istio refuses `values` of a `when` key, or undefined (pkg/config/security ValidateAttribute). */
function attributeProblem(key: string, values: string[]): string | undefined {
  if (values.some(v => v === '')) return 'empty value';
  if (key.startsWith('request.headers') || key.startsWith('request.auth.claims') || key.startsWith('experimental.envoy.filters.')) {
    return validMapKey(key) ? undefined : `bad key "${key}": the form is a[b]`;
  }
  switch (key) {
    case 'source.ip': case 'remote.ip': case 'destination.ip':
      return values.filter(v => !validIpOrCidr(v)).map(v => `bad address or CIDR "${v}"`)[0];
    case 'source.serviceAccount': return serviceAccountProblem(values);
    case 'source.trustDomain': return wildcardProblem(values);
    case 'destination.port': return values.filter(v => !validPort(v)).map(v => `bad port "${v}"`)[0];
    case 'source.namespace': case 'source.principal': case 'request.auth.principal': case 'request.auth.audiences':
    case 'request.auth.presenter': case 'connection.sni':
      return undefined;
    default:
      return `unknown attribute "${key}"`;
  }
}

/** How many of `fields` hold a non-empty list. */
const setFields = (lists: Array<unknown[] | undefined>) => lists.filter(list => (list?.length ?? 0) > 0).length;
const sourceFieldCount = (s: AuthorizationSourceSpec) => setFields([s.principals, s.requestPrincipals, s.namespaces, s.ipBlocks, s.remoteIpBlocks,
  s.notPrincipals, s.notRequestPrincipals, s.notNamespaces, s.notIpBlocks, s.notRemoteIpBlocks, s.serviceAccounts, s.notServiceAccounts,
  s.trustDomains, s.notTrustDomains]);
const operationFieldCount = (o: AuthorizationOperationSpec) => setFields([o.ports, o.methods, o.paths, o.hosts, o.notPorts, o.notMethods, o.notPaths,
  o.notHosts]);

function sourceProblems(source: AuthorizationSourceSpec, at: string, custom: boolean): IstioPolicyProblem[] {
  const problems: IstioPolicyProblem[] = [];
  const add = (field: string, message: string | undefined) => { if (message) problems.push({ field: field ? `${at}.${field}` : at, message }); };
  if (sourceFieldCount(source) === 0) add('', 'must not be empty');
  const named = setFields([source.principals, source.notPrincipals, source.namespaces, source.notNamespaces]);
  if (named > 0 && setFields([source.serviceAccounts, source.notServiceAccounts]) > 0) {
    add('serviceAccounts', 'cannot be set with namespaces or principals');
  }
  for (const field of ['ipBlocks', 'notIpBlocks', 'remoteIpBlocks', 'notRemoteIpBlocks'] as const) {
    add(field, (source[field] ?? []).filter(v => v === '' || !validIpOrCidr(v)).map(v => `bad address or CIDR "${v}"`)[0]);
  }
  for (const field of ['principals', 'requestPrincipals', 'namespaces', 'notPrincipals', 'notRequestPrincipals', 'notNamespaces'] as const) {
    if ((source[field] ?? []).some(v => v === '')) add(field, 'empty value');
  }
  add('serviceAccounts', serviceAccountProblem(source.serviceAccounts ?? []));
  add('notServiceAccounts', serviceAccountProblem(source.notServiceAccounts ?? []));
  add('trustDomains', trustDomainProblem(source.trustDomains ?? []));
  add('notTrustDomains', trustDomainProblem(source.notTrustDomains ?? []));
  if (custom) {
    for (const field of ['namespaces', 'notNamespaces', 'serviceAccounts', 'notServiceAccounts', 'trustDomains', 'notTrustDomains', 'principals', 'notPrincipals',
      'requestPrincipals', 'notRequestPrincipals'] as const) {
      if ((source[field]?.length ?? 0) > 0) add(field, 'is not supported with action CUSTOM');
    }
  }
  return problems;
}

function operationProblems(operation: AuthorizationOperationSpec, at: string): IstioPolicyProblem[] {
  const problems: IstioPolicyProblem[] = [];
  const add = (field: string, message: string | undefined) => { if (message) problems.push({ field: field ? `${at}.${field}` : at, message }); };
  if (operationFieldCount(operation) === 0) add('', 'must not be empty');
  for (const field of ['ports', 'notPorts'] as const) add(field, (operation[field] ?? []).filter(v => !validPort(v)).map(v => `bad port "${v}"`)[0]);
  for (const field of ['methods', 'paths', 'hosts', 'notMethods', 'notPaths', 'notHosts'] as const) {
    if ((operation[field] ?? []).some(v => v === '')) add(field, 'empty value');
  }
  add('paths', pathTemplateProblem(operation.paths ?? []));
  add('notPaths', pathTemplateProblem(operation.notPaths ?? []));
  return problems;
}

const ACTIONS = ['ALLOW', 'DENY', 'AUDIT', 'CUSTOM'];
const SOURCE_LISTS = ['principals', 'notPrincipals', 'requestPrincipals', 'notRequestPrincipals', 'namespaces', 'notNamespaces', 'ipBlocks',
  'notIpBlocks', 'remoteIpBlocks', 'notRemoteIpBlocks', 'serviceAccounts', 'notServiceAccounts', 'trustDomains', 'notTrustDomains'];
const OPERATION_LISTS = ['hosts', 'notHosts', 'ports', 'notPorts', 'methods', 'notMethods', 'paths', 'notPaths'];

const isObject = (value: unknown): value is Record<string, unknown> => typeof value === 'object' && value !== null && !Array.isArray(value);

/** The fields of each part of a policy, by their JSON (camelCase) names: what the CRD's schema keeps. */
const FIELDS: Record<string, readonly string[]> = {
  spec: ['action', 'selector', 'targetRef', 'targetRefs', 'provider', 'rules'],
  selector: ['matchLabels'],
  targetRef: ['group', 'kind', 'name', 'namespace'],
  provider: ['name'],
  rule: ['from', 'to', 'when'],
  from: ['source'],
  to: ['operation'],
  source: SOURCE_LISTS,
  operation: OPERATION_LISTS,
  when: ['key', 'values', 'notValues'],
};

/**
 * Fields the CRD's schema does not have, as `kubectl apply` refuses them and the API server
 * drops them: Istio's own reader would take protobuf's snake_case names (`not_paths`), so a policy
 * written with them means one thing in a test of Istio and another in the cluster.
 */
function unknownFieldProblems(spec: Record<string, unknown>): IstioPolicyProblem[] {
  const problems: IstioPolicyProblem[] = [];
  const check = (value: unknown, part: string, at: string) => {
    if (!isObject(value)) return;
    for (const key of Object.keys(value).filter(k => !FIELDS[part].includes(k))) {
      const camel = key.replace(/_([a-z])/g, (_, c: string) => c.toUpperCase());
      problems.push({ field: `${at}.${key}`, message: `unknown field${FIELDS[part].includes(camel) ? `; the schema's name is "${camel}"` : ''}` });
    }
  };
  const each = (list: unknown, f: (item: unknown, i: number) => void) => (Array.isArray(list) ? list.forEach(f) : undefined);
  check(spec, 'spec', 'spec');
  check(spec.selector, 'selector', 'spec.selector');
  check(spec.targetRef, 'targetRef', 'spec.targetRef');
  each(spec.targetRefs, (ref, i) => check(ref, 'targetRef', `spec.targetRefs[${i}]`));
  check(spec.provider, 'provider', 'spec.provider');
  each(spec.rules, (rule, i) => {
    const at = `spec.rules[${i}]`;
    check(rule, 'rule', at);
    if (!isObject(rule)) return;
    each(rule.from, (from, j) => { check(from, 'from', `${at}.from[${j}]`); if (isObject(from)) check(from.source, 'source', `${at}.from[${j}].source`); });
    each(rule.to, (to, j) => { check(to, 'to', `${at}.to[${j}]`); if (isObject(to)) check(to.operation, 'operation', `${at}.to[${j}].operation`); });
    each(rule.when, (when, j) => check(when, 'when', `${at}.when[${j}]`));
  });
  return problems;
}

/** Values protobuf's JSON reading refuses (a number for a string, a string for a list, an unknown enum name), each with its field. */
function shapeProblems(spec: Record<string, unknown>): IstioPolicyProblem[] {
  const problems: IstioPolicyProblem[] = [...unknownFieldProblems(spec)];
  const lists = (section: Record<string, unknown>, names: string[], at: string) => {
    for (const name of names.filter(n => section[n] !== undefined && section[n] !== null)) {
      const list = section[name];
      if (!Array.isArray(list) || list.some(v => typeof v !== 'string')) problems.push({ field: `${at}.${name}`, message: 'must be a list of strings' });
    }
  };
  const action = spec.action;
  // protobuf's JSON reading takes null as the field's default (ALLOW), as it takes null for every field below.
  // An enum is open in protobuf: any 32-bit number is read (and an unknown one applies nowhere).
  const int32 = (n: unknown) => Number.isInteger(n) && (n as number) >= -(2 ** 31) && (n as number) < 2 ** 31;
  if (action != null && !(typeof action === 'string' && ACTIONS.includes(action)) && !int32(action)) {
    problems.push({ field: 'spec.action', message: `${JSON.stringify(action)} is not one of ${ACTIONS.join(', ')}` });
  }
  if (spec.rules !== undefined && spec.rules !== null && !Array.isArray(spec.rules)) problems.push({ field: 'spec.rules', message: 'must be a list' });
  (Array.isArray(spec.rules) ? spec.rules : []).forEach((rule: unknown, i) => {
    if (rule === null) return; // read as an empty rule
    if (!isObject(rule)) return problems.push({ field: `spec.rules[${i}]`, message: 'must be an object' });
    for (const [key, inner, names] of [['from', 'source', SOURCE_LISTS], ['to', 'operation', OPERATION_LISTS]] as const) {
      const entries = rule[key];
      if (entries === undefined || entries === null) continue;
      if (!Array.isArray(entries)) {
        problems.push({ field: `spec.rules[${i}].${key}`, message: 'must be a list' });
        continue;
      }
      entries.forEach((entry: unknown, j) => {
        const section = isObject(entry) ? entry[inner] : undefined;
        if (isObject(section)) lists(section, [...names], `spec.rules[${i}].${key}[${j}].${inner}`);
        else if (section !== undefined && section !== null) problems.push({ field: `spec.rules[${i}].${key}[${j}].${inner}`, message: 'must be an object' });
      });
    }
    const when = rule.when;
    if (when !== undefined && when !== null && !Array.isArray(when)) problems.push({ field: `spec.rules[${i}].when`, message: 'must be a list' });
    (Array.isArray(when) ? when : []).forEach((condition: unknown, j) => {
      if (!isObject(condition)) return problems.push({ field: `spec.rules[${i}].when[${j}]`, message: 'must be an object' });
      if (condition.key !== undefined && typeof condition.key !== 'string') problems.push({ field: `spec.rules[${i}].when[${j}].key`, message: 'must be a string' });
      lists(condition, ['values', 'notValues'], `spec.rules[${i}].when[${j}]`);
      return undefined;
    });
    return undefined;
  });
  return problems;
}

/** What Istio's admission validation refuses in `policy`, each with its field; empty when it accepts it. */
export function istioPolicyProblems(policy: AuthorizationPolicyManifest): IstioPolicyProblem[] {
  const problems: IstioPolicyProblem[] = [];
  const add = (field: string, message: string) => problems.push({ field, message });
  const spec = policy.spec ?? {};
  const shape = shapeProblems(spec as Record<string, unknown>);
  if (shape.length > 0) return shape;
  const action = typeof spec.action === 'number' ? ACTIONS[spec.action] : spec.action ?? 'ALLOW';
  const annotations = policy.metadata?.annotations ?? {};
  const dryRun = annotations['istio.io/dry-run'];
  if (dryRun !== undefined && (action === 'ALLOW' || action === 'DENY') && !BOOLEANS.has(dryRun)) {
    add('metadata.annotations[istio.io/dry-run]', `"${dryRun}" is not a boolean ("true" or "false")`);
  } else if (dryRun !== undefined && action !== 'ALLOW' && action !== 'DENY') {
    add('metadata.annotations[istio.io/dry-run]', `only actions ALLOW and DENY support it, not ${action}`);
  }
  for (const internal of INTERNAL_ANNOTATIONS.filter(a => a in annotations)) add(`metadata.annotations[${internal}]`, 'is internal to Istio');

  const targetRefs = [...spec.targetRef ? [spec.targetRef] : [], ...spec.targetRefs ?? []] as Array<Record<string, unknown>>;
  if ([spec.selector != null, spec.targetRef != null, (spec.targetRefs?.length ?? 0) > 0].filter(Boolean).length > 1) {
    add('spec', 'only one of selector, targetRef and targetRefs may be set');
  }
  for (const [key, value] of Object.entries(spec.selector?.matchLabels ?? {})) {
    if (key === '') add('spec.selector.matchLabels', 'empty label key');
    if (key.includes('*') || String(value).includes('*')) add(`spec.selector.matchLabels[${key}]`, 'no wildcard in a selector');
  }
  targetRefs.forEach((ref, i) => {
    const at = spec.targetRef != null && i === 0 ? 'spec.targetRef' : `spec.targetRefs[${spec.targetRef != null ? i - 1 : i}]`;
    if (!ref?.name) add(`${at}.name`, 'must be set');
    if (ref?.namespace) add(`${at}.namespace`, 'must not be set: Istio does not follow references to other namespaces');
    if (!TARGET_KINDS.has(`${ref?.group || 'core'}/${ref?.kind}`)) add(`${at}.kind`, `a Service, ServiceEntry, Gateway or GatewayClass, not ${ref?.group}/${ref?.kind}`);
  });

  const rules = spec.rules ?? [];
  if (action === 'CUSTOM' && rules.length === 0) add('spec.rules', 'CUSTOM without rules never applies; add an empty rule {} to apply it to every request');
  if (action === 'CUSTOM' && rules.length > 0 && !spec.provider?.name) add('spec.provider.name', 'must be set for action CUSTOM');
  if (spec.provider != null && action !== 'CUSTOM') add('spec.provider', `only action CUSTOM takes a provider, not ${action}`);
  if (action === 'DENY' && rules.length === 0) add('spec.rules', 'DENY without rules never applies; add an empty rule {} to deny every request');

  rules.forEach((rule, i) => {
    const at = `spec.rules[${i}]`;
    if (rule === null) return; // protobuf reads a null rule as an empty one: it matches every request
    (rule.from ?? []).forEach((from, j) => {
      if (from?.source == null) add(`${at}.from[${j}].source`, 'must be set');
      else problems.push(...sourceProblems(from.source, `${at}.from[${j}].source`, action === 'CUSTOM'));
    });
    (rule.to ?? []).forEach((to, j) => {
      if (to?.operation == null) add(`${at}.to[${j}].operation`, 'must be set');
      else problems.push(...operationProblems(to.operation, `${at}.to[${j}].operation`));
    });
    (rule.when ?? []).forEach((condition, j) => {
      const field = `${at}.when[${j}]`;
      const key = String(condition?.key ?? '');
      if (key === '') return add(`${field}.key`, 'must be set');
      if (!condition.values?.length && !condition.notValues?.length) return add(field, `values or notValues must be set for key "${key}"`);
      const problem = attributeProblem(key, condition.values ?? []) ?? attributeProblem(key, condition.notValues ?? []);
      if (problem) add(`${field}.key`, problem);
      const unsupported = ['source.namespace', 'source.serviceAccount', 'source.trustDomain', 'source.principal'].includes(key) || key.startsWith('request.auth.');
      if (action === 'CUSTOM' && unsupported) add(`${field}.key`, `"${key}" is not supported with action CUSTOM`);
      return undefined;
    });
  });
  return problems;
}
