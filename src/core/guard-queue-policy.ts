/**
 * The tenancy guard's policy for Kueue queues: what keeps each tenant on its own ClusterQueue, with
 * the quota and priorities Git declares, after apply. LocalQueues and Workloads are namespaced and
 * scoped like the other policies; ClusterQueues, Cohorts, ResourceFlavors and WorkloadPriorityClasses
 * are cluster-scoped, so those rules key on the labels the output writes on them.
 */
import {
  admissionPolicy, annotationList, breakGlassAudit, celList, celString, exemptionVariables, PULL_REQUEST_HINT, ResolvedGuardSettings,
  TENANT_NAMESPACES,
} from './guard-cel';
import { GUARD_ANNOTATIONS, TENANT_LABEL } from './guard-parameters';
import { GPU_QUEUES_LABEL } from './kueue-options';
import { WrittenManifest } from './manifest';

/** The guard's policy for Kueue queues, written only when the app has GPU queues. */
export const GUARD_QUEUES_POLICY = 'kf-tenancy-guard-queues';

interface Validation { expression: string; reason: string; messageExpression: string }

const RULE = ` + " (rule ${GUARD_QUEUES_POLICY}). ${PULL_REQUEST_HINT}"`;
const TENANT = celString(TENANT_LABEL);
/** `o` carries the tenant label: a tenant's ClusterQueue. */
const labelled = (o: string) => `${o} != null && has(${o}.metadata.labels) && ${TENANT} in ${o}.metadata.labels`;
/** `o` carries the label GpuQueues writes on the cluster's flavors, cohorts and priority classes. */
const marked = (o: string) => `${o} != null && has(${o}.metadata.labels) && ${celString(GPU_QUEUES_LABEL)} in ${o}.metadata.labels`;
/** A CEL map literal from names to whole numbers. */
const celMap = (values: { readonly [name: string]: number }) => `{${Object.keys(values).sort().map(k => `${celString(k)}: ${values[k]}`).join(', ')}}`;
const forbidden = (expression: string, messageExpression: string): Validation => ({ expression, reason: 'Forbidden', messageExpression });

/**
 * A LocalQueue in a tenant namespace feeds one of the ClusterQueues the tenant's own LocalQueues
 * feed as written (its own, named after it); a tenant without a queue may have none.
 */
function localQueueRule(): Validation {
  return forbidden('variables.exempt || request.resource.resource != "localqueues" || (has(object.spec.clusterQueue) && object.spec.clusterQueue in variables.ownQueues)',
    '"tenant \\"" + request.namespace + "\\": LocalQueue \\"" + object.metadata.name + "\\" may feed only "'
    + ' + (size(variables.ownQueues) == 0 ? "no ClusterQueue: the tenant has no GPU queue" : "ClusterQueue \\"" + variables.ownQueues.join("\\", \\"") + "\\"")' + RULE);
}

/**
 * A tenant's ClusterQueue comes from Git alone: it keeps its label (so it can be neither deleted and
 * made again unlabelled, nor unlabelled and then widened), selects only its namespace, and keeps its
 * spec; none is made by hand.
 */
function clusterQueueRules(): Validation[] {
  const nameLabel = celString('kubernetes.io/metadata.name');
  // Exactly `matchLabels: {kubernetes.io/metadata.name: <tenant>}`: no other label, no expressions.
  const ownSelector = 'has(object.spec.namespaceSelector) && !has(object.spec.namespaceSelector.matchExpressions)'
    + ' && has(object.spec.namespaceSelector.matchLabels) && size(object.spec.namespaceSelector.matchLabels) == 1'
    + ` && ${nameLabel} in object.spec.namespaceSelector.matchLabels`
    + ` && object.spec.namespaceSelector.matchLabels[${nameLabel}] == object.metadata.labels[${TENANT}]`;
  const queue = 'variables.exempt || request.resource.resource != "clusterqueues"';
  const named = (o: string) => `"ClusterQueue \\"" + ${o}.metadata.name + "\\" of tenant \\"" + ${o}.metadata.labels[${TENANT}] + "\\"`;
  return [
    // On DELETE `object` is null.
    forbidden(`${queue} || !(${labelled('oldObject')}) || (${labelled('object')} && object.metadata.labels[${TENANT}] == oldObject.metadata.labels[${TENANT}])`,
      `${named('oldObject')} may not be deleted or lose its tenant label"${RULE}`),
    forbidden(`${queue} || !(${labelled('object')}) || (${ownSelector})`, `${named('object')} must select only that namespace"${RULE}`),
    // Kueue's controller changes a ClusterQueue's finalizers and status, never what its spec says; it
    // writes the whole object back in its own spelling of quantities ("2.5" as "2500m"), so it may.
    forbidden(`${queue} || request.operation != "UPDATE" || !(${labelled('oldObject')}) || object.spec == oldObject.spec || variables.kueue`,
      `${named('oldObject')}: its quota, limits and cohort change only from Git"${RULE}`),
    forbidden(`${queue} || request.operation != "CREATE" || !(${labelled('object')})`, `${named('object')} is made only from Git"${RULE}`),
  ];
}

/**
 * A Workload in a tenant namespace takes its priority from no class the tenant's pods may not use
 * (Kueue reads a job's `kueue.x-k8s.io/priority-class` label, which no pod quota sees). Checked on
 * creation and when an update changes the class: Kueue updates its Workloads (finalizers, status)
 * for as long as they exist, and one made before a class was denied must still be able to finish.
 */
function workloadRules(values: { readonly [name: string]: number }): Validation[] {
  const known = Object.keys(values).sort();
  // v1beta2 names the class in priorityClassRef (a WorkloadPriorityClass or PriorityClass of that name); v1beta1 in priorityClassName.
  const classOf = (o: string) => `(has(${o}.spec.priorityClassRef) ? ${o}.spec.priorityClassRef.name`
    + ` : (has(${o}.spec.priorityClassName) ? ${o}.spec.priorityClassName : ""))`;
  const workloadClass = classOf('object');
  // With the catalog's classes known, an allowlist: one of them (or none) and not denied to the tenant;
  // system-node-critical or a class made by hand would otherwise put the tenant ahead of everyone.
  const allowed = known.length === 0 ? `!(${workloadClass} in variables.deniedClasses)`
    : `(${workloadClass} == "" || (${workloadClass} in ${celList([...known])} && !(${workloadClass} in variables.deniedClasses)))`;
  const byClass = forbidden('variables.exempt || request.resource.resource != "workloads"'
    + ` || (request.operation == "UPDATE" && ${workloadClass} == ${classOf('oldObject')}) || ${allowed}`,
  '"tenant \\"" + request.namespace + "\\": Workload \\"" + object.metadata.name + "\\" may not take priority class \\"" + '
    + `${workloadClass} + "\\", which the tenant's pods may not use"${RULE}`);
  if (known.length === 0) return [byClass];
  // A Workload's priority is its class's value (Kueue copies it) or none; only Kueue's controller changes it.
  const value = '(has(object.spec.priority) ? object.spec.priority : 0)';
  const classValue = `(${workloadClass} == "" ? 0 : (${workloadClass} in ${celMap(values)} ? ${celMap(values)}[${workloadClass}] : -1))`;
  // `subResource` is absent from the request when empty.
  const status = '(has(request.subResource) && request.subResource == "status")';
  const byValue = forbidden(`variables.exempt || variables.kueue || request.resource.resource != "workloads" || ${status} || ${value} == ${classValue}`,
    '"tenant \\"" + request.namespace + "\\": Workload \\"" + object.metadata.name + "\\" has priority " + string(' + value + ') + ", not its class\'s "'
    + ` + string(${classValue})${RULE}`);
  // Admission is Kueue's to write: a status written by anyone else could start a job without quota, or charge another queue.
  const admission = forbidden(`variables.exempt || variables.kueue || request.resource.resource != "workloads" || !${status}`,
    '"tenant \\"" + request.namespace + "\\": the status of Workload \\"" + object.metadata.name + "\\" (its admission) is written by Kueue alone"' + RULE);
  return [byClass, byValue, admission];
}

/**
 * The cluster's flavors, cohorts and priority classes change only from Git, and no ClusterQueue or
 * Cohort made by hand joins the catalog's cohorts: either would add quota the tenants could borrow,
 * or change what they are guaranteed, outside the catalog.
 */
function clusterObjectRules(cohorts: readonly string[]): Validation[] {
  const kinds = celList(['cohorts', 'resourceflavors', 'workloadpriorityclasses']);
  const unchanged = 'request.resource.resource == "workloadpriorityclasses" ? object.value == oldObject.value : object.spec == oldObject.spec';
  // A spec is optional in both CRDs; requests in v1beta1 arrive converted (matchPolicy Equivalent).
  // (`cohort` is v1beta1's name for it, should a request arrive unconverted.)
  const joined = '(!has(object.spec) ? "" : request.resource.resource == "clusterqueues"'
    + ' ? (has(object.spec.cohortName) ? object.spec.cohortName : (has(object.spec.cohort) ? object.spec.cohort : ""))'
    + ' : (has(object.spec.parentName) ? object.spec.parentName : ""))';
  return [
    forbidden(`variables.exempt || !(request.resource.resource in ${kinds}) || !(${marked('oldObject')})`
      + ` || (request.operation == "UPDATE" && ${marked('object')} && (${unchanged} || variables.kueue))`,
    `request.kind.kind + " \\"" + oldObject.metadata.name + "\\" is written from the tenants catalog; it changes only from Git"${RULE}`),
    // A tenant's ClusterQueue and the catalog's own cohorts come from Git (the rules above keep them as written).
    forbidden(`variables.exempt || !(request.resource.resource in ${celList(['clusterqueues', 'cohorts'])}) || object == null`
      // A tenant's ClusterQueue, or one of the catalog's cohorts, as already written (the rules above keep them so).
      + ` || !(${joined} in ${celList([...cohorts])}) || (request.resource.resource == "clusterqueues" ? ${labelled('oldObject')} : ${marked('oldObject')})`,
    `request.kind.kind + " \\"" + object.metadata.name + "\\" may not join cohort \\"" + ${joined} + "\\", which the tenants catalog declares"${RULE}`),
  ];
}

/** The policy: every rule above, in one ValidatingAdmissionPolicy. */
export function queuesPolicy(settings: ResolvedGuardSettings): WrittenManifest {
  const cluster = ['cohorts', 'resourceflavors', 'workloadpriorityclasses'];
  return admissionPolicy(GUARD_QUEUES_POLICY,
    'A LocalQueue in a tenant namespace uses the tenant\'s own ClusterQueue, which selects only the tenant\'s namespace and changes only from Git; '
    + 'a Workload takes no priority the tenant\'s pods may not have; the GPU flavors, cohorts and priority classes change only from Git.', {
      matchConstraints: {
        // Namespaced LocalQueues and Workloads in tenant namespaces; a namespace selector never skips cluster-scoped objects.
        namespaceSelector: TENANT_NAMESPACES,
        // Requests in another version (Kueue still serves v1beta1, where a cohort is `spec.cohort`) are converted to v1beta2 first.
        matchPolicy: 'Equivalent',
        resourceRules: [
          { apiGroups: ['kueue.x-k8s.io'], apiVersions: ['v1beta2'], operations: ['CREATE', 'UPDATE'], resources: ['localqueues', 'workloads'] },
          { apiGroups: ['kueue.x-k8s.io'], apiVersions: ['v1beta2'], operations: ['UPDATE'], resources: ['workloads/status'] },
          { apiGroups: ['kueue.x-k8s.io'], apiVersions: ['v1beta2'], operations: ['CREATE', 'UPDATE', 'DELETE'], resources: ['clusterqueues', ...cluster] },
        ],
      },
      // Variables are evaluated only when used: namespaceObject is read for Workloads alone.
      variables: [
        ...exemptionVariables(settings),
        { name: 'deniedClasses', expression: annotationList(GUARD_ANNOTATIONS.deniedPriorityClasses) },
        { name: 'ownQueues', expression: annotationList(GUARD_ANNOTATIONS.clusterQueues) },
        { name: 'kueue', expression: `request.userInfo.username == ${celString(settings.kueueIdentity ?? '')}` },
      ],
      validations: [
        localQueueRule(), ...clusterQueueRules(), ...workloadRules(settings.workloadClasses ?? {}), ...clusterObjectRules(settings.cohorts ?? []),
      ],
      auditAnnotations: breakGlassAudit(GUARD_QUEUES_POLICY),
    });
}
