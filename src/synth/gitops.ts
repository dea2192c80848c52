/**
 * Argo CD and Flux objects that apply the output folder layout. Pure functions:
 * they take the tenant names and return manifest files.
 */
import { Yaml } from 'cdk8s';

/** How Argo CD finds the synthesized output in Git. */
export interface ArgoCdOptions {
  /** URL of the Git repository that holds the output. */
  readonly repoUrl: string;

  /**
   * Path of the output folder inside the repository.
   * @default "dist"
   */
  readonly path?: string;

  /**
   * Git revision to track.
   * @default "HEAD"
   */
  readonly targetRevision?: string;

  /**
   * Argo CD project of the generated Applications.
   * @default "default"
   */
  readonly project?: string;

  /**
   * Namespace Argo CD runs in.
   * @default "argocd"
   */
  readonly namespace?: string;

  /**
   * Cluster the tenants are deployed to.
   * @default "https://kubernetes.default.svc"
   */
  readonly destinationServer?: string;

  /**
   * Leave a Profile's `spec.plugins` to the cluster: for a profile controller started with
   * `-workload-identity`, which appends a WorkloadIdentity plugin to every Profile. Argo CD then
   * ignores that field in diffs and syncs (`ignoreDifferences` with `RespectIgnoreDifferences`),
   * so the two do not undo each other; plugins declared in Git are applied when a Profile is
   * created and not updated afterwards.
   * @default false
   */
  readonly ignoreProfilePlugins?: boolean;
}

/** How Flux finds the synthesized output in Git. */
export interface FluxOptions {
  /**
   * Name of the Flux GitRepository source that holds the output.
   * @default "flux-system"
   */
  readonly sourceName?: string;

  /**
   * Path of the output folder inside the repository.
   * @default "dist"
   */
  readonly path?: string;

  /**
   * Namespace of the Flux Kustomization objects.
   * @default "flux-system"
   */
  readonly namespace?: string;

  /**
   * Reconciliation interval.
   * @default "10m"
   */
  readonly interval?: string;
}

export const ARGOCD_FILE = 'argocd/applicationset.yaml';
export const FLUX_FILE = 'flux/kustomizations.yaml';
const CLUSTER_APP = 'kf-tenancy-cluster';

function repoPath(base: string, ...parts: string[]): string {
  return [base.replace(/^\.\/|\/+$/g, ''), ...parts].filter(p => p !== '').join('/');
}

/**
 * An ApplicationSet whose git directory generator makes one Application per
 * `tenants/*` folder, plus an Application for `cluster/` when there is one.
 */
export function argoCdManifest(options: ArgoCdOptions, hasClusterFolder: boolean): string {
  const base = options.path ?? 'dist';
  const namespace = options.namespace ?? 'argocd';
  const project = options.project ?? 'default';
  const revision = options.targetRevision ?? 'HEAD';
  const server = options.destinationServer ?? 'https://kubernetes.default.svc';
  const syncPolicy = { automated: { prune: true, selfHeal: true }, syncOptions: ['ServerSideApply=true'] };
  const tenantSyncPolicy = options.ignoreProfilePlugins
    ? { ...syncPolicy, syncOptions: [...syncPolicy.syncOptions, 'RespectIgnoreDifferences=true'] }
    : syncPolicy;
  const ignoreDifferences = options.ignoreProfilePlugins
    ? { ignoreDifferences: [{ group: 'kubeflow.org', kind: 'Profile', jsonPointers: ['/spec/plugins'] }] }
    : {};
  const docs: Array<Record<string, unknown>> = [{
    apiVersion: 'argoproj.io/v1alpha1',
    kind: 'ApplicationSet',
    metadata: { name: 'kf-tenancy-tenants', namespace },
    spec: {
      goTemplate: true,
      goTemplateOptions: ['missingkey=error'],
      generators: [{ git: { repoURL: options.repoUrl, revision, directories: [{ path: repoPath(base, 'tenants', '*') }] } }],
      template: {
        metadata: { name: 'tenant-{{.path.basename}}' },
        spec: {
          project,
          source: { repoURL: options.repoUrl, targetRevision: revision, path: '{{.path.path}}' },
          destination: { server, namespace: '{{.path.basename}}' },
          syncPolicy: tenantSyncPolicy,
          ...ignoreDifferences,
        },
      },
    },
  }];
  if (hasClusterFolder) {
    docs.unshift({
      apiVersion: 'argoproj.io/v1alpha1',
      kind: 'Application',
      metadata: { name: CLUSTER_APP, namespace },
      spec: {
        project,
        source: { repoURL: options.repoUrl, targetRevision: revision, path: repoPath(base, 'cluster') },
        destination: { server },
        syncPolicy,
      },
    });
  }
  return Yaml.stringify(...docs);
}

/** One Flux Kustomization per tenant folder, each depending on the cluster-wide one. */
export function fluxManifest(options: FluxOptions, tenants: string[], hasClusterFolder: boolean): string {
  const base = options.path ?? 'dist';
  const namespace = options.namespace ?? 'flux-system';
  const sourceRef = { kind: 'GitRepository', name: options.sourceName ?? 'flux-system' };
  const interval = options.interval ?? '10m';
  const kustomization = (name: string, path: string, dependsOn?: string) => ({
    apiVersion: 'kustomize.toolkit.fluxcd.io/v1',
    kind: 'Kustomization',
    metadata: { name, namespace },
    spec: {
      interval,
      path: `./${repoPath(base, path)}`,
      prune: true,
      sourceRef,
      ...(dependsOn ? { dependsOn: [{ name: dependsOn }] } : {}),
    },
  });
  const docs = tenants.map(t => kustomization(`tenant-${t}`, `tenants/${t}`, hasClusterFolder ? CLUSTER_APP : undefined));
  if (hasClusterFolder) docs.unshift(kustomization(CLUSTER_APP, 'cluster'));
  return Yaml.stringify(...docs);
}
