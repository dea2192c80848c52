/**
 * Pure validation rules shared by the constructs and the Profile reader.
 * Each returns `undefined` when the value is fine, else a message that says
 * what is wrong and how to fix it.
 */
import { RESERVED_NAMESPACES } from './kubeflow-defaults';

const DNS_LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;
const DNS_SUBDOMAIN = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;
const LABEL_NAME = /^[A-Za-z0-9]([-A-Za-z0-9_.]*[A-Za-z0-9])?$/;
const HEADER_NAME = /^[a-z0-9!#$%&'*+.^_`|~-]+$/;
const AWS_ROLE_ARN = /^arn:aws[a-z-]*:iam::\d{12}:role\/[\w+=,.@\/-]{1,512}$/;

/** An error thrown when one or more inputs are invalid; carries every message. */
export class TenancyValidationError extends Error {
  public readonly errors: string[];
  constructor(errors: string[]) {
    super(`${errors.length} validation error${errors.length === 1 ? '' : 's'}:\n${errors.map(e => `  - ${e}`).join('\n')}`);
    this.name = 'TenancyValidationError';
    this.errors = errors;
  }
}

/** Throws one TenancyValidationError listing all messages, if there are any. */
export function throwIfAny(errors: string[]): void {
  if (errors.length > 0) throw new TenancyValidationError(errors);
}

/** Every message of an error: all of a TenancyValidationError, else its message. */
export function messagesOf(error: unknown): string[] {
  if (error instanceof TenancyValidationError) return error.errors;
  return [error instanceof Error ? error.message : String(error)];
}

export function dnsLabelProblem(value: string): string | undefined {
  if (value.length === 0) return 'is empty; use a lowercase DNS-1123 label such as "team-a"';
  if (value.length > 63) return `"${value}" is ${value.length} characters long; a DNS-1123 label has at most 63`;
  if (!DNS_LABEL.test(value)) {
    const hint = value.toLowerCase().replace(/[^a-z0-9-]+/g, '-').replace(/^-+|-+$/g, '').slice(0, 63);
    return `"${value}" is not a DNS-1123 label (lowercase letters, digits and "-", starting and ending with a letter or digit)${hint ? `; did you mean "${hint}"?` : ''}`;
  }
  return undefined;
}

export function namespaceNameProblem(value: string): string | undefined {
  const dns = dnsLabelProblem(value);
  if (dns) return dns;
  if (RESERVED_NAMESPACES.includes(value) || value.startsWith('kube-')) {
    return `"${value}" is a reserved namespace (${RESERVED_NAMESPACES.join(', ')} and kube-*); choose a team-specific name`;
  }
  return undefined;
}

/**
 * Checks an identity (user or group) as the auth proxy reports it.
 * Refuses Kubernetes' `system:` identities: binding `system:authenticated`
 * would admit every user of the cluster.
 */
export function identityProblem(value: string): string | undefined {
  if (value.trim().length === 0) return 'is empty; give the e-mail or name the auth proxy reports';
  if (/[\s\u0000-\u001f\u007f]/.test(value)) return `"${value}" contains whitespace or control characters; remove them`;
  if (value.includes(',')) return `"${value}" contains ","; the groups header is a comma-separated list, so a name with a comma cannot be matched safely`;
  if (value.toLowerCase().startsWith('system:')) {
    return `"${value}" is a Kubernetes system identity; tenants may only grant access to real users and groups`;
  }
  if (value === '*') return '"*" would match everyone; name a user or group';
  if (!/[A-Za-z0-9]/.test(value)) return `"${value}" has no letter or digit, so it has no KFAM name; use a real identity`;
  if (value.length > 253) return `"${value.slice(0, 40)}…" is ${value.length} characters long; at most 253 are allowed`;
  if (value.includes('@')) {
    const parts = value.split('@');
    if (parts.length !== 2 || parts[0] === '' || parts[1] === '' || parts[1].startsWith('.') || parts[1].endsWith('.')) {
      return `"${value}" is not a well-formed e-mail address (local@domain)`;
    }
  }
  return undefined;
}

export function labelKeyProblem(key: string): string | undefined {
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
  if (!HEADER_NAME.test(value)) return `"${value}" is not a lowercase HTTP header name such as "kubeflow-userid"`;
  return undefined;
}

export function principalProblem(value: string): string | undefined {
  if (!/^[^/\s]+\/ns\/[a-z0-9-]+\/sa\/[a-z0-9.-]+$/.test(value)) {
    return `"${value}" is not an Istio principal of the form <trust-domain>/ns/<namespace>/sa/<service-account>`;
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
