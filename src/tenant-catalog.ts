import { Construct } from 'constructs';
import { isCatalogDocument, mergeSettings, tenantsFromCatalog } from './catalog-reader';
import { profilesFromDocument, ProfileSource } from './profile-reader';
import { TenantProfile, TenantProfileProps, TenantSettings } from './tenant-profile';
import { messagesOf, throwIfAny } from './validation';
import { readYamlFiles } from './yaml-source';

/** Properties of a {@link TenantCatalog}. */
export interface TenantCatalogProps {
  /**
   * Settings every tenant gets unless it sets its own. Maps (quota, labels) and
   * objects (auth, ambient) merge key by key; lists and scalars are replaced.
   * @default - no defaults
   */
  readonly defaults?: TenantSettings;

  /** The tenants; each must have a `name`. */
  readonly tenants: TenantProfileProps[];
}

/** Called every `every` tenants while a catalog is built (the CLI prints a progress line). */
export type ProgressCallback = (done: number, total: number) => void;

/**
 * Builds one TenantProfile per source, collecting the errors of every tenant
 * before throwing them together.
 */
export function addTenants(scope: Construct, sources: ProfileSource[], onProgress?: ProgressCallback, every: number = 500): TenantProfile[] {
  const errors: string[] = [];
  const built: TenantProfile[] = [];
  const seen = new Map<string, string>();
  sources.forEach((source, index) => {
    const name = source.props.name;
    if (typeof name !== 'string' || name === '') {
      errors.push(`${source.location}: tenant has no name; set "name"`);
      return;
    }
    const previous = seen.get(name);
    if (previous !== undefined) {
      errors.push(`${source.location}: tenant "${name}": is also declared at ${previous}; tenant names must be unique`);
      return;
    }
    seen.set(name, source.location);
    try {
      built.push(new TenantProfile(scope, name, source.props));
    } catch (error) {
      errors.push(...messagesOf(error).map(m => `${source.location}: ${m}`));
    }
    if (onProgress && (index + 1) % every === 0) onProgress(index + 1, sources.length);
  });
  throwIfAny(errors);
  return built;
}

/**
 * Reads tenants from files: tenants catalogs (`kind: TenantCatalog`) and
 * Kubeflow Profiles (`kubeflow.org/v1`, `v1beta1`, lists, multi-document), in any mix.
 * Every problem of every file is collected, each with `file:line`.
 */
export function readTenantFiles(files: string[]): ProfileSource[] {
  const errors: string[] = [];
  const sources: ProfileSource[] = [];
  for (const doc of readYamlFiles(files, errors)) {
    sources.push(...(isCatalogDocument(doc.value) ? tenantsFromCatalog(doc, errors) : profilesFromDocument(doc, errors)));
  }
  throwIfAny(errors);
  return sources;
}

/**
 * Every tenant of a catalog: cluster-wide defaults merged into each tenant,
 * one {@link TenantProfile} per tenant, all errors of all tenants reported together.
 */
export class TenantCatalog extends Construct {
  /**
   * Reads tenants catalogs and Kubeflow Profile YAML files into one catalog.
   * Errors name the file and line.
   */
  public static fromFiles(scope: Construct, id: string, files: string[]): TenantCatalog {
    const catalog = new TenantCatalog(scope, id, { tenants: [] });
    catalog.tenantList.push(...addTenants(catalog, readTenantFiles(files)));
    return catalog;
  }

  private readonly tenantList: TenantProfile[] = [];

  constructor(scope: Construct, id: string, props: TenantCatalogProps) {
    super(scope, id);
    const sources = props.tenants.map((tenant, index) => ({
      props: mergeSettings(props.defaults, tenant),
      location: `tenants[${index}]`,
    }));
    this.tenantList.push(...addTenants(this, sources));
  }

  /** The tenants, in declaration order. */
  public get tenants(): TenantProfile[] {
    return [...this.tenantList];
  }
}
