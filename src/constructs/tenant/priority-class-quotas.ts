import { k8s } from 'cdk8s-plus-28';
import { Construct } from 'constructs';
import { TenantPriorityClassOptions, tenantPriorityProblems } from '../../core/priority-classes';
import { throwIfAny } from '../../core/validation';

/** Properties of {@link TenantPriorityClassQuotas}. */
export interface TenantPriorityClassQuotasProps extends TenantPriorityClassOptions {
  /** The tenant namespace. */
  readonly namespace: string;
}

/**
 * ResourceQuotas scoped by PriorityClass: zero pods for denied classes, a pod
 * limit for allowed classes that have one.
 */
export class TenantPriorityClassQuotas extends Construct {
  constructor(scope: Construct, id: string, props: TenantPriorityClassQuotasProps) {
    super(scope, id);
    // A TenantProfile checks these with the rest of the tenant, all errors at once.
    throwIfAny(tenantPriorityProblems(props));
    const quota = (name: string, pods: string) => new k8s.KubeResourceQuota(this, name, {
      metadata: { name: `priority-class-${name}`, namespace: props.namespace },
      spec: {
        hard: { pods: k8s.Quantity.fromString(pods) },
        scopeSelector: { matchExpressions: [{ scopeName: 'PriorityClass', operator: 'In', values: [name] }] },
      },
    });
    for (const name of [...(props.denied ?? [])].sort()) quota(name, '0');
    for (const [name, pods] of Object.entries(props.maxPods ?? {}).sort()) quota(name, String(pods));
  }
}
