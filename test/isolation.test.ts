import * as fs from 'fs';
import * as path from 'path';
import { ApiObject, Chart } from 'cdk8s';
import { k8s } from 'cdk8s-plus-28';
import { ContributorOptions, IdentityKind, MeshMode, ProfileController, TeamRolePreset, TenancyApp, TenantProfile, TenantProfileProps } from '../src';
import { cli } from './support/cli';
import { listFiles, parseYaml, renderObjects, tempDir } from './support/synth';
import { accessMatrix } from '../src/analysis/access';
import { TenancyValidationError } from '../src/core/validation';

/** Two tenants, as declared; `inject` adds an escalation. */
function twoTenants(inject: (chart: Chart, a: TenantProfile) => void = () => undefined, isolationCheck = true) {
  const outdir = tempDir();
  const app = new TenancyApp({ outdir, isolationCheck });
  const chart = new Chart(app, 'platform');
  const a = new TenantProfile(chart, 'team-a', { owner: 'alice@c.io', contributors: [{ name: 'carol@c.io' }] });
  new TenantProfile(chart, 'team-b', { owner: 'bob@c.io' });
  inject(chart, a);
  return { app, outdir };
}

describe('isolation check', () => {
  test('declared tenants pass', () => {
    const { app, outdir } = twoTenants();
    app.synth();
    expect(listFiles(outdir).filter(f => f.endsWith('/manifests.yaml'))).toHaveLength(2);
  });

  test('escalation 1: a hand-added binding gives a team-a contributor access to team-b', () => {
    const { app, outdir } = twoTenants((_chart, a) => {
      new k8s.KubeRoleBinding(a, 'Sneaky', {
        metadata: { name: 'carol-in-b', namespace: 'team-b' },
        roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: 'kubeflow-edit' },
        subjects: [{ apiGroup: 'rbac.authorization.k8s.io', kind: 'User', name: 'carol@c.io' }],
      });
    });
    expect(() => app.synth()).toThrow('tenant "team-b": User "carol@c.io" gets ClusterRole kubeflow-edit through RoleBinding team-b/carol-in-b, but the tenant does not declare it');
    expect(listFiles(outdir)).toEqual([]);
  });

  test('escalation 2: a wildcard ClusterRole bound cluster-wide to a group', () => {
    const { app } = twoTenants(chart => {
      new k8s.KubeClusterRole(chart, 'Everything', { metadata: { name: 'everything' }, rules: [{ apiGroups: ['*'], resources: ['*'], verbs: ['*'] }] });
      new k8s.KubeClusterRoleBinding(chart, 'AllMl', {
        metadata: { name: 'all-ml-everything' },
        roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: 'everything' },
        subjects: [{ apiGroup: 'rbac.authorization.k8s.io', kind: 'Group', name: 'all-ml' }],
      });
    });
    expect(() => app.renderManifests()).toThrow('ClusterRoleBinding all-ml-everything grants ClusterRole everything to Group "all-ml" in every namespace, tenants included');
  });

  test('escalation 3: a NetworkPolicy that opens team-a to every namespace', () => {
    const { app } = twoTenants((_chart, a) => {
      new k8s.KubeNetworkPolicy(a, 'Open', {
        metadata: { name: 'open-door', namespace: 'team-a' },
        spec: { podSelector: {}, policyTypes: ['Ingress'], ingress: [{ from: [{ namespaceSelector: {} }] }] },
      });
    });
    expect(() => app.renderManifests()).toThrow('tenant "team-a": NetworkPolicy team-a/open-door allows ingress from tenant "team-b"');
  });

  test('an AuthorizationPolicy admitting an undeclared user, or everyone, is refused', () => {
    const { app } = twoTenants((_chart, a) => {
      new ApiObject(a, 'Ap', {
        apiVersion: 'security.istio.io/v1beta1',
        kind: 'AuthorizationPolicy',
        metadata: { name: 'extra', namespace: 'team-a' },
        spec: { action: 'ALLOW', rules: [{ when: [{ key: 'request.headers[kubeflow-userid]', values: ['mallory@c.io'] }] }, {}] },
      });
    });
    expect(() => app.renderManifests()).toThrow(/admits user "mallory@c.io", who the tenant does not declare[\s\S]*AuthorizationPolicy team-a\/extra rule 1 admits every request/);
  });

  test.each([
    [['*'], true], [['/*'], true], [['/api/*'], true], [['/healthz', '*'], true],
    [['/healthz'], false], [['/healthz', '/metrics'], false], [['*/api/kernels'], true], [['/api/secret'], true],
  ])('a rule that only names paths %j admits every request: %s', (paths, admitsEverything) => {
    // `*` and prefix patterns match every path (or a whole tree); exact and suffix paths stay narrow.
    const { app } = twoTenants((_chart, a) => {
      new ApiObject(a, 'Ap', {
        apiVersion: 'security.istio.io/v1beta1',
        kind: 'AuthorizationPolicy',
        metadata: { name: 'paths', namespace: 'team-a' },
        spec: { action: 'ALLOW', rules: [{ to: [{ operation: { paths } }] }] },
      });
    });
    const render = () => app.renderManifests();
    if (admitsEverything) expect(render).toThrow('AuthorizationPolicy team-a/paths rule 0 admits every request');
    else expect(render).not.toThrow();
  });

  test('a binding outside the tenant subtree into a tenant namespace is checked too', () => {
    const { app } = twoTenants(chart => {
      new k8s.KubeRoleBinding(chart, 'Outside', {
        metadata: { name: 'viewer-x', namespace: 'team-a' },
        roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: 'kubeflow-view' },
        subjects: [{ apiGroup: 'rbac.authorization.k8s.io', kind: 'Group', name: 'outsiders' }],
      });
    });
    expect(() => app.renderManifests()).toThrow('tenant "team-a": Group "outsiders" gets ClusterRole kubeflow-view through RoleBinding team-a/viewer-x');
  });

  test('declared network peers and team roles pass; the check can be turned off', () => {
    const app = new TenancyApp();
    const chart = new Chart(app, 'c');
    new TenantProfile(chart, 'team-a', {
      owner: 'a@c.io',
      networkPolicy: { additionalEgress: [{ name: 'to-b', namespace: 'team-b', ports: [{ port: 8080 }] }] },
      teamRoles: [{ name: 'ds', preset: TeamRolePreset.ML_DATA_SCIENTIST, groups: ['scientists'] }],
    });
    new TenantProfile(chart, 'team-b', { owner: 'b@c.io', networkPolicy: { additionalIngress: [{ name: 'from-a', namespace: 'team-a' }] } });
    expect(() => app.renderManifests()).not.toThrow();
    const { app: open } = twoTenants((_chart, a) => {
      new k8s.KubeNetworkPolicy(a, 'Open', { metadata: { name: 'open', namespace: 'team-a' }, spec: { podSelector: {}, ingress: [{}] } });
    }, false);
    expect(() => open.renderManifests()).not.toThrow();
  });

  test('kf-tenancy synth --no-isolation-check writes what the check refuses', () => {
    // team-a opens ingress to namespaces labelled team=shared; team-b carries that label, so
    // team-b reaches team-a without team-a naming it: the check refuses, the flag lets it through.
    const dir = tempDir();
    const catalog = path.join(dir, 'c.yaml');
    fs.writeFileSync(catalog, [
      'apiVersion: kf-tenancy/v1alpha1', 'kind: TenantCatalog', 'tenants:',
      '  - {name: team-a, owner: a@c.io, networkPolicy: {additionalIngress: [{name: shared, namespaceLabels: {team: shared}}]}}',
      '  - {name: team-b, owner: b@c.io, namespaceLabels: {team: shared}}', '',
    ].join('\n'));
    const checked = cli(['synth', catalog, '--out', path.join(dir, 'checked')]);
    expect(checked.code).toBe(1);
    expect(checked.stderr).toContain('tenant "team-a": NetworkPolicy team-a/allow-ingress-shared allows ingress from tenant "team-b"');
    expect(fs.existsSync(path.join(dir, 'checked'))).toBe(false);

    const out = path.join(dir, 'unchecked');
    expect(cli(['synth', catalog, '--out', out, '--no-isolation-check']).code).toBe(0);
    const objects = parseYaml(fs.readFileSync(path.join(out, 'tenants', 'team-a', 'manifests.yaml'), 'utf8'));
    expect(objects.filter(o => o.kind === 'NetworkPolicy').map(o => o.metadata.name)).toContain('allow-ingress-shared');
  });
});

/** A small deterministic generator (an LCG), so the property test is reproducible. */
function random(seed: number): () => number {
  let state = seed;
  return () => {
    state = (state * 1103515245 + 12345) % 2147483648;
    return state / 2147483648;
  };
}

/** Hostile settings for a tenant: each must be refused at construction or by the isolation check. */
const HOSTILE: Array<(ns: string, owner: string, person: string) => { what: string; props: TenantProfileProps }> = [
  (ns, owner, person) => ({ what: 'wildcard contributor', props: { name: ns, owner, contributors: [{ name: person.replace('@', '*@') }] } }),
  (ns, owner) => ({ what: 'wildcard owner', props: { name: ns, owner: `${owner}*` } }),
  (ns, owner) => ({ what: 'wildcard group', props: { name: ns, owner, contributors: [{ name: 'g-*', kind: IdentityKind.GROUP }] } }),
  (ns, owner) => ({ what: 'principal of a neighbour', props: { name: ns, owner, auth: { pipelinesUiPrincipal: 'cluster.local/ns/neighbour/sa/default-editor' } } }),
  (ns, owner) => ({ what: 'principal of its own', props: { name: ns, owner, auth: { ingressGatewayPrincipal: `cluster.local/ns/${ns}/sa/default-editor` } } }),
  (ns, owner) => ({ what: 'waypoint of a neighbour', props: { name: ns, owner, meshMode: MeshMode.AMBIENT, ambient: { waypointNamespace: 'neighbour' } } }),
  (ns, owner) => ({ what: 'ipBlock over the pods', props: { name: ns, owner, networkPolicy: { additionalEgress: [{ name: 'all', cidr: '0.0.0.0/0', exceptCidrs: ['169.254.0.0/16'] }] } } }),
  (ns, owner) => ({ what: 'empty port list', props: { name: ns, owner, networkPolicy: { kubeflowServicePorts: [] } } }),
  (ns, owner) => ({ what: 'every profile namespace', props: { name: ns, owner, networkPolicy: { additionalIngress: [{ name: 'all', namespaceLabels: { 'app.kubernetes.io/part-of': 'kubeflow-profile' } }] } } }),
  (_, owner) => ({ what: 'platform namespace name', props: { name: 'oauth2-proxy', owner } }),
  (ns, owner) => ({ what: 'client-set header', props: { name: ns, owner, auth: { userIdHeader: 'user-agent' } } }),
];

/** Whether a tenant with `props`, beside a plain tenant "neighbour", is refused before any output. */
function refused(props: TenantProfileProps): boolean {
  const app = new TenancyApp();
  const chart = new Chart(app, 'scratch');
  try {
    new TenantProfile(chart, 'neighbour', { owner: 'n@c.io' });
    new TenantProfile(chart, props.name!, props);
    app.renderManifests();
    return false;
  } catch (error) {
    return error instanceof TenancyValidationError;
  }
}

describe('property: the access matrix equals the declared memberships', () => {
  test('200 random catalogs (seed 42)', () => {
    const next = random(42);
    const pick = <T>(items: T[]) => items[Math.floor(next() * items.length)];
    const people = Array.from({ length: 12 }, (_, i) => `person${i}@c.io`);
    const groups = ['g-ml', 'g-data', 'g-ops'];
    for (let run = 0; run < 200; run++) {
      // The tenants as declared; built below for both profile-controller targets.
      const declared: Array<{ props: TenantProfileProps; members: ContributorOptions[] }> = [];
      const expected = new Map<string, string>(); // "kind/name/ns" -> level, +gateway when the mesh admits it
      const open: string[] = [];
      const tenants = 1 + Math.floor(next() * 4);
      for (let t = 0; t < tenants; t++) {
        const ns = `t${t}`;
        const owner = pick(people);
        expected.set(`User/${owner}/${ns}`, 'admin+gateway');
        const isolated = next() < 0.7;
        if (!isolated) open.push(ns);
        const props = {
          name: ns,
          owner,
          networkPolicy: isolated ? {} : { enabled: false, disabledReason: 'an open tenant of the property test' },
          podSecurity: { enabled: false, disabledReason: 'the property test checks access, not pods' },
        };
        const tenant = { props, members: [] as ContributorOptions[] };
        declared.push(tenant);
        // A hostile variant of this tenant never reaches any output: built beside a neighbour, it is refused.
        if (next() < 0.5) {
          const hostile = pick(HOSTILE)(ns, owner, pick(people));
          expect({ run, hostile: hostile.what, refused: refused(hostile.props) }).toEqual({ run, hostile: hostile.what, refused: true });
        }
        const members = Math.floor(next() * 4);
        for (let m = 0; m < members; m++) {
          const isGroup = next() < 0.3;
          const name = isGroup ? pick(groups) : pick(people);
          const kind = isGroup ? 'Group' : 'User';
          if (expected.has(`${kind}/${name}/${ns}`)) continue;
          const role = next() < 0.5 ? 'edit' : 'view';
          tenant.members.push({ name, kind: isGroup ? IdentityKind.GROUP : IdentityKind.USER, role: role as any });
          expected.set(`${kind}/${name}/${ns}`, `${role}+gateway`);
        }
        expected.set(`ServiceAccount/${ns}/default-editor/${ns}`, 'edit');
        expected.set(`ServiceAccount/${ns}/default-viewer/${ns}`, 'view');
      }
      const synth = (profileController: ProfileController) => {
        const app = new TenancyApp({ profileController });
        const chart = new Chart(app, 'c');
        for (const { props, members } of declared) {
          const tenant = new TenantProfile(chart, props.name!, props);
          for (const member of members) tenant.addContributor(member);
        }
        return renderObjects(app);
      };
      // With Kubeflow's profile controller the owner's access is not in the output but comes from
      // the Profile; the analysis expands it, so both targets report the same access.
      const withController = synth(ProfileController.KUBEFLOW);
      expect(withController.filter(o => o.metadata.name === 'namespaceAdmin')).toEqual([]);
      const matrix = accessMatrix(withController);
      expect({ run, same: accessMatrix(synth(ProfileController.NONE)) }).toEqual({ run, same: matrix });
      const actual = new Map<string, string>();
      for (const identity of matrix.identities) {
        for (const [ns, access] of Object.entries(identity.access)) {
          actual.set(`${identity.kind}/${identity.name}/${ns}`, `${access.level}${access.meshIngress ? '+gateway' : ''}`);
        }
      }
      expect({ run, access: [...actual].sort() }).toEqual({ run, access: [...expected].sort() });
      // The network: no path between two tenants; a tenant without policies is reported open, nothing else is.
      const tenantNames = new Set(matrix.namespaces);
      expect({ run, paths: matrix.network.paths.filter(p => tenantNames.has(p.from) && tenantNames.has(p.to)) }).toEqual({ run, paths: [] });
      expect({ run, open: matrix.network.openIngress }).toEqual({ run, open: open.sort() });
      expect(matrix.meshOpen).toEqual([]);
    }
  });
});

describe('ipBlocks the app adds itself are read as Kubernetes reads them', () => {
  test.each([
    ['a block over the pod network', { cidr: '10.0.0.0/8' }, 'has ipBlock "10.0.0.0/8", which reaches 10.0.0.0/8 of the cluster\'s pod and service ranges'],
    ['a leading zero (Kubernetes reads 10/8)', { cidr: '010.0.0.0/8' }, 'has an ipBlock whose CIDR "010.0.0.0/8" has a number with a leading zero'],
    ['IPv4 written as IPv6', { cidr: '::ffff:a00:0/104' }, 'has an ipBlock whose CIDR "::ffff:a00:0/104" is an IPv4 range written as IPv6'],
    ['everything, exceptions narrowed', { cidr: '0.0.0.0/0', except: ['10.0.0.0/9', '169.254.0.0/16'] }, 'has ipBlock "0.0.0.0/0", which reaches 10.0.0.0/8,'],
    ['the cloud metadata service', { cidr: '169.254.169.254/32' }, 'has ipBlock "169.254.169.254/32", which reaches 169.254.169.254/32, where the cloud metadata service'],
  ])('%s is refused', (_, ipBlock, message) => {
    const { app } = twoTenants((_chart, a) => {
      new k8s.KubeNetworkPolicy(a, 'Raw', { metadata: { name: 'raw', namespace: 'team-a' }, spec: { podSelector: {}, egress: [{ to: [{ ipBlock }] }] } });
    });
    expect(() => app.renderManifests()).toThrow(`tenant "team-a": NetworkPolicy team-a/raw ${message}`);
  });

  test('a public block, and the cluster ranges excepted, pass', () => {
    const { app } = twoTenants((_chart, a) => {
      new k8s.KubeNetworkPolicy(a, 'Raw', {
        metadata: { name: 'raw', namespace: 'team-a' },
        spec: { podSelector: {}, egress: [{ to: [{ ipBlock: { cidr: '203.0.113.0/24' } }, { ipBlock: { cidr: '0.0.0.0/0', except: ['10.0.0.0/8', '172.16.0.0/12', '192.168.0.0/16', '100.64.0.0/10', '169.254.0.0/16'] } }] }] },
      });
    });
    expect(() => app.renderManifests()).not.toThrow();
  });
});
