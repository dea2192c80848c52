import { Construct } from 'constructs';
import { TENANT_LABEL } from '../../core/guard-parameters';
import { kueueResources, queuePreemption, tenantQueueProblems } from '../../core/kueue';
import { DEFAULT_LOCAL_QUEUE, KueueClusterOptions, TenantQueueOptions } from '../../core/kueue-options';
import { inTenant } from '../../core/problem';
import { throwIfAny } from '../../core/validation';
import {
  ClusterQueueV1Beta2, ClusterQueueV1Beta2SpecFairSharingWeight, ClusterQueueV1Beta2SpecPreemptionReclaimWithinCohort,
  ClusterQueueV1Beta2SpecPreemptionWithinClusterQueue, ClusterQueueV1Beta2SpecResourceGroupsFlavorsResourcesBorrowingLimit,
  ClusterQueueV1Beta2SpecResourceGroupsFlavorsResourcesLendingLimit, ClusterQueueV1Beta2SpecResourceGroupsFlavorsResourcesNominalQuota,
  LocalQueueV1Beta2,
} from '../../imports/kueue.x-k8s.io';

/** Properties of a {@link TenantQueue}. */
export interface TenantQueueProps extends TenantQueueOptions {
  /** The tenant namespace: the only namespace the ClusterQueue admits workloads from. */
  readonly namespace: string;
  /** The cluster's flavors, resources and cohorts the queue is checked against. */
  readonly cluster: KueueClusterOptions;
}

/**
 * A tenant's GPU queue in Kueue: a ClusterQueue named after the tenant whose `namespaceSelector`
 * selects only the tenant's namespace (by `kubernetes.io/metadata.name`, which the API server sets),
 * with the tenant's nominal quota, borrowing and lending limits per flavor, and a LocalQueue named
 * `default` in the namespace, which Kueue applies to every job of a kind it manages that has no
 * queue label (Kueue's configuration must manage the kinds tenants run: docs/gpu-queues.md).
 */
export class TenantQueue extends Construct {
  /** The ClusterQueue's name (the tenant's). */
  public readonly clusterQueueName: string;

  constructor(scope: Construct, id: string, props: TenantQueueProps) {
    super(scope, id);
    throwIfAny(inTenant(props.namespace, tenantQueueProblems(props, props.cluster)));
    this.clusterQueueName = props.namespace;
    const resources = kueueResources(props.cluster);
    const preemption = queuePreemption(props);
    const quantity = <T>(make: (value: string) => T, value: string | undefined) => (value === undefined ? undefined : make(value));
    new ClusterQueueV1Beta2(this, 'ClusterQueue', {
      metadata: { name: this.clusterQueueName, labels: { [TENANT_LABEL]: props.namespace } },
      spec: {
        cohortName: props.cohort,
        namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': props.namespace } },
        preemption: preemption === undefined ? undefined : {
          withinClusterQueue: preemption.withinQueue as string as ClusterQueueV1Beta2SpecPreemptionWithinClusterQueue | undefined,
          reclaimWithinCohort: preemption.reclaimWithinCohort as string as ClusterQueueV1Beta2SpecPreemptionReclaimWithinCohort | undefined,
        },
        fairSharing: props.fairSharingWeight === undefined ? undefined
          : { weight: ClusterQueueV1Beta2SpecFairSharingWeight.fromString(props.fairSharingWeight) },
        resourceGroups: [{
          coveredResources: resources,
          // Flavors in the order the cluster declares them: Kueue tries them in that order.
          flavors: props.cluster.flavors.filter(f => props.quotas.some(q => q.flavor === f.name)).map(flavor => {
            const quota = props.quotas.find(q => q.flavor === flavor.name)!;
            return {
              name: flavor.name,
              resources: resources.map(resource => ({
                name: resource,
                nominalQuota: ClusterQueueV1Beta2SpecResourceGroupsFlavorsResourcesNominalQuota.fromString(quota.nominal[resource]),
                borrowingLimit: quantity(ClusterQueueV1Beta2SpecResourceGroupsFlavorsResourcesBorrowingLimit.fromString,
                  quota.borrowingLimit?.[resource]),
                lendingLimit: quantity(ClusterQueueV1Beta2SpecResourceGroupsFlavorsResourcesLendingLimit.fromString, quota.lendingLimit?.[resource]),
              })),
            };
          }),
        }],
      },
    });
    new LocalQueueV1Beta2(this, 'LocalQueue', {
      metadata: { name: DEFAULT_LOCAL_QUEUE, namespace: props.namespace },
      spec: { clusterQueue: this.clusterQueueName },
    });
  }
}
