/**
 * Whether the output carries the tenancy guard, read from manifests: the access report says if
 * the access it describes is also enforced after apply.
 */
import { TENANT_LABEL } from '../core/guard-parameters';
import { GUARD_POLICY } from '../core/guard-policies';
import { Manifest, ofKind } from '../core/manifest';

/** The guard as found in a set of manifests. */
export interface GuardStatus {
  /**
   * `enforce` (every policy bound with Deny), `warn` (every policy bound, none with Deny),
   * `partial` (some policies or bindings missing, or modes mixed) or `absent`.
   */
  readonly state: 'enforce' | 'warn' | 'partial' | 'absent';
  /** Namespaces labelled for the guard. */
  readonly guardedNamespaces: string[];
}

const NAMES: string[] = Object.values(GUARD_POLICY);

interface PolicyBindingManifest extends Manifest {
  spec?: { policyName?: string; validationActions?: string[] };
}

export function guardStatus(objects: Manifest[]): GuardStatus {
  const policies = new Set(objects.filter(o => o?.kind === 'ValidatingAdmissionPolicy' && NAMES.includes(String(o.metadata?.name))).map(o => String(o.metadata?.name)));
  const bindings = objects.filter(ofKind<PolicyBindingManifest>('ValidatingAdmissionPolicyBinding')).filter(o => NAMES.includes(String(o.spec?.policyName)));
  const guardedNamespaces = objects.filter(o => o?.kind === 'Namespace' && o.metadata?.labels?.[TENANT_LABEL] !== undefined)
    .map(o => String(o.metadata?.name)).sort();
  if (policies.size === 0 && bindings.length === 0) return { state: 'absent', guardedNamespaces };
  const bound = new Set(bindings.map(b => String(b.spec?.policyName)));
  const denies = bindings.map(b => (b.spec?.validationActions ?? []).includes('Deny'));
  const complete = NAMES.every(n => policies.has(n) && bound.has(n));
  if (!complete || (denies.some(d => d) && !denies.every(d => d))) return { state: 'partial', guardedNamespaces };
  return { state: denies[0] ? 'enforce' : 'warn', guardedNamespaces };
}

/** One line for the access report. */
export function guardLine(status: GuardStatus, namespaces: string[]): string {
  const unguarded = namespaces.filter(ns => !status.guardedNamespaces.includes(ns));
  const coverage = `${status.guardedNamespaces.length} of ${namespaces.length} namespaces labelled ${TENANT_LABEL}`;
  switch (status.state) {
    case 'enforce':
      return `Tenancy guard: enforced (${coverage}): in those, members, policies and quotas change only through Git after apply.`
        + (unguarded.length > 0 ? ` Not guarded: ${unguarded.join(', ')}.` : '');
    case 'warn':
      return `Tenancy guard: warn mode (${coverage}): changes it would refuse are only warned about and audited.`;
    case 'partial':
      return 'Tenancy guard: incomplete (a policy or binding is missing, or their modes differ); it may not hold.';
    default:
      return 'Tenancy guard: not in the output; owners and contributors can change access after apply (cluster.guard turns it on).';
  }
}
