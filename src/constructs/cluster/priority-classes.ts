import { k8s } from 'cdk8s-plus-28';
import { Construct } from 'constructs';
import { ML_PRIORITY_CLASSES, priorityClassProblems, PriorityClassSpec } from '../../core/priority-classes';
import { throwIfAny } from '../../core/validation';

/** Properties of {@link PriorityClasses}. */
export interface PriorityClassesProps {
  /**
   * The classes. Use `PriorityClasses.ML_PRESET` for the usual three.
   */
  readonly classes: PriorityClassSpec[];
}

/**
 * Cluster-wide PriorityClasses, so contention between teams is decided by
 * priority, not by who submitted first.
 */
export class PriorityClasses extends Construct {
  /** high-priority-ml 1000000, normal-priority-ml 100000 (global default), low-priority-ml 10000 that preempts nobody. */
  public static readonly ML_PRESET: PriorityClassSpec[] = ML_PRIORITY_CLASSES;

  /** Names of the classes. */
  public readonly names: string[];

  constructor(scope: Construct, id: string, props: PriorityClassesProps) {
    super(scope, id);
    throwIfAny(priorityClassProblems(props.classes));
    this.names = props.classes.map(c => c.name);
    for (const c of props.classes) {
      new k8s.KubePriorityClass(this, c.name, {
        metadata: { name: c.name },
        value: c.value,
        globalDefault: c.globalDefault,
        preemptionPolicy: c.preemptionPolicy,
        description: c.description,
      });
    }
  }
}
