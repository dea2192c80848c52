/**
 * YAML parsing that keeps positions, so every error can say `file:line`.
 */
import * as fs from 'fs';
import { Document, isMap, isNode, isSeq, LineCounter, parseAllDocuments } from 'yaml';

/** One YAML document with a way to locate any path in it. */
export interface SourceDocument {
  /** The document as plain data. */
  readonly value: any;
  /** `file:line` of the node at `path` (or of the nearest existing parent); `key` points at a map key instead. */
  locate(path: Array<string | number>, key?: string): string;
}

export interface ParsedSource {
  readonly documents: SourceDocument[];
  readonly errors: string[];
}

function keyOf(key: unknown): unknown {
  return isNode(key) ? (key as any).value : key;
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
      for (const error of doc.errors) errors.push(`${at(error.pos[0])}: YAML syntax error: ${error.message.split('\n')[0]}`);
      continue;
    }
    const value = doc.toJS();
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

/** Reads and parses every file; unreadable files and syntax errors go to `errors`. */
export function readYamlFiles(files: string[], errors: string[]): SourceDocument[] {
  const documents: SourceDocument[] = [];
  for (const file of files) {
    let text: string;
    try {
      text = fs.readFileSync(file, 'utf8');
    } catch (error: any) {
      errors.push(`${file}: cannot read: ${error.code ?? error.message}`);
      continue;
    }
    const parsed = parseYamlSource(text, file);
    errors.push(...parsed.errors);
    documents.push(...parsed.documents);
  }
  return documents;
}
