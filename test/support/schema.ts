/**
 * Validates synthesized objects against published JSON schemas: Kubernetes
 * (kubernetes-models), Istio (@kubernetes-models/istio) and Gateway API.
 */
import * as path from 'path';

const PACKAGES: Record<string, string> = {
  'security.istio.io': '@kubernetes-models/istio',
  'gateway.networking.k8s.io': '@kubernetes-models/gateway-api',
  'argoproj.io': '@kubernetes-models/argo-cd',
  'kustomize.toolkit.fluxcd.io': '@kubernetes-models/flux-cd',
};

function modelClass(apiVersion: string, kind: string): any {
  const slash = apiVersion.indexOf('/');
  const group = slash === -1 ? '' : apiVersion.slice(0, slash);
  const pkg = PACKAGES[group] ?? 'kubernetes-models';
  const modulePath = path.posix.join(pkg, apiVersion);
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const module = require(modulePath);
  const model = module[kind];
  if (!model) throw new Error(`no schema for ${apiVersion} ${kind} in ${modulePath}`);
  return model;
}

/** Throws with the schema's complaint if `object` does not validate. */
export function validateAgainstSchema(object: any): void {
  const Model = modelClass(object.apiVersion, object.kind);
  try {
    new Model(object).validate();
  } catch (error: any) {
    throw new Error(`${object.apiVersion} ${object.kind} "${object.metadata?.name}" fails its schema: ${error.message}`);
  }
}
