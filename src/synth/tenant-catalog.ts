import { Construct } from 'constructs';
import { buildSources } from './tenant-builder';
import { ClusterSettings } from '../catalog/catalog-file';
import { catalogTenantProps, clusterPriorityClasses, pathText } from '../catalog/catalog-reader';
import { defaultsProblems } from '../catalog/cross-tenant';
import { readTenantFiles } from '../catalog/sources';
import { TenantProfile, TenantProfileProps } from '../constructs/tenant/tenant-profile';
import { TenantSettings } from '../constructs/tenant/tenant-settings';
import { throwIfAny } from '../core/validation';

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
    const names = new Set(props.tenants.map(t => t.name).filter((n): n is string => typeof n === 'string'));
    const errors: string[] = defaultsProblems(props.defaults, names).map(([at, message]) => `defaults.${pathText(at)}: ${message}`);
    const tenants = props.tenants.map((tenant, index) => {
      const shared = catalogTenantProps(props.defaults, tenant, props.cluster, priorityClasses);
      errors.push(...shared.problems.map(p => `tenants[${index}]: tenant "${tenant.name}": ${p}`));
      return { props: shared.props, location: `tenants[${index}]` };
    });
    throwIfAny(errors);
    this.tenantList.push(...buildSources(this, { tenants, priorityClasses, cluster: props.cluster }));
  }

  /** The tenants, in declaration order. */
  public get tenants(): TenantProfile[] {
    return [...this.tenantList];
  }
}
