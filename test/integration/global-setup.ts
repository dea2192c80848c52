/**
 * Jest global setup of the integration suite: builds the control plane if
 * needed, starts it, and installs what a Kubeflow cluster has before tenants
 * arrive (Istio's security CRDs, prometheus-operator's PrometheusRule CRD, Kubeflow's Profile CRD,
 * Kubeflow's ClusterRoles, the monitoring and auth namespaces).
 */
import { execFileSync } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';
import { ensureArgoCdBinaries } from './support/argocd';
import { ControlPlane, ensureBinaries, goAvailable } from './support/controlplane';
import { ensureFluxBinaries } from './support/flux';
import { ensureKueueBinaries } from './support/kueue';
import { ensureMeshOracle } from './support/mesh-oracle';

const ROOT = path.join(__dirname, '..', '..');
/** CRDs as their projects ship them (imports/) and Kubeflow's ClusterRoles (data/), both in the repository. */
const CRDS = path.join(ROOT, 'imports');
const DATA = path.join(ROOT, 'data');
export const STATE_ENV = 'KF_TENANCY_CONTROLPLANE';

export default async function globalSetup(): Promise<void> {
  if (!goAvailable()) {
    throw new Error('the integration tests build kube-apiserver from source and need Go on PATH (https://go.dev/doc/install)');
  }
  const log = (line: string) => process.stderr.write(`${line}\n`);
  const build = ensureBinaries(log);
  log(build.built ? `control plane: built in ${build.seconds.toFixed(0)} s` : 'control plane: binaries up to date');
  // Flux's controllers for the GitOps loop test (flux.itest.ts); the suite starts them itself.
  const flux = ensureFluxBinaries(log);
  log(flux.built ? `flux: built in ${flux.seconds.toFixed(0)} s` : 'flux: binaries up to date');
  // Kueue's manager for the GPU-queue test (kueue.itest.ts); the suite starts it itself.
  const kueue = ensureKueueBinaries(log);
  log(kueue.built ? `kueue: built in ${kueue.seconds.toFixed(0)} s` : 'kueue: binaries up to date');
  // Argo CD's generator and repo-server code for argocd.itest.ts.
  const argo = ensureArgoCdBinaries(log);
  log(argo.built ? `argo cd: built in ${argo.seconds.toFixed(0)} s` : 'argo cd: binaries up to date');
  // Istio's policy translation and a real Envoy for mesh-oracle.itest.ts.
  const oracle = ensureMeshOracle(log);
  log(oracle.built ? `mesh oracle: ready in ${oracle.seconds.toFixed(0)} s` : 'mesh oracle: up to date');

  const plane = new ControlPlane(path.join(ROOT, '.tmp', 'controlplane', `run-${process.pid}`));
  (globalThis as any).__kfTenancyControlPlane = plane;
  // Stop the processes even when jest exits without running the teardown.
  process.once('exit', () => { void plane.stop(); });
  try {
    await start(plane, log);
  } catch (error) {
    await plane.stop();
    throw error;
  }
}

async function start(plane: ControlPlane, log: (line: string) => void): Promise<void> {
  const started = Date.now();
  const info = await plane.start();
  const kubectl = (...args: string[]) => execFileSync(info.kubectl, ['--kubeconfig', info.kubeconfig, ...args], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });

  kubectl('apply', '--server-side', '-f', path.join(CRDS, 'istio-security.yaml'));
  kubectl('apply', '--server-side', '-f', path.join(CRDS, 'prometheus-operator-prometheusrules.yaml'));
  kubectl('apply', '--server-side', '-f', path.join(CRDS, 'kubeflow-profiles.yaml'));
  // Kueue's queues, so that server-side apply checks the output's ClusterQueues against Kueue's schema and CEL rules.
  kubectl('apply', '--server-side', '-f', path.join(CRDS, 'kueue.yaml'));
  kubectl('wait', '--for=condition=Established', '--timeout=60s', 'crd/authorizationpolicies.security.istio.io', 'crd/prometheusrules.monitoring.coreos.com',
    'crd/profiles.kubeflow.org');
  // Namespaces of the platform components the example configures (Prometheus and Grafana, Dex, Kubeflow's dashboard).
  for (const namespace of ['monitoring', 'auth', 'kubeflow']) kubectl('create', 'namespace', namespace);
  kubectl('apply', '--server-side', '-f', path.join(DATA, 'kubeflow-clusterroles.yaml'));
  // The aggregation controller fills kubeflow-edit from the roles labelled for it.
  await plane.waitFor('ClusterRole aggregation', async () => {
    const role = JSON.parse((await plane.get('/apis/rbac.authorization.k8s.io/v1/clusterroles/kubeflow-edit')).body);
    return (role.rules ?? []).length > 0;
  }, 60);
  await plane.waitFor('default ServiceAccount', async () => (await plane.get('/api/v1/namespaces/default/serviceaccounts/default')).status === 200, 60);

  const state = path.join(info.workDir, 'state.json');
  fs.writeFileSync(state, JSON.stringify(info, null, 2));
  process.env[STATE_ENV] = state;
  log(`control plane: ready at ${info.server} in ${((Date.now() - started) / 1000).toFixed(1)} s (pids ${info.pids.join(', ')})`);
}
