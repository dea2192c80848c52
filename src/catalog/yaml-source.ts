/**
 * YAML parsing that keeps positions, so every error can say `file:line`.
 */
import * as fs from 'fs';
import { resolve as resolvePath } from 'path';
import { CORE_SCHEMA, loadAll } from 'js-yaml';
import { Document, isMap, isNode, isScalar, isSeq, LineCounter, parseAllDocuments } from 'yaml';

/**
 * Largest input file read: a catalog of 10,000 tenants is a few MB. A larger input, or an
 * endless one such as /dev/zero, is refused instead of read into memory.
 */
export const MAX_INPUT_BYTES = 64 * 1024 * 1024;
/** Aliases a document may expand (the yaml library's guard against "billion laughs"). */
const MAX_ALIAS_COUNT = 100;

/** One YAML document with a way to locate any path in it. */
export interface SourceDocument {
  /** The document as plain data, unchecked: readers narrow it (a manifest, a catalog, a Profile). */
  readonly value: unknown;
  /** `file:line` of the node at `path` (or of the nearest existing parent); `key` points at a map key instead. */
  locate(path: Array<string | number>, key?: string): string;
}

export interface ParsedSource {
  readonly documents: SourceDocument[];
  readonly errors: string[];
}

function keyOf(key: unknown): unknown {
  if (isScalar(key)) return key.value;
  return isNode(key) ? undefined : key;
}

/** The message of anything thrown. */
function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

export function parseYamlSource(text: string, source: string): ParsedSource {
  const lineCounter = new LineCounter();
  const parsed = parseAllDocuments(text, { lineCounter, prettyErrors: false });
  const all = (Array.isArray(parsed) ? parsed : [parsed]) as Document.Parsed[];
  const at = (offset: number | undefined) => `${source}:${lineCounter.linePos(offset ?? 0).line}`;
  const errors: string[] = [];
  const documents: SourceDocument[] = [];
  for (const doc of all) {
    if (doc.errors.length > 0) {
      for (const error of doc.errors) {
        // The library's message for a repeated key does not say which key; the source does.
        const key = error.code === 'DUPLICATE_KEY' ? /^\s*("[^"]*"|'[^']*'|[^:#\n]*)/.exec(text.slice(error.pos[0]))?.[1]?.trim() : undefined;
        const line = `${at(error.pos[0])}: YAML syntax error: ${error.message.split('\n')[0]}${key ? ` (key ${JSON.stringify(key).slice(0, 80)} appears twice in the same map)` : ''}`;
        if (!errors.includes(line)) errors.push(line);
      }
      continue;
    }
    let value: unknown;
    try {
      value = doc.toJS({ maxAliasCount: MAX_ALIAS_COUNT });
    } catch (error) {
      errors.push(`${at(doc.range?.[0])}: YAML: ${messageOf(error).split('\n')[0]}; the document expands aliases too often (at most ${MAX_ALIAS_COUNT})`);
      continue;
    }
    if (value === null || value === undefined) continue;
    documents.push({
      value,
      locate(path: Array<string | number>, key?: string): string {
        // Walk down as far as the path exists and report the deepest node found.
        let node: unknown = doc.contents;
        let offset = doc.contents?.range?.[0];
        for (const step of path) {
          if (isMap(node)) node = node.items.find(p => keyOf(p.key) === step)?.value;
          else if (isSeq(node) && typeof step === 'number') node = node.items[step];
          else break;
          if (!isNode(node)) break;
          offset = node.range?.[0] ?? offset;
        }
        if (key !== undefined && isMap(node)) {
          const pair = node.items.find(p => keyOf(p.key) === key);
          if (isNode(pair?.key)) offset = pair!.key.range?.[0] ?? offset;
        }
        return at(offset);
      },
    });
  }
  return { documents, errors };
}

const READ_BUFFER = Buffer.allocUnsafe(1024 * 1024);

/** What kind of file a stat describes, for a message. */
function fileKind(stat: fs.Stats): string {
  if (stat.isFIFO()) return 'a named pipe (FIFO)';
  if (stat.isSocket()) return 'a socket';
  if (stat.isCharacterDevice()) return 'a character device';
  if (stat.isBlockDevice()) return 'a block device';
  return 'not a regular file';
}

/**
 * Reads a file of at most MAX_INPUT_BYTES, in chunks, so that a device or a stream that
 * never ends is refused rather than read until memory runs out.
 * @throws an Error with a message fit for the user
 */
export function readInputFile(file: string): string {
  // Non-blocking: opening a FIFO for reading would otherwise wait for a writer forever. The kind
  // of file is then read from the open descriptor (fstat), so it cannot change in between.
  // eslint-disable-next-line no-bitwise
  const fd = fs.openSync(file, fs.constants.O_RDONLY | fs.constants.O_NONBLOCK);
  try {
    const stat = fs.fstatSync(fd);
    if (stat.isDirectory()) throw new Error('is a folder; give a YAML file');
    if (!stat.isFile()) throw new Error(`is ${fileKind(stat)}, not a regular file; give a YAML file`);
    const chunks: Buffer[] = [];
    let total = 0;
    for (;;) {
      // One read buffer for every file: thousands of files would otherwise zero-fill a MiB each.
      const read = fs.readSync(fd, READ_BUFFER, 0, READ_BUFFER.length, null);
      if (read === 0) break;
      total += read;
      if (total > MAX_INPUT_BYTES) throw new Error(`is larger than ${MAX_INPUT_BYTES / 1024 / 1024} MiB; a tenants catalog or Profile file is far smaller`);
      chunks.push(Buffer.from(READ_BUFFER.subarray(0, read)));
    }
    const text = Buffer.concat(chunks).toString('utf8');
    if (text.includes('\0')) throw new Error('holds NUL bytes, so it is not a YAML text file');
    return text;
  } finally {
    fs.closeSync(fd);
  }
}

/**
 * Reads each file (see readInputFile) and hands its text to `use`, one file at a time so that
 * large folders are never held whole. A file given twice, or one that cannot be read, goes to
 * `errors` instead.
 */
export function forEachInputFile(files: string[], errors: string[], use: (text: string, file: string) => void): void {
  const seen = new Set<string>();
  for (const file of files) {
    // The same file twice would declare every tenant in it twice, "also declared at" itself.
    const resolved = resolvePath(file);
    if (seen.has(resolved)) {
      errors.push(`${file}: given more than once; give each file once`);
      continue;
    }
    seen.add(resolved);
    let text: string;
    try {
      text = readInputFile(file);
    } catch (error) {
      errors.push(`${file}: cannot read: ${(error as NodeJS.ErrnoException).code ?? messageOf(error)}`);
      continue;
    }
    use(text, file);
  }
}

/**
 * Mapping keys that every JavaScript object already has (`constructor`, `toString`, ...): the
 * construct library and cdk8s read them as properties of the object, not as the user's data, so
 * a label or resource named so would be lost or crash the run. Refused wherever they appear.
 */
const OBJECT_KEYS = new Set(Object.getOwnPropertyNames(Object.prototype));

/**
 * `[path, key]` of every mapping key in `value` that JavaScript objects already have. Each node is
 * visited once: an alias makes the same node appear again, and a self-referencing one (`&a [*a]`)
 * would otherwise never end.
 */
function builtinKeys(value: unknown, at: Array<string | number> = [], seen = new Set<unknown>()): Array<[Array<string | number>, string]> {
  if (typeof value !== 'object' || value === null || seen.has(value)) return [];
  seen.add(value);
  if (Array.isArray(value)) return value.flatMap((item, i) => builtinKeys(item, [...at, i], seen));
  return Object.entries(value).flatMap(([key, item]) => [
    ...(OBJECT_KEYS.has(key) ? [[at, key] as [Array<string | number>, string]] : []),
    ...builtinKeys(item, [...at, key], seen),
  ]);
}

/** Reads and parses every file; unreadable files, syntax errors and built-in keys go to `errors`. */
export function readYamlFiles(files: string[], errors: string[]): SourceDocument[] {
  const documents: SourceDocument[] = [];
  forEachInputFile(files, errors, (text, file) => {
    const parsed = parseYamlSource(text, file);
    errors.push(...parsed.errors);
    for (const doc of parsed.documents) {
      const keys = builtinKeys(doc.value);
      for (const [at, key] of keys) {
        errors.push(`${doc.locate(at, key)}: ${at.map(String).join('.') || 'document'}: the key "${key}" is a property every JavaScript object has, `
          + 'which this tool cannot tell from your data; rename it');
      }
      if (keys.length === 0) documents.push(doc);
    }
  });
  return documents;
}

// An anchor (&a) or alias (*a) at the start of a token; quoted text may match too, which only
// costs the slower path.
const ANCHOR_OR_ALIAS = /(^|[\s[{,])[&*][^\s,\]}]/m;

/**
 * The documents of YAML files as plain values, without line numbers: js-yaml's core schema, about
 * ten times faster than the document model of `readYamlFiles`, for reading large output folders
 * back. A file with anchors or aliases, tags, or anything js-yaml refuses goes through
 * `readYamlFiles`' parser instead, which bounds alias expansion and reports problems with their line.
 */
export function readYamlValues(files: string[], errors: string[]): unknown[] {
  const values: unknown[] = [];
  forEachInputFile(files, errors, (text, file) => values.push(...parseYamlValues(text, file, errors)));
  return values;
}

/** The documents of one YAML text as plain values (see readYamlValues); problems go to `errors`. */
export function parseYamlValues(text: string, file: string, errors: string[]): unknown[] {
  if (!ANCHOR_OR_ALIAS.test(text)) {
    try {
      return loadAll(text, undefined, { schema: CORE_SCHEMA, filename: file }).filter(value => value !== null && value !== undefined);
    } catch {
      // the careful path below says what is wrong, and where
    }
  }
  const parsed = parseYamlSource(text, file);
  errors.push(...parsed.errors);
  return parsed.documents.map(doc => doc.value);
}
