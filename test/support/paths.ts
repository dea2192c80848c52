/** Where the repository's test inputs are: one place, so a moved example breaks one line. */
import * as path from 'path';

/** The repository's root folder. */
export const ROOT = path.join(__dirname, '..', '..');
/** The bundled examples. */
export const EXAMPLES = path.join(ROOT, 'examples');
/** The bundled tenants catalog (four teams). */
export const EXAMPLE_CATALOG = path.join(EXAMPLES, 'tenants.yaml');
/** The bundled Kubeflow Profile YAML. */
export const EXAMPLE_PROFILES = path.join(EXAMPLES, 'profiles', 'profile.yaml');
/** The catalog's JSON Schema. */
export const CATALOG_SCHEMA = path.join(ROOT, 'schema', 'tenant-catalog.schema.json');
