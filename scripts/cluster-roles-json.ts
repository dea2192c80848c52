/**
 * Writes data/kubeflow-clusterroles.json from data/kubeflow-clusterroles.yaml (the copy of
 * Kubeflow's ClusterRoles with its provenance). The library reads the JSON: parsing the YAML
 * took about 100 ms of every `cdk8s synth` and `kf-tenancy` run, the JSON well under 1 ms.
 * Run with `npx projen data`; a test fails when the JSON is stale.
 */
import * as fs from 'fs';
import * as path from 'path';
import { parseAllDocuments } from 'yaml';

const DATA = path.join(__dirname, '..', 'data');
export const CLUSTER_ROLES_YAML = path.join(DATA, 'kubeflow-clusterroles.yaml');
export const CLUSTER_ROLES_JSON = path.join(DATA, 'kubeflow-clusterroles.json');

export function clusterRolesJson(): string {
  const items = parseAllDocuments(fs.readFileSync(CLUSTER_ROLES_YAML, 'utf8')).map(d => d.toJS()).filter(d => d);
  return JSON.stringify({
    '//': 'Generated from kubeflow-clusterroles.yaml (see its header for the source) by scripts/cluster-roles-json.ts; do not edit.',
    'items': items,
  }, null, 1) + '\n';
}

if (require.main === module) fs.writeFileSync(CLUSTER_ROLES_JSON, clusterRolesJson());
