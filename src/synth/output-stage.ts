/**
 * Writes manifest files into an output folder so that the folder always holds
 * either the previous complete output or the new one, files of tenants that
 * left disappear, and files this tool did not write are never deleted.
 */
import * as fs from 'fs';
import * as path from 'path';
import { TenancyValidationError } from '../core/validation';

/** Lists every file this tool wrote in the folder, so the next run knows what it owns. */
export const MARKER_FILE = '.kf-tenancy-files';

function listFiles(dir: string, prefix = ''): string[] {
  const out: string[] = [];
  for (const entry of fs.readdirSync(path.join(dir, prefix), { withFileTypes: true })) {
    const rel = prefix ? `${prefix}/${entry.name}` : entry.name;
    if (entry.isDirectory()) out.push(...listFiles(dir, rel));
    else out.push(rel);
  }
  return out;
}

/**
 * The files an earlier run wrote, as its marker lists them, kept only where the marker names
 * a file that is really inside `outdir`: a forged or damaged marker (`../x`, `/etc/x`) must
 * never make a later run delete anything outside the output folder.
 */
function ownedFiles(outdir: string): Set<string> {
  const marker = path.join(outdir, MARKER_FILE);
  // Only a regular file counts: a link could point anywhere, a FIFO would block the read.
  if (!lstatOrUndefined(marker)?.isFile()) return new Set();
  const present = new Set(listFiles(outdir));
  return new Set(fs.readFileSync(marker, 'utf8').split('\n').filter(line => line !== '' && line !== MARKER_FILE && present.has(line)));
}

/** The path's own stat (a link is not followed), or undefined where nothing is or a parent is a file. */
function lstatOrUndefined(file: string): fs.Stats | undefined {
  try {
    return fs.lstatSync(file, { throwIfNoEntry: false });
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOTDIR') return undefined;
    throw error;
  }
}

/**
 * The first part of `relative` (a path inside `outdir`, with `/`) that is a symbolic link, if
 * any: this tool writes and deletes only real folders and files inside the output folder, so a
 * link (to a folder elsewhere, or anywhere) on the way is refused rather than followed.
 */
export function linkOnPath(outdir: string, relative: string): string | undefined {
  let current = outdir;
  for (const part of relative.split('/')) {
    current = path.join(current, part);
    const stat = lstatOrUndefined(current);
    if (stat === undefined) return undefined;
    if (stat.isSymbolicLink()) return path.relative(outdir, current).split(path.sep).join('/');
  }
  return undefined;
}

/** Why `outdir` cannot be an output folder (empty, a file, under a file, a link), or undefined. */
function outdirProblem(outdir: string): string | undefined {
  if (typeof outdir !== 'string' || outdir.trim() === '') return 'the output folder is empty; give a folder such as dist';
  if (lstatOrUndefined(outdir)?.isSymbolicLink()) {
    return `output folder "${outdir}" is a symbolic link; give the real folder (this tool never writes through a link)`;
  }
  let current = path.resolve(outdir);
  let child = true;
  for (;;) {
    let stat: fs.Stats | undefined;
    try {
      stat = fs.statSync(current, { throwIfNoEntry: false });
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'ENOTDIR') throw error; // a parent is a file: found when the loop reaches it
    }
    if (stat && !stat.isDirectory()) {
      return child ? `output folder "${outdir}" is a file, not a folder; give a folder`
        : `output folder "${outdir}" is under "${current}", which is a file; give a folder`;
    }
    if (stat) return undefined;
    const parent = path.dirname(current);
    if (parent === current) return undefined;
    current = parent;
    child = false;
  }
}

/**
 * `mkdir -p`, one level at a time. Node's `mkdirSync(dir, { recursive: true })` never returns
 * when the kernel answers ENOENT for a folder whose parent exists (seen under /proc on Node 20);
 * one level at a time, that answer is an error like any other.
 */
function makeFolder(dir: string): void {
  if (fs.existsSync(dir)) return;
  const parent = path.dirname(dir);
  if (parent !== dir) makeFolder(parent);
  try {
    fs.mkdirSync(dir);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error; // made meanwhile by another run: fine
  }
}

/** Files in `outdir` that an earlier run of this tool did not write. */
export function unrelatedFiles(outdir: string): string[] {
  if (!fs.existsSync(outdir)) return [];
  const owned = ownedFiles(outdir);
  return listFiles(outdir).filter(f => f !== MARKER_FILE && !owned.has(f)).sort();
}

/**
 * A staging folder beside the output folder. Files are written into `dir`;
 * `commit()` swaps them into the output folder, `discard()` drops them.
 */
export class OutputStage {
  /**
   * Opens a stage for `outdir`. Refuses when `outdir` holds files this tool did
   * not write, unless `force`; even then those files are kept.
   */
  public static open(outdir: string, force: boolean = false): OutputStage {
    const problem = outdirProblem(outdir);
    if (problem) throw new TenancyValidationError([problem]);
    const unrelated = unrelatedFiles(outdir);
    if (unrelated.length > 0 && !force) {
      const shown = unrelated.slice(0, 10).map(f => `"${f}"`).join(', ');
      throw new TenancyValidationError([
        `output folder "${outdir}" holds ${unrelated.length} file${unrelated.length === 1 ? '' : 's'} this tool did not write (${shown}${unrelated.length > 10 ? ', …' : ''}); `
        + 'choose an empty or dedicated folder, or pass --force to write anyway (those files are kept)',
      ]);
    }
    const parent = path.dirname(path.resolve(outdir));
    try {
      makeFolder(parent);
      return new OutputStage(outdir, fs.mkdtempSync(path.join(parent, `.${path.basename(path.resolve(outdir))}.staging-`)), unrelated.length > 0);
    } catch (error) {
      const reason = (error as NodeJS.ErrnoException).code ?? (error as Error).message;
      throw new TenancyValidationError([`output folder "${outdir}": cannot write beside it in "${parent}" (${reason}); give a folder you can write to`]);
    }
  }

  private constructor(private readonly outdir: string, public readonly dir: string, private readonly shared: boolean) {}

  /** Moves the staged files (`paths`, relative) into the output folder. */
  public commit(paths: string[]): void {
    try {
      fs.writeFileSync(path.join(this.dir, MARKER_FILE), [...paths].sort().join('\n') + '\n');
      if (!this.shared) {
        // The folder is ours alone: swap it whole (two renames).
        const old = `${this.dir}.old`;
        if (fs.existsSync(this.outdir)) fs.renameSync(this.outdir, old);
        fs.renameSync(this.dir, this.outdir);
        fs.rmSync(old, { recursive: true, force: true });
      } else {
        // Shared folder (--force): replace only our own files, keep the rest, and never through a
        // link another file put in the way (checked for every file before anything changes).
        const links = [...new Set([...paths, MARKER_FILE].map(file => linkOnPath(this.outdir, path.posix.dirname(file) === '.' ? '' : path.posix.dirname(file)))
          .filter((link): link is string => link !== undefined))].sort();
        if (links.length > 0) {
          throw new TenancyValidationError(links.map(link => `output folder "${this.outdir}": "${link}" is a symbolic link where this tool writes a folder; `
            + 'remove it (this tool never writes through a link)'));
        }
        for (const owned of ownedFiles(this.outdir)) fs.rmSync(path.join(this.outdir, owned), { force: true });
        for (const file of [...paths, MARKER_FILE]) {
          const target = path.join(this.outdir, ...file.split('/'));
          fs.mkdirSync(path.dirname(target), { recursive: true });
          fs.renameSync(path.join(this.dir, ...file.split('/')), target);
        }
        removeEmptyDirs(this.outdir);
      }
    } finally {
      this.discard();
    }
  }

  /** Drops the staged files; the output folder is untouched. */
  public discard(): void {
    fs.rmSync(this.dir, { recursive: true, force: true });
  }
}

function removeEmptyDirs(dir: string): boolean {
  let empty = true;
  for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
    if (entry.isDirectory() && removeEmptyDirs(path.join(dir, entry.name))) fs.rmdirSync(path.join(dir, entry.name));
    else empty = false;
  }
  return empty;
}
