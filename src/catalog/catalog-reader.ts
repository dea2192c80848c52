/**
 * Reads a tenants catalog: checks it against the generated JSON Schema (errors
 * carry file and line), then merges the defaults into each tenant.
 */
import * as path from 'path';
import type { ErrorObject, ValidateFunction } from 'ajv';
import { CATALOG_KIND, CatalogFile, CatalogTenant, ClusterSettings, PriorityClassPreset } from './catalog-file';
import { defaultsProblems } from './cross-tenant';
import type { ProfileSource } from './profile-reader';
import { SourceDocument } from './yaml-source';
import type { TenantProfileProps } from '../constructs/tenant/tenant-profile';
import type { TenantSettings } from '../constructs/tenant/tenant-settings';
import { clusterFactConflicts, ResolvedClusterFacts, resolveClusterFacts } from '../core/cluster-facts';
import { ML_PRIORITY_CLASSES, PriorityClassSpec } from '../core/priority-classes';
import { notAString } from '../core/validation';

/** The schema ships with the package, beside lib/ and src/. */
export const CATALOG_SCHEMA_PATH = path.join(__dirname, '..', '..', 'schema', 'tenant-catalog.schema.json');
/** Its validator as generated JavaScript (`npx projen schema`; a test fails when it is stale). */
export const CATALOG_VALIDATOR_PATH = path.join(__dirname, '..', '..', 'schema', 'tenant-catalog.validate.js');

/**
 * How the catalog schema is checked. coerceTypes: `cpu: 20` in YAML is a number; the schema
 * (and Kubernetes) want "20" (names and identities are checked to be strings first). verbose:
 * messages list the known keys from the parent schema.
 */
export const CATALOG_AJV_OPTIONS = { allErrors: true, coerceTypes: true, verbose: true, strict: false } as const;

let validator: ValidateFunction | undefined;
function catalogValidator(): ValidateFunction {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  validator ??= require(CATALOG_VALIDATOR_PATH) as ValidateFunction;
  return validator;
}

/** True when a parsed YAML document is a tenants catalog. */
export function isCatalogDocument(value: unknown): boolean {
  return isPlainObject(value) && value.kind === CATALOG_KIND;
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function deepMerge(base: unknown, override: unknown): unknown {
  if (override === undefined) return base;
  if (!isPlainObject(base) || !isPlainObject(override)) return override;
  const merged: Record<string, unknown> = { ...base };
  for (const [key, value] of Object.entries(override)) merged[key] = deepMerge(base[key], value);
  return merged;
}

/**
 * A tenant's settings over the catalog defaults: objects and maps (quota,
 * labels, auth, network policy, limit range, …) merge key by key at every
 * depth, the tenant's value winning; lists (plugins, team roles) and scalars
 * are replaced.
 */
export function mergeSettings<T extends TenantSettings>(defaults: TenantSettings | undefined, tenant: T): T {
  if (!defaults) return tenant;
  return deepMerge(defaults, tenant) as T;
}

/** A path as a message names a field: `tenants[0].networkPolicy`. */
export function pathText(segments: Array<string | number>): string {
  return segments.map((s, i) => (typeof s === 'number' ? `[${s}]` : i === 0 ? s : `.${s}`)).join('');
}

function describe(error: ErrorObject): { key?: string; message: string } {
  // ajv types params per keyword; the switch below reads each keyword's own.
  const params = error.params as Record<string, string> & { allowedValues?: string[] };
  switch (error.keyword) {
    case 'additionalProperties': {
      const known = Object.keys((error.parentSchema as { properties?: object } | undefined)?.properties ?? {});
      return { key: params.additionalProperty, message: `unknown key "${params.additionalProperty}"${known.length ? `; known keys: ${known.join(', ')}` : ''}` };
    }
    case 'required':
      return { message: `missing required key "${params.missingProperty}"` };
    case 'enum':
      return { message: `"${String(error.data)}" is not allowed; use ${(params.allowedValues ?? []).map(v => `"${v}"`).join(' or ')}` };
    case 'const':
      return { message: `must be "${params.allowedValue}"` };
    case 'type':
      return { message: `must be ${params.type === 'object' ? 'a mapping' : params.type === 'array' ? 'a list' : `a ${params.type}`}, not ${error.data === null ? 'null (an empty value)' : Array.isArray(error.data) ? 'a list' : typeof error.data === 'object' ? 'a mapping' : JSON.stringify(error.data)}` };
    default:
      return { message: error.message ?? error.keyword };
  }
}

/** What a catalog declares. */
export interface CatalogContent {
  readonly tenants: ProfileSource[];
  readonly priorityClasses: PriorityClassSpec[];
  /** The catalog's cluster section, for the platform pieces (alerts, dashboard, audit, identity). */
  readonly cluster?: ClusterSettings;
}

/**
 * Names and identities must be strings in the YAML itself. The schema check converts
 * `cpu: 20` to "20" (quantities are often written unquoted), and would convert `owner: true`
 * or `name: 0755` the same way: a name YAML read as something else is refused here first.
 */
function identityTypeProblems(doc: SourceDocument): string[] {
  const problems: string[] = [];
  const tenants = isPlainObject(doc.value) ? doc.value.tenants : undefined;
  if (!Array.isArray(tenants)) return problems;
  const check = (pathTo: Array<string | number>, value: unknown, label: string) => {
    if (value !== undefined && typeof value !== 'string') problems.push(`${doc.locate(pathTo)}: ${label}: ${notAString(value)}`);
  };
  tenants.forEach((tenant: unknown, i: number) => {
    if (!isPlainObject(tenant)) return;
    const who = typeof tenant.name === 'string' ? `tenant "${tenant.name}"` : `tenants[${i}]`;
    check(['tenants', i, 'name'], tenant.name, `${who}: name`);
    check(['tenants', i, 'owner'], tenant.owner, `${who}: owner`);
    (Array.isArray(tenant.contributors) ? tenant.contributors : []).forEach((c: unknown, j: number) =>
      check(['tenants', i, 'contributors', j, 'name'], isPlainObject(c) ? c.name : undefined, `${who}: contributors[${j}].name`));
    (Array.isArray(tenant.teamRoles) ? tenant.teamRoles : []).forEach((role: unknown, k: number) => {
      for (const field of ['users', 'groups']) {
        const members = isPlainObject(role) ? role[field] : undefined;
        (Array.isArray(members) ? members : []).forEach((v: unknown, m: number) =>
          check(['tenants', i, 'teamRoles', k, field, m], v, `${who}: teamRoles[${k}].${field}[${m}]`));
      }
    });
  });
  return problems;
}

/** Reads one catalog document; problems go to `errors`, with file and line. */
export function readCatalog(doc: SourceDocument, errors: string[]): CatalogContent {
  const typeProblems = identityTypeProblems(doc);
  if (typeProblems.length > 0) {
    errors.push(...typeProblems);
    return { tenants: [], priorityClasses: [] };
  }
  const data = structuredClone(doc.value);
  const validate = catalogValidator();
  if (!validate(data)) {
    const seen = new Set<string>();
    for (const error of validate.errors ?? []) {
      const segments = error.instancePath.split('/').slice(1).map(s => (/^\d+$/.test(s) ? Number(s) : s.replace(/~1/g, '/').replace(/~0/g, '~')));
      const { key, message } = describe(error);
      const tenantIndex = segments[0] === 'tenants' && typeof segments[1] === 'number' ? segments[1] : undefined;
      const tenant = tenantIndex !== undefined ? (data as { tenants?: Array<{ name?: unknown }> }).tenants?.[tenantIndex] : undefined;
      const tenantName = tenant?.name;
      const where = tenantName && typeof tenantName === 'string'
        ? `tenant "${tenantName}": ${pathText(segments.slice(2)) || 'entry'}`
        : pathText(segments) || 'catalog';
      const line = `${doc.locate(segments, key)}: ${where}: ${message}`;
      if (!seen.has(line)) errors.push(line);
      seen.add(line);
    }
    return { tenants: [], priorityClasses: [] };
  }

  const catalog = data as CatalogFile;
  for (const problem of clusterSectionProblems(catalog.cluster)) errors.push(`${doc.locate(['cluster', 'auth'])}: ${problem}`);
  const names = new Set(catalog.tenants.map(t => t.name));
  for (const [at, message] of defaultsProblems(catalog.defaults, names)) {
    errors.push(`${doc.locate(['defaults', ...at])}: defaults.${pathText(at)}: ${message}`);
  }
  const clusterClasses = clusterPriorityClasses(catalog.cluster);
  const tenants: ProfileSource[] = [];
  // Names declared twice (here or in another file of the run) are found once, by the pipeline.
  catalog.tenants.forEach((tenant: CatalogTenant, index: number) => {
    const location = doc.locate(['tenants', index]);
    // The cluster's facts are the run's, which another file may state: the run applies them (sources.ts).
    const shared = catalogTenantProps(catalog.defaults, tenant, catalog.cluster, clusterClasses, false);
    for (const problem of shared.problems) errors.push(`${location}: tenant "${tenant.name}": ${problem}`);
    tenants.push({ props: shared.props, location });
  });
  return { tenants, priorityClasses: clusterClasses, cluster: catalog.cluster };
}

/**
 * The cluster's facts from a catalog's cluster section: `cluster.auth` over the identity
 * provider's `kubeflowAuth`, and `cluster.clusterCidrs`; with the settings that name them.
 */
export function catalogClusterFacts(cluster: ClusterSettings | undefined)
  : { facts: ResolvedClusterFacts; where: { auth: string; clusterCidrs: string } } {
  const idp = cluster?.identityProvider?.kubeflowAuth ?? {};
  const facts = resolveClusterFacts({ auth: { ...idp, ...cluster?.auth }, clusterCidrs: cluster?.clusterCidrs });
  const where = {
    auth: cluster?.auth ? 'cluster.auth' : cluster?.identityProvider ? 'cluster.identityProvider.kubeflowAuth' : 'Kubeflow\'s default; set cluster.auth to change it',
    clusterCidrs: cluster?.clusterCidrs ? 'cluster.clusterCidrs' : 'every private range by default; set cluster.clusterCidrs to change it',
  };
  return { facts, where };
}

/** Where `cluster.auth` contradicts the identity provider's `kubeflowAuth` (both describe the same headers). */
export function clusterSectionProblems(cluster: ClusterSettings | undefined): string[] {
  const idp = cluster?.identityProvider?.kubeflowAuth ?? {};
  return (['userIdHeader', 'userIdPrefix', 'groupsHeader'] as const)
    .filter(field => idp[field] !== undefined && cluster?.auth?.[field] !== undefined && idp[field] !== cluster.auth[field])
    .map(field => `cluster.auth.${field}: "${cluster!.auth![field]}" differs from cluster.identityProvider.kubeflowAuth.${field} "${idp[field]}"; set it in one place`);
}

/**
 * A tenant's props with the cluster's facts (headers, proxy principals, pod and service ranges)
 * applied; a tenant or default that states one differently is a problem, not an override.
 */
export function withClusterFacts(props: TenantProfileProps, cluster: ClusterSettings | undefined): { props: TenantProfileProps; problems: string[] } {
  const { facts, where } = catalogClusterFacts(cluster);
  const problems = clusterFactConflicts({ auth: props.auth, clusterCidrs: props.networkPolicy?.clusterCidrs }, facts, where)
    .map(([field, message]) => `${field}: ${message}`);
  const networkPolicy = { ...props.networkPolicy, clusterCidrs: facts.clusterCidrs };
  return { props: { ...props, auth: { ...facts.auth }, networkPolicy }, problems };
}

/**
 * A catalog tenant's props: the defaults merged in, the cluster's PriorityClasses it may not use
 * denied, the cluster's profile settings applied and, unless `applyFacts` is false (a reader of
 * several files applies the run's facts to every tenant at the end), the cluster's facts.
 */
export function catalogTenantProps(defaults: TenantSettings | undefined, tenant: TenantProfileProps, cluster: ClusterSettings | undefined,
  clusterClasses: PriorityClassSpec[], applyFacts: boolean = true): { props: TenantProfileProps; problems: string[] } {
  const merged = withDeniedClasses(mergeSettings(defaults, tenant), clusterClasses.map(c => c.name));
  const profiled = withProfileSettings(merged, cluster);
  const shared = applyFacts ? withClusterFacts(profiled, cluster) : { props: profiled, problems: [] };
  return { props: shared.props, problems: [...shared.problems, ...unknownClassProblems(merged, clusterClasses)] };
}

/** Classes a tenant allows that the catalog's cluster section does not define (when it defines any). */
function unknownClassProblems(props: TenantProfileProps, clusterClasses: PriorityClassSpec[]): string[] {
  if (clusterClasses.length === 0) return [];
  const known = new Set(clusterClasses.map(c => c.name));
  return (props.priorityClasses?.allowed ?? []).filter(name => !known.has(name)).map(name =>
    `priorityClasses: "${name}" is not a PriorityClass of the catalog; known: ${clusterClasses.map(c => c.name).join(', ')}`);
}

/** The cluster section's profile settings, which every tenant of the catalog takes. */
export function withProfileSettings(props: TenantProfileProps, cluster: ClusterSettings | undefined): TenantProfileProps {
  return {
    ...props,
    ...(cluster?.profileController === undefined ? {} : { profileController: cluster.profileController }),
    ...(cluster?.profileObjects === undefined ? {} : { profileObject: cluster.profileObjects }),
  };
}

/** The catalog's cluster PriorityClasses: the preset's, then the listed ones. */
export function clusterPriorityClasses(cluster: ClusterSettings | undefined): PriorityClassSpec[] {
  return [
    ...(cluster?.priorityClassPreset === PriorityClassPreset.ML ? ML_PRIORITY_CLASSES : []),
    ...(cluster?.priorityClasses ?? []),
  ];
}

/** A tenant that names allowed classes is denied every other cluster class, unless it lists denied ones itself. */
export function withDeniedClasses(props: TenantProfileProps, clusterClasses: string[]): TenantProfileProps {
  const access = props.priorityClasses;
  if (!access || access.denied !== undefined || clusterClasses.length === 0) return props;
  return { ...props, priorityClasses: { ...access, denied: clusterClasses.filter(c => !access.allowed.includes(c)) } };
}
