import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { Chart } from 'cdk8s';
import { parseAllDocuments } from 'yaml';
import { TenancyApp, TenancyAppProps, TenantProfile, TenantProfileProps } from '../../src';

/** A fresh app and chart, as a platform repo would set them up. */
export function newChart(props: TenancyAppProps = {}): { app: TenancyApp; chart: Chart } {
  const app = new TenancyApp({ outdir: fs.mkdtempSync(path.join(os.tmpdir(), 'kf-tenancy-test-')), ...props });
  return { app, chart: new Chart(app, 'test') };
}

/** Parses every object of every rendered manifests.yaml (kustomizations and GitOps files left out). */
export function renderObjects(app: TenancyApp): any[] {
  return app.renderManifests().filter(f => f.path.endsWith('/manifests.yaml')).flatMap(file => parseYaml(file.content));
}

/** Rendered manifest files (no kustomizations). */
export function manifestFiles(app: TenancyApp) {
  return app.renderManifests().filter(f => f.path.endsWith('/manifests.yaml'));
}

export function parseYaml(text: string): any[] {
  return parseAllDocuments(text).map(doc => doc.toJS()).filter(doc => doc !== null);
}

/** Synthesizes one tenant and returns its objects. */
export function synthTenant(props: TenantProfileProps, id: string = 'team-a', appProps: TenancyAppProps = {}): any[] {
  const { app, chart } = newChart(appProps);
  new TenantProfile(chart, id, props);
  return renderObjects(app);
}

/** The one object of `kind` named `name`; fails when there is not exactly one. */
export function only(objects: any[], kind: string, name: string): any {
  const found = objects.filter(o => o.kind === kind && o.metadata.name === name);
  if (found.length !== 1) throw new Error(`expected one ${kind} "${name}", found ${found.length}`);
  return found[0];
}

export function tempDir(): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), 'kf-tenancy-'));
}

/** Every file under `dir`, relative, sorted. */
export function listFiles(dir: string): string[] {
  if (!fs.existsSync(dir)) return [];
  const out: string[] = [];
  const walk = (sub: string) => {
    for (const entry of fs.readdirSync(path.join(dir, sub), { withFileTypes: true })) {
      const rel = sub ? `${sub}/${entry.name}` : entry.name;
      if (entry.isDirectory()) walk(rel);
      else out.push(rel);
    }
  };
  walk('');
  return out.sort();
}
