import * as fs from 'fs';
import * as path from 'path';
import { cli, synthCatalogTo } from './support/cli';
import { EXAMPLE_CATALOG } from './support/paths';
import { tempDir } from './support/synth';
import { accessMatrix } from '../src/analysis/access';
import { readManifestDir } from '../src/catalog/manifest-reader';


const synth = synthCatalogTo;

describe('access matrix of the bundled example', () => {
  const dir = tempDir();
  const out = synth(fs.readFileSync(EXAMPLE_CATALOG, 'utf8'), dir, 'example');
  const matrix = accessMatrix(readManifestDir(out));
  const of = (name: string) => matrix.identities.find(i => i.name === name)!;

  test('owners are admin, contributors edit, service accounts edit/view, each in its own tenant only', () => {
    expect(of('bob@company.com').access).toEqual({ 'team-ml-platform': expect.objectContaining({ level: 'admin' }) });
    expect(of('carol@company.com').access).toEqual({ 'team-ml-platform': expect.objectContaining({ level: 'edit' }) });
    expect(of('ml-engineers@company.com').kind).toBe('Group');
    expect(Object.keys(of('ml-engineers@company.com').access)).toEqual(['team-ml-platform']);
    expect(of('team-research/default-viewer').access['team-research'].level).toBe('view');
    expect(matrix.namespaces).toEqual(['fraud-detection-team', 'team-data-science', 'team-ml-platform', 'team-research']);
  });

  test('verbs per resource and the granting bindings are recorded', () => {
    const carol = of('carol@company.com').access['team-ml-platform'];
    expect(carol.resources.pods).toEqual(['get', 'list', 'watch', 'create', 'update', 'patch', 'delete']);
    expect(carol.resources.rolebindings).toBeUndefined();
    expect(carol.resources['*']).toBeUndefined();
    expect(carol.grantedBy).toEqual(['RoleBinding team-ml-platform/user-carol-company-com-clusterrole-edit']);
    // The data-scientist team role reads pods and secrets but never writes secrets.
    const scientists = of('data-scientists@company.com').access['team-data-science'];
    expect(scientists.resources.secrets).toEqual(['get', 'list', 'watch']);
    expect(scientists.resources['pods/log']).toEqual(['get', 'list', 'watch']);
  });

  test('users and groups pass the ingress gateway into their own tenants only, admitted by the named policy', () => {
    expect(of('carol@company.com').access['team-ml-platform']).toMatchObject({
      meshIngress: true, admittedBy: 'team-ml-platform/user-carol-company-com-clusterrole-edit',
    });
    expect(of('bob@company.com').access['team-ml-platform']).toMatchObject({ meshIngress: true, admittedBy: 'team-ml-platform/ns-owner-access-istio' });
    expect(of('ml-engineers@company.com').access['team-ml-platform'].meshIngress).toBe(true);
    // Service accounts do not come through the gateway.
    expect(of('team-research/default-editor').access['team-research'].meshIngress).toBe(false);
    // Team roles are Kubernetes RBAC only; Kubeflow's gateway admits owners and contributors.
    expect(of('data-scientists@company.com').access['team-data-science']).toMatchObject({ level: 'view', meshIngress: false });
    for (const identity of matrix.identities.filter(i => i.kind !== 'ServiceAccount' && i.name !== 'data-scientists@company.com')) {
      const gateway = Object.values(identity.access).every(a => a.meshIngress);
      expect({ identity: identity.name, gateway }).toEqual({ identity: identity.name, gateway: true });
    }
    expect(matrix.meshOpen).toEqual([]);
  });

  test('network: tenants reach DNS, istiod and Kubeflow services, are reached by the gateway and Kubeflow, never each other', () => {
    const { paths, openIngress, openEgress } = matrix.network;
    expect(openIngress).toEqual([]);
    expect(openEgress).toEqual([]);
    const from = (ns: string) => paths.filter(p => p.from === ns).map(p => `${p.to} ${p.ports.join(' ')} ${p.pods ?? ''}`.trim());
    expect(from('team-research')).toEqual([
      'istio-system TCP/15012 app=istiod',
      'kube-system TCP/53 UDP/53 k8s-app=kube-dns',
      'kubeflow TCP/8080 TCP/8887 TCP/8888 TCP/9000',
      '{kf-tenancy.io/shared-services=true} all',
    ]);
    expect(paths.filter(p => p.to === 'team-research').map(p => p.from)).toEqual(['istio-system', 'kubeflow']);
    expect(paths.filter(p => matrix.namespaces.includes(p.from) && matrix.namespaces.includes(p.to))).toEqual([]);
    expect(paths.find(p => p.from === 'team-research' && p.to === 'kube-system')!.policies).toEqual(['team-research/allow-dns']);
  });

  test('kf-tenancy access prints Markdown and writes JSON', () => {
    const json = path.join(dir, 'access.json');
    const result = cli(['access', out, '--json', json]);
    expect(result.code).toBe(0);
    expect(result.stdout).toContain('| carol@company.com | User | edit in team-ml-platform |');
    expect(result.stdout).toContain('| bob@company.com | User | admin in team-ml-platform |');
    expect(result.stdout).toContain('| team-research | kube-system | TCP/53 UDP/53 | k8s-app=kube-dns |');
    expect(JSON.parse(fs.readFileSync(json, 'utf8'))).toEqual(matrix);
  });
});

describe('kf-tenancy access --diff', () => {
  test('adding one contributor is one line', () => {
    const dir = tempDir();
    const catalog = fs.readFileSync(EXAMPLE_CATALOG, 'utf8');
    const before = synth(catalog, dir, 'before');
    const after = synth(catalog.replace('    owner: researcher@company.com\n', '    owner: researcher@company.com\n    contributors: [{name: erin@company.com}]\n'), dir, 'after');
    expect(cli(['access', after, '--diff', before])).toEqual({ code: 0, stdout: '+ erin@company.com: edit in team-research\n', stderr: '' });
    expect(cli(['access', before, '--diff', after]).stdout).toBe('- erin@company.com: edit in team-research\n');
    expect(cli(['access', before, '--diff', before]).stdout).toBe('no change in access\n');
  });

  test('a role change is one line', () => {
    const dir = tempDir();
    const catalog = fs.readFileSync(EXAMPLE_CATALOG, 'utf8');
    const before = synth(catalog, dir, 'before');
    const after = synth(catalog.replace('      - name: analyst2@company.com\n', '      - {name: analyst2@company.com, role: view}\n'), dir, 'after');
    expect(cli(['access', after, '--diff', before]).stdout).toBe('~ analyst2@company.com: edit → view in fraud-detection-team\n');
  });
});

describe('kf-tenancy access --diff reports mesh and network changes', () => {
  const dir = tempDir();
  const catalog = fs.readFileSync(EXAMPLE_CATALOG, 'utf8');
  const before = synth(catalog, dir, 'before');

  test('a hand-added policy admitting an outsider, and a NetworkPolicy opening one tenant to another', () => {
    const after = path.join(dir, 'after');
    fs.cpSync(before, after, { recursive: true });
    fs.appendFileSync(path.join(after, 'tenants', 'team-research', 'manifests.yaml'), [
      '---',
      'apiVersion: security.istio.io/v1beta1',
      'kind: AuthorizationPolicy',
      'metadata: {name: hand-added, namespace: team-research}',
      'spec:',
      '  rules:',
      '    - when: [{key: "request.headers[kubeflow-userid]", values: [mallory@company.com]}]',
      '---',
      'apiVersion: networking.k8s.io/v1',
      'kind: NetworkPolicy',
      'metadata: {name: from-data-science, namespace: team-research}',
      'spec:',
      '  podSelector: {}',
      '  policyTypes: [Ingress]',
      '  ingress: [{from: [{namespaceSelector: {matchLabels: {kubernetes.io/metadata.name: team-data-science}}}], ports: [{port: 8888}]}]',
      '---',
      'apiVersion: networking.k8s.io/v1',
      'kind: NetworkPolicy',
      'metadata: {name: to-research, namespace: team-data-science}',
      'spec:',
      '  podSelector: {}',
      '  policyTypes: [Egress]',
      '  egress: [{to: [{namespaceSelector: {matchLabels: {kubernetes.io/metadata.name: team-research}}}]}]',
      '',
    ].join('\n'));
    expect(cli(['access', after, '--diff', before]).stdout).toBe([
      '+ mallory@company.com: gateway only in team-research',
      '+ network: team-data-science → team-research on TCP/8888',
      '',
    ].join('\n'));
  });

  test('a tenant whose network policies are switched off is reported open', () => {
    const after = synth(catalog.replace('    owner: researcher@company.com\n', '    owner: researcher@company.com\n    networkPolicy: {enabled: false, disabledReason: the team moves to Cilium policies}\n'), dir, 'open');
    expect(cli(['access', after, '--diff', before]).stdout).toBe([
      '+ network open to every namespace: team-research',
      '+ network reaches every namespace: team-research',
      '',
    ].join('\n'));
  });
});

describe('kf-tenancy access inputs', () => {
  test('the auth headers can be changed, and are checked', () => {
    const dir = tempDir();
    const out = synth(fs.readFileSync(EXAMPLE_CATALOG, 'utf8'), dir, 'example');
    // With another header name, no policy names anyone: the RBAC access stays, the gateway refuses.
    expect(cli(['access', out, '--user-id-header', 'x-auth-request-email']).stdout).toContain('| carol@company.com | User | edit (RBAC only) in team-ml-platform |');
    expect(cli(['access', out, '--user-id-header', 'bad header'])).toMatchObject({ code: 1, stderr: expect.stringContaining('--user-id-header:') });
  });

  test('--cluster-roles replaces the bundled Kubeflow roles', () => {
    const dir = tempDir();
    const out = synth(fs.readFileSync(EXAMPLE_CATALOG, 'utf8'), dir, 'example');
    const roles = path.join(dir, 'roles.yaml');
    fs.writeFileSync(roles, 'apiVersion: rbac.authorization.k8s.io/v1\nkind: ClusterRole\nmetadata: {name: kubeflow-view}\nrules:\n  - {apiGroups: [""], resources: [pods], verbs: [list]}\n');
    const result = cli(['access', out, '--cluster-roles', roles]);
    expect(result.stdout).toContain('| team-research/default-viewer | ServiceAccount | view in team-research |');
    // kubeflow-edit and kubeflow-admin do not exist in that cluster: owners and editors get nothing from them,
    // though the gateway still lets them through to the tenant's web apps.
    expect(result.stdout).toContain('| carol@company.com | User | gateway only in team-ml-platform |');
  });

  test('errors for a missing folder or a file without ClusterRoles', () => {
    expect(cli(['access', '/nonexistent'])).toMatchObject({ code: 1, stderr: expect.stringContaining('/nonexistent: not a folder') });
    const dir = tempDir();
    fs.mkdirSync(path.join(dir, 'out'));
    fs.writeFileSync(path.join(dir, 'none.yaml'), 'apiVersion: v1\nkind: ConfigMap\nmetadata: {name: x}\n');
    expect(cli(['access', path.join(dir, 'out'), '--cluster-roles', path.join(dir, 'none.yaml')]).stderr).toContain('none.yaml: no ClusterRole found');
  });
});
