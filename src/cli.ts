/**
 * The `kf-tenancy` command line. Thin: it parses arguments, reads inputs and
 * calls the library; every rule lives in the library.
 */
import * as fs from 'fs';
import { Command, CommanderError, Option } from 'commander';
import { accessDiff, accessMarkdown, accessMatrix, kubeflowClusterRoles, readManifestDir } from './analysis/access';
import { authProblems, resolveAuth } from './auth-options';
import { catalogFromFiles, clusterDrift } from './catalog-import';
import { ArgoCdOptions, FluxOptions } from './gitops';
import { DEFAULT_GROUPS_HEADER, DEFAULT_INGRESS_GATEWAY_PRINCIPAL, DEFAULT_USER_ID_HEADER } from './kubeflow-defaults';
import { ProfileController } from './kubeflow-profile';
import { TenancyApp } from './tenancy-app';
import { readTenantFiles, streamSources } from './tenant-catalog';
import { messagesOf, printableMessage, TenancyValidationError } from './validation';
import { readYamlFiles } from './yaml-source';

/** Where the command writes; replaced in tests. */
export interface CliOutput {
  /** Whether stderr is a terminal (progress lines are shown only then). */
  readonly isTTY?: boolean;
  out(text: string): void;
  err(text: string): void;
}

const processOutput: CliOutput = {
  out: text => process.stdout.write(text),
  err: text => process.stderr.write(text),
  isTTY: process.stderr.isTTY,
};

/** Tenants between two progress lines. */
export const PROGRESS_EVERY = 500;

interface BuildOptions {
  readonly outdir?: string;
  readonly argoCd?: ArgoCdOptions;
  readonly flux?: FluxOptions;
  readonly force?: boolean;
  readonly serial?: boolean;
  readonly isolationCheck?: boolean;
  readonly allowEmpty?: boolean;
  readonly profileController?: ProfileController;
}

/**
 * Reads every input, then builds, checks and writes the tenants one at a time
 * (memory stays flat). Every error is collected; on any, nothing is written.
 * Without `outdir` nothing is written at all (validate).
 */
function synthFiles(files: string[], options: BuildOptions, output: CliOutput): number {
  const sources = readTenantFiles(files);
  if (sources.tenants.length === 0 && !options.allowEmpty) {
    // With GitOps prune on, an emptied output folder deletes every tenant from the cluster.
    throw new TenancyValidationError([`${files.join(', ')}: no tenants; ${options.outdir === undefined ? 'nothing to check' : `writing would empty "${options.outdir}", and a GitOps tool with prune on would then delete every tenant`}. `
      + 'Pass --allow-empty if that is what you want']);
  }
  if (options.profileController && sources.profileController && options.profileController !== sources.profileController) {
    throw new TenancyValidationError([`--profile-controller ${options.profileController}: the catalog's cluster.profileController is "${sources.profileController}"; `
      + 'one cluster has one profile controller: set it in one place']);
  }
  const app = new TenancyApp({
    outdir: options.outdir,
    profileController: options.profileController ?? sources.profileController,
    argoCd: options.argoCd,
    flux: options.flux,
    force: options.force,
    parallelWrites: !options.serial,
    isolationCheck: options.isolationCheck,
  });
  const progress = output.isTTY
    ? (done: number, total: number) => output.err(`kf-tenancy: ${done}/${total} tenants built\n`)
    : undefined;
  if (options.outdir === undefined) return streamSources(app, sources, () => undefined, progress, PROGRESS_EVERY);
  return app._writeWith(emit => streamSources(app, sources, emit, progress, PROGRESS_EVERY));
}

function readFolder(dir: string): any[] {
  if (!fs.existsSync(dir) || !fs.statSync(dir).isDirectory()) throw new TenancyValidationError([`${dir}: not a folder; give the output folder of kf-tenancy synth`]);
  return readManifestDir(dir);
}

function readClusterRoles(file: string): any[] {
  const errors: string[] = [];
  const roles = readYamlFiles([file], errors).map(doc => doc.value).filter(v => v?.kind === 'ClusterRole');
  if (errors.length === 0 && roles.length === 0) errors.push(`${file}: no ClusterRole found`);
  if (errors.length > 0) throw new TenancyValidationError(errors);
  return roles;
}

/** Writes a file the user named; a folder, a missing parent or no permission is their input's problem. */
function writeFile(file: string, content: string): void {
  try {
    fs.writeFileSync(file, content);
  } catch (error: any) {
    throw new TenancyValidationError([`${file}: cannot write: ${error.code ?? error.message}; give a file path you can write to`]);
  }
}

/** `--profile-controller`, the same for synth and validate. */
function profileControllerOption(): Option {
  return new Option('--profile-controller <who>', 'who reconciles Profiles in the cluster: kubeflow (its profile controller writes the owner\'s access, '
    + 'default ServiceAccounts and quota, so the output leaves them out) or none (default: the catalog\'s cluster.profileController, else kubeflow)')
    .choices(Object.values(ProfileController));
}

function plural(count: number, word: string): string {
  return `${count} ${word}${count === 1 ? '' : 's'}`;
}

/** Runs the CLI with `argv` (as process.argv) and returns the exit code. */
interface AccessCommandOptions {
  readonly json?: string;
  readonly diff?: string;
  readonly clusterRoles?: string;
  readonly userIdHeader: string;
  readonly userIdPrefix: string;
  readonly groupsHeader: string;
  readonly ingressGatewayPrincipal: string;
}

export function run(argv: string[], output: CliOutput = processOutput): number {
  let exitCode = 0;
  const fail = (command: string, error: unknown, written: boolean) => {
    if (!(error instanceof TenancyValidationError)) {
      // A bug, not bad input: one line (the stack with KF_TENANCY_DEBUG=1) and exit code 2.
      const detail = process.env.KF_TENANCY_DEBUG
        ? (error as any)?.stack ?? String(error)
        : printableMessage(String((error as any)?.message ?? error));
      output.err(`kf-tenancy ${command}: internal error${written ? ', nothing written' : ''}: ${detail}\n  please report it with the input that caused it (KF_TENANCY_DEBUG=1 prints the stack)\n`);
      exitCode = 2;
      return;
    }
    const messages = messagesOf(error);
    output.err(`kf-tenancy ${command}: ${written ? 'nothing written; ' : ''}${plural(messages.length, 'error')}:\n${messages.map(m => `  ${m}\n`).join('')}`);
    exitCode = 1;
  };

  const program = new Command('kf-tenancy')
    .description('Synthesize Kubeflow multi-tenancy manifests at build time.')
    .exitOverride()
    .configureOutput({ writeOut: output.out, writeErr: output.err });

  program.command('synth')
    .description('read tenants catalogs and Kubeflow Profile YAML and write every tenant\'s manifests under --out')
    .argument('<files...>', 'tenants catalogs (kind: TenantCatalog) and/or Profile YAML files')
    .option('-o, --out <dir>', 'output directory', 'dist')
    .option('--force', 'write even if the output directory holds files this tool did not write (they are kept)')
    .option('--serial', 'serialize and write YAML on the main thread instead of two writer threads')
    .option('--no-isolation-check', 'do not fail when a path into a tenant does not come from its declarations')
    .option('--allow-empty', 'write even when the input declares no tenant (the output folder is then emptied)')
    .addOption(profileControllerOption())
    .option('--argocd', 'also write an Argo CD ApplicationSet to argocd/ (needs --repo-url)')
    .option('--flux', 'also write Flux Kustomizations to flux/')
    .option('--repo-url <url>', 'Git repository URL of the output, for --argocd')
    .option('--repo-path <path>', 'path of the output directory inside the repository (default: --out)')
    .option('--revision <rev>', 'Git revision Argo CD tracks', 'HEAD')
    .option('--argocd-ignore-profile-plugins', 'Argo CD leaves Profiles\' spec.plugins to the cluster (a profile controller started with -workload-identity appends one)')
    .addOption(new Option('--flux-source <name>', 'name of the Flux GitRepository').default('flux-system'))
    .action((files: string[], options: any) => {
      try {
        if (options.argocd && !options.repoUrl) throw new TenancyValidationError(['--argocd needs --repo-url <url> (the Git repository that holds the output)']);
        const repoPath = options.repoPath ?? options.out;
        const count = synthFiles(files, {
          outdir: options.out,
          force: options.force ?? false,
          serial: options.serial ?? false,
          isolationCheck: options.isolationCheck,
          allowEmpty: options.allowEmpty ?? false,
          profileController: options.profileController,
          argoCd: options.argocd
            ? {
              repoUrl: options.repoUrl,
              path: repoPath,
              targetRevision: options.revision,
              ignoreProfilePlugins: options.argocdIgnoreProfilePlugins ?? false,
            }
            : undefined,
          flux: options.flux ? { sourceName: options.fluxSource, path: repoPath } : undefined,
        }, output);
        output.out(`wrote ${plural(count, 'tenant')} to ${options.out}\n`);
      } catch (error) {
        fail('synth', error, true);
      }
    });

  program.command('validate')
    .description('check tenants catalogs and Profile YAML without writing anything')
    .argument('<files...>', 'tenants catalogs and/or Profile YAML files')
    .option('--allow-empty', 'succeed even when the input declares no tenant')
    .addOption(profileControllerOption())
    .action((files: string[], options: { allowEmpty?: boolean; profileController?: ProfileController }) => {
      try {
        const count = synthFiles(files, { allowEmpty: options.allowEmpty ?? false, profileController: options.profileController }, output);
        output.out(`${plural(count, 'tenant')} valid\n`);
      } catch (error) {
        fail('validate', error, false);
      }
    });

  program.command('import')
    .description('convert Kubeflow Profiles (and contributor RoleBindings from `kubectl get rolebindings -A -o yaml`) into a tenants catalog; '
      + 'with --drift-from, report how the cluster differs from Git instead')
    .argument('<files...>', 'Profile YAML, RoleBinding and Namespace list files (`kubectl get profiles,rolebindings,namespaces -A -o yaml`)')
    .option('-o, --out <file>', 'write the catalog to this file instead of stdout')
    .option('--drift-from <files...>', 'tenants catalogs or Profile YAML that Git declares: print every member, owner or tenant that differs '
      + '(exit 1 when any does) instead of a catalog')
    .action((files: string[], options: { out?: string; driftFrom?: string[] }) => {
      try {
        if (options.driftFrom) {
          const lines = clusterDrift(files, readTenantFiles(options.driftFrom).tenants);
          output.out(lines.length > 0 ? lines.join('\n') + '\n' : 'no drift: the cluster holds what Git declares\n');
          if (lines.length > 0) {
            output.err(`kf-tenancy import: ${plural(lines.length, 'difference')} between the cluster and Git\n`);
            exitCode = 1;
          }
          return;
        }
        const result = catalogFromFiles(files);
        for (const note of result.notes) output.err(`kf-tenancy import: ${note}\n`);
        if (options.out) {
          writeFile(options.out, result.yaml);
          output.err(`kf-tenancy import: wrote ${plural(result.tenants, 'tenant')} to ${options.out}\n`);
        } else {
          output.out(result.yaml);
        }
      } catch (error) {
        fail('import', error, options.out !== undefined);
      }
    });

  program.command('access')
    .description('print who can do what in which namespace, from synthesized manifests (Markdown; --json for JSON)')
    .argument('[dir]', 'output folder of kf-tenancy synth', 'dist')
    .option('--json <file>', 'also write the matrix as JSON to this file')
    .option('--diff <old-dir>', 'print only the access gained (+), lost (-) or changed (~) since <old-dir>')
    .option('--cluster-roles <file>', 'ClusterRoles of the cluster (default: Kubeflow\'s, bundled)')
    .option('--user-id-header <name>', 'header the auth proxy sets to the user id', DEFAULT_USER_ID_HEADER)
    .option('--user-id-prefix <prefix>', 'prefix before the user id in that header', '')
    .option('--groups-header <name>', 'header the auth proxy sets to the user\'s groups', DEFAULT_GROUPS_HEADER)
    .option('--ingress-gateway-principal <principal>', 'Istio principal of the ingress gateway', DEFAULT_INGRESS_GATEWAY_PRINCIPAL)
    .action((dir: string, options: AccessCommandOptions) => {
      try {
        const auth = resolveAuth(options);
        const problems = authProblems(auth);
        if (problems.length > 0) throw new TenancyValidationError(problems.map(p => p.replace(/^auth\.(\w+)/, (_, f: string) => `--${f.replace(/[A-Z]/g, c => `-${c.toLowerCase()}`)}`)));
        const clusterRoles = options.clusterRoles ? readClusterRoles(options.clusterRoles) : kubeflowClusterRoles();
        const matrix = accessMatrix(readFolder(dir), { clusterRoles, auth });
        if (options.json) writeFile(options.json, JSON.stringify(matrix, null, 2) + '\n');
        if (options.diff) {
          const lines = accessDiff(accessMatrix(readFolder(options.diff), { clusterRoles, auth }), matrix);
          output.out(lines.length > 0 ? lines.join('\n') + '\n' : 'no change in access\n');
        } else {
          output.out(accessMarkdown(matrix));
        }
      } catch (error) {
        fail('access', error, false);
      }
    });

  try {
    program.parse(argv);
  } catch (error) {
    if (error instanceof CommanderError) return error.exitCode;
    throw error;
  }
  return exitCode;
}
