/** Reads the output folder of `kf-tenancy synth` back into manifests, for the access report. */
import { createHash } from 'crypto';
import * as fs from 'fs';
import * as path from 'path';
import { forEachInputFile, parseYamlValues } from './yaml-source';
import { isManifest, Manifest } from '../core/manifest';
import { throwIfAny } from '../core/validation';

/** What one file holds, as kept; shared by the folders read with one cache. */
interface FileContent {
  readonly kept: Manifest[];
  readonly manifests: number;
  readonly notManifests: number;
}

/** Files already read, by content digest: the two folders of an access diff share most files. */
export type ManifestCache = Map<string, FileContent>;

/**
 * Every YAML object under `dir`, kustomizations and GitOps folders left out. A file that does
 * not parse, or a folder without manifests, is an error: a report of "0 namespaces" over
 * output it could not read would say nobody has access.
 *
 * `keep` narrows each manifest to what the caller reads (undefined: drop it), file by file, so a
 * large folder is never held whole. Folders read with one `cache` parse each file they have in
 * common once and share its manifests, which callers must therefore not change.
 */
export function readManifestDir(dir: string, cache?: ManifestCache, keep: (manifest: Manifest) => Manifest | undefined = m => m): Manifest[] {
  const files: string[] = [];
  const walk = (sub: string) => {
    for (const entry of fs.readdirSync(path.join(dir, sub), { withFileTypes: true }).sort((a, b) => (a.name < b.name ? -1 : 1))) {
      const rel = path.join(sub, entry.name);
      if (entry.isDirectory()) {
        if (sub === '' && (entry.name === 'argocd' || entry.name === 'flux')) continue;
        walk(rel);
      } else if (/\.ya?ml$/.test(entry.name) && entry.name !== 'kustomization.yaml') {
        files.push(path.join(dir, rel));
      }
    }
  };
  walk('');
  const errors: string[] = [];
  const objects: Manifest[] = [];
  let manifests = 0;
  let notManifests = 0;
  forEachInputFile(files, errors, (text, file) => {
    const digest = cache ? createHash('sha1').update(text).digest('base64') : '';
    let content = cache?.get(digest);
    if (content === undefined) {
      const fileErrors: string[] = [];
      const documents = parseYamlValues(text, file, fileErrors);
      errors.push(...fileErrors);
      const found = documents.filter(isManifest);
      content = {
        kept: found.map(keep).filter((m): m is Manifest => m !== undefined),
        manifests: found.length,
        notManifests: documents.length - found.length,
      };
      if (cache && fileErrors.length === 0) cache.set(digest, content);
    }
    objects.push(...content.kept);
    manifests += content.manifests;
    notManifests += content.notManifests;
  });
  if (notManifests > 0) errors.push(`${dir}: ${notManifests} YAML document(s) are not Kubernetes objects (no kind); give the output folder of kf-tenancy synth`);
  if (errors.length === 0 && manifests === 0) errors.push(`${dir}: no manifests found; give the output folder of kf-tenancy synth`);
  // synth writes every tenant's Namespace: without one, the folder is some other tool's output.
  if (errors.length === 0 && !fs.existsSync(path.join(dir, '.kf-tenancy-files')) && !objects.some(o => o?.kind === 'Namespace')) {
    errors.push(`${dir}: holds Kubernetes objects but no Namespace and no .kf-tenancy-files marker, so it is not the output of kf-tenancy synth; give that folder`);
  }
  throwIfAny(errors);
  return objects;
}
