/**
 * The `kf-tenancy` command line. Thin: it parses arguments, reads inputs and
 * calls the constructs; every rule lives in the library.
 */
import { Chart } from 'cdk8s';
import { Command, CommanderError } from 'commander';
import { ProfileReader, ProfileSource } from './profile-reader';
import { TenancyApp } from './tenancy-app';
import { TenantProfile } from './tenant-profile';
import { messagesOf, throwIfAny } from './validation';

/** Where the command writes; replaced in tests. */
export interface CliOutput {
  out(text: string): void;
  err(text: string): void;
}

const processOutput: CliOutput = {
  out: text => process.stdout.write(text),
  err: text => process.stderr.write(text),
};

/**
 * Builds every tenant of `profiles` into one TenancyApp, collecting the errors of
 * all tenants before failing, so a run reports every bad profile at once.
 */
export function buildProfiles(profiles: ProfileSource[], outdir: string): TenancyApp {
  const app = new TenancyApp({ outdir });
  const chart = new Chart(app, 'profiles');
  const errors: string[] = [];
  const seen = new Map<string, string>();
  for (const profile of profiles) {
    const name = profile.props.name!;
    const previous = seen.get(name);
    if (previous !== undefined) {
      errors.push(`${profile.location}: tenant "${name}": is also declared at ${previous}; tenant names must be unique`);
      continue;
    }
    seen.set(name, profile.location);
    try {
      new TenantProfile(chart, name, profile.props);
    } catch (error) {
      errors.push(...messagesOf(error).map(m => `${profile.location}: ${m}`));
    }
  }
  throwIfAny(errors);
  return app;
}

/** Reads Profile files and writes the tenants' manifests; returns the number of tenants. */
export function synthProfileFiles(files: string[], outdir: string): number {
  const profiles = ProfileReader.readFiles(files);
  const app = buildProfiles(profiles, outdir);
  app.synth();
  return profiles.length;
}

/** Runs the CLI with `argv` (as process.argv) and returns the exit code. */
export function run(argv: string[], output: CliOutput = processOutput): number {
  let exitCode = 0;
  const program = new Command('kf-tenancy')
    .description('Synthesize Kubeflow multi-tenancy manifests at build time.')
    .exitOverride()
    .configureOutput({ writeOut: output.out, writeErr: output.err });

  program.command('synth')
    .description('read Kubeflow Profile YAML (kubeflow.org/v1 or v1beta1) and write each tenant\'s manifests under --out')
    .argument('<files...>', 'YAML files holding Profile documents')
    .option('-o, --out <dir>', 'output directory', 'dist')
    .action((files: string[], options: { out: string }) => {
      try {
        const count = synthProfileFiles(files, options.out);
        output.out(`wrote ${count} tenant${count === 1 ? '' : 's'} to ${options.out}\n`);
      } catch (error) {
        const messages = messagesOf(error);
        output.err(`kf-tenancy synth: nothing written; ${messages.length} error${messages.length === 1 ? '' : 's'}:\n${messages.map(m => `  ${m}\n`).join('')}`);
        exitCode = 1;
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
