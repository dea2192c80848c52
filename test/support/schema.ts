/**
 * Validates synthesized objects against published JSON schemas: Kubernetes
 * (kubernetes-models), Istio (@kubernetes-models/istio) and Gateway API, and
 * prometheus-operator's PrometheusRule against its CRD's OpenAPI schema.
 */
import * as fs from 'fs';
import * as path from 'path';
import Ajv from 'ajv';
import { parseAllDocuments } from 'yaml';

/** CRDs copied into the repository (imports/, with their sources in each header). */
const CRDS = path.join(__dirname, '..', '..', 'imports');
const crdValidators = new Map<string, (object: any) => void>();

/**
 * CRD patterns are Go regular expressions; the only Go-only syntax in these CRDs is the
 * case-insensitive flag `(?i)`, written here as letter classes (`[aA]`) for JavaScript.
 */
function withJsPatterns(schema: any): any {
  if (Array.isArray(schema)) return schema.map(withJsPatterns);
  if (schema === null || typeof schema !== 'object') return schema;
  const copy: any = {};
  for (const [key, value] of Object.entries(schema)) {
    copy[key] = key === 'pattern' && typeof value === 'string' && value.includes('(?i)')
      ? value.replace('(?i)', '').replace(/[a-zA-Z]/g, c => `[${c.toLowerCase()}${c.toUpperCase()}]`)
      : withJsPatterns(value);
  }
  return copy;
}

/**
 * The schema with unknown fields refused where the CRD lists its fields, as the API server's
 * strict field validation does (it would otherwise prune them silently).
 */
function withoutUnknownFields(schema: any): any {
  if (Array.isArray(schema)) return schema.map(withoutUnknownFields);
  if (!schema || typeof schema !== 'object') return schema;
  const copy: any = Object.fromEntries(Object.entries(schema).map(([k, v]) => [k, withoutUnknownFields(v)]));
  if (copy.properties && copy.additionalProperties === undefined && !copy['x-kubernetes-preserve-unknown-fields']) copy.additionalProperties = false;
  return copy;
}

/** A validator from a CRD file's openAPIV3Schema for `group/version kind`. */
function crdValidator(file: string, apiVersion: string, kind: string): (object: any) => void {
  const key = `${apiVersion} ${kind}`;
  const cached = crdValidators.get(key);
  if (cached) return cached;
  // A file may hold several CRDs (Kueue's): the one of this kind.
  const crds = parseAllDocuments(fs.readFileSync(path.join(CRDS, file), 'utf8')).map(d => d.toJSON()).filter(d => d?.kind === 'CustomResourceDefinition');
  const crd = crds.find(c => c.spec.names.kind === kind);
  const version = crd?.spec.versions.find((v: any) => `${crd.spec.group}/${v.name}` === apiVersion);
  if (!version) throw new Error(`no schema for ${apiVersion} ${kind} in ${file}`);
  // The Kubernetes extensions (x-kubernetes-*) are not JSON Schema keywords; formats are Kubernetes'.
  const ajv = new Ajv({ strict: false, allErrors: true, validateFormats: false });
  const validate = ajv.compile(withoutUnknownFields(withJsPatterns(version.schema.openAPIV3Schema)));
  const check = (object: any) => {
    if (!validate(object)) throw new Error(ajv.errorsText(validate.errors));
  };
  crdValidators.set(key, check);
  return check;
}

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
  const group = String(object.apiVersion).split('/')[0];
  const crdFile = { 'monitoring.coreos.com': 'prometheus-operator-prometheusrules.yaml', 'kubeflow.org': 'kubeflow-profiles.yaml', 'kueue.x-k8s.io': 'kueue.yaml' }[group];
  if (crdFile) {
    try {
      crdValidator(crdFile, object.apiVersion, object.kind)(object);
    } catch (error: any) {
      throw new Error(`${object.apiVersion} ${object.kind} "${object.metadata?.name}" fails its schema: ${error.message}`);
    }
    return;
  }
  const Model = modelClass(object.apiVersion, object.kind);
  try {
    new Model(object).validate();
  } catch (error: any) {
    throw new Error(`${object.apiVersion} ${object.kind} "${object.metadata?.name}" fails its schema: ${error.message}`);
  }
}
