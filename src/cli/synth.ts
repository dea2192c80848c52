/** `kf-tenancy synth` and `kf-tenancy validate`: read → build → check (→ write), streaming. */
import * as path from 'path';
import { Command, Option } from 'commander';
import { CommandContext, plural, writeJsonFile } from './output';
import { readTenantFiles } from '../catalog/sources';
import { ProfileController } from '../core/kubeflow-profile';
import { Problem, problemRecord } from '../core/problem';
import { TenancyValidationError, throwIfAny } from '../core/validation';
import { ArgoCdOptions, FluxOptions, gitOpsOptionProblems } from '../synth/gitops';
import { synthesizeSources, writeStaged } from '../synth/pipeline';
import { TenancyApp } from '../synth/tenancy-app';

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

/** What commander parses for `synth`. */
interface SynthCommandOptions {
  readonly out: string;
  readonly force?: boolean;
  readonly serial?: boolean;
  readonly isolationCheck?: boolean;
  readonly allowEmpty?: boolean;
  readonly profileController?: ProfileController;
  readonly argocd?: boolean;
  readonly flux?: boolean;
  readonly repoUrl?: string;
  readonly repoPath?: string;
  readonly revision: string;
  readonly argocdIgnoreProfilePlugins?: boolean;
  readonly fluxSource: string;
}

/**
 * Reads every input, then builds, checks and writes the tenants one at a time
 * (memory stays flat). Every error is collected; on any, nothing is written.
 * Without `outdir` nothing is written at all (validate).
 */
function synthFiles(files: string[], options: BuildOptions, context: CommandContext): number {
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
  const progress = context.output.isTTY
    ? (done: number, total: number) => context.output.err(`kf-tenancy: ${done}/${total} tenants built\n`)
    : undefined;
  if (options.outdir === undefined) return synthesizeSources(app, app._synthesis, sources, () => undefined, progress, PROGRESS_EVERY);
  return writeStaged(app._synthesis, emit => synthesizeSources(app, app._synthesis, sources, emit, progress, PROGRESS_EVERY));
}

/** `--profile-controller`, the same for synth and validate. */
function profileControllerOption(): Option {
  return new Option('--profile-controller <who>', 'who reconciles Profiles in the cluster: kubeflow (its profile controller writes the owner\'s access, '
    + 'default ServiceAccounts and quota, so the output leaves them out) or none (default: the catalog\'s cluster.profileController, else kubeflow)')
    .choices(Object.values(ProfileController));
}

export function addSynthCommands(program: Command, context: CommandContext): void {
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
    .action((files: string[], options: SynthCommandOptions) => {
      try {
        if (options.argocd && !options.repoUrl) throw new TenancyValidationError(['--argocd needs --repo-url <url> (the Git repository that holds the output)']);
        if ((options.argocd || options.flux) && options.repoPath === undefined && path.isAbsolute(options.out)) {
          throw new TenancyValidationError([`--out ${options.out} is an absolute path, which Argo CD and Flux cannot find in the repository: `
            + 'add --repo-path <path> (the output folder\'s path inside the Git repository, e.g. --repo-path dist)']);
        }
        const repoPath = options.repoPath ?? options.out;
        // Checked here too, to name the command line's options rather than the library's.
        throwIfAny([...new Set(gitOpsOptionProblems(
          options.argocd ? { repoUrl: options.repoUrl!, path: repoPath, targetRevision: options.revision } : undefined,
          options.flux ? { sourceName: options.fluxSource, path: repoPath } : undefined,
          {
            'argoCd.repoUrl': '--repo-url',
            'argoCd.path': options.repoPath === undefined ? '--out' : '--repo-path',
            'argoCd.targetRevision': '--revision',
            'flux.sourceName': '--flux-source',
            'flux.path': options.repoPath === undefined ? '--out' : '--repo-path',
          }))]);
        const count = synthFiles(files, {
          outdir: options.out,
          force: options.force ?? false,
          serial: options.serial ?? false,
          isolationCheck: options.isolationCheck,
          allowEmpty: options.allowEmpty ?? false,
          profileController: options.profileController,
          argoCd: options.argocd
            ? {
              repoUrl: options.repoUrl!,
              path: repoPath,
              targetRevision: options.revision,
              ignoreProfilePlugins: options.argocdIgnoreProfilePlugins ?? false,
            }
            : undefined,
          flux: options.flux ? { sourceName: options.fluxSource, path: repoPath } : undefined,
        }, context);
        context.output.out(`wrote ${plural(count, 'tenant')} to ${options.out}\n`);
      } catch (error) {
        context.fail('synth', error, true);
      }
    });
  addValidateCommand(program, context);
}

/** `kf-tenancy validate`: the checks of synth, nothing written; `--json` for the problems as data. */
function addValidateCommand(program: Command, context: CommandContext): void {
  program.command('validate')
    .description('check tenants catalogs and Profile YAML without writing anything')
    .argument('<files...>', 'tenants catalogs and/or Profile YAML files')
    .option('--allow-empty', 'succeed even when the input declares no tenant')
    .option('--json <file>', 'also write the result as JSON to this file: {valid, tenants, problems: [{location, tenant, object, field, message, fix}]}')
    .addOption(profileControllerOption())
    .action((files: string[], options: { allowEmpty?: boolean; json?: string; profileController?: ProfileController }) => {
      let problems: Problem[] = [];
      let count = 0;
      try {
        count = synthFiles(files, { allowEmpty: options.allowEmpty ?? false, profileController: options.profileController }, context);
        context.output.out(`${plural(count, 'tenant')} valid\n`);
      } catch (error) {
        if (error instanceof TenancyValidationError) problems = error.problems;
        context.fail('validate', error, false);
      }
      // The same problems as the text above, as data for a bot or a CI annotation.
      if (options.json !== undefined && context.exitCode !== 2) {
        try {
          writeJsonFile(options.json, { valid: problems.length === 0, tenants: count, problems: problems.map(problemRecord) });
        } catch (error) {
          context.fail('validate', error, false);
        }
      }
    });
}
