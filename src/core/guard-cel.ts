/**
 * What every policy of the tenancy guard is made of: its settings, CEL literals, the exemptions
 * (GitOps identity, break-glass group) and their audit record, the tenant-namespace scope and the
 * policy object itself. The policies are in guard-policies.ts and guard-queue-policy.ts.
 */
import { TENANT_LABEL } from './guard-parameters';
import { WrittenManifest } from './manifest';

export const GUARD_API_VERSION = 'admissionregistration.k8s.io/v1';

/** The audit annotation key (under each policy's name) that records a break-glass request. */
export const BREAK_GLASS_AUDIT_KEY = 'break-glass';

/** The guard's settings with every default applied. */
export interface ResolvedGuardSettings {
  /** validationActions of every binding. */
  readonly validationActions: string[];
  readonly gitOpsIdentities: string[];
  readonly breakGlassGroups: string[];
  /** The profile controller's user name, when the output leaves objects to it; else undefined. */
  readonly profileControllerIdentity?: string;
  readonly platformUsers: string[];
  readonly platformGroups: string[];
  /** Whether the app writes Kueue queues: the guard then keeps each tenant on its own ClusterQueue. */
  readonly queues?: boolean;
  /** The catalog's Kueue cohorts: no ClusterQueue or Cohort made by hand may join them. */
  readonly cohorts?: string[];
  /** Kueue's controller: it may rewrite queue objects' specs in its own spelling, never change them otherwise. */
  readonly kueueIdentity?: string;
  /** The catalog's PriorityClasses (each also a WorkloadPriorityClass) and their values: the only classes a Workload may name. */
  readonly workloadClasses?: { readonly [name: string]: number };
}

/** A CEL string literal (JSON's escapes are a subset of CEL's). */
export function celString(value: string): string {
  return JSON.stringify(value);
}

/** A CEL list literal of strings. */
export function celList(values: string[]): string {
  return `[${values.map(celString).join(', ')}]`;
}

/** A list parameter of the tenant, read from its Namespace annotation (an absent one is empty). */
export function annotationList(key: string): string {
  const k = celString(key);
  return `has(namespaceObject.metadata.annotations) && ${k} in namespaceObject.metadata.annotations `
    + `? namespaceObject.metadata.annotations[${k}].split("\\n") : []`;
}

export const PULL_REQUEST_HINT = 'Change it in the tenants catalog and open a pull request; the GitOps identity applies it.';

/** Variables every policy has: who is exempt, and why. */
export function exemptionVariables(settings: ResolvedGuardSettings): Array<{ name: string; expression: string }> {
  return [
    { name: 'gitOps', expression: `request.userInfo.username in ${celList(settings.gitOpsIdentities)}` },
    {
      name: 'breakGlass',
      expression: `has(request.userInfo.groups) && request.userInfo.groups.exists(g, g in ${celList(settings.breakGlassGroups)})`,
    },
    { name: 'exempt', expression: 'variables.gitOps || variables.breakGlass' },
  ];
}

/** Records in the audit log every request that the break-glass group let through the guard. */
export function breakGlassAudit(policyName: string): Array<{ key: string; valueExpression: string }> {
  return [{
    key: BREAK_GLASS_AUDIT_KEY,
    valueExpression: 'variables.breakGlass && !variables.gitOps ? '
      + `"break-glass: " + request.userInfo.username + " passed ${policyName} for " + request.operation + " "`
      + ' + request.kind.kind + " " + request.namespace + "/" + request.name : ""',
  }];
}

/** The tenant-label namespace selector every policy is scoped with. */
export const TENANT_NAMESPACES = { matchExpressions: [{ key: TENANT_LABEL, operator: 'Exists' }] };

/** `name` of the object in the request (a generated name is known by validation time). */
export const OBJECT_NAME = 'object != null && has(object.metadata.name) ? object.metadata.name : request.name';

export function admissionPolicy(name: string, description: string, spec: Record<string, unknown>): WrittenManifest {
  return {
    apiVersion: GUARD_API_VERSION,
    kind: 'ValidatingAdmissionPolicy',
    metadata: { name, annotations: { 'kf-tenancy.io/description': description } },
    spec: { failurePolicy: 'Fail', ...spec },
  };
}
