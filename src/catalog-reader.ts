/**
 * Reads a tenants catalog: checks it against the generated JSON Schema (errors
 * carry file and line), then merges the defaults into each tenant.
 */
import * as fs from 'fs';
import * as path from 'path';
import Ajv, { ErrorObject, ValidateFunction } from 'ajv';
import { CATALOG_KIND, CatalogFile, CatalogTenant } from './catalog-file';
import type { ProfileSource } from './profile-reader';
import { TenantProfileProps, TenantSettings } from './tenant-profile';
import { SourceDocument } from './yaml-source';

/** The schema ships with the package, beside lib/ and src/. */
export const CATALOG_SCHEMA_PATH = path.join(__dirname, '..', 'schema', 'tenant-catalog.schema.json');

let validator: ValidateFunction | undefined;
function catalogValidator(): ValidateFunction {
  if (!validator) {
    const schema = JSON.parse(fs.readFileSync(CATALOG_SCHEMA_PATH, 'utf8'));
    // coerceTypes: `cpu: 20` in YAML is a number, the schema (and Kubernetes) want "20".
    const ajv = new Ajv({ allErrors: true, coerceTypes: true, verbose: true, strict: false });
    validator = ajv.compile(schema);
  }
  return validator;
}

/** True when a parsed YAML document is a tenants catalog. */
export function isCatalogDocument(value: unknown): boolean {
  return typeof value === 'object' && value !== null && (value as any).kind === CATALOG_KIND;
}

const MAP_SETTINGS: Array<keyof TenantSettings> = ['resourceQuota', 'namespaceLabels'];
const OBJECT_SETTINGS: Array<keyof TenantSettings> = ['auth', 'ambient'];

/**
 * A tenant's settings over the catalog defaults: maps (quota, labels) and
 * objects (auth, ambient) merge key by key with the tenant's value winning;
 * lists (plugins) and scalars are replaced.
 */
export function mergeSettings<T extends TenantSettings>(defaults: TenantSettings | undefined, tenant: T): T {
  if (!defaults) return tenant;
  const merged: any = { ...defaults, ...tenant };
  for (const key of [...MAP_SETTINGS, ...OBJECT_SETTINGS]) {
    if (defaults[key] !== undefined || tenant[key] !== undefined) {
      merged[key] = { ...(defaults[key] as object ?? {}), ...(tenant[key] as object ?? {}) };
    }
  }
  return merged;
}

function pathText(segments: Array<string | number>): string {
  return segments.map((s, i) => (typeof s === 'number' ? `[${s}]` : i === 0 ? s : `.${s}`)).join('');
}

function describe(error: ErrorObject): { key?: string; message: string } {
  const params: any = error.params;
  switch (error.keyword) {
    case 'additionalProperties': {
      const known = Object.keys((error.parentSchema as any)?.properties ?? {});
      return { key: params.additionalProperty, message: `unknown key "${params.additionalProperty}"${known.length ? `; known keys: ${known.join(', ')}` : ''}` };
    }
    case 'required':
      return { message: `missing required key "${params.missingProperty}"` };
    case 'enum':
      return { message: `"${error.data}" is not allowed; use ${params.allowedValues.map((v: string) => `"${v}"`).join(' or ')}` };
    case 'const':
      return { message: `must be "${params.allowedValue}"` };
    case 'type':
      return { message: `must be ${params.type === 'object' ? 'a mapping' : params.type === 'array' ? 'a list' : `a ${params.type}`}, not ${Array.isArray(error.data) ? 'a list' : typeof error.data === 'object' ? 'a mapping' : JSON.stringify(error.data)}` };
    default:
      return { message: error.message ?? error.keyword };
  }
}

/** Reads one catalog document; problems go to `errors`, with file and line. */
export function tenantsFromCatalog(doc: SourceDocument, errors: string[]): ProfileSource[] {
  const data = structuredClone(doc.value);
  const validate = catalogValidator();
  if (!validate(data)) {
    const seen = new Set<string>();
    for (const error of validate.errors ?? []) {
      const segments = error.instancePath.split('/').slice(1).map(s => (/^\d+$/.test(s) ? Number(s) : s.replace(/~1/g, '/').replace(/~0/g, '~')));
      const { key, message } = describe(error);
      const tenantIndex = segments[0] === 'tenants' && typeof segments[1] === 'number' ? segments[1] : undefined;
      const tenantName = tenantIndex !== undefined ? data.tenants?.[tenantIndex]?.name : undefined;
      const where = tenantName && typeof tenantName === 'string'
        ? `tenant "${tenantName}": ${pathText(segments.slice(2)) || 'entry'}`
        : pathText(segments) || 'catalog';
      const line = `${doc.locate(segments, key)}: ${where}: ${message}`;
      if (!seen.has(line)) errors.push(line);
      seen.add(line);
    }
    return [];
  }

  const catalog = data as CatalogFile;
  const tenants: ProfileSource[] = [];
  const firstSeen = new Map<string, string>();
  catalog.tenants.forEach((tenant: CatalogTenant, index: number) => {
    const location = doc.locate(['tenants', index]);
    const previous = firstSeen.get(tenant.name);
    if (previous !== undefined) {
      errors.push(`${location}: tenant "${tenant.name}": is also declared at ${previous}; tenant names must be unique`);
      return;
    }
    firstSeen.set(tenant.name, location);
    const props: TenantProfileProps = mergeSettings(catalog.defaults, tenant);
    tenants.push({ props, location });
  });
  return tenants;
}
