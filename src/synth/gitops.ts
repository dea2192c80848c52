/**
 * Argo CD and Flux objects that apply the output folder layout. Pure functions:
 * they take the tenant names and return manifest files.
 */
import { Yaml } from 'cdk8s';
import { dnsLabelProblem, dnsSubdomainProblem, shown } from '../core/validation';

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
export function gitOpsOptionProblems(argoCd: ArgoCdOptions | undefined, flux: FluxOptions | undefined,
  names: Partial<Record<GitOpsOptionName, string>> = {}): string[] {
  const problems: string[] = [];
  const name = (field: GitOpsOptionName) => names[field] ?? field;
  const checkPath = (field: GitOpsOptionName, value: string | undefined) => {
    if (value === undefined) return;
    const segments = value.split('/');
    if (value.startsWith('/') || /^[A-Za-z]:[\\/]/.test(value)) {
      problems.push(`${name(field)}: "${value}" is absolute; give the output folder's path inside the Git repository (e.g. "dist"; the CLI's --repo-path)`);
    } else if (segments.includes('..') || value.includes('\\')) {
      problems.push(`${name(field)}: "${value}" leaves the repository or uses backslashes; give a path inside the repository with forward slashes (e.g. "clusters/prod/tenants")`);
    } else if (/[^\x21-\x7e]/.test(value)) {
      problems.push(`${name(field)}: ${shown(value)} holds whitespace or control characters; give a plain path`);
    }
  };
  const checkName = (field: GitOpsOptionName, value: string | undefined, rule: (v: string) => string | undefined) => {
    if (value === undefined) return;
    const problem = rule(value);
    if (problem) problems.push(`${name(field)}: ${problem} (it names a Kubernetes object)`);
  };
  if (argoCd) {
    checkPath('argoCd.path', argoCd.path);
    if (argoCd.repoUrl.trim() === '') {problems.push(`${name('argoCd.repoUrl')}: empty; give the URL of the Git repository that holds the output`);} else {
      const problem = repositoryUrlProblem(argoCd.repoUrl);
      if (problem) problems.push(`${name('argoCd.repoUrl')}: ${problem}`);
    }
    if (argoCd.destinationServer !== undefined) {
      const problem = repositoryUrlProblem(argoCd.destinationServer);
      if (problem) problems.push(`${name('argoCd.destinationServer')}: ${problem}`);
    }
    if (argoCd.targetRevision !== undefined) {
      const problem = revisionProblem(argoCd.targetRevision);
      if (problem) problems.push(`${name('argoCd.targetRevision')}: ${problem}`);
    }
    checkName('argoCd.project', argoCd.project, dnsSubdomainProblem);
    checkName('argoCd.namespace', argoCd.namespace, dnsLabelProblem);
  }
  if (flux) {
    checkPath('flux.path', flux.path);
    checkName('flux.sourceName', flux.sourceName, dnsSubdomainProblem);
    checkName('flux.namespace', flux.namespace, dnsLabelProblem);
    if (flux.interval !== undefined && !/^(\d+(\.\d+)?(ns|us|µs|ms|s|m|h))+$/.test(flux.interval)) {
      problems.push(`${name('flux.interval')}: ${shown(flux.interval)} is not a duration such as "10m" or "1h30m"`);
    }
  }
  return problems;
}

/** The options gitOpsOptionProblems names in its messages (the CLI passes its flags instead). */
export type GitOpsOptionName = 'argoCd.repoUrl' | 'argoCd.path' | 'argoCd.targetRevision' | 'argoCd.project' | 'argoCd.namespace'
| 'argoCd.destinationServer' | 'flux.sourceName' | 'flux.path' | 'flux.namespace' | 'flux.interval';

/**
 * Why `revision` is not a branch, tag or commit as Git names them (git check-ref-format's rules):
 * no leading `-` (read as an option by tools that pass it on), no `..` or `//`, none of
 * `~^:?*[\` or `@{`, no part starting with `.` or ending with `.lock`, printable ASCII only.
 */
export function revisionProblem(revision: string): string | undefined {
  const invalid = typeof revision !== 'string' || !/^[\x21-\x7e]{1,255}$/.test(revision) || revision.startsWith('-') || revision.endsWith('/')
    || revision.endsWith('.') || /\.\.|\/\/|[~^:?*[\\]|@\{/.test(revision) || revision.split('/').some(part => part.startsWith('.') || part.endsWith('.lock'));
  return invalid ? `${shown(revision)} is not a Git revision (a branch, tag or commit; git check-ref-format's rules)` : undefined;
}

/**
 * Why a URL that ends up in Git cannot be written: credentials in it (a password, or a token as the
 * user name of an http(s) URL) would be committed with the output; control characters or spaces
 * are no URL. Accepted: `https://host/path`, `http://` (local servers), `ssh://user@host/path`
 * (a user name only), `user@host:path`.
 */
export function repositoryUrlProblem(url: string): string | undefined {
  if (typeof url !== 'string' || /[^\x21-\x7e]/.test(url)) return `${shown(url)} holds whitespace or control characters; give the repository's URL`;
  // Backslashes and fragments are read differently by URL parsers and Git (which host is meant?).
  if (/[\\#]/.test(url)) return `${shown(url)} holds "\\" or "#", which URL parsers and Git read differently; give the plain URL`;
  const scp = /^[A-Za-z0-9._-]+@[A-Za-z0-9.-]+:[^/]/.exec(url);
  if (scp) return undefined;
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return `${shown(url)} is not a URL such as "https://git.example.com/org/repo.git"`;
  }
  if (!['https:', 'http:', 'ssh:', 'git:'].includes(parsed.protocol)) return `${shown(parsed.protocol)} is not a Git URL scheme; use https, ssh or git`;
  if (parsed.password !== '') return 'holds a password; it would be committed with the output: remove it and give the GitOps tool its credentials separately';
  const authority = url.slice(url.indexOf('//') + 2).split('/')[0];
  if (authority.includes('@') && parsed.protocol !== 'ssh:') {
    return 'holds a user name, which for http(s) is usually a token and would be committed with the output: remove it and give the GitOps tool its credentials separately';
  }
  if (/(^|[?&])(token|access_token|private_token|password|key)=/i.test(parsed.search.slice(1))) {
    return 'holds a credential in its query; it would be committed with the output: remove it';
  }
  return undefined;
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
