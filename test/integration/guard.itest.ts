/**
 * The tenancy guard on the real API server, which evaluates ValidatingAdmissionPolicies itself:
 * every row makes one request as one identity (impersonated) and expects it allowed, refused by
 * the guard with its message, or refused by RBAC before the guard is asked. Then the same
 * refusals with the guard in warn mode go through with a warning.
 */
import * as path from 'path';
import { api, GITOPS, Identity, kubectlOk, PROFILE_CONTROLLER, synthCatalog } from './support/cluster';
import { GUARD_POLICY } from '../../src/core/guard-policies';

const ALPHA = 'guard-alpha';
const BETA = 'guard-beta';
const CATALOG = `
apiVersion: kf-tenancy/v1alpha1
kind: TenantCatalog
cluster:
  profileController: none
  guard: {}
tenants:
  - name: ${ALPHA}
    owner: alice@guard.test
    resourceQuota: {cpu: "8"}
    plugins: [{kind: AwsIamForServiceAccount, awsIamRole: "arn:aws:iam::123456789012:role/guard-alpha"}]
    networkPolicy: {additionalEgress: [{name: partner, cidr: 203.0.113.0/24, ports: [{port: 443}]}, {name: to-obs, namespaceLabels: {team: obs}}]}
    contributors:
      - {name: carol@guard.test, role: edit}
      - {name: dave@guard.test, role: edit}
    # Kubeflow's roles let nobody but admins write AuthorizationPolicies; platforms that grant
    # more (as this team role does) still meet the guard.
    teamRoles:
      - name: policy-editor
        users: [carol@guard.test]
        allowEscalation: true
        escalationReason: the guard suite lets a contributor write AuthorizationPolicies
        rules: [{apiGroups: [security.istio.io], resources: [authorizationpolicies], verbs: [get, list, create, update, patch, delete]}]
  - name: ${BETA}
    owner: olivia@guard.test
    plugins: [{kind: AwsIamForServiceAccount, awsIamRole: "arn:aws:iam::123456789012:role/guard-beta"}]
    teamRoles:
      - name: policy-editor
        users: [olivia@guard.test]
        allowEscalation: true
        escalationReason: the guard suite lets an owner write AuthorizationPolicies
        rules: [{apiGroups: [security.istio.io], resources: [authorizationpolicies], verbs: [get, list, create, update, patch, delete]}]
`;

const OWNER: Identity = { user: 'alice@guard.test', groups: [] };
const CONTRIBUTOR: Identity = { user: 'carol@guard.test', groups: [] };
const OTHER_OWNER: Identity = { user: 'olivia@guard.test', groups: [] };
/** A cluster admin who did not break the glass: the guard holds for them too. */
const ADMIN: Identity = { user: 'root@guard.test', groups: ['system:masters'] };
const BREAK_GLASS: Identity = { user: 'root@guard.test', groups: ['system:masters', 'kf-tenancy:break-glass'] };
const KFAM = PROFILE_CONTROLLER;

const RBAC = 'rbac.authorization.k8s.io';
const rbPath = (ns: string, name = '') => `/apis/${RBAC}/v1/namespaces/${ns}/rolebindings${name ? `/${name}` : ''}`;
const npPath = (ns: string, name = '') => `/apis/networking.k8s.io/v1/namespaces/${ns}/networkpolicies${name ? `/${name}` : ''}`;
const apPath = (ns: string, name = '') => `/apis/security.istio.io/v1/namespaces/${ns}/authorizationpolicies${name ? `/${name}` : ''}`;
const corePath = (ns: string, resource: string, name = '') => `/api/v1/namespaces/${ns}/${resource}${name ? `/${name}` : ''}`;

const user = (name: string) => ({ apiGroup: RBAC, kind: 'User', name });
const roleBinding = (ns: string, name: string, role: string, subjects: any[], annotations?: Record<string, string>) => ({
  apiVersion: `${RBAC}/v1`,
  kind: 'RoleBinding',
  metadata: { name, namespace: ns, ...(annotations ? { annotations } : {}) },
  roleRef: { apiGroup: RBAC, kind: 'ClusterRole', name: role },
  subjects,
});
const authorizationPolicy = (ns: string, name: string, spec: any) => ({ apiVersion: 'security.istio.io/v1', kind: 'AuthorizationPolicy', metadata: { name, namespace: ns }, spec });
const onWaypoint = (ns: string, name: string, spec: any) =>
  authorizationPolicy(ns, name, { ...spec, targetRefs: [{ group: 'gateway.networking.k8s.io', kind: 'Gateway', name: 'waypoint' }] });
const networkPolicy = (ns: string, name: string, spec: any) => ({ apiVersion: 'networking.k8s.io/v1', kind: 'NetworkPolicy', metadata: { name, namespace: ns }, spec: { podSelector: {}, ...spec } });
const userHeader = (...values: string[]) => ({ key: 'request.headers[kubeflow-userid]', values });
const GATEWAY = 'cluster.local/ns/istio-system/sa/istio-ingressgateway-service-account';
const PIPELINES_UI = 'cluster.local/ns/kubeflow/sa/ml-pipeline-ui';

interface Row {
  readonly what: string;
  readonly as: Identity;
  readonly method: 'POST' | 'PATCH' | 'DELETE';
  readonly path: string;
  readonly body?: unknown;
  /** allowed; refused by the named guard policy (message checked); refused by RBAC before admission. */
  readonly expect: 'allowed' | 'rbac' | { guard: string; message: RegExp };
}

const denied = (policy: string, message: RegExp) => ({ guard: policy, message });
const MEMBERS = 'kf-tenancy-guard-members';
const MANAGED = 'kf-tenancy-guard-managed-objects';
const OPEN = 'kf-tenancy-guard-open-access';
/** Every refusal says how to get the change made. */
const HOW = /tenants catalog.*pull request/;

const ROWS: Row[] = [
  // RoleBindings: only declared members.
  {
    what: 'owner binds an outsider',
    as: OWNER,
    method: 'POST',
    path: rbPath(ALPHA),
    body: roleBinding(ALPHA, 'eve', 'kubeflow-edit', [user('eve@evil.test')]),
    expect: denied(MEMBERS, /^tenant "guard-alpha": RoleBinding "eve" binds User "eve@evil\.test", which the tenant does not declare \(rule kf-tenancy-guard-members\)/),
  },
  {
    what: 'owner adds an outsider to the owner binding',
    as: OWNER,
    method: 'PATCH',
    path: rbPath(ALPHA, 'namespaceAdmin'),
    body: { subjects: [user('alice@guard.test'), user('eve@evil.test')] },
    expect: denied(MEMBERS, /RoleBinding "namespaceAdmin" binds User "eve@evil\.test"/),
  },
  {
    what: 'owner binds another tenant\'s service account',
    as: OWNER,
    method: 'POST',
    path: rbPath(ALPHA),
    body: roleBinding(ALPHA, 'beta-sa', 'kubeflow-view', [{ kind: 'ServiceAccount', name: 'default-editor', namespace: BETA }]),
    expect: denied(MEMBERS, /binds ServiceAccount "guard-beta\/default-editor"/),
  },
  {
    what: 'owner binds every authenticated user',
    as: OWNER,
    method: 'POST',
    path: rbPath(ALPHA),
    body: roleBinding(ALPHA, 'everyone', 'kubeflow-view', [{ apiGroup: RBAC, kind: 'Group', name: 'system:authenticated' }]),
    expect: denied(MEMBERS, /binds Group "system:authenticated"/),
  },
  { what: 'contributor binds anyone (kubeflow-edit has no RoleBindings)', as: CONTRIBUTOR, method: 'POST', path: rbPath(ALPHA), body: roleBinding(ALPHA, 'c', 'kubeflow-view', [user('carol@guard.test')]), expect: 'rbac' },
  { what: 'another tenant\'s owner binds in this tenant', as: OTHER_OWNER, method: 'POST', path: rbPath(ALPHA), body: roleBinding(ALPHA, 'o', 'kubeflow-edit', [user('olivia@guard.test')]), expect: 'rbac' },
  {
    what: 'owner binds a declared member and the namespace\'s service account',
    as: OWNER,
    method: 'POST',
    path: rbPath(ALPHA),
    body: roleBinding(ALPHA, 'carol-view', 'kubeflow-view', [user('carol@guard.test'), { kind: 'ServiceAccount', name: 'default-editor' }]),
    expect: 'allowed',
  },
  { what: 'GitOps applies a binding Git holds', as: GITOPS, method: 'POST', path: rbPath(ALPHA), body: roleBinding(ALPHA, 'from-git', 'kubeflow-view', [user('eve@evil.test')]), expect: 'allowed' },
  { what: 'break-glass admin binds an outsider', as: BREAK_GLASS, method: 'POST', path: rbPath(ALPHA), body: roleBinding(ALPHA, 'incident', 'kubeflow-view', [user('responder@guard.test')]), expect: 'allowed' },
  { what: 'cluster admin without break-glass binds an outsider', as: ADMIN, method: 'POST', path: rbPath(ALPHA), body: roleBinding(ALPHA, 'admin-eve', 'kubeflow-view', [user('eve@evil.test')]), expect: denied(MEMBERS, /User "eve@evil\.test"/) },
  // KFAM (the dashboard's contributor API) writes bindings exactly so: declared members only.
  {
    what: 'KFAM adds a declared contributor',
    as: KFAM,
    method: 'POST',
    path: rbPath(ALPHA),
    body: roleBinding(ALPHA, 'user-dave-guard-test-clusterrole-edit', 'kubeflow-edit', [user('dave@guard.test')], { user: 'dave@guard.test', role: 'edit' }),
    expect: 'allowed',
  },
  {
    what: 'KFAM adds its AuthorizationPolicy for the declared contributor',
    as: KFAM,
    method: 'POST',
    path: apPath(ALPHA),
    body: authorizationPolicy(ALPHA, 'user-dave-guard-test-clusterrole-edit', { rules: [{ when: [userHeader('dave@guard.test')], from: [{ source: { principals: [GATEWAY, PIPELINES_UI] } }] }] }),
    expect: 'allowed',
  },
  {
    what: 'KFAM adds an undeclared contributor',
    as: KFAM,
    method: 'POST',
    path: rbPath(ALPHA),
    body: roleBinding(ALPHA, 'user-eve-evil-test-clusterrole-edit', 'kubeflow-edit', [user('eve@evil.test')], { user: 'eve@evil.test', role: 'edit' }),
    expect: denied(MEMBERS, /User "eve@evil\.test"/),
  },
  {
    what: 'KFAM admits an undeclared contributor through the mesh',
    as: KFAM,
    method: 'POST',
    path: apPath(ALPHA),
    body: authorizationPolicy(ALPHA, 'user-eve-evil-test-clusterrole-edit', { rules: [{ when: [userHeader('eve@evil.test')], from: [{ source: { principals: [GATEWAY] } }] }] }),
    expect: denied(OPEN, /^tenant "guard-alpha": AuthorizationPolicy "user-eve-evil-test-clusterrole-edit" has an ALLOW rule that admits requests from identities the tenant does not declare/),
  },

  // What the output wrote changes only through GitOps.
  { what: 'contributor empties default-deny', as: CONTRIBUTOR, method: 'PATCH', path: npPath(ALPHA, 'default-deny'), body: { spec: { policyTypes: ['Egress'] } }, expect: denied(MANAGED, /changing it is refused for carol@guard\.test/) },
  {
    what: 'contributor deletes default-deny',
    as: CONTRIBUTOR,
    method: 'DELETE',
    path: npPath(ALPHA, 'default-deny'),
    expect: denied(MANAGED, /^tenant "guard-alpha": NetworkPolicy "default-deny" is written from the tenants catalog; deleting it is refused for carol@guard\.test \(rule kf-tenancy-guard-managed-objects\)/),
  },
  // (A change the open-access rule would accept on its own: only one policy refuses, so its message is the one shown.)
  {
    what: 'contributor rewrites a contributor\'s AuthorizationPolicy',
    as: CONTRIBUTOR,
    method: 'PATCH',
    path: apPath(ALPHA, 'user-carol-guard-test-clusterrole-edit'),
    body: { spec: { rules: [{ from: [{ source: { principals: [GATEWAY] } }], when: [userHeader('carol@guard.test')] }] } },
    expect: denied(MANAGED, /changing it is refused/),
  },
  { what: 'KFAM removes a contributor\'s AuthorizationPolicy', as: KFAM, method: 'DELETE', path: apPath(ALPHA, 'user-carol-guard-test-clusterrole-edit'), expect: denied(MANAGED, /AuthorizationPolicy "user-carol-guard-test-clusterrole-edit" is written from the tenants catalog; deleting it is refused/) },
  { what: 'cluster admin without break-glass deletes the quota', as: ADMIN, method: 'DELETE', path: corePath(ALPHA, 'resourcequotas', 'kf-resource-quota'), expect: denied(MANAGED, /ResourceQuota "kf-resource-quota"/) },
  { what: 'another tenant\'s owner deletes default-deny', as: OTHER_OWNER, method: 'DELETE', path: npPath(ALPHA, 'default-deny'), expect: 'rbac' },
  { what: 'GitOps updates a policy', as: GITOPS, method: 'PATCH', path: npPath(ALPHA, 'allow-dns'), body: { metadata: { labels: { 'updated-by': 'gitops' } } }, expect: 'allowed' },
  { what: 'break-glass admin deletes a policy', as: BREAK_GLASS, method: 'DELETE', path: npPath(ALPHA, 'allow-istiod'), expect: 'allowed' },

  // New policies may not open a tenant.
  {
    what: 'contributor adds an AuthorizationPolicy that admits everyone',
    as: CONTRIBUTOR,
    method: 'POST',
    path: apPath(ALPHA),
    body: authorizationPolicy(ALPHA, 'allow-all', { rules: [{}] }),
    expect: denied(OPEN, /AuthorizationPolicy "allow-all" has an ALLOW rule.*\(rule kf-tenancy-guard-open-access\)/),
  },
  { what: 'contributor admits every user behind the gateway', as: CONTRIBUTOR, method: 'POST', path: apPath(ALPHA), body: authorizationPolicy(ALPHA, 'gateway', { rules: [{ from: [{ source: { principals: [GATEWAY] } }] }] }), expect: denied(OPEN, /"gateway"/) },
  { what: 'contributor admits a wildcard user', as: CONTRIBUTOR, method: 'POST', path: apPath(ALPHA), body: authorizationPolicy(ALPHA, 'wildcard', { rules: [{ when: [userHeader('*@guard.test')] }] }), expect: denied(OPEN, /"wildcard"/) },
  // Ambient mode's waypoint enforces the policies that target it; the guard reads their rules like any other.
  { what: 'owner opens the waypoint to every user behind the gateway', as: OTHER_OWNER, method: 'POST', path: apPath(BETA), body: onWaypoint(BETA, 'wp-gateway', { rules: [{ from: [{ source: { principals: [GATEWAY] } }] }] }), expect: denied(OPEN, /"wp-gateway"/) },
  { what: 'owner admits an undeclared user at the waypoint', as: OTHER_OWNER, method: 'POST', path: apPath(BETA), body: onWaypoint(BETA, 'wp-eve', { rules: [{ from: [{ source: { principals: [GATEWAY] } }], when: [userHeader('eve@evil.test')] }] }), expect: denied(OPEN, /"wp-eve"/) },
  { what: 'owner admits another tenant\'s waypoint at ztunnel', as: OTHER_OWNER, method: 'POST', path: apPath(BETA), body: authorizationPolicy(BETA, 'alpha-waypoint', { rules: [{ from: [{ source: { principals: [`cluster.local/ns/${ALPHA}/sa/waypoint`] } }] }] }), expect: denied(OPEN, /"alpha-waypoint"/) },
  { what: 'owner admits a declared user at the waypoint', as: OTHER_OWNER, method: 'POST', path: apPath(BETA), body: onWaypoint(BETA, 'wp-olivia', { rules: [{ from: [{ source: { principals: [GATEWAY] } }], when: [userHeader('olivia@guard.test')] }] }), expect: 'allowed' },
  { what: 'another tenant\'s owner admits this tenant\'s workloads', as: OTHER_OWNER, method: 'POST', path: apPath(BETA), body: authorizationPolicy(BETA, 'from-alpha', { rules: [{ from: [{ source: { namespaces: [ALPHA] } }] }] }), expect: denied(OPEN, /^tenant "guard-beta": AuthorizationPolicy "from-alpha"/) },
  {
    what: 'contributor admits a declared user through the gateway',
    as: CONTRIBUTOR,
    method: 'POST',
    path: apPath(ALPHA),
    body: authorizationPolicy(ALPHA, 'carol-dashboard', { rules: [{ from: [{ source: { principals: [GATEWAY] } }], when: [userHeader('carol@guard.test')] }] }),
    expect: 'allowed',
  },
  { what: 'contributor admits the namespace\'s own workloads', as: CONTRIBUTOR, method: 'POST', path: apPath(ALPHA), body: authorizationPolicy(ALPHA, 'own', { rules: [{ from: [{ source: { principals: [`cluster.local/ns/${ALPHA}/sa/default-editor`] } }] }] }), expect: 'allowed' },
  {
    what: 'contributor opens the namespace to every namespace',
    as: CONTRIBUTOR,
    method: 'POST',
    path: npPath(ALPHA),
    body: networkPolicy(ALPHA, 'from-everywhere', { ingress: [{ from: [{ namespaceSelector: {} }] }] }),
    expect: denied(OPEN, /^tenant "guard-alpha": NetworkPolicy "from-everywhere" has a rule that can reach other tenants' namespaces/),
  },
  { what: 'contributor allows ingress from any source', as: CONTRIBUTOR, method: 'POST', path: npPath(ALPHA), body: networkPolicy(ALPHA, 'any-source', { ingress: [{}] }), expect: denied(OPEN, /"any-source"/) },
  {
    what: 'another tenant\'s owner opens egress to this tenant',
    as: OTHER_OWNER,
    method: 'POST',
    path: npPath(BETA),
    body: networkPolicy(BETA, 'to-alpha', { egress: [{ to: [{ namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': ALPHA } } }] }] }),
    expect: denied(OPEN, /^tenant "guard-beta": NetworkPolicy "to-alpha"/),
  },
  {
    what: 'contributor selects namespaces by a label every tenant carries',
    as: CONTRIBUTOR,
    method: 'POST',
    path: npPath(ALPHA),
    body: networkPolicy(ALPHA, 'kubeflow-label', { ingress: [{ from: [{ namespaceSelector: { matchLabels: { 'pipelines.kubeflow.org/enabled': 'true' } } }] }] }),
    expect: denied(OPEN, /"kubeflow-label"/),
  },
  // Parity with synth (core/allow-rules.ts, core/cidr.ts): the classes the isolation check refuses in output.
  {
    what: 'contributor matches a declared user without the gateway principal (any pod could send the header)',
    as: CONTRIBUTOR,
    method: 'POST',
    path: apPath(ALPHA),
    body: authorizationPolicy(ALPHA, 'header-only', { rules: [{ when: [userHeader('carol@guard.test')] }] }),
    expect: denied(OPEN, /"header-only" has an ALLOW rule/),
  },
  {
    what: 'contributor matches a declared user sent by the tenant\'s own workload',
    as: CONTRIBUTOR,
    method: 'POST',
    path: apPath(ALPHA),
    body: authorizationPolicy(ALPHA, 'header-from-pod', { rules: [{ from: [{ source: { principals: [`cluster.local/ns/${ALPHA}/sa/default-editor`] } }], when: [userHeader('carol@guard.test')] }] }),
    expect: denied(OPEN, /"header-from-pod"/),
  },
  { what: 'contributor admits everyone but one principal', as: CONTRIBUTOR, method: 'POST', path: apPath(ALPHA), body: authorizationPolicy(ALPHA, 'not-principals', { rules: [{ from: [{ source: { notPrincipals: ['cluster.local/ns/x/sa/y'] } }] }] }), expect: denied(OPEN, /"not-principals"/) },
  { what: 'contributor admits by address', as: CONTRIBUTOR, method: 'POST', path: apPath(ALPHA), body: authorizationPolicy(ALPHA, 'ip-blocks', { rules: [{ from: [{ source: { ipBlocks: ['10.0.0.0/8'] } }] }] }), expect: denied(OPEN, /"ip-blocks"/) },
  {
    what: 'contributor admits every user but one through the gateway (notValues)',
    as: CONTRIBUTOR,
    method: 'POST',
    path: apPath(ALPHA),
    body: authorizationPolicy(ALPHA, 'not-values', { rules: [{ from: [{ source: { principals: [GATEWAY] } }], when: [{ key: 'request.headers[kubeflow-userid]', notValues: ['eve@evil.test'] }] }] }),
    expect: denied(OPEN, /"not-values"/),
  },
  ...['10.0.0.0/8', '010.0.0.0/8', '10.0.0.1/8', '0.0.0.0/0'].map((cidr): Row => ({
    what: `contributor opens egress to the ipBlock ${cidr} (a spelling of the cluster's ranges)`,
    as: CONTRIBUTOR,
    method: 'POST',
    path: npPath(ALPHA),
    body: networkPolicy(ALPHA, `cidr-${cidr.replace(/[./]/g, '-')}`, { egress: [{ to: [{ ipBlock: { cidr } }] }] }),
    expect: denied(OPEN, /has an ipBlock the tenant's catalog does not declare/),
  })),
  {
    what: 'contributor adds a policy with the ipBlock the catalog declares',
    as: CONTRIBUTOR,
    method: 'POST',
    path: npPath(ALPHA),
    body: networkPolicy(ALPHA, 'partner-too', { egress: [{ to: [{ ipBlock: { cidr: '203.0.113.0/24' } }], ports: [{ port: 8443, protocol: 'TCP' }] }] }),
    expect: 'allowed',
  },
  {
    what: 'contributor binds a ServiceAccount to another tenant\'s IAM role',
    as: CONTRIBUTOR,
    method: 'POST',
    path: corePath(ALPHA, 'serviceaccounts'),
    body: { apiVersion: 'v1', kind: 'ServiceAccount', metadata: { name: 'borrowed', namespace: ALPHA, annotations: { 'eks.amazonaws.com/role-arn': 'arn:aws:iam::123456789012:role/guard-beta' } } },
    expect: denied(OPEN, /^tenant "guard-alpha": ServiceAccount "borrowed" names a cloud identity the tenant does not declare/),
  },
  {
    what: 'contributor binds a ServiceAccount to the tenant\'s own IAM role',
    as: CONTRIBUTOR,
    method: 'POST',
    path: corePath(ALPHA, 'serviceaccounts'),
    body: { apiVersion: 'v1', kind: 'ServiceAccount', metadata: { name: 'pipelines', namespace: ALPHA, annotations: { 'eks.amazonaws.com/role-arn': 'arn:aws:iam::123456789012:role/guard-alpha' } } },
    expect: 'allowed',
  },
  {
    what: 'contributor routes another tenant\'s notebook path to the tenant with an Ingress',
    as: CONTRIBUTOR,
    method: 'POST',
    path: `/apis/networking.k8s.io/v1/namespaces/${ALPHA}/ingresses`,
    body: {
      apiVersion: 'networking.k8s.io/v1',
      kind: 'Ingress',
      metadata: { name: 'steal', namespace: ALPHA },
      spec: { rules: [{ http: { paths: [{ path: `/notebook/${BETA}/`, pathType: 'Prefix', backend: { service: { name: 'web', port: { number: 80 } } } }] } }] },
    },
    expect: denied(OPEN, /^tenant "guard-alpha": Ingress "steal" would route traffic to the tenant past the gateway/),
  },
  {
    what: 'contributor accepts ingress from namespaces the catalog names only as an egress destination',
    as: CONTRIBUTOR,
    method: 'POST',
    path: npPath(ALPHA),
    body: networkPolicy(ALPHA, 'from-obs', { ingress: [{ from: [{ namespaceSelector: { matchLabels: { team: 'obs' } } }] }] }),
    expect: denied(OPEN, /"from-obs" has a rule that can reach other tenants' namespaces/),
  },
  { what: 'contributor sends to namespaces the catalog names as an egress destination', as: CONTRIBUTOR, method: 'POST', path: npPath(ALPHA), body: networkPolicy(ALPHA, 'to-obs-too', { egress: [{ to: [{ namespaceSelector: { matchLabels: { team: 'obs' } } }], ports: [{ port: 9090, protocol: 'TCP' }] }] }), expect: 'allowed' },
  { what: 'contributor allows pods of the namespace', as: CONTRIBUTOR, method: 'POST', path: npPath(ALPHA), body: networkPolicy(ALPHA, 'same-app', { ingress: [{ from: [{ podSelector: { matchLabels: { app: 'web' } } }] }] }), expect: 'allowed' },
  {
    what: 'contributor allows monitoring, excluding tenant namespaces',
    as: CONTRIBUTOR,
    method: 'POST',
    path: npPath(ALPHA),
    body: networkPolicy(ALPHA, 'from-monitoring', { ingress: [{ from: [{ namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'monitoring' }, matchExpressions: [{ key: 'kf-tenancy.io/tenant', operator: 'DoesNotExist' }] } }] }] }),
    expect: 'allowed',
  },
  {
    what: 'contributor creates a notebook',
    as: CONTRIBUTOR,
    method: 'POST',
    path: corePath(ALPHA, 'pods'),
    body: {
      apiVersion: 'v1',
      kind: 'Pod',
      metadata: { name: 'my-notebook-0', namespace: ALPHA, labels: { 'notebook-name': 'my-notebook' } },
      spec: {
        containers: [{ name: 'notebook', image: 'kubeflownotebookswg/jupyter-scipy:v1.10.0', resources: { requests: { cpu: '500m' }, limits: { cpu: '1' } } }],
      },
    },
    expect: 'allowed',
  },
  // The guard's parameters are out of the tenant's reach: they live on the Namespace.
  { what: 'owner rewrites the guard parameters', as: OWNER, method: 'PATCH', path: `/api/v1/namespaces/${ALPHA}`, body: { metadata: { annotations: { 'guard.kf-tenancy.io/users': 'eve@evil.test' } } }, expect: 'rbac' },
];

const GUARD_REFUSAL = /^admission webhook|ValidatingAdmissionPolicy/;

async function perform(row: Row) {
  return api(row.method, row.path, row.body, row.as);
}

/**
 * Policies and bindings take effect once the API server's policy informers have seen them; probe
 * with a dry run (admission runs, nothing is stored) until the guard answers as `ready` says.
 */
async function guardInEffect(ready: (response: { status: number; warnings: string[] }) => boolean): Promise<void> {
  // One probe per policy: the API server picks up each policy's binding on its own, so one policy in
  // effect says nothing of the others (a run under load once saw the open-access binding lag).
  const probes = [...new Map(ROWS.filter(row => typeof row.expect === 'object').map(row => [(row.expect as { guard: string }).guard, row])).values()];
  for (let i = 0; i < 240; i++) {
    const responses = await Promise.all(probes.map(probe => api(probe.method, `${probe.path}?dryRun=All`, probe.body, probe.as)));
    if (responses.every(ready)) return;
    await new Promise(r => setTimeout(r, 250));
  }
  throw new Error('the guard did not take effect within 60 s');
}

describe('tenancy guard (ValidatingAdmissionPolicies evaluated by kube-apiserver)', () => {
  const out = synthCatalog(CATALOG, 'guard');
  const warnOut = synthCatalog(CATALOG.replace('guard: {}', 'guard: {mode: warn}'), 'guard-warn');
  // As GitOps tools do, take back fields someone else changed (the warn-mode rows do).
  const applyOutput = () => kubectlOk(['apply', '--server-side', '--force-conflicts', '--field-manager', 'kf-tenancy-test', '-k', out]);

  afterAll(() => {
    // Other suites share this API server and apply their own guard (the example's exempts Kubeflow's
    // profile controller; this one, for a cluster without it, does not). A policy takes a moment to
    // be replaced, so leave none behind rather than this suite's.
    const names = Object.values(GUARD_POLICY);
    kubectlOk(['delete', '--ignore-not-found', ...names.map(n => `validatingadmissionpolicybinding/${n}`), ...names.map(n => `validatingadmissionpolicy/${n}`)], { as: null });
  });

  beforeAll(async () => {
    applyOutput();
    // As KFAM would find it: dave is declared, but his binding and policy are not in the cluster yet.
    for (const p of [rbPath(ALPHA, 'user-dave-guard-test-clusterrole-edit'), apPath(ALPHA, 'user-dave-guard-test-clusterrole-edit')]) {
      expect((await api('DELETE', p, undefined, GITOPS)).status).toBe(200);
    }
    await guardInEffect(r => r.status === 403);
    // Pods need the namespace's default ServiceAccount (kube-controller-manager makes it).
    for (let i = 0; i < 240 && (await api('GET', corePath(ALPHA, 'serviceaccounts', 'default'))).status !== 200; i++) await new Promise(r => setTimeout(r, 250));
  });

  test.each(ROWS.map(row => [`${row.as.user}${row.as.groups.includes('kf-tenancy:break-glass') ? ' (break-glass)' : ''}: ${row.what}`, row] as const))('%s', async (_, row) => {
    const response = await perform(row);
    const message: string = response.json?.message ?? '';
    if (row.expect === 'allowed') {
      expect({ status: response.status < 300, message }).toEqual({ status: true, message: '' });
    } else if (row.expect === 'rbac') {
      expect(response.status).toBe(403);
      expect(message).not.toMatch(GUARD_REFUSAL);
      expect(message).toMatch(/cannot (create|patch|delete) resource/);
    } else {
      expect(response.status).toBe(403);
      // When several policies refuse, the status message is the first; each has a cause of its own.
      const causes: string[] = (response.json?.details?.causes ?? []).map((c: any) => c.message);
      const prefix = `ValidatingAdmissionPolicy '${row.expect.guard}' with binding '${row.expect.guard}' denied request: `;
      const cause = [message, ...causes].find(m => m.includes(prefix)) ?? message;
      expect(cause).toContain(prefix);
      const text = cause.slice(cause.indexOf(prefix) + prefix.length);
      expect(text).toMatch(row.expect.message);
      expect(text).toContain(`(rule ${row.expect.guard})`);
      expect(text).toMatch(HOW);
    }
  });

  describe('in warn mode', () => {
    const refused = ROWS.filter(row => typeof row.expect === 'object');

    beforeAll(async () => {
      applyOutput();
      kubectlOk(['apply', '--server-side', '--field-manager', 'kf-tenancy-test', '-f', path.join(warnOut, 'cluster', 'manifests.yaml')]);
      await guardInEffect(r => r.status < 300 && r.warnings.length > 0);
    });
    afterAll(async () => {
      // Enforce again, and put back what the rows changed.
      kubectlOk(['apply', '--server-side', '--field-manager', 'kf-tenancy-test', '-f', path.join(out, 'cluster', 'manifests.yaml')]);
      applyOutput();
      await guardInEffect(r => r.status === 403);
    });

    test('the bindings are in warn mode', async () => {
      const bindings = (await api('GET', '/apis/admissionregistration.k8s.io/v1/validatingadmissionpolicybindings')).json.items
        .filter((b: any) => b.metadata.name.startsWith('kf-tenancy-guard-'));
      expect(bindings.map((b: any) => [b.metadata.name, b.spec.validationActions])).toEqual([MANAGED, MEMBERS, OPEN].map(n => [n, ['Warn', 'Audit']]));
    });

    test.each(refused.map(row => [row.what, row] as const))('%s: goes through, with the refusal as a warning', async (_, row) => {
      const response = await perform(row);
      expect({ status: response.status < 300, message: response.json?.message }).toEqual({ status: true, message: undefined });
      const expected = row.expect as { guard: string; message: RegExp };
      const warning = response.warnings.find(w => w.includes(`ValidatingAdmissionPolicy '${expected.guard}'`));
      expect(warning).toBeDefined();
      expect(warning!.slice(warning!.indexOf(': ') + 2)).toMatch(expected.message);
    });
  });

  test('GitOps prunes a tenant: its namespace empties although the guard protects what is in it', async () => {
    // The namespace controller (here kube-controller-manager's own identity, not exempt) deletes
    // the policies of a terminating namespace; the guard lets it.
    expect((await api('DELETE', `/api/v1/namespaces/${BETA}`, undefined, GITOPS)).status).toBe(200);
    let status = 200;
    for (let i = 0; i < 240 && status !== 404; i++) {
      await new Promise(r => setTimeout(r, 250));
      status = (await api('GET', `/api/v1/namespaces/${BETA}`)).status;
    }
    expect(status).toBe(404);
  });
});
