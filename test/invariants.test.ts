/**
 * The invariants of docs/threat-model.md, one table each: a catalog that breaks the invariant is
 * refused with the tenant, the field and a fix, and nothing is written; its benign neighbour is
 * accepted. (The ALLOW-rule and CIDR allowlists have their own tables: allow-rules.test.ts,
 * cidr.test.ts; team roles: team-role.test.ts; off switches: pod-security.test.ts.)
 */
import * as fs from 'fs';
import * as path from 'path';
import { Chart } from 'cdk8s';
import { cli, synthText } from './support/cli';
import { accessMatrix } from '../src/analysis/access';
import { readManifestDir } from '../src/catalog/manifest-reader';
import { exemptionProblems } from '../src/core/guard-exemptions';
import { formatProblem } from '../src/core/problem';
import { reservedNamespaceProblem, reservedNamespaces } from '../src/core/reserved-namespaces';
import { ProfilePluginKind, TenancyApp, TenantCatalog, TenantProfile } from '../src/index';

function catalog(body: string): string {
  return `apiVersion: kf-tenancy/v1alpha1\nkind: TenantCatalog\n${body}`;
}

const ROLE_A = 'arn:aws:iam::123456789012:role/team-a';
const GSA = 'team-a@proj.iam.gserviceaccount.com';
const aws = (arn: string) => `plugins: [{kind: AwsIamForServiceAccount, awsIamRole: "${arn}"}]`;
const gcp = (sa: string) => `plugins: [{kind: WorkloadIdentity, gcpServiceAccount: ${sa}}]`;
const twoTenants = (a: string[] = [], b: string[] = [], extra = '') => catalog(`${extra}tenants:
  - name: team-a
    owner: a@c.io
${a.map(l => `    ${l}\n`).join('')}  - name: team-b
    owner: b@c.io
${b.map(l => `    ${l}\n`).join('')}`);

/** [what, refused catalog, expected message, benign neighbour] */
type Row = [string, string, string, string];

const CLOUD_IDENTITIES: Row[] = [
  ['the same IAM role in two tenants', twoTenants([aws(ROLE_A)], [aws(ROLE_A)]),
    'tenant "team-b": plugins: cloud identity "arn:aws:iam::123456789012:role/team-a" is also tenant "team-a"\'s', twoTenants([aws(ROLE_A)], [aws(`${ROLE_A}-b`)])],
  ['the same IAM role in another letter case (IAM role names ignore case)', twoTenants([aws(ROLE_A)], [aws('arn:aws:iam::123456789012:role/Team-A')]),
    'is also tenant "team-a"\'s', twoTenants([aws(ROLE_A)], [aws('arn:aws:iam::210987654321:role/team-a')])],
  ['the same IAM role under another path', twoTenants([aws(ROLE_A)], [aws('arn:aws:iam::123456789012:role/ml/team-a')]),
    'is also tenant "team-a"\'s', twoTenants([aws(ROLE_A)], [aws('arn:aws:iam::123456789012:role/ml/team-b')])],
  ['the same GCP service account in two tenants', twoTenants([gcp(GSA)], [gcp(GSA)]),
    `tenant "team-b": plugins: cloud identity "${GSA}" is also tenant "team-a"'s`, twoTenants([gcp(GSA)], [gcp('team-b@proj.iam.gserviceaccount.com')])],
  ['a cloud identity in defaults', catalog(`defaults:\n  ${aws(ROLE_A)}\ntenants:\n  - {name: team-a, owner: a@c.io}\n`),
    'defaults.plugins[0]: cloud identity "arn:aws:iam::123456789012:role/team-a" in defaults would be shared by every tenant', twoTenants([aws(ROLE_A)])],
];

const DEFAULTS_NAME_NO_TENANT: Row[] = [
  ['a team role with holders in defaults (they would hold it in every tenant)', twoTenants([], [], 'defaults:\n  teamRoles: [{name: sre, preset: ml-engineer, users: [a@c.io]}]\n'),
    'defaults.teamRoles[0].users: in defaults, the role\'s users would hold it in every tenant', twoTenants(['teamRoles: [{name: sre, preset: ml-engineer, users: [a@c.io]}]'])],
  ['a peer naming a tenant', twoTenants([], [], 'defaults:\n  networkPolicy: {additionalIngress: [{name: from-a, namespace: team-a}]}\n'),
    'defaults.networkPolicy.additionalIngress[0]: names tenant "team-a"; in defaults it would open every tenant to it',
    twoTenants([], [], 'defaults:\n  networkPolicy: {additionalIngress: [{name: from-monitoring, namespace: monitoring}]}\n')],
  ['a peer naming a tenant by its name label', twoTenants([], [], 'defaults:\n  networkPolicy: {additionalEgress: [{name: to-b, namespaceLabels: {kubernetes.io/metadata.name: team-b}}]}\n'),
    'defaults.networkPolicy.additionalEgress[0]: names tenant "team-b"', twoTenants(['networkPolicy: {additionalEgress: [{name: to-b, namespace: team-b}]}'], ['networkPolicy: {additionalIngress: [{name: from-a, namespace: team-a}]}'])],
  ['a tenant as the platform\'s DNS namespace', twoTenants([], [], 'defaults:\n  networkPolicy: {dnsNamespace: team-b}\n'),
    'defaults.networkPolicy.dnsNamespace: "team-b" is a tenant', twoTenants([], [], 'defaults:\n  networkPolicy: {dnsNamespace: coredns}\n')],
  ['a tenant as every tenant\'s waypoint', twoTenants([], [], 'defaults:\n  meshMode: ambient\n  ambient: {waypointNamespace: team-a}\n'),
    'tenant "team-b": ambient.waypointNamespace: the waypoint is in namespace "team-a", not the tenant\'s',
    twoTenants([], [], 'defaults:\n  meshMode: ambient\n  ambient: {waypointName: wp}\n')],
  ['a shared waypoint for every tenant', twoTenants([], [], 'defaults:\n  meshMode: ambient\n  ambient: {waypointNamespace: waypoints}\n'),
    'tenant "team-a": ambient.waypointNamespace: the waypoint is in namespace "waypoints", not the tenant\'s',
    twoTenants([], [], 'defaults:\n  meshMode: ambient\n')],
];

const GUARD_EXEMPTIONS: Row[] = [
  ['a tenant member as a GitOps identity', twoTenants(['contributors: [{name: carol@c.io}]'], [], 'cluster:\n  guard: {gitOpsIdentities: [carol@c.io]}\n'),
    'tenant "team-a": guard.gitOpsIdentities: "carol@c.io" is a member of the tenant', twoTenants(['contributors: [{name: carol@c.io}]'], [], 'cluster:\n  guard: {gitOpsIdentities: [deployer@c.io]}\n')],
  ['a tenant\'s service account as a GitOps identity', twoTenants([], [], 'cluster:\n  guard: {gitOpsIdentities: ["system:serviceaccount:team-b:default-editor"]}\n'),
    'tenant "team-b": name: "team-b" is a reserved namespace: service account "system:serviceaccount:team-b:default-editor" runs there and is trusted (guard.gitOpsIdentities;',
    twoTenants([], [], 'cluster:\n  guard: {gitOpsIdentities: ["system:serviceaccount:gitops:applier"]}\n')],
  ['the owner as a platform user', twoTenants([], [], 'cluster:\n  guard: {platformUsers: [a@c.io]}\n'),
    'tenant "team-a": guard.platformUsers: "a@c.io" is a member of the tenant', twoTenants([], [], 'cluster:\n  guard: {platformUsers: [sre@c.io]}\n')],
  ['a tenant\'s group as break-glass', twoTenants(['contributors: [{name: ml-team, kind: Group}]'], [], 'cluster:\n  guard: {breakGlassGroups: [ml-team]}\n'),
    'tenant "team-a": guard.breakGlassGroups: "ml-team" is a group the tenant declares', twoTenants(['contributors: [{name: ml-team, kind: Group}]'], [], 'cluster:\n  guard: {breakGlassGroups: [sre-oncall]}\n')],
  ['a tenant\'s service-account group as a platform group', twoTenants([], [], 'cluster:\n  guard: {platformGroups: ["system:serviceaccounts:team-a"]}\n'),
    'tenant "team-a": guard.platformGroups: "system:serviceaccounts:team-a" is the group of the tenant\'s service accounts',
    twoTenants([], [], 'cluster:\n  guard: {platformGroups: ["system:serviceaccounts:monitoring"]}\n')],
];

const RESERVED: Row[] = [
  ['a tenant named like a CNI\'s namespace', twoTenants().replace('team-b', 'calico-system'), 'tenant "calico-system": name: "calico-system" is a reserved namespace', twoTenants()],
  ['a tenant named like Flux\'s namespace', twoTenants().replace('team-b', 'flux-system'), 'tenant "flux-system": name: "flux-system" is a reserved namespace', twoTenants()],
  ['a tenant named like Argo CD\'s namespace', twoTenants().replace('team-b', 'argocd'), 'tenant "argocd": name: "argocd" is a reserved namespace', twoTenants()],
  ['a tenant where an exempt GitOps identity runs', twoTenants([], [], 'cluster:\n  guard: {gitOpsIdentities: ["system:serviceaccount:team-b:applier"]}\n'),
    'tenant "team-b": name: "team-b" is a reserved namespace: service account "system:serviceaccount:team-b:applier" runs there and is trusted (guard.gitOpsIdentities;',
    twoTenants([], [], 'cluster:\n  guard: {gitOpsIdentities: ["system:serviceaccount:ops:applier"]}\n')],
];

describe.each([
  ['a cloud identity belongs to one tenant', CLOUD_IDENTITIES],
  ['defaults name no tenant', DEFAULTS_NAME_NO_TENANT],
  ['guard exemptions cover no tenant member', GUARD_EXEMPTIONS],
  ['reserved namespaces are one registry', RESERVED],
])('invariant: %s', (_, rows) => {
  test.each(rows)('%s', (__, refused, message, benign) => {
    const result = synthText(refused);
    expect({ code: result.code, written: result.written }).toEqual({ code: 1, written: [] });
    expect(result.stderr).toContain(message);
    const fine = synthText(benign);
    expect({ code: fine.code, stderr: fine.stderr }).toEqual({ code: 0, stderr: '' });
  });
});

describe('reserved namespaces: the run adds the GitOps namespaces it writes into', () => {
  test('a TenancyApp writing Flux objects into a namespace reserves it', () => {
    const app = new TenancyApp({ flux: { namespace: 'gitops' } });
    new TenantProfile(new Chart(app, 'c'), 'gitops', { owner: 'a@c.io' });
    expect(() => app.renderManifests()).toThrow('tenant "gitops": name: "gitops" is a reserved namespace: the output writes platform objects there (flux.namespace;');
    const plain = new TenancyApp();
    new TenantProfile(new Chart(plain, 'c'), 'gitops', { owner: 'a@c.io' });
    expect(() => plain.renderManifests()).not.toThrow();
  });

  test('the registry names why', () => {
    const registry = reservedNamespaces({ written: [['argoCd.namespace', 'gitops']], trustedUsers: [['guard.platformUsers', 'system:serviceaccount:obs:scraper']] });
    expect(reservedNamespaceProblem('gitops', registry)).toContain('the output writes platform objects there (argoCd.namespace;');
    expect(reservedNamespaceProblem('obs', registry)).toContain('service account "system:serviceaccount:obs:scraper" runs there and is trusted (guard.platformUsers;');
    expect(reservedNamespaceProblem('kube-anything', registry)).toContain('install into kube-*');
    for (const platform of ['calico-system', 'tigera-operator', 'kyverno', 'ingress-nginx', 'monitoring', 'karpenter', 'kueue-system', 'openshift-config', 'gke-managed-system', 'istio-cni']) {
      expect({ platform, problem: reservedNamespaceProblem(platform, registry) }).toEqual({ platform, problem: expect.stringContaining('is a reserved namespace') });
    }
    expect(reservedNamespaceProblem('team-a', registry)).toBeUndefined();
  });
});

describe('exemptionProblems (pure)', () => {
  const settings = { validationActions: ['Deny'], gitOpsIdentities: ['system:serviceaccount:flux-system:kustomize-controller'], breakGlassGroups: ['kf-tenancy:break-glass'], platformUsers: [], platformGroups: [] };
  test('a tenant that none of the exemptions covers has no problem', () => {
    expect(exemptionProblems(settings, { name: 'team-a', users: ['a@c.io'], groups: ['g'] })).toEqual([]);
  });
  test('the profile controller\'s identity may not be a tenant member either', () => {
    expect(exemptionProblems({ ...settings, profileControllerIdentity: 'a@c.io' }, { name: 'team-a', users: ['a@c.io'], groups: [] }).map(formatProblem))
      .toEqual([expect.stringContaining('tenant "team-a": guard.profileControllerIdentity: "a@c.io" is a member of the tenant')]);
  });
});

describe('a cloud identity belongs to one tenant, in TypeScript apps and in the access report', () => {
  test('two TenantProfiles bound to one IAM role are refused by the isolation check', () => {
    const app = new TenancyApp();
    const chart = new Chart(app, 'c');
    for (const name of ['team-a', 'team-b']) {
      new TenantProfile(chart, name, { owner: `${name}@c.io`, plugins: [{ kind: ProfilePluginKind.AWS_IAM_FOR_SERVICE_ACCOUNT, awsIamRole: ROLE_A }] });
    }
    expect(() => app.renderManifests()).toThrow('tenant "team-b": ServiceAccount team-b/default-editor is bound to cloud identity "arn:aws:iam::123456789012:role/team-a", which tenant "team-a" is bound to as well');
  });

  test('the access report lists each namespace\'s cloud identities; a shared one is a finding', () => {
    const result = synthText(twoTenants([aws(ROLE_A)], [gcp('team-b@proj.iam.gserviceaccount.com')]));
    expect(result.code).toBe(0);
    const matrix = accessMatrix(readManifestDir(result.out));
    expect(matrix.cloudIdentities).toEqual([
      { namespace: 'team-a', serviceAccount: 'default-editor', value: ROLE_A },
      { namespace: 'team-b', serviceAccount: 'default-editor', value: 'team-b@proj.iam.gserviceaccount.com' },
    ]);
    expect(matrix.sharedCloudIdentities).toEqual([]);
    const report = cli(['access', result.out]).stdout;
    expect(report).toContain(`| team-a | default-editor | ${ROLE_A} |`);
    expect(report).not.toContain('- cloud identity');
  });

  test('manifests that share one identity (written by hand, or without the checks) show it as a finding', () => {
    const serviceAccount = (ns: string, arn: string) => ({ apiVersion: 'v1', kind: 'ServiceAccount', metadata: { name: 'runner', namespace: ns, annotations: { 'eks.amazonaws.com/role-arn': arn } } });
    const namespace = (ns: string) => ({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: ns } });
    const matrix = accessMatrix([namespace('team-a'), namespace('team-b'), serviceAccount('team-a', ROLE_A), serviceAccount('team-b', ROLE_A.replace('team-a', 'TEAM-A'))]);
    expect(matrix.sharedCloudIdentities).toEqual([{ value: ROLE_A, namespaces: ['team-a', 'team-b'] }]);
  });
});

describe('defaults name no tenant, in the TypeScript TenantCatalog too', () => {
  test('a peer naming a tenant in defaults is refused; named on the tenant it is accepted', () => {
    const build = (defaults: object, tenants: object[]) => {
      const app = new TenancyApp();
      new TenantCatalog(new Chart(app, 'c'), 'catalog', { defaults, tenants: tenants as any });
      return app;
    };
    expect(() => build({ networkPolicy: { additionalIngress: [{ name: 'from-a', namespace: 'team-a' }] } }, [{ name: 'team-a', owner: 'a@c.io' }, { name: 'team-b', owner: 'b@c.io' }]))
      .toThrow('defaults.networkPolicy.additionalIngress[0]: names tenant "team-a"');
    expect(() => build({}, [{ name: 'team-a', owner: 'a@c.io' }, { name: 'team-b', owner: 'b@c.io', networkPolicy: { additionalIngress: [{ name: 'from-a', namespace: 'team-a' }] } }]))
      .not.toThrow();
  });
});

describe('the facts of the cluster are the run\'s, whichever catalog states them', () => {
  test('a catalog that states no facts takes those another catalog of the run states', () => {
    const first = catalog('cluster:\n  auth: {userIdHeader: x-auth-request-email}\n  clusterCidrs: [10.244.0.0/16]\ntenants: [{name: team-a, owner: alice@a.com}]\n');
    const second = catalog('tenants:\n  - {name: team-b, owner: bob@b.com, contributors: [{name: carol@c.com}], networkPolicy: {additionalEgress: [{name: x, cidr: 10.244.1.0/24}]}}\n');
    const refused = synthText(`${first}---\n${second}`);
    expect(refused.code).toBe(1);
    expect(refused.stderr).toContain('tenant "team-b": networkPolicy.additionalEgress[0].cidr: "10.244.1.0/24" reaches 10.244.1.0/24');
    const accepted = synthText(`${first}---\n${second.replace('10.244.1.0/24', '192.168.7.0/24')}`);
    expect(accepted.stderr).toBe('');
    const policies = fs.readFileSync(path.join(accepted.out, 'tenants', 'team-b', 'manifests.yaml'), 'utf8');
    expect(policies).toContain('request.headers[x-auth-request-email]');
    expect(policies).not.toContain('request.headers[kubeflow-userid]');
  });
});
