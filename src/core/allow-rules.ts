/**
 * Who one ALLOW rule of an Istio AuthorizationPolicy admits, as an allowlist: the one model
 * behind the isolation check (synth), the access report's findings and the tenancy guard's
 * `kf-tenancy-guard-open-access` policy (run time, the same rules in CEL).
 *
 * A rule is accepted only in one of four shapes, each of which names who it admits:
 * - **identity**: a user-id or groups header condition with exact values, and every source a
 *   proxy principal (the ingress gateway, the Pipelines UI). The proxies set the header after
 *   authenticating the user; any other workload in the mesh could send it itself.
 * - **workload**: every source names principals, namespaces or service accounts that act for
 *   themselves (not a proxy, not a proxy's namespace), or the rule's only `source.*` conditions do.
 * - **probe**: no source and no condition, and only the Knative probe paths.
 * Anything else is refused, including what admits by exclusion or by address
 * (`notPrincipals`, `notNamespaces`, `notValues`, `ipBlocks`, `remoteIpBlocks`,
 * `requestPrincipals`), an empty source or condition (Istio refuses them; they would not narrow),
 * and a proxy without an identity condition (every user the gateway forwards).
 */
import { ResolvedKubeflowAuth } from './auth-options';
import { KNATIVE_PROBE_PATHS } from './kubeflow-defaults';
import { AuthorizationRuleSpec } from './manifest';
import { principalNamespace } from './validation';

/** Source fields that name who a request comes from; every other source field is refused in an ALLOW rule. */
export const NAMING_SOURCE_FIELDS = ['principals', 'namespaces', 'serviceAccounts'] as const;

/** Condition keys that name the sending workload (as sources do). */
export const SOURCE_CONDITION_KEYS = ['source.principal', 'source.namespace'];

/** The identity headers of the installation as Istio condition keys. */
export function identityHeaderKeys(auth: ResolvedKubeflowAuth): { user: string; groups: string } {
  return { user: `request.headers[${auth.userIdHeader}]`, groups: `request.headers[${auth.groupsHeader}]` };
}

/** The principals that forward authenticated users with the identity headers. */
export function proxyPrincipals(auth: ResolvedKubeflowAuth): string[] {
  return [auth.ingressGatewayPrincipal, auth.pipelinesUiPrincipal];
}

/** How a rule that passes the allowlist admits. */
export type AllowRuleShape = 'identity' | 'workload' | 'probe';

/** What a rule admits, or why it is refused. */
export interface AllowRuleVerdict {
  /** The shape the rule has, when it is accepted. */
  readonly shape?: AllowRuleShape;
  /** Why the rule is refused; empty when it is accepted. */
  readonly problems: string[];
}

const has = (list: string[] | undefined) => Array.isArray(list) && list.length > 0;

/**
 * Classifies one ALLOW rule of a policy in `namespace`. `problems` name the rule's field and
 * say why it admits more than it names; the caller prefixes the policy and rule.
 */
export function classifyAllowRule(rule: AuthorizationRuleSpec, namespace: string, auth: ResolvedKubeflowAuth): AllowRuleVerdict {
  const problems: string[] = [];
  const keys = identityHeaderKeys(auth);
  const proxies = proxyPrincipals(auth);
  const proxyNamespaces = new Set(proxies.map(principalNamespace).filter((n): n is string => n !== undefined));
  const from = rule.from ?? [];
  const when = rule.when ?? [];

  from.forEach((entry, j) => {
    const source = (entry?.source ?? {}) as Record<string, unknown>;
    const fields = Object.keys(source);
    for (const field of fields.filter(f => !(NAMING_SOURCE_FIELDS as readonly string[]).includes(f))) {
      problems.push(`from[${j}].source.${field} admits by exclusion, address or token rather than by naming the workload; `
        + 'name the principals (or the tenant\'s own namespace) instead');
    }
    if (!NAMING_SOURCE_FIELDS.some(f => has(source[f] as string[] | undefined))) {
      problems.push(`from[${j}].source names no principal, namespace or service account, so it does not narrow who is admitted (Istio refuses it); name the sources`);
    }
    for (const f of NAMING_SOURCE_FIELDS) {
      for (const value of (source[f] as string[] | undefined) ?? []) {
        if (typeof value !== 'string' || value.includes('*')) {
          problems.push(`from[${j}].source.${f} "${String(value)}" is a wildcard (Istio reads "*" as any prefix or suffix); name each source exactly`);
        }
      }
    }
  });
  when.forEach((condition, j) => {
    if (has(condition?.notValues)) {
      problems.push(`when[${j}] (${String(condition.key)}) uses notValues, which admits everyone not listed; list the values admitted`);
    }
    if (!has(condition?.values)) problems.push(`when[${j}] (${String(condition?.key)}) has no values, so it does not narrow who is admitted; list them`);
  });

  const identityConditions = when.filter(c => c?.key === keys.user || c?.key === keys.groups);
  const sourcePrincipals = from.flatMap(e => e?.source?.principals ?? []);
  const sourceNamespaces = [...from.flatMap(e => e?.source?.namespaces ?? []),
    ...when.filter(c => c?.key === 'source.namespace').flatMap(c => c.values ?? [])];
  const conditionPrincipals = when.filter(c => c?.key === 'source.principal').flatMap(c => c.values ?? []);
  const onlyProxies = from.length > 0 && from.every(e => {
    const source = e?.source ?? {};
    return Object.keys(source).every(f => f === 'principals') && has(source.principals) && source.principals!.every(p => proxies.includes(p));
  });

  let shape: AllowRuleShape | undefined;
  if (identityConditions.length > 0) {
    if (!onlyProxies) {
      problems.push(`matches the identity header ${identityConditions.map(c => c.key).join(', ')} but does not require the sender to be a proxy `
        + `(from.source.principals: ${proxies.join(', ')}); any workload in the mesh could send the header and pass as anyone: add the from clause`);
    }
    shape = 'identity';
  } else {
    const proxyPrincipal = [...sourcePrincipals, ...conditionPrincipals].find(p => proxies.includes(p));
    const proxyNamespace = sourceNamespaces.find(n => proxyNamespaces.has(n) && n !== namespace);
    if (proxyPrincipal !== undefined) {
      problems.push(`admits "${proxyPrincipal}", which forwards every authenticated user, without a condition on the user-id or groups header; `
        + 'add the header condition with the declared users or groups');
    } else if (proxyNamespace !== undefined) {
      problems.push(`admits namespace "${proxyNamespace}", where a proxy that forwards every authenticated user runs; name the workload's principal instead`);
    }
    const namedSources = from.length > 0 || when.some(c => SOURCE_CONDITION_KEYS.includes(String(c?.key)) && has(c.values));
    if (namedSources) {
      shape = 'workload';
    } else {
      const paths = (rule.to ?? []).flatMap(t => t?.operation?.paths ?? []);
      const pathsOnly = (rule.to ?? []).length > 0 && (rule.to ?? []).every(t => has(t?.operation?.paths))
        && paths.every(p => KNATIVE_PROBE_PATHS.includes(p));
      if (pathsOnly && when.length === 0) {shape = 'probe';} else {
        problems.push('admits every request (no source, no identity condition, and not only the probe paths '
        + `${KNATIVE_PROBE_PATHS.join(', ')}); restrict it to declared users or groups, or to named workloads`);
      }
    }
  }
  return problems.length === 0 ? { shape, problems } : { problems };
}
