/** The layout fixture shared by the layout tests and the kustomize integration tests. */
import * as fs from 'fs';
import * as path from 'path';
import { ApiObject, Chart } from 'cdk8s';
import { k8s } from 'cdk8s-plus-28';
import { listFiles, parseYaml, tempDir } from './synth';
import { TenancyApp, TenantProfile } from '../../src';

/** `apiVersion kind namespace/name` of an object. */
export const identity = (o: any) => `${o.apiVersion} ${o.kind} ${o.metadata.namespace ?? '-'}/${o.metadata.name}`;

/** Every object in the manifests.yaml files under `out`. */
export function manifestObjects(out: string): any[] {
  return listFiles(out).filter(f => f.endsWith('/manifests.yaml')).flatMap(f => parseYaml(fs.readFileSync(path.join(out, f), 'utf8')));
}

/** A tenant plus objects that belong to no tenant, with Argo CD and Flux output. */
export function layoutApp(): TenancyApp {
  const app = new TenancyApp({
    outdir: path.join(tempDir(), 'out'),
    argoCd: { repoUrl: 'https://git.example.com/p.git' },
    flux: {},
  });
  const chart = new Chart(app, 'platform');
  new TenantProfile(chart, 'team-a', { owner: 'a@c.io' });
  new k8s.KubePriorityClass(chart, 'high', { metadata: { name: 'high-priority-ml' }, value: 1000000 });
  new ApiObject(chart, 'shared-config', { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'shared', namespace: 'ml-shared' } });
  return app;
}
