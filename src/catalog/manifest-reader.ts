/** Reads the output folder of `kf-tenancy synth` back into manifests, for the access report. */
import * as fs from 'fs';
import * as path from 'path';
import { readYamlFiles } from './yaml-source';
import { isManifest, Manifest } from '../core/manifest';
import { throwIfAny } from '../core/validation';

/**
 * Every YAML object under `dir`, kustomizations and GitOps folders left out. A file that does
 * not parse, or a folder without manifests, is an error: a report of "0 namespaces" over
 * output it could not read would say nobody has access.
 */
export function readManifestDir(dir: string): Manifest[] {
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
  const documents = readYamlFiles(files, errors).map(d => d.value);
  const objects = documents.filter(isManifest);
  const notObjects = documents.length - objects.length;
  if (notObjects > 0) errors.push(`${dir}: ${notObjects} YAML document(s) are not Kubernetes objects (no kind); give the output folder of kf-tenancy synth`);
  if (errors.length === 0 && objects.length === 0) errors.push(`${dir}: no manifests found; give the output folder of kf-tenancy synth`);
  throwIfAny(errors);
  return objects;
}
