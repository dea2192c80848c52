import { ApiObject } from 'cdk8s';
import { Construct, IConstruct } from 'constructs';
import { RBAC_API_GROUP } from '../../core/kubeflow-defaults';
import { kueueClusterProblems } from '../../core/kueue';
import { GPU_QUEUES_LABEL, KueueClusterOptions } from '../../core/kueue-options';
import { priorityClassProblems, PriorityClassSpec } from '../../core/priority-classes';
import { inCluster } from '../../core/problem';
import { throwIfAny } from '../../core/validation';
import { CohortV1Beta2, ResourceFlavorV1Beta2, WorkloadPriorityClassV1Beta2 } from '../../imports/kueue.x-k8s.io';

/** Properties of {@link GpuQueues}. */
export interface GpuQueuesProps extends KueueClusterOptions {
  /**
   * The cluster's PriorityClasses: each gets a Kueue WorkloadPriorityClass of the same name and value,
   * so a job's place in the queue follows the class its pods run with (label `kueue.x-k8s.io/priority-class`).
   * @default - none
   */
  readonly priorityClasses?: PriorityClassSpec[];
}

// The app's GpuQueues, marked on its root construct as the tenancy guard is: tenants find their flavors there.
const GPU_QUEUES_OF_APP = Symbol.for('cdk8s-kubeflow-tenancy.GpuQueues');

/** On every flavor, cohort and priority class: what the tenancy guard keeps as Git wrote it. */
const MARK = { [GPU_QUEUES_LABEL]: 'true' };

/** The ClusterRole that lets Kubeflow contributors see their queue and why a job waits. */
export const KUEUE_VIEW_ROLE = 'kubeflow-kueue-view';

/**
 * What Kueue needs once per cluster: a ResourceFlavor per GPU type, the Cohort tree, and a
 * ClusterRole aggregated into Kubeflow's `kubeflow-view` and `kubeflow-edit`, so a tenant's members
 * can read their LocalQueue and Workloads (Kueue's own viewer roles aggregate into its
 * `batch-user-role`/`batch-admin-role`, which Kubeflow contributors do not hold).
 */
export class GpuQueues extends Construct {
  /** The GPU queues of the app `scope` belongs to, if it declares them. */
  public static of(scope: IConstruct): GpuQueues | undefined {
    const queues: unknown = Reflect.get(scope.node.root, GPU_QUEUES_OF_APP);
    return queues instanceof GpuQueues ? queues : undefined;
  }

  /** The flavors, cohorts and resources, as declared: what each tenant's queue is checked against. */
  public readonly options: KueueClusterOptions;
  /** The PriorityClasses each written as a WorkloadPriorityClass of the same name, with their values. */
  public readonly priorityClassValues: { [name: string]: number };

  constructor(scope: Construct, id: string, props: GpuQueuesProps) {
    super(scope, id);
    const other = GpuQueues.of(this);
    const problems = inCluster(kueueClusterProblems(props));
    if (other) problems.push({ field: 'cluster.kueue', message: `the app already declares GPU queues (${other.node.path})`, fix: 'keep one GpuQueues per app' });
    // Each class becomes a construct named after it: names are checked before they are used.
    problems.push(...priorityClassProblems(props.priorityClasses ?? []).map(message => ({ field: 'cluster.priorityClasses', message })));
    this.options = props;
    this.priorityClassValues = Object.fromEntries((props.priorityClasses ?? []).map(c => [c.name, c.value]));
    // Marked even when invalid: the tenants then check their queues against these flavors and report
    // their own problems, instead of all reading "the app declares no GPU flavors".
    if (!other) Object.defineProperty(this.node.root, GPU_QUEUES_OF_APP, { value: this, enumerable: false });
    throwIfAny(problems);
    for (const flavor of props.flavors) {
      new ResourceFlavorV1Beta2(this, `ResourceFlavor-${flavor.name}`, {
        metadata: { name: flavor.name, labels: MARK },
        spec: {
          nodeLabels: flavor.nodeLabels,
          nodeTaints: flavor.nodeTaints?.map(t => ({ key: t.key, value: t.value, effect: t.effect })),
          // A toleration without a value tolerates any value of the key (operator Exists).
          tolerations: flavor.tolerations?.map(t => (t.value === undefined
            ? { key: t.key, operator: 'Exists', effect: t.effect }
            : { key: t.key, operator: 'Equal', value: t.value, effect: t.effect })),
        },
      });
    }
    for (const priority of props.priorityClasses ?? []) {
      new WorkloadPriorityClassV1Beta2(this, `WorkloadPriorityClass-${priority.name}`, {
        metadata: { name: priority.name, labels: MARK }, value: priority.value, description: priority.description,
      });
    }
    for (const cohort of props.cohorts ?? []) {
      new CohortV1Beta2(this, `Cohort-${cohort.name}`, { metadata: { name: cohort.name, labels: MARK }, spec: cohort.parent === undefined ? {} : { parentName: cohort.parent } });
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
