/**
 * Reading: tenants catalogs and Kubeflow Profile YAML files, in any mix, into the model the
 * pipeline builds from ({@link TenancySources}). Every problem of every file is collected,
 * each with its `file:line`.
 */
import { ClusterSettings } from './catalog-file';
import { catalogClusterFacts, isCatalogDocument, readCatalog, withClusterFacts } from './catalog-reader';
import { profilesFromDocument, ProfileSource } from './profile-reader';
import { readYamlFiles } from './yaml-source';
import { ProfileController } from '../core/kubeflow-profile';
import { PriorityClassSpec } from '../core/priority-classes';
import { throwIfAny } from '../core/validation';

/** Everything read from catalogs and Profiles. */
export interface TenancySources {
  readonly tenants: ProfileSource[];
  readonly priorityClasses: PriorityClassSpec[];
  /** Who reconciles Profiles, when a catalog's cluster section says. */
  readonly profileController?: ProfileController;
  /** The cluster section with platform pieces, from at most one catalog. */
  readonly cluster?: ClusterSettings;
  /** `file:line` of that cluster section (or of the one with PriorityClasses), for errors. */
  readonly clusterLocation?: string;
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
  let cluster: ClusterSettings | undefined;
  let clusterFrom: string | undefined;
  let priorityClassesFrom: string | undefined;
  let profileController: { value: ProfileController; from: string } | undefined;
  // The cluster's facts (auth, pod and service ranges) of the run: catalogs that state them must agree.
  let facts: { cluster: ClusterSettings | undefined; key: string; from: string } | undefined;
  for (const doc of readYamlFiles(files, errors)) {
    if (isCatalogDocument(doc.value)) {
      const content = readCatalog(doc, errors);
      if (statesClusterFacts(content.cluster)) {
        const key = JSON.stringify(catalogClusterFacts(content.cluster).facts);
        const from = doc.locate(['cluster']);
        if (facts && facts.key !== key) {
          errors.push(`${from}: cluster: auth, clusterCidrs or identityProvider.kubeflowAuth differ from those at ${facts.from}; one cluster has one set of facts: state them the same in every catalog of a run`);
        }
        facts ??= { cluster: content.cluster, key, from };
      }
      const controller = content.cluster?.profileController;
      if (controller !== undefined) {
        const from = doc.locate(['cluster', 'profileController']);
        // One cluster, one profile controller: catalogs of one run cannot disagree on it.
        if (profileController && profileController.value !== controller) {
          errors.push(`${from}: cluster.profileController: "${controller}" differs from "${profileController.value}" at ${profileController.from}; set the same in every catalog of a run`);
        }
        profileController ??= { value: controller, from };
      }
      tenants.push(...content.tenants);
      priorityClasses.push(...content.priorityClasses);
      if (content.priorityClasses.length > 0) priorityClassesFrom ??= doc.locate(['cluster']);
      if (hasPlatform(content.cluster)) {
        // One platform configuration per run: two catalogs would write two alert rules, two policies.
        if (clusterFrom) errors.push(`${doc.locate(['cluster'])}: cluster: quota alerts, dashboard, audit policy, identity provider, read-only dashboard, guard or kueue are also set in ${clusterFrom}; keep them in one catalog`);
        else [cluster, clusterFrom] = [content.cluster, doc.locate(['cluster'])];
      }
    } else {
      tenants.push(...profilesFromDocument(doc, errors));
    }
  }
  // Every tenant takes the run's facts, whichever catalog states them: a catalog (or Profile) that
  // states none gets them too, and one that states them otherwise is refused.
  tenants.forEach((source, i) => {
    const applied = withClusterFacts(source.props, facts?.cluster);
    errors.push(...applied.problems.map(p => `${source.location}: tenant "${source.props.name}": ${p}`));
    tenants[i] = { ...source, props: applied.props };
  });
  throwIfAny(errors);
  return { tenants, priorityClasses, cluster, clusterLocation: clusterFrom ?? priorityClassesFrom, profileController: profileController?.value };
}

/** Whether a cluster section states facts of the cluster (auth, its ranges, the identity provider's headers). */
function statesClusterFacts(cluster: ClusterSettings | undefined): boolean {
  return cluster?.auth !== undefined || cluster?.clusterCidrs !== undefined || cluster?.identityProvider !== undefined;
}

/** Whether a cluster section asks for platform pieces (one catalog of a run may). */
export function hasPlatform(cluster: ClusterSettings | undefined): boolean {
  if (cluster === undefined) return false;
  return [cluster.quotaAlerts, cluster.dashboard, cluster.auditPolicy, cluster.identityProvider, cluster.readOnlyDashboard, cluster.guard,
    cluster.kueue]
    .some(x => x !== undefined);
}
