/**
 * A controller's identity on the test API server: a service account in its namespace, bound to
 * cluster-admin (as Flux's and Argo CD's installs bind theirs), and a kubeconfig with a token of
 * it (TokenRequest, one day), so the controller's requests reach admission as that account.
 */
import * as path from 'path';
import { kubectlOk } from './cluster';
import { ControlPlaneInfo } from './controlplane';
import { writeKubeconfig } from './processes';

/** Creates the namespace, service accounts and binding (server-side apply, idempotent). */
export function installServiceAccounts(namespace: string, names: string[], bindingName: string): void {
  const objects = [
    { apiVersion: 'v1', kind: 'Namespace', metadata: { name: namespace } },
    ...names.map(name => ({ apiVersion: 'v1', kind: 'ServiceAccount', metadata: { name, namespace } })),
    {
      apiVersion: 'rbac.authorization.k8s.io/v1',
      kind: 'ClusterRoleBinding',
      metadata: { name: bindingName },
      roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: 'cluster-admin' },
      subjects: names.map(name => ({ kind: 'ServiceAccount', name, namespace })),
    },
  ];
  kubectlOk(['apply', '--server-side', '--field-manager', 'test-install', '-f', '-'], { input: objects.map(o => JSON.stringify(o)).join('\n---\n'), as: null });
}

/** Writes a kubeconfig for `namespace/name` into `dir`; returns its path. */
export function serviceAccountKubeconfig(plane: ControlPlaneInfo, namespace: string, name: string, dir: string): string {
  const token = kubectlOk(['create', 'token', name, '-n', namespace, '--duration', '24h'], { as: null }).trim();
  const file = path.join(dir, `${name}.kubeconfig`);
  writeKubeconfig(file, plane.server, name, token, namespace);
  return file;
}
