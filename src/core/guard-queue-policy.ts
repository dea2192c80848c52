/**
 * The tenancy guard's policy for Kueue queues: what keeps each tenant on its own ClusterQueue after
 * apply. LocalQueues are namespaced and scoped like the other policies; ClusterQueues are
 * cluster-scoped, so the rule keys on the tenant label the output writes on them.
 */
import { admissionPolicy, breakGlassAudit, celString, exemptionVariables, PULL_REQUEST_HINT, ResolvedGuardSettings, TENANT_NAMESPACES } from './guard-cel';
import { TENANT_LABEL } from './guard-parameters';
import { WrittenManifest } from './manifest';

/** The guard's policy for Kueue queues, written only when the app has GPU queues. */
export const GUARD_QUEUES_POLICY = 'kf-tenancy-guard-queues';

/**
 * Kueue queues stay each tenant's own: a LocalQueue in a tenant namespace uses the ClusterQueue named
 * after the tenant (as TenantQueue writes it); a tenant's ClusterQueue selects only its namespace,
 * and keeps its tenant label (so it can be neither deleted and made again unlabelled, nor unlabelled
 * and then widened) unless the change comes from Git.
 */
export function queuesPolicy(settings: ResolvedGuardSettings): WrittenManifest {
  const label = celString(TENANT_LABEL);
  const labelled = (o: string) => `${o} != null && has(${o}.metadata.labels) && ${label} in ${o}.metadata.labels`;
  // Exactly `matchLabels: {kubernetes.io/metadata.name: <tenant>}`: no other label, no expressions.
  const ownSelector = 'has(object.spec.namespaceSelector) && !has(object.spec.namespaceSelector.matchExpressions)'
    + ' && has(object.spec.namespaceSelector.matchLabels) && size(object.spec.namespaceSelector.matchLabels) == 1'
    + ` && object.spec.namespaceSelector.matchLabels[${celString('kubernetes.io/metadata.name')}] == object.metadata.labels[${label}]`;
  const rule = ` + " (rule ${GUARD_QUEUES_POLICY}). ${PULL_REQUEST_HINT}"`;
  return admissionPolicy(GUARD_QUEUES_POLICY,
    'A LocalQueue in a tenant namespace uses the tenant\'s own ClusterQueue, which selects only the tenant\'s namespace and stays labelled as the tenant\'s.', {
      matchConstraints: {
        // Namespaced LocalQueues in tenant namespaces; a namespace selector never skips cluster-scoped ClusterQueues.
        namespaceSelector: TENANT_NAMESPACES,
        resourceRules: [
          { apiGroups: ['kueue.x-k8s.io'], apiVersions: ['*'], operations: ['CREATE', 'UPDATE'], resources: ['localqueues'] },
          { apiGroups: ['kueue.x-k8s.io'], apiVersions: ['*'], operations: ['CREATE', 'UPDATE', 'DELETE'], resources: ['clusterqueues'] },
        ],
      },
      variables: exemptionVariables(settings),
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
      ],
      auditAnnotations: breakGlassAudit(GUARD_QUEUES_POLICY),
    });
}
