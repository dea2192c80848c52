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
const NAMESPACES_APP = 'kf-tenancy-namespaces';

/** Which of the output's shared folders exist, besides the tenant folders. */
export interface SharedFolders {
  /** `cluster/`: cluster-scoped objects of no tenant. */
  readonly cluster: boolean;
  /** `namespaces/`: objects in platform namespaces (Kubeflow's, monitoring, auth). */
  readonly namespaces: boolean;
}

/**
 * Problems of the GitOps options, each naming the option: the output's path must be a relative
 * path inside the repository (Flux and Argo CD resolve it against the checkout; an absolute
 * path or `..` would point elsewhere or nowhere).
 */
export function gitOpsOptionProblems(argoCd: ArgoCdOptions | undefined, flux: FluxOptions | undefined): string[] {
  const problems: string[] = [];
  const checkPath = (option: string, value: string | undefined) => {
    if (value === undefined) return;
    const segments = value.split('/');
    if (value.startsWith('/') || /^[A-Za-z]:[\\/]/.test(value)) {
      problems.push(`${option}: "${value}" is absolute; give the output folder's path inside the Git repository (e.g. "dist"; the CLI's --repo-path)`);
    } else if (segments.includes('..') || value.includes('\\')) {
      problems.push(`${option}: "${value}" leaves the repository or uses backslashes; give a path inside the repository with forward slashes (e.g. "clusters/prod/tenants")`);
    }
  };
  if (argoCd) {
    checkPath('argoCd.path', argoCd.path);
    if (argoCd.repoUrl.trim() === '') problems.push('argoCd.repoUrl: empty; give the URL of the Git repository that holds the output');
  }
  if (flux) checkPath('flux.path', flux.path);
  return problems;
}

function repoPath(base: string, ...parts: string[]): string {
  return [base.replace(/^\.\/|\/+$/g, ''), ...parts].filter(p => p !== '').join('/');
}

/**
 * An ApplicationSet whose git directory generator makes one Application per
 * `tenants/*` folder, plus an Application for `cluster/` and one for `namespaces/` when they exist.
 */
export function argoCdManifest(options: ArgoCdOptions, folders: SharedFolders): string {
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
  const folderApp = (name: string, folder: string) => ({
    apiVersion: 'argoproj.io/v1alpha1',
    kind: 'Application',
    metadata: { name, namespace },
    spec: {
      project,
      source: { repoURL: options.repoUrl, targetRevision: revision, path: repoPath(base, folder) },
      destination: { server },
      syncPolicy,
    },
  });
  const shared = [
    ...(folders.cluster ? [folderApp(CLUSTER_APP, 'cluster')] : []),
    ...(folders.namespaces ? [folderApp(NAMESPACES_APP, 'namespaces')] : []),
  ];
  return Yaml.stringify(...shared, ...docs);
}

/**
 * One Flux Kustomization per tenant folder and one for each shared folder (`cluster/`,
 * `namespaces/`); all but the cluster-wide one depend on it.
 */
export function fluxManifest(options: FluxOptions, tenants: string[], folders: SharedFolders): string {
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
  const after = folders.cluster ? CLUSTER_APP : undefined;
  const docs = [
    ...(folders.cluster ? [kustomization(CLUSTER_APP, 'cluster')] : []),
    ...(folders.namespaces ? [kustomization(NAMESPACES_APP, 'namespaces', after)] : []),
    ...tenants.map(t => kustomization(`tenant-${t}`, `tenants/${t}`, after)),
  ];
  return Yaml.stringify(...docs);
}
