/**
 * The tenancy guard's ValidatingAdmissionPolicies and bindings, as Kubernetes objects.
 *
 * Three policies (a fourth for Kueue queues, guard-queue-policy.ts, when the app has them), each
 * bound once and scoped to namespaces with the tenant label, so their
 * number does not grow with the tenants; what differs per tenant is read from the tenant's
 * Namespace (see guard-parameters.ts). The CEL uses only what kube-apiserver 1.30+ offers
 * (`namespaceObject`, the strings extension's `split` and `join`, `matches`).
 */
import { NAMING_SOURCE_FIELDS } from './allow-rules';
import { CLOUD_IDENTITY_ANNOTATIONS } from './cloud-identity';
import {
  admissionPolicy, annotationList, breakGlassAudit, celList, celString, exemptionVariables, GUARD_API_VERSION, OBJECT_NAME, PULL_REQUEST_HINT,
  ResolvedGuardSettings, TENANT_NAMESPACES,
} from './guard-cel';
import { GUARD_ANNOTATIONS, NAMESPACE_NAME_LABEL, TENANT_LABEL } from './guard-parameters';
import { queuesPolicy } from './guard-queue-policy';
import { OWNER_AUTHORIZATION_POLICY_NAME, RESOURCE_QUOTA_NAME } from './kubeflow-defaults';
import { WrittenManifest } from './manifest';

// Re-exported: the guard's public names stay importable from here.
export { BREAK_GLASS_AUDIT_KEY, celList, celString, GUARD_API_VERSION, ResolvedGuardSettings } from './guard-cel';
export { GUARD_QUEUES_POLICY } from './guard-queue-policy';

/** The guard's policy names; each is also the rule named in its messages. */
export const GUARD_POLICY = {
  members: 'kf-tenancy-guard-members',
  managedObjects: 'kf-tenancy-guard-managed-objects',
  openAccess: 'kf-tenancy-guard-open-access',
} as const;

/** Users and groups of RoleBindings must be declared for the tenant. */
function membersPolicy(settings: ResolvedGuardSettings): WrittenManifest {
  const platformUsers = celList(settings.platformUsers);
  const platformGroups = celList(settings.platformGroups);
  const declared = [
    's.kind == "User" ? (s.name in variables.users || s.name in variables.platformUsers',
    '  || s.name.startsWith("system:serviceaccount:" + request.namespace + ":"))',
    ': s.kind == "Group" ? (s.name in variables.groups || s.name in variables.platformGroups',
    '  || s.name == "system:serviceaccounts:" + request.namespace)',
    ': s.kind == "ServiceAccount" ? (!has(s.namespace) || s.namespace == "" || s.namespace == request.namespace',
    '  || ("system:serviceaccount:" + s.namespace + ":" + s.name) in variables.platformUsers)',
    ': false',
  ].join('\n');
  return admissionPolicy(GUARD_POLICY.members,
    'RoleBindings in a tenant namespace may bind only the identities the tenant declares.', {
      matchConstraints: {
        namespaceSelector: TENANT_NAMESPACES,
        resourceRules: [{ apiGroups: ['rbac.authorization.k8s.io'], apiVersions: ['*'], operations: ['CREATE', 'UPDATE'], resources: ['rolebindings'] }],
      },
      variables: [
        ...exemptionVariables(settings),
        { name: 'users', expression: annotationList(GUARD_ANNOTATIONS.users) },
        { name: 'groups', expression: annotationList(GUARD_ANNOTATIONS.groups) },
        { name: 'platformUsers', expression: platformUsers },
        { name: 'platformGroups', expression: platformGroups },
        { name: 'undeclared', expression: `has(object.subjects) ? object.subjects.filter(s, !(${declared})) : []` },
      ],
      validations: [{
        expression: 'variables.exempt || size(variables.undeclared) == 0',
        reason: 'Forbidden',
        messageExpression: '"tenant \\"" + request.namespace + "\\": RoleBinding \\"" + object.metadata.name + "\\" binds "'
          + ' + variables.undeclared.map(s, s.kind + " \\"" + (s.kind == "ServiceAccount" && has(s.namespace) && s.namespace != "" ? s.namespace + "/" : "") + s.name + "\\"").join(", ")'
          + ` + ", which the tenant does not declare (rule ${GUARD_POLICY.members}). Members come from the tenants catalog: `
          + 'add the member there and open a pull request; the GitOps identity applies the binding."',
      }],
      auditAnnotations: breakGlassAudit(GUARD_POLICY.members),
    });
}

/** What was written for a tenant may be changed or deleted only by the GitOps identity. */
function managedObjectsPolicy(settings: ResolvedGuardSettings): WrittenManifest {
  const controller = settings.profileControllerIdentity === undefined ? 'false'
    : `request.userInfo.username == ${celString(settings.profileControllerIdentity)} && request.name in ${celList([OWNER_AUTHORIZATION_POLICY_NAME, RESOURCE_QUOTA_NAME])}`;
  return admissionPolicy(GUARD_POLICY.managedObjects,
    'The NetworkPolicies, LimitRanges, ResourceQuotas and AuthorizationPolicies written for a tenant change only through Git.', {
      matchConstraints: {
        namespaceSelector: TENANT_NAMESPACES,
        resourceRules: [
          { apiGroups: [''], apiVersions: ['*'], operations: ['UPDATE', 'DELETE'], resources: ['limitranges', 'resourcequotas'] },
          { apiGroups: ['networking.k8s.io'], apiVersions: ['*'], operations: ['UPDATE', 'DELETE'], resources: ['networkpolicies'] },
          { apiGroups: ['security.istio.io'], apiVersions: ['*'], operations: ['UPDATE', 'DELETE'], resources: ['authorizationpolicies'] },
        ],
      },
      variables: [
        ...exemptionVariables(settings),
        { name: 'managed', expression: annotationList(GUARD_ANNOTATIONS.managed) },
        // Kubeflow's profile controller rewrites the two objects it derives from the Profile.
        { name: 'profileController', expression: controller },
        // The namespace controller empties a namespace being deleted (GitOps pruned the tenant).
        { name: 'terminating', expression: 'has(namespaceObject.metadata.deletionTimestamp)' },
      ],
      validations: [{
        expression: 'variables.exempt || variables.profileController || variables.terminating '
          + '|| !((request.kind.kind + "/" + request.name) in variables.managed)',
        reason: 'Forbidden',
        messageExpression: '"tenant \\"" + request.namespace + "\\": " + request.kind.kind + " \\"" + request.name + "\\" is written from the tenants catalog; "'
          + ' + (request.operation == "DELETE" ? "deleting" : "changing") + " it is refused for " + request.userInfo.username'
          + ` + " (rule ${GUARD_POLICY.managedObjects}). ${PULL_REQUEST_HINT}"`,
      }],
      auditAnnotations: breakGlassAudit(GUARD_POLICY.managedObjects),
    });
}

/** CEL: an ipBlock as the guard's `ip-blocks` parameter lists it (`ipBlockText` in guard-parameters.ts). */
const IP_BLOCK_TEXT = (b: string) => `(${b}.cidr + (has(${b}.except) && size(${b}.except) > 0 ? " except " + ${b}.except.join(",") : ""))`;

/** CEL: principal `p` is a service account of the request's own namespace. */
const OWN_PRINCIPAL = (p: string) => `${p}.matches("^[^/*]+/ns/" + request.namespace + "/sa/[^/*]+$")`;
/** CEL: service account `a` (`ns/name`, Istio's serviceAccounts field) is in the request's own namespace. */
const OWN_SERVICE_ACCOUNT = (a: string) => `${a}.matches("^" + request.namespace + "/[^/*]+$")`;

/**
 * An ALLOW rule must name identities, and only identities the tenant's own policies name: the
 * allowlist of core/allow-rules.ts (`classifyAllowRule`) in CEL, with the tenant's own sources
 * standing in for the auth settings (`proxy:` principals forward users).
 */
function authorizationRuleOk(): string {
  const S = 'variables.sources';
  const anySource = (p: string) => `(${OWN_PRINCIPAL(p)} || ("principal:" + ${p}) in ${S} || ("proxy:" + ${p}) in ${S})`;
  const actsForItself = (p: string) => `(${OWN_PRINCIPAL(p)} || ("principal:" + ${p}) in ${S})`;
  const allowedNamespace = (n: string) => `(${n} == request.namespace || ("namespace:" + ${n}) in ${S})`;
  const identityCondition = 'c.key in variables.identityHeaders';
  const sourceCondition = 'c.key in ["source.principal", "source.namespace"]';
  // Sources name workloads only by principal, namespace or service account (no exclusions, addresses or tokens),
  // and every condition lists the values it admits (no notValues).
  const naming = [
    `(!has(r.from) || r.from.all(f, has(f.source) && size(f.source) > 0 && f.source.all(k, k in ${celList([...NAMING_SOURCE_FIELDS])})))`,
    '&& (!has(r.when) || r.when.all(c, !has(c.notValues) && has(c.values) && size(c.values) > 0))',
  ].join('\n');
  // Every source and condition that names an identity names an allowed one...
  const namesAllowed = [
    '(!has(r.from) || r.from.all(f,',
    `  (!has(f.source.principals) || f.source.principals.all(p, ${anySource('p')}))`,
    `  && (!has(f.source.namespaces) || f.source.namespaces.all(n, ${allowedNamespace('n')}))`,
    `  && (!has(f.source.serviceAccounts) || f.source.serviceAccounts.all(a, ${OWN_SERVICE_ACCOUNT('a')}))))`,
    `&& (!has(r.when) || r.when.all(c, !(${identityCondition}) || c.values.all(v, (c.key + "=" + v) in variables.headerValues)))`,
    `&& (!has(r.when) || r.when.all(c, !(${sourceCondition})`,
    `  || c.values.all(v, c.key == "source.namespace" ? ${allowedNamespace('v')} : ${anySource('v')})))`,
  ].join('\n');
  // ...and it restricts who is admitted: a user or group sent by a proxy (only a proxy sets the
  // identity headers), or a workload acting for itself.
  const restricted = [
    `(has(r.when) && r.when.exists(c, ${identityCondition})`,
    '  && has(r.from) && size(r.from) > 0 && r.from.all(f, f.source.all(k, k == "principals") && size(f.source.principals) > 0',
    `    && f.source.principals.all(p, ("proxy:" + p) in ${S})))`,
    `|| ((!has(r.when) || !r.when.exists(c, ${identityCondition})) && (`,
    '  (has(r.from) && size(r.from) > 0 && r.from.all(f, (',
    `    (has(f.source.principals) && size(f.source.principals) > 0 && f.source.principals.all(p, ${actsForItself('p')}))`,
    '    || (has(f.source.namespaces) && size(f.source.namespaces) > 0 && f.source.namespaces.all(n, n == request.namespace))',
    `    || (has(f.source.serviceAccounts) && size(f.source.serviceAccounts) > 0 && f.source.serviceAccounts.all(a, ${OWN_SERVICE_ACCOUNT('a')})))))`,
    `  || (has(r.when) && r.when.exists(c, ${sourceCondition}`,
    `    && c.values.all(v, c.key == "source.namespace" ? v == request.namespace : ${actsForItself('v')})))))`,
  ].join('\n');
  return `(${naming})\n&& (${namesAllowed})\n&& (${restricted})`;
}

/**
 * A NetworkPolicy peer's namespace selector must not be able to select another tenant's namespace:
 * the tenant's own name, a label set its own policies use in the same direction (`dir`, a CEL
 * string), or any selector that excludes tenants.
 */
function namespaceSelectorOk(sel: string, dir: string): string {
  return [
    `(has(${sel}.matchLabels) && ((${celString(NAMESPACE_NAME_LABEL)} in ${sel}.matchLabels && ${sel}.matchLabels[${celString(NAMESPACE_NAME_LABEL)}] == request.namespace)`,
    `  || variables.namespaceSelectors.exists(line, line.startsWith(${dir} + ":") && line.substring(size(${dir}) + 1).split(",").all(pair, size(pair.split("=")) == 2`,
    `    && pair.split("=")[0] in ${sel}.matchLabels && ${sel}.matchLabels[pair.split("=")[0]] == pair.split("=")[1]))))`,
    `|| (has(${sel}.matchExpressions) && ${sel}.matchExpressions.exists(e, e.key == ${celString(TENANT_LABEL)} && e.operator == "DoesNotExist"))`,
  ].join('\n');
}

/** The variables of the open-access policy: exemptions, the tenant's declared parameters, and the peers and rules under review. */
function openAccessVariables(settings: ResolvedGuardSettings): Array<{ name: string; expression: string }> {
  const controller = settings.profileControllerIdentity === undefined ? 'false'
    : `request.userInfo.username == ${celString(settings.profileControllerIdentity)} && (${OBJECT_NAME}) == ${celString(OWNER_AUTHORIZATION_POLICY_NAME)}`;
  return [
    ...exemptionVariables(settings),
    { name: 'profileController', expression: controller },
    { name: 'cloudIdentities', expression: annotationList(GUARD_ANNOTATIONS.cloudIdentities) },
    { name: 'identityHeaders', expression: annotationList(GUARD_ANNOTATIONS.identityHeaders) },
    { name: 'headerValues', expression: annotationList(GUARD_ANNOTATIONS.headerValues) },
    { name: 'sources', expression: annotationList(GUARD_ANNOTATIONS.sources) },
    { name: 'namespaceSelectors', expression: annotationList(GUARD_ANNOTATIONS.namespaceSelectors) },
    { name: 'ipBlocks', expression: annotationList(GUARD_ANNOTATIONS.ipBlocks) },
    {
      name: 'allowRules',
      expression: 'request.kind.kind == "AuthorizationPolicy" && has(object.spec) && (!has(object.spec.action) || object.spec.action == "ALLOW")'
        + ' && has(object.spec.rules) ? object.spec.rules : []',
    },
    {
      // One list of peers per rule, per direction; an empty list admits every peer.
      name: 'ingressPeers',
      expression: 'request.kind.kind == "NetworkPolicy" && has(object.spec) && has(object.spec.ingress)'
        + ' ? object.spec.ingress.map(r, has(r.from) ? r.from : []) : []',
    },
    {
      name: 'egressPeers',
      expression: 'request.kind.kind == "NetworkPolicy" && has(object.spec) && has(object.spec.egress)'
        + ' ? object.spec.egress.map(r, has(r.to) ? r.to : []) : []',
    },
    { name: 'peerLists', expression: 'variables.ingressPeers + variables.egressPeers' },
  ];
}

/** The open-access policy's checks, one per kind of opening, each with the message that tells a tenant how to ask for it. */
function openAccessValidations(): Array<{ expression: string; reason: string; messageExpression: string }> {
  return [
    {
      expression: `variables.exempt || variables.profileController || variables.allowRules.all(r, ${authorizationRuleOk()})`,
      reason: 'Forbidden',
      messageExpression: `"tenant \\"" + request.namespace + "\\": AuthorizationPolicy \\"" + (${OBJECT_NAME}) + "\\" has an ALLOW rule that admits `
        + 'requests from identities the tenant does not declare: every rule must match declared users or groups in the user-id or groups '
        + 'header, or name only the tenant\'s own service accounts, and may name only the sources the tenant\'s own policies name '
        + `(rule ${GUARD_POLICY.openAccess}). To open access, declare it in the tenants catalog and open a pull request."`,
    },
    {
      expression: `variables.exempt || (variables.ingressPeers.all(peers, size(peers) > 0 && peers.all(p, !has(p.namespaceSelector) || ${namespaceSelectorOk('p.namespaceSelector', '"ingress"')}))`
        + `\n&& variables.egressPeers.all(peers, size(peers) > 0 && peers.all(p, !has(p.namespaceSelector) || ${namespaceSelectorOk('p.namespaceSelector', '"egress"')})))`,
      reason: 'Forbidden',
      messageExpression: `"tenant \\"" + request.namespace + "\\": NetworkPolicy \\"" + (${OBJECT_NAME}) + "\\" has a rule that can reach other tenants' `
        + 'namespaces (a rule without peers, or a namespace selector that other tenants\' namespaces match) '
        + `(rule ${GUARD_POLICY.openAccess}). Select the tenant's own namespace, a namespace its catalog policies name, or exclude tenants `
        + `with matchExpressions [{key: ${TENANT_LABEL}, operator: DoesNotExist}]; to reach another tenant, declare it in the tenants catalog and open a pull request."`,
    },
    {
      // Any spelling of a CIDR is an address range Kubernetes and the CNI may read apart from a
      // reviewer (010.0.0.0/8, ::ffff:a00:0/104): only the ipBlocks written for the tenant pass, to the letter.
      expression: `variables.exempt || variables.peerLists.all(peers, peers.all(p, !has(p.ipBlock) || ${IP_BLOCK_TEXT('p.ipBlock')} in variables.ipBlocks))`,
      reason: 'Forbidden',
      messageExpression: `"tenant \\"" + request.namespace + "\\": NetworkPolicy \\"" + (${OBJECT_NAME}) + "\\" has an ipBlock the tenant's catalog does not declare; `
        + 'on Calico and Cilium an ipBlock over the cluster\'s ranges reaches other tenants\' pods, in any spelling of the range '
        + `(rule ${GUARD_POLICY.openAccess}). Declare the address range in the tenants catalog and open a pull request."`,
    },
    {
      // A ServiceAccount annotated with another tenant's IAM role or GCP service account would give
      // the tenant's pods that identity wherever the cloud side trusts more than one namespace.
      expression: `variables.exempt || request.kind.kind != "ServiceAccount" || !has(object.metadata.annotations) || ${celList(CLOUD_IDENTITY_ANNOTATIONS)}`
        + '.all(k, !(k in object.metadata.annotations) || (k + "=" + object.metadata.annotations[k]) in variables.cloudIdentities)',
      reason: 'Forbidden',
      messageExpression: `"tenant \\"" + request.namespace + "\\": ServiceAccount \\"" + (${OBJECT_NAME}) + "\\" names a cloud identity the tenant does not declare; `
        + 'a cloud identity belongs to one tenant '
        + `(rule ${GUARD_POLICY.openAccess}). Declare it as the tenant's plugin in the tenants catalog and open a pull request."`,
    },
    {
      // An Ingress routes a host and path to the tenant's pods past the mesh gateway's authentication,
      // and may claim another tenant's host or path prefix.
      expression: 'variables.exempt || request.kind.kind != "Ingress"',
      reason: 'Forbidden',
      messageExpression: `"tenant \\"" + request.namespace + "\\": Ingress \\"" + (${OBJECT_NAME}) + "\\" would route traffic to the tenant past the gateway's `
        + 'authentication, or take another tenant\'s host or path '
        + `(rule ${GUARD_POLICY.openAccess}). Expose services through the Kubeflow gateway, or have the GitOps identity apply the route: add it beside the tenants catalog and open a pull request."`,
    },
  ];
}

/** New or changed AuthorizationPolicies and NetworkPolicies may not open a tenant to anyone it does not declare. */
function openAccessPolicy(settings: ResolvedGuardSettings): WrittenManifest {
  return admissionPolicy(GUARD_POLICY.openAccess,
    'AuthorizationPolicies, NetworkPolicies, ServiceAccounts and Ingresses made in a tenant namespace may admit, bind or route only what the tenant declares.', {
      matchConstraints: {
        namespaceSelector: TENANT_NAMESPACES,
        resourceRules: [
          { apiGroups: ['networking.k8s.io'], apiVersions: ['*'], operations: ['CREATE', 'UPDATE'], resources: ['networkpolicies'] },
          { apiGroups: ['security.istio.io'], apiVersions: ['*'], operations: ['CREATE', 'UPDATE'], resources: ['authorizationpolicies'] },
          { apiGroups: [''], apiVersions: ['*'], operations: ['CREATE', 'UPDATE'], resources: ['serviceaccounts'] },
          { apiGroups: ['networking.k8s.io'], apiVersions: ['*'], operations: ['CREATE', 'UPDATE'], resources: ['ingresses'] },
        ],
      },
      variables: openAccessVariables(settings),
      validations: openAccessValidations(),
      auditAnnotations: breakGlassAudit(GUARD_POLICY.openAccess),
    });
}

/** The guard's policies and one binding for each, in a stable order. */
export function guardManifests(settings: ResolvedGuardSettings): WrittenManifest[] {
  const policies = [membersPolicy(settings), managedObjectsPolicy(settings), openAccessPolicy(settings)];
  if (settings.queues) policies.push(queuesPolicy(settings));
  const bindings = policies.map(p => ({
    apiVersion: GUARD_API_VERSION,
    kind: 'ValidatingAdmissionPolicyBinding',
    metadata: { name: p.metadata.name },
    spec: { policyName: p.metadata.name, validationActions: [...settings.validationActions] },
  }));
  return [...policies, ...bindings];
}
