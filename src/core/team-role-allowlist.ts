/**
 * What a team role may grant without a stated reason: reading any namespaced resource, and
 * writing only the workload resources listed here, with the standard verbs. Everything else a
 * rule grants (writing RBAC, admission and webhook objects, Istio networking and security,
 * CRDs, the Namespace, quotas, Endpoints, service-account tokens; verbs such as `bind`,
 * `escalate`, `impersonate`, `approve`; wildcards) is an escalation: it is refused unless the
 * role sets `allowEscalation` with an `escalationReason`, and the access report lists it.
 * An allowlist: a resource nobody listed is an escalation until someone decides it is not.
 */

/** The Role annotation that records why a team role may escalate (shown by the access report). */
export const ESCALATION_REASON_ANNOTATION = 'kf-tenancy.io/escalation-reason';

/** Verbs that only read. */
export const READ_VERBS = ['get', 'list', 'watch'];
/** Verbs that write, which a listed resource may be granted. */
export const WRITE_VERBS = ['create', 'update', 'patch', 'delete', 'deletecollection'];

/**
 * Resources a team may write in its own namespace, by API group: its workloads, their services
 * and storage, and Kubeflow's, KServe's, Knative's, Argo's and Ray's ML objects. Secrets are here
 * too; writing them also needs `allowSecretWrites`.
 */
export const WRITABLE_RESOURCES: Readonly<Record<string, readonly string[]>> = {
  '': ['pods', 'pods/exec', 'pods/attach', 'pods/portforward', 'pods/eviction', 'services', 'configmaps', 'secrets',
    'persistentvolumeclaims', 'replicationcontrollers', 'serviceaccounts', 'events'],
  'apps': ['deployments', 'deployments/scale', 'statefulsets', 'statefulsets/scale', 'replicasets', 'replicasets/scale', 'daemonsets', 'controllerrevisions'],
  'batch': ['jobs', 'cronjobs'],
  'autoscaling': ['horizontalpodautoscalers'],
  'policy': ['poddisruptionbudgets'],
  'events.k8s.io': ['events'],
  'kubeflow.org': ['notebooks', 'poddefaults', 'pytorchjobs', 'tfjobs', 'mpijobs', 'xgboostjobs', 'paddlejobs', 'jaxjobs',
    'experiments', 'trials', 'suggestions'],
  'trainer.kubeflow.org': ['trainjobs'],
  'tensorboard.kubeflow.org': ['tensorboards'],
  'pipelines.kubeflow.org': ['pipelines', 'pipelineversions', 'runs', 'recurringruns', 'experiments', 'viewers', 'scheduledworkflows'],
  'serving.kserve.io': ['inferenceservices', 'servingruntimes', 'inferencegraphs', 'trainedmodels'],
  'serving.knative.dev': ['services', 'routes', 'configurations', 'revisions'],
  'argoproj.io': ['workflows', 'workflowtemplates', 'cronworkflows'],
  'ray.io': ['rayclusters', 'rayjobs', 'rayservices'],
  'jobset.x-k8s.io': ['jobsets'],
  'leaderworkerset.x-k8s.io': ['leaderworkersets'],
};

/** One RBAC rule's API groups, resources and verbs. */
export interface RoleRuleShape {
  readonly apiGroups: string[];
  readonly resources: string[];
  readonly verbs: string[];
}

/**
 * What a rule grants beyond the allowlist, each as `verb group/resource` text (or the verb or
 * wildcard alone); empty when everything it grants is allowed without a reason.
 */
export function escalations(rule: RoleRuleShape): string[] {
  const found = new Set<string>();
  const groups = Array.isArray(rule.apiGroups) ? rule.apiGroups : [];
  const resources = Array.isArray(rule.resources) ? rule.resources : [];
  const verbs = Array.isArray(rule.verbs) ? rule.verbs : [];
  for (const verb of verbs) {
    if (READ_VERBS.includes(verb)) continue;
    if (!WRITE_VERBS.includes(verb)) {
      found.add(`${verb} (not a read or write verb: it can grant, assume or approve rights)`);
      continue;
    }
    for (const group of groups) {
      for (const resource of resources) {
        if (!(WRITABLE_RESOURCES[group] ?? []).includes(resource)) found.add(`${verb} ${group === '' ? 'core' : group}/${resource}`);
      }
    }
  }
  return [...found].sort();
}
