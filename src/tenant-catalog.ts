import { Chart } from 'cdk8s';
import { Construct } from 'constructs';
import { ClusterSettings } from './catalog-file';
import { clusterPriorityClasses, isCatalogDocument, mergeSettings, readCatalog, withDeniedClasses } from './catalog-reader';
import { PriorityClasses, PriorityClassSpec } from './priority-classes';
import { profilesFromDocument, ProfileSource } from './profile-reader';
import { EmittedFile, TenancyApp } from './tenancy-app';
import { TenantProfile, TenantProfileProps, TenantSettings } from './tenant-profile';
import { messagesOf, throwIfAny } from './validation';
import { readYamlFiles } from './yaml-source';

/** Properties of a {@link TenantCatalog}. */
export interface TenantCatalogProps {
  /**
   * Cluster-wide objects (PriorityClasses).
   * @default - none
   */
  readonly cluster?: ClusterSettings;

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
    const problem = nameProblem(source, seen);
    if (problem) {
      errors.push(problem);
      return;
    }
    const name = source.props.name!;
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
 * Builds, validates and emits the tenants one at a time, dropping each from the
 * tree once emitted, so memory stays flat however many tenants there are.
 * Errors of every tenant are collected and thrown together at the end; the
 * caller discards what was emitted (the output is staged).
 */
export function streamSources(app: TenancyApp, sources: TenancySources, emit: (file: EmittedFile) => void,
  onProgress?: ProgressCallback, every: number = 500): number {
  const errors: string[] = [];
  if (sources.priorityClasses.length > 0) {
    try {
      new PriorityClasses(new Chart(app, 'cluster'), 'PriorityClasses', { classes: sources.priorityClasses });
    } catch (error) {
      errors.push(...messagesOf(error).map(m => `cluster: ${m}`));
    }
  }
  const seen = new Map<string, string>();
  const emitted: string[] = [];
  sources.tenants.forEach((source, index) => {
    const problem = nameProblem(source, seen);
    if (problem) {
      errors.push(problem);
      return;
    }
    const name = source.props.name!;
    const chart = new Chart(app, `tenant-${name}`);
    try {
      app._emitTenant(new TenantProfile(chart, name, source.props), emit);
      emitted.push(name);
    } catch (error) {
      errors.push(...messagesOf(error).map(m => `${source.location}: ${m}`));
    }
    app.node.tryRemoveChild(chart.node.id);
    if (onProgress && (index + 1) % every === 0) onProgress(index + 1, sources.tenants.length);
  });
  if (errors.length === 0) {
    try {
      app._emitRest(emit, emitted);
    } catch (error) {
      errors.push(...messagesOf(error));
    }
  }
  throwIfAny(errors);
  return emitted.length;
}

/** Why a source cannot be built (no name, or a name seen before), recording it in `seen`. */
function nameProblem(source: ProfileSource, seen: Map<string, string>): string | undefined {
  const name = source.props.name;
  if (typeof name !== 'string' || name === '') return `${source.location}: tenant has no name; set "name"`;
  const previous = seen.get(name);
  if (previous !== undefined) return `${source.location}: tenant "${name}": is also declared at ${previous}; tenant names must be unique`;
  seen.set(name, source.location);
  return undefined;
}

/**
 * Reads tenants from files: tenants catalogs (`kind: TenantCatalog`) and
 * Kubeflow Profiles (`kubeflow.org/v1`, `v1beta1`, lists, multi-document), in any mix.
 * Every problem of every file is collected, each with `file:line`.
 */
export function readTenantFiles(files: string[]): TenancySources {
  const errors: string[] = [];
  const tenants: ProfileSource[] = [];
  const priorityClasses: PriorityClassSpec[] = [];
  for (const doc of readYamlFiles(files, errors)) {
    if (isCatalogDocument(doc.value)) {
      const content = readCatalog(doc, errors);
      tenants.push(...content.tenants);
      priorityClasses.push(...content.priorityClasses);
    } else {
      tenants.push(...profilesFromDocument(doc, errors));
    }
  }
  throwIfAny(errors);
  return { tenants, priorityClasses };
}

/** Everything read from catalogs and Profiles. */
export interface TenancySources {
  readonly tenants: ProfileSource[];
  readonly priorityClasses: PriorityClassSpec[];
}

/** Builds the cluster objects and every tenant; all errors are thrown together. */
export function buildSources(scope: Construct, sources: TenancySources, onProgress?: ProgressCallback, every?: number): TenantProfile[] {
  const errors: string[] = [];
  if (sources.priorityClasses.length > 0) {
    try {
      new PriorityClasses(scope, 'PriorityClasses', { classes: sources.priorityClasses });
    } catch (error) {
      errors.push(...messagesOf(error).map(m => `cluster: ${m}`));
    }
  }
  let tenants: TenantProfile[] = [];
  try {
    tenants = addTenants(scope, sources.tenants, onProgress, every);
  } catch (error) {
    errors.push(...messagesOf(error));
  }
  throwIfAny(errors);
  return tenants;
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
    catalog.tenantList.push(...buildSources(catalog, readTenantFiles(files)));
    return catalog;
  }

  private readonly tenantList: TenantProfile[] = [];

  constructor(scope: Construct, id: string, props: TenantCatalogProps) {
    super(scope, id);
    const priorityClasses = clusterPriorityClasses(props.cluster);
    const tenants = props.tenants.map((tenant, index) => ({
      props: withDeniedClasses(mergeSettings(props.defaults, tenant), priorityClasses.map(c => c.name)),
      location: `tenants[${index}]`,
    }));
    this.tenantList.push(...buildSources(this, { tenants, priorityClasses }));
  }

  /** The tenants, in declaration order. */
  public get tenants(): TenantProfile[] {
    return [...this.tenantList];
  }
}
