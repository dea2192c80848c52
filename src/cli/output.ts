/** What every command shares: where it prints, how it reports failure, and small wording helpers. */
import * as crypto from 'crypto';
import * as fs from 'fs';
import * as path from 'path';
import { messagesOf, printableMessage, TenancyValidationError } from '../core/validation';

/** Where the command writes; replaced in tests. */
export interface CliOutput {
  /** Whether stderr is a terminal (progress lines are shown only then). */
  readonly isTTY?: boolean;
  out(text: string): void;
  err(text: string): void;
}

export const processOutput: CliOutput = {
  out: text => process.stdout.write(text),
  err: text => process.stderr.write(text),
  isTTY: process.stderr.isTTY,
};

/** The output of one run, and the exit code its commands set. */
export class CommandContext {
  public exitCode = 0;

  constructor(public readonly output: CliOutput) {}

  /**
   * Reports a failed command: bad input as the list of its errors (exit code 1), anything else
   * as an internal error (exit code 2), saying whether anything was written.
   */
  public fail(command: string, error: unknown, written: boolean): void {
    if (!(error instanceof TenancyValidationError)) {
      // A bug, not bad input: one line (the stack with KF_TENANCY_DEBUG=1) and exit code 2.
      const thrown = (typeof error === 'object' && error !== null ? error : {}) as { stack?: unknown; message?: unknown };
      const detail = process.env.KF_TENANCY_DEBUG
        ? String(thrown.stack ?? error)
        : printableMessage(String(thrown.message ?? error));
      this.output.err(`kf-tenancy ${command}: internal error${written ? ', nothing written' : ''}: ${detail}\n  please report it with the input that caused it (KF_TENANCY_DEBUG=1 prints the stack)\n`);
      this.exitCode = 2;
      return;
    }
    const messages = messagesOf(error);
    this.output.err(`kf-tenancy ${command}: ${written ? 'nothing written; ' : ''}${plural(messages.length, 'error')}:\n${messages.map(m => `  ${m}\n`).join('')}`);
    this.exitCode = 1;
  }
}

export function plural(count: number, word: string): string {
  return `${count} ${word}${count === 1 ? '' : 's'}`;
}

/**
 * Writes a file the user named, whole or not at all: into a temporary file beside it, renamed over
 * it once complete, so a failed command leaves an existing file as it was (and a symlink at the
 * path is replaced, never followed). A folder, a missing parent or no permission is the user's
 * input's problem, reported as such.
 */
function writeWhole(file: string, write: (fd: number) => void): void {
  const temporary = path.join(path.dirname(file), `.${path.basename(file)}.kf-tenancy-${process.pid}-${crypto.randomBytes(4).toString('hex')}.tmp`);
  const refused = (error: unknown) => {
    const code = (error as NodeJS.ErrnoException).code ?? (error as Error).message;
    return new TenancyValidationError([`${file}: cannot write: ${code}; give a file path you can write to`]);
  };
  let fd: number;
  try {
    // Only a regular file (or a link, which is replaced) may be replaced: renaming over a FIFO or a
    // device node would remove it (as root, /dev/full).
    const existing = fs.lstatSync(file, { throwIfNoEntry: false });
    if (existing?.isDirectory()) throw Object.assign(new Error('EISDIR'), { code: 'EISDIR' });
    if (existing && !existing.isFile() && !existing.isSymbolicLink()) {
      throw new TenancyValidationError([`${file}: cannot write: it is not a regular file (a FIFO, socket or device); give a file path`]);
    }
    // A new file only (O_EXCL): never one that a link or another process put there first.
    // eslint-disable-next-line no-bitwise
    fd = fs.openSync(temporary, fs.constants.O_WRONLY | fs.constants.O_CREAT | fs.constants.O_EXCL, 0o644);
  } catch (error) {
    throw error instanceof TenancyValidationError ? error : refused(error);
  }
  try {
    try {
      write(fd);
    } finally {
      fs.closeSync(fd);
    }
    fs.renameSync(temporary, file);
  } catch (error) {
    fs.rmSync(temporary, { force: true });
    throw error instanceof TenancyValidationError ? error : refused(error);
  }
}

/** Writes a file the user named, whole or not at all (see writeWhole). */
export function writeUserFile(file: string, content: string): void {
  writeWhole(file, fd => fs.writeSync(fd, content));
}

/**
 * Writes `value` as `JSON.stringify(value, null, 2)` would, plus a newline, without building the
 * whole text: each element of a top-level array is stringified on its own, so a matrix of
 * 10,000 tenants never needs its hundreds of megabytes of JSON as one string.
 */
export function writeJsonFile(file: string, value: Record<string, unknown>): void {
  writeWhole(file, fd => {
    const write = (text: string) => fs.writeSync(fd, text);
    const nested = (item: unknown, indent: string) => JSON.stringify(item, null, 2).replace(/\n/g, `\n${indent}`);
    const entries = Object.entries(value).filter(([, v]) => v !== undefined);
    write(entries.length === 0 ? '{}' : '{\n');
    entries.forEach(([key, item], i) => {
      write(`  ${JSON.stringify(key)}: `);
      if (Array.isArray(item) && item.length > 0) {
        write('[\n');
        item.forEach((element, j) => write(`    ${nested(element, '    ')}${j < item.length - 1 ? ',' : ''}\n`));
        write('  ]');
      } else {
        write(nested(item, '  '));
      }
      write(i < entries.length - 1 ? ',\n' : '\n}');
    });
    write('\n');
  });
}
