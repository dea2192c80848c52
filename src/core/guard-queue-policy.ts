/**
 * The tenancy guard's policy for Kueue queues: what keeps each tenant on its own ClusterQueue, with
 * the quota and priorities Git declares, after apply. LocalQueues and Workloads are namespaced and
 * scoped like the other policies; ClusterQueues are cluster-scoped, so those rules key on the tenant
 * label the output writes on them.
 */
import {
  admissionPolicy, annotationList, breakGlassAudit, celString, exemptionVariables, PULL_REQUEST_HINT, ResolvedGuardSettings, TENANT_NAMESPACES,
} from './guard-cel';
import { GUARD_ANNOTATIONS, TENANT_LABEL } from './guard-parameters';
import { WrittenManifest } from './manifest';

/** The guard's policy for Kueue queues, written only when the app has GPU queues. */
export const GUARD_QUEUES_POLICY = 'kf-tenancy-guard-queues';

/**
 * Kueue queues stay each tenant's own: a LocalQueue in a tenant namespace uses the ClusterQueue named
 * after the tenant (as TenantQueue writes it); a tenant's ClusterQueue selects only its namespace,
 * keeps its tenant label (so it can be neither deleted and made again unlabelled, nor unlabelled
 * and then widened) and its spec (quota, limits, cohort) unless the change comes from Git; and a
 * Workload in a tenant namespace takes its priority from no class the tenant's pods may not use
 * (Kueue reads a job's `kueue.x-k8s.io/priority-class` label, which no pod quota sees).
 */
export function queuesPolicy(settings: ResolvedGuardSettings): WrittenManifest {
  const label = celString(TENANT_LABEL);
  const labelled = (o: string) => `${o} != null && has(${o}.metadata.labels) && ${label} in ${o}.metadata.labels`;
  // Exactly `matchLabels: {kubernetes.io/metadata.name: <tenant>}`: no other label, no expressions.
  const nameLabel = celString('kubernetes.io/metadata.name');
  const ownSelector = 'has(object.spec.namespaceSelector) && !has(object.spec.namespaceSelector.matchExpressions)'
    + ' && has(object.spec.namespaceSelector.matchLabels) && size(object.spec.namespaceSelector.matchLabels) == 1'
    + ` && ${nameLabel} in object.spec.namespaceSelector.matchLabels`
    + ` && object.spec.namespaceSelector.matchLabels[${nameLabel}] == object.metadata.labels[${label}]`;
  const rule = ` + " (rule ${GUARD_QUEUES_POLICY}). ${PULL_REQUEST_HINT}"`;
  // v1beta2 names the class in priorityClassRef (a WorkloadPriorityClass or PriorityClass of that name); v1beta1 in priorityClassName.
  const classOf = (o: string) => `(has(${o}.spec.priorityClassRef) ? ${o}.spec.priorityClassRef.name`
    + ` : (has(${o}.spec.priorityClassName) ? ${o}.spec.priorityClassName : ""))`;
  const workloadClass = classOf('object');
  return admissionPolicy(GUARD_QUEUES_POLICY,
    'A LocalQueue in a tenant namespace uses the tenant\'s own ClusterQueue, which selects only the tenant\'s namespace and changes only from Git; '
    + 'a Workload takes no priority the tenant\'s pods may not have.', {
      matchConstraints: {
        // Namespaced LocalQueues in tenant namespaces; a namespace selector never skips cluster-scoped ClusterQueues.
        namespaceSelector: TENANT_NAMESPACES,
        resourceRules: [
          { apiGroups: ['kueue.x-k8s.io'], apiVersions: ['*'], operations: ['CREATE', 'UPDATE'], resources: ['localqueues'] },
          { apiGroups: ['kueue.x-k8s.io'], apiVersions: ['*'], operations: ['CREATE', 'UPDATE', 'DELETE'], resources: ['clusterqueues'] },
          { apiGroups: ['kueue.x-k8s.io'], apiVersions: ['*'], operations: ['CREATE', 'UPDATE'], resources: ['workloads'] },
        ],
      },
      // Variables are evaluated only when used: namespaceObject is read for Workloads alone.
      variables: [...exemptionVariables(settings), { name: 'deniedClasses', expression: annotationList(GUARD_ANNOTATIONS.deniedPriorityClasses) }],
      validations: [
        {
          expression: 'variables.exempt || request.resource.resource != "localqueues" || object.spec.clusterQueue == request.namespace',
          reason: 'Forbidden',
          messageExpression: '"tenant \\"" + request.namespace + "\\": LocalQueue \\"" + object.metadata.name + "\\" must use ClusterQueue \\"" + request.namespace + "\\""' + rule,
        },
        {
          // On DELETE `object` is null: a labelled ClusterQueue cannot be deleted, nor lose or change its label.
          expression: `variables.exempt || request.resource.resource != "clusterqueues" || !(${labelled('oldObject')})`
            + ` || (${labelled('object')} && object.metadata.labels[${label}] == oldObject.metadata.labels[${label}])`,
          reason: 'Forbidden',
          messageExpression: `"ClusterQueue \\"" + oldObject.metadata.name + "\\" of tenant \\"" + oldObject.metadata.labels[${label}] + "\\" may not be deleted or lose its tenant label"${rule}`,
        },
        {
          expression: `variables.exempt || request.resource.resource != "clusterqueues" || !(${labelled('object')}) || (${ownSelector})`,
          reason: 'Forbidden',
          messageExpression: `"ClusterQueue \\"" + object.metadata.name + "\\" of tenant \\"" + object.metadata.labels[${label}] + "\\" must select only that namespace"${rule}`,
        },
        {
          // Kueue's controller changes a ClusterQueue's finalizers and status, never its spec.
          expression: `variables.exempt || request.resource.resource != "clusterqueues" || request.operation != "UPDATE" || !(${labelled('oldObject')})`
            + ' || object.spec == oldObject.spec',
          reason: 'Forbidden',
          messageExpression: `"ClusterQueue \\"" + object.metadata.name + "\\" of tenant \\"" + oldObject.metadata.labels[${label}] + "\\": its quota, limits and cohort change only from Git"${rule}`,
        },
        {
          // On creation, and when an update changes the class: Kueue updates its Workloads (finalizers, status)
          // for as long as they exist, and one made before a class was denied must still be able to finish.
          expression: 'variables.exempt || request.resource.resource != "workloads"'
            + ` || (request.operation == "UPDATE" && ${workloadClass} == ${classOf('oldObject')}) || !(${workloadClass} in variables.deniedClasses)`,
          reason: 'Forbidden',
          messageExpression: '"tenant \\"" + request.namespace + "\\": Workload \\"" + object.metadata.name + "\\" may not take priority class \\"" + '
            + `${workloadClass} + "\\", which the tenant's pods may not use"${rule}`,
        },
      ],
      auditAnnotations: breakGlassAudit(GUARD_QUEUES_POLICY),
    });
}
