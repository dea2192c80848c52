/**
 * Kubeflow's ClusterRoles as shipped by kubeflow/manifests, bundled as data: the JSON form of
 * data/kubeflow-clusterroles.yaml (`npx projen data`), which parses in well under a millisecond.
 * Loaded as a module (no file reading in core); each call returns a fresh copy, since callers
 * may extend what they get.
 */
import { RoleManifest } from './manifest';

export function kubeflowClusterRoles(): RoleManifest[] {
  // eslint-disable-next-line @typescript-eslint/no-require-imports -- bundled data outside src/, which tsc does not copy
  const data: { items: RoleManifest[] } = require('../../data/kubeflow-clusterroles.json');
  return structuredClone(data.items);
}
