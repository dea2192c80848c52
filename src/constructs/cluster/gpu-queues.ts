import { ApiObject } from 'cdk8s';
import { Construct } from 'constructs';
import { RBAC_API_GROUP } from '../../core/kubeflow-defaults';
import { KueueClusterOptions, kueueClusterProblems } from '../../core/kueue';
import { throwIfAny } from '../../core/validation';
import { CohortV1Beta2, ResourceFlavorV1Beta2 } from '../../imports/kueue.x-k8s.io';

/** Properties of {@link GpuQueues}. */
export interface GpuQueuesProps extends KueueClusterOptions {}

/** The ClusterRole that lets Kubeflow contributors see their queue and why a job waits. */
export const KUEUE_VIEW_ROLE = 'kubeflow-kueue-view';

/**
 * What Kueue needs once per cluster: a ResourceFlavor per GPU type, the Cohort tree, and a
 * ClusterRole aggregated into Kubeflow's `kubeflow-view` and `kubeflow-edit`, so a tenant's members
 * can read their LocalQueue and Workloads (Kueue's own viewer roles aggregate only into the
 * built-in `view`/`edit`, which Kubeflow contributors do not hold).
 */
export class GpuQueues extends Construct {
  constructor(scope: Construct, id: string, props: GpuQueuesProps) {
    super(scope, id);
    throwIfAny(kueueClusterProblems(props).map(p => ({ ...p, field: p.field === undefined ? 'cluster' : `cluster.${p.field}` })));
    for (const flavor of props.flavors) {
      new ResourceFlavorV1Beta2(this, `ResourceFlavor-${flavor.name}`, {
        metadata: { name: flavor.name },
        spec: flavor.nodeLabels === undefined ? {} : { nodeLabels: flavor.nodeLabels },
      });
    }
    for (const cohort of props.cohorts ?? []) {
      new CohortV1Beta2(this, `Cohort-${cohort.name}`, { metadata: { name: cohort.name }, spec: cohort.parent === undefined ? {} : { parentName: cohort.parent } });
    }
    new ApiObject(this, 'ViewRole', {
      apiVersion: `${RBAC_API_GROUP}/v1`,
      kind: 'ClusterRole',
      metadata: {
        name: KUEUE_VIEW_ROLE,
        labels: {
          'rbac.authorization.kubeflow.org/aggregate-to-kubeflow-view': 'true',
          'rbac.authorization.kubeflow.org/aggregate-to-kubeflow-edit': 'true',
        },
      },
      rules: [
        { apiGroups: ['kueue.x-k8s.io'], resources: ['localqueues', 'workloads'], verbs: ['get', 'list', 'watch'] },
        { apiGroups: ['visibility.kueue.x-k8s.io'], resources: ['localqueues/pendingworkloads'], verbs: ['get'] },
      ],
    });
  }
}
