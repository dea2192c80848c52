/**
 * The `kf-tenancy` command line. Thin: it parses arguments, reads inputs and calls the library's
 * pipeline; every rule lives in the library. One file per command.
 */
import { Command, CommanderError } from 'commander';
import { addAccessCommand } from './access';
import { addCapacityCommand } from './capacity';
import { addImportCommand } from './import';
import { CliOutput, CommandContext, processOutput } from './output';
import { addSynthCommands } from './synth';
import { terminalSafe } from '../core/validation';

export { CliOutput } from './output';
export { PROGRESS_EVERY } from './synth';

/** Runs the CLI with `argv` (as process.argv) and returns the exit code. */
export function run(argv: string[], rawOutput: CliOutput = processOutput): number {
  // Everything printed passes through here, the argument parser's own messages (which quote
  // unknown options and commands as typed) included: nothing from input reaches a terminal raw.
  const output: CliOutput = {
    isTTY: rawOutput.isTTY,
    out: text => rawOutput.out(terminalSafe(text)),
    err: text => rawOutput.err(terminalSafe(text)),
  };
  const context = new CommandContext(output);
  const program = new Command('kf-tenancy')
    .description('Synthesize Kubeflow multi-tenancy manifests at build time.')
    .exitOverride()
    .configureOutput({ writeOut: output.out, writeErr: output.err });
  addSynthCommands(program, context);
  addImportCommand(program, context);
  addAccessCommand(program, context);
  addCapacityCommand(program, context);
  try {
    program.parse(argv);
  } catch (error) {
    if (error instanceof CommanderError) return error.exitCode;
    throw error;
  }
  return context.exitCode;
}
