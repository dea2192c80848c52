/**
 * Pod Security Admission labels for a tenant namespace.
 */
import { offSwitchProblem } from './off-switches';

/** A Pod Security Standard level. */
export enum PodSecurityLevel {
  /** No restrictions; needs a recorded reason. */
  PRIVILEGED = 'privileged',
  /** Blocks known privilege escalations; what Kubeflow's optional Pod Security component enforces. */
  BASELINE = 'baseline',
  /** Hardened pods: non-root, no capabilities, seccomp. */
  RESTRICTED = 'restricted',
}

/** Pod Security Admission for a tenant. */
export interface PodSecurityOptions {
  /**
   * Whether to write Pod Security labels (false: exactly the labels Kubeflow's
   * profile controller writes without its optional Pod Security component, which needs
   * `disabledReason`).
   * @default true
   */
  readonly enabled?: boolean;
  /**
   * Why the tenant runs without Pod Security; required with `enabled: false`.
   * @default - none
   */
  readonly disabledReason?: string;
  /**
   * Level enforced: violating pods are rejected.
   * @default PodSecurityLevel.BASELINE
   */
  readonly enforce?: PodSecurityLevel;
  /**
   * Level warned about to the user creating pods.
   * @default - the enforce level
   */
  readonly warn?: PodSecurityLevel;
  /**
   * Level recorded in the audit log.
   * @default - the enforce level
   */
  readonly audit?: PodSecurityLevel;
  /**
   * Why the tenant needs `privileged`; required for that level, recorded as a namespace annotation.
   * @default - none
   */
  readonly privilegedReason?: string;
}

export const POD_SECURITY_LABEL_PREFIX = 'pod-security.kubernetes.io/';
export const PRIVILEGED_REASON_ANNOTATION = 'kf-tenancy.io/privileged-reason';

/** Problems with the options, each naming its field. */
export function podSecurityProblems(options: PodSecurityOptions): string[] {
  const problems: string[] = [];
  for (const mode of ['enforce', 'warn', 'audit'] as const) {
    const level = options[mode];
    if (level !== undefined && !Object.values(PodSecurityLevel).includes(level)) {
      problems.push(`podSecurity.${mode}: "${level}" is not a Pod Security level; use "baseline", "restricted" or "privileged"`);
    }
  }
  const privileged = [options.enforce, options.warn, options.audit].includes(PodSecurityLevel.PRIVILEGED);
  const at = (field: string, problem: string | undefined) => { if (problem) problems.push(`podSecurity.${field}: ${problem}`); };
  if (options.enforce === PodSecurityLevel.PRIVILEGED) {
    at('privilegedReason', offSwitchProblem('enforce "privileged"', 'turns off pod security for the tenant', true, options.privilegedReason));
  }
  at('disabledReason', offSwitchProblem('enabled: false', 'turns off pod security for the tenant (privileged pods, host access)',
    options.enabled === false, options.disabledReason));
  if (options.privilegedReason !== undefined && !privileged) {
    problems.push('podSecurity.privilegedReason: given, but no level is "privileged"; drop it');
  }
  return problems;
}

/** The namespace labels (and annotations) for the options. */
export function podSecurityMetadata(options: PodSecurityOptions = {}): { labels: Record<string, string>; annotations: Record<string, string> } {
  if (options.enabled === false) return { labels: {}, annotations: {} };
  const enforce = options.enforce ?? PodSecurityLevel.BASELINE;
  return {
    labels: {
      [`${POD_SECURITY_LABEL_PREFIX}enforce`]: enforce,
      [`${POD_SECURITY_LABEL_PREFIX}warn`]: options.warn ?? enforce,
      [`${POD_SECURITY_LABEL_PREFIX}audit`]: options.audit ?? enforce,
    },
    annotations: options.privilegedReason ? { [PRIVILEGED_REASON_ANNOTATION]: options.privilegedReason } : {},
  };
}
