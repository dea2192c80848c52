/**
 * A Kubernetes audit policy for tenant actions. It is a file for
 * kube-apiserver's `--audit-policy-file`, not an object to apply, so
 * TenancyApp writes it under `cluster/` and leaves it out of the kustomization.
 */
import { Construct } from 'constructs';
import { namespaceNameProblem, problemsAt, throwIfAny } from '../../core/validation';

/** How much of a request the API server records. */
export enum AuditLevel {
  /** Nothing. */
  NONE = 'None',
  /** Who did what to which object, when; no bodies. */
  METADATA = 'Metadata',
  /** Metadata and the request body. */
  REQUEST = 'Request',
  /** Metadata, request and response bodies. */
  REQUEST_RESPONSE = 'RequestResponse',
}

/** Where kube-apiserver sends audit events besides (or instead of) its log. */
export interface AuditWebhookOptions {
  /** HTTPS URL of the audit webhook (a log collector or SIEM endpoint). */
  readonly url: string;
  /**
   * Path, on the API server host, of the CA bundle that signs the webhook's certificate.
   * @default - the host's trust store
   */
  readonly certificateAuthorityFile?: string;
  /**
   * Paths, on the API server host, of a client certificate and key for the webhook.
   * Only paths: key material never goes into the output.
   * @default - no client certificate
   */
  readonly clientCertificateFile?: string;
  /**
   * Path of the client key; see `clientCertificateFile`.
   * @default - no client key
   */
  readonly clientKeyFile?: string;
}

/** Options of the audit policy, as a catalog's `cluster.auditPolicy` holds them. */
export interface AuditPolicyOptions {
  /**
   * Level for everything the tenant rules do not cover.
   * @default AuditLevel.NONE
   */
  readonly otherRequestsLevel?: AuditLevel;
  /**
   * An audit webhook backend: also writes `cluster/audit-webhook.kubeconfig.yaml`
   * for `--audit-webhook-config-file`.
   * @default - no webhook (use `--audit-log-path`)
   */
  readonly webhook?: AuditWebhookOptions;
}

/** Properties of {@link AuditPolicy}. */
export interface AuditPolicyProps extends AuditPolicyOptions {
  /** Tenant namespaces whose actions are recorded in full. */
  readonly tenants: string[];
}

const WRITE_VERBS = ['create', 'update', 'patch', 'delete', 'deletecollection'];

/** File names under `cluster/`. */
export const AUDIT_POLICY_FILE = 'audit-policy.yaml';
export const AUDIT_WEBHOOK_FILE = 'audit-webhook.kubeconfig.yaml';

/** The `audit.k8s.io/v1` Policy document; rules are in first-match order, most specific first. */
export function auditPolicyDocument(tenants: string[], otherRequestsLevel: AuditLevel): Record<string, unknown> {
  const namespaces = [...new Set(tenants)].sort();
  return {
    apiVersion: 'audit.k8s.io/v1',
    kind: 'Policy',
    // The RequestReceived stage repeats what ResponseComplete records.
    omitStages: ['RequestReceived'],
    rules: [
      // First, everywhere: Secrets and ConfigMaps never above Metadata, so no later rule can log their bodies.
      { level: AuditLevel.METADATA, resources: [{ group: '', resources: ['secrets', 'configmaps'] }] },
      // Who opened which notebook: metadata of reads.
      { level: AuditLevel.METADATA, verbs: ['get', 'list', 'watch'], namespaces, resources: [{ group: 'kubeflow.org', resources: ['notebooks'] }] },
      // Every change to Kubeflow resources in a tenant, in full.
      { level: AuditLevel.REQUEST_RESPONSE, verbs: WRITE_VERBS, namespaces, resources: [{ group: 'kubeflow.org' }] },
      // Every change to access in a tenant, in full.
      {
        level: AuditLevel.REQUEST_RESPONSE,
        verbs: WRITE_VERBS,
        namespaces,
        resources: [{ group: 'rbac.authorization.k8s.io', resources: ['roles', 'rolebindings'] }],
      },
      { level: otherRequestsLevel },
    ],
  };
}

/** A kubeconfig for `--audit-webhook-config-file`, with file paths only. */
export function auditWebhookKubeconfig(webhook: AuditWebhookOptions): Record<string, unknown> {
  const user: Record<string, string> = {};
  if (webhook.clientCertificateFile) user['client-certificate'] = webhook.clientCertificateFile;
  if (webhook.clientKeyFile) user['client-key'] = webhook.clientKeyFile;
  return {
    'apiVersion': 'v1',
    'kind': 'Config',
    'clusters': [{
      name: 'audit-webhook',
      cluster: { server: webhook.url, ...(webhook.certificateAuthorityFile ? { 'certificate-authority': webhook.certificateAuthorityFile } : {}) },
    }],
    'users': [{ name: 'kube-apiserver', user }],
    'contexts': [{ name: 'audit-webhook', context: { cluster: 'audit-webhook', user: 'kube-apiserver' } }],
    'current-context': 'audit-webhook',
  };
}

/** Problems with audit options, each naming its field. */
export function auditPolicyProblems(props: AuditPolicyProps): string[] {
  const problems: string[] = [];
  if (props.tenants.length === 0) problems.push('auditPolicy.tenants: no tenant namespaces to audit');
  const at = problemsAt('auditPolicy', problems);
  props.tenants.forEach((t, i) => at(`tenants[${i}]`, namespaceNameProblem(t)));
  const webhook = props.webhook;
  if (webhook) {
    let url: URL | undefined;
    try {
      url = new URL(webhook.url);
    } catch {
      url = undefined;
    }
    if (!url || url.protocol !== 'https:') problems.push(`auditPolicy.webhook.url: "${webhook.url}" must be an https:// URL`);
    else if (url.username || url.password) problems.push('auditPolicy.webhook.url: must not carry credentials; use clientCertificateFile and clientKeyFile');
    if ((webhook.clientCertificateFile === undefined) !== (webhook.clientKeyFile === undefined)) {
      problems.push('auditPolicy.webhook: clientCertificateFile and clientKeyFile go together');
    }
    for (const field of ['certificateAuthorityFile', 'clientCertificateFile', 'clientKeyFile'] as const) {
      const value = webhook[field];
      if (value !== undefined && (!value.startsWith('/') || value.includes('-----BEGIN'))) {
        problems.push(`auditPolicy.webhook.${field}: must be an absolute file path on the API server host, not key material`);
      }
    }
  }
  return problems;
}

/**
 * The audit policy for tenant actions: RequestResponse for changes to
 * `kubeflow.org` resources and to Roles and RoleBindings in tenant namespaces,
 * Metadata for notebook reads, Metadata only for Secrets and ConfigMaps
 * everywhere (never their bodies), and an optional webhook backend.
 * Written by TenancyApp as `cluster/audit-policy.yaml`, outside the kustomization.
 */
export class AuditPolicy extends Construct {
  private readonly policy: Record<string, unknown>;
  private readonly webhook?: Record<string, unknown>;

  constructor(scope: Construct, id: string, props: AuditPolicyProps) {
    super(scope, id);
    throwIfAny(auditPolicyProblems(props));
    this.policy = auditPolicyDocument(props.tenants, props.otherRequestsLevel ?? AuditLevel.NONE);
    this.webhook = props.webhook ? auditWebhookKubeconfig(props.webhook) : undefined;
  }

  /**
   * Files TenancyApp writes under `cluster/`, outside the kustomization.
   * @internal
   */
  public _clusterFiles(): Array<{ fileName: string; document: unknown }> {
    const files: Array<{ fileName: string; document: unknown }> = [{ fileName: AUDIT_POLICY_FILE, document: this.policy }];
    if (this.webhook) files.push({ fileName: AUDIT_WEBHOOK_FILE, document: this.webhook });
    return files;
  }
}
