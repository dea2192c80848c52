/**
 * A Kubernetes object as the library writes and reads it: plain JSON. The fields every check
 * relies on are typed; the rest is `unknown` until a reader narrows it for its kind.
 */

/** `metadata` as manifests carry it. */
export interface ManifestMetadata {
  name?: string;
  namespace?: string;
  labels?: Record<string, string>;
  annotations?: Record<string, string>;
  [field: string]: unknown;
}

/** Any Kubernetes object. */
export interface Manifest {
  apiVersion?: string;
  kind?: string;
  metadata?: ManifestMetadata;
  [field: string]: unknown;
}

/** Whether a parsed YAML document is an object with a kind (a manifest), not a scalar or a list. */
export function isManifest(value: unknown): value is Manifest {
  return typeof value === 'object' && value !== null && !Array.isArray(value) && typeof (value as Manifest).kind === 'string';
}
