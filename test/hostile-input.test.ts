/**
 * Hostile input: each row is a catalog an attacker (or a careless pull request) might write
 * to get an isolation-breaking output past synth. Every one must be refused: exit code 1,
 * nothing written, and a message naming the file:line, tenant, field and fix.
 */
import { execFileSync } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';
import { cli, synthText } from './support/cli';
import { EXAMPLE_PROFILES } from './support/paths';
import { listFiles, parseYaml, tempDir } from './support/synth';

const OWNER_A = 'owner: lead-a@company.com';

/** A catalog of the given tenants (YAML list items, already indented by two). */
function catalog(tenants: string, extra: string = ''): string {
  return `apiVersion: kf-tenancy/v1alpha1\nkind: TenantCatalog\n${extra}tenants:\n${tenants}`;
}

function tenant(name: string, lines: string[] = []): string {
  return [`  - name: ${name}`, `    owner: owner@${name}.io`, ...lines.map(l => `    ${l}`)].join('\n') + '\n';
}

describe('isolation escapes are refused before anything is written', () => {
  test.each([
    // 1. Istio wildcards in identities
    ['owner with a leading *', catalog('  - {name: team-a, owner: "*@company.com"}\n'), 'tenant "team-a": owner: "*@company.com" contains "*"'],
    ['group contributor with a trailing *', catalog(tenant('team-a', ['contributors: [{name: "ml*", kind: Group}]'])), 'contributor "ml*": name "ml*" contains "*"'],
    ['team-role user with a trailing *', catalog(tenant('team-a', ['teamRoles: [{name: eng, preset: ml-engineer, users: ["bob*"]}]'])), 'teamRoles "eng": users: "bob*" contains "*"'],
    // 2. principals pointed at a tenant
    ['Pipelines UI principal in another tenant', catalog(tenant('team-a') + tenant('team-b'), 'cluster:\n  auth: {pipelinesUiPrincipal: cluster.local/ns/team-b/sa/default-editor}\n'),
      'tenant "team-a": auth.pipelinesUiPrincipal: "cluster.local/ns/team-b/sa/default-editor" is a service account of tenant "team-b"'],
    ['ingress gateway principal in the tenant itself', catalog(tenant('team-a'), 'cluster:\n  auth: {ingressGatewayPrincipal: cluster.local/ns/team-a/sa/default-editor}\n'),
      'tenant "team-a": auth.ingressGatewayPrincipal: "cluster.local/ns/team-a/sa/default-editor" is a service account of the tenant\'s own namespace'],
    ['a principal with a wildcard trust domain', catalog(tenant('team-a'), 'cluster:\n  auth: {notebookControllerPrincipal: "*/ns/kubeflow/sa/notebook-controller-service-account"}\n'),
      'auth.notebookControllerPrincipal: "*/ns/kubeflow/sa/notebook-controller-service-account" contains "*"'],
    // 3. ambient waypoint in another tenant
    ['waypoint in another tenant', catalog(tenant('team-a', ['meshMode: ambient', 'ambient: {waypointNamespace: team-b, waypointName: wp}']) + tenant('team-b')),
      'tenant "team-a": ambient.waypointNamespace: the waypoint is in namespace "team-b", not the tenant\'s'],
    // 4. shared-services label by renaming, and selectors of every profile namespace
    ['a tenant carries the default shared-services label after renaming its own',
      catalog(tenant('team-a') + tenant('team-b', ['networkPolicy: {sharedServicesLabel: example.com/mine}', 'namespaceLabels: {kf-tenancy.io/shared-services: "true"}'])),
      'tenant "team-b": namespaceLabels: "kf-tenancy.io/shared-services" marks a shared-services namespace'],
    ['a tenant carries another tenant\'s custom shared-services label',
      catalog(tenant('team-a', ['networkPolicy: {sharedServicesLabel: example.com/shared}']) + tenant('team-b', ['namespaceLabels: {example.com/shared: "true"}'])),
      'tenant "team-b": namespaceLabels["example.com/shared"]: is the shared-services label that tenant "team-a"'],
    ['ingress from every Kubeflow profile namespace, in a one-tenant run',
      catalog(tenant('team-a', ['networkPolicy: {additionalIngress: [{name: all-profiles, namespaceLabels: {app.kubernetes.io/part-of: kubeflow-profile}}]}'])),
      'networkPolicy.additionalIngress[0].namespaceLabels: app.kubernetes.io/part-of=kubeflow-profile is on every Kubeflow profile namespace'],
    ['an empty namespace selector', catalog(tenant('team-a', ['networkPolicy: {additionalEgress: [{name: everywhere, namespaceLabels: {}}]}'])),
      'networkPolicy.additionalEgress[0].namespaceLabels: is empty, which selects every namespace'],
    // 5. ipBlocks over the cluster's own ranges
    ['0.0.0.0/0 with the exceptions narrowed', catalog(tenant('team-a', ['networkPolicy: {additionalEgress: [{name: world, cidr: 0.0.0.0/0, exceptCidrs: [169.254.0.0/16]}]}'])),
      'networkPolicy.additionalEgress[0].cidr: "0.0.0.0/0" (except 169.254.0.0/16) reaches 10.0.0.0/8, 172.16.0.0/12, 192.168.0.0/16, 100.64.0.0/10'],
    ['an ingress ipBlock inside the pod range', catalog(tenant('team-a', ['networkPolicy: {additionalIngress: [{name: pods, cidr: 10.1.0.0/16}]}'])),
      'networkPolicy.additionalIngress[0].cidr: "10.1.0.0/16" reaches 10.1.0.0/16'],
    ['an IPv6 block over the unique-local range', catalog(tenant('team-a', ['networkPolicy: {additionalEgress: [{name: v6, cidr: "::/0"}]}'])),
      'reaches fc00::/7'],
    ['API server CIDRs inside the declared pod range',
      catalog(tenant('team-a', ['networkPolicy: {apiServerCidrs: [10.244.0.0/16]}']), 'cluster:\n  clusterCidrs: [10.244.0.0/16, 10.96.0.0/12]\n'),
      'networkPolicy.apiServerCidrs[0]: "10.244.0.0/16" reaches 10.244.0.0/16'],
    // 6. empty port lists
    ['kubeflowServicePorts: []', catalog(tenant('team-a', ['networkPolicy: {kubeflowServicePorts: []}'])), 'networkPolicy.kubeflowServicePorts: is empty, which a NetworkPolicy would read as every port'],
    ['istiodPorts: []', catalog(tenant('team-a', ['networkPolicy: {istiodPorts: []}'])), 'networkPolicy.istiodPorts: is empty'],
    ['apiServerPorts: []', catalog(tenant('team-a', ['networkPolicy: {apiServerPorts: [], apiServerCidrs: [203.0.113.10/32]}'])), 'networkPolicy.apiServerPorts: is empty'],
    ['a custom rule with ports: []', catalog(tenant('team-a', ['networkPolicy: {additionalEgress: [{name: reg, namespace: registry, ports: []}]}'])),
      'networkPolicy.additionalEgress[0].ports: is empty'],
    // 7. platform namespaces as tenants
    ['a tenant named oauth2-proxy', catalog(tenant('oauth2-proxy')), 'tenant "oauth2-proxy": name: "oauth2-proxy" is a reserved namespace'],
    ['a tenant named knative-eventing', catalog(tenant('knative-eventing')), 'tenant "knative-eventing": name: "knative-eventing" is a reserved namespace'],
    ['a tenant named after the quota alerts\' namespace', catalog(tenant('observability'), 'cluster: {quotaAlerts: {namespace: observability}}\n'),
      'tenant "observability": name: "observability" is also the namespace of platform objects (PrometheusRule kf-tenancy-quota-alerts)'],
    ['a tenant named monitoring (where the quota alerts go by default)', catalog(tenant('monitoring')), 'tenant "monitoring": name: "monitoring" is a reserved namespace'],
    ['the identity provider in a tenant', catalog(tenant('team-a'),
      'cluster: {identityProvider: {namespace: team-a, issuer: "https://kf.example.com/dex", secretName: dex-secrets, '
      + 'oidcConnectors: [{id: corp, name: Corp, issuer: "https://login.example.com", clientId: kf, clientSecret: $OIDC_SECRET, redirectUri: "https://kf.example.com/dex/callback"}]}}\n'),
    'tenant "team-a": name: "team-a" is also the namespace of platform objects (ConfigMap dex)'],
    ['a tenant given as the Kubeflow namespace of another', catalog(tenant('team-a', ['networkPolicy: {kubeflowNamespace: team-b}']) + tenant('team-b')),
      'tenant "team-a": networkPolicy.kubeflowNamespace: "team-b" is a tenant, not the platform\'s namespace'],
    // 8. team roles that escalate
    ['a team role with bind', catalog(tenant('team-a', ['teamRoles: [{name: lead, rules: [{apiGroups: [rbac.authorization.k8s.io], resources: [rolebindings], verbs: [create, bind]}]}]'])),
      'teamRoles "lead": rules[0] grants bind (not a read or write verb: it can grant, assume or approve rights), create rbac.authorization.k8s.io/rolebindings, beyond'],
    ['a team role with escalate and impersonate', catalog(tenant('team-a', ['teamRoles: [{name: lead, rules: [{apiGroups: [rbac.authorization.k8s.io, ""], resources: [roles, users], verbs: [escalate, impersonate]}]}]'])),
      'teamRoles "lead": rules[0] grants escalate (not a read or write verb: it can grant, assume or approve rights), impersonate (not a read'],
    ['a team role that patches the namespace', catalog(tenant('team-a', ['teamRoles: [{name: lead, rules: [{apiGroups: [""], resources: [namespaces], verbs: [get, patch]}]}]'])),
      'teamRoles "lead": rules[0] grants patch core/namespaces, beyond what a team role may grant without a reason'],
    ['a team role over a cluster-scoped resource', catalog(tenant('team-a', ['teamRoles: [{name: ops, rules: [{apiGroups: [""], resources: [nodes], verbs: [get]}]}]'])),
      'teamRoles "ops": rules[0].resources has nodes, which is cluster-scoped'],
    // 5b. the cloud metadata service (the node's cloud identity, shared by every tenant)
    ['egress to the metadata address', catalog(tenant('team-a', ['networkPolicy: {additionalEgress: [{name: imds, cidr: 169.254.169.254/32}]}'])),
      'networkPolicy.additionalEgress[0].cidr: "169.254.169.254/32" reaches 169.254.169.254/32, where the cloud metadata service'],
    ['egress everywhere but the cluster ranges', catalog(tenant('team-a', ['networkPolicy: {additionalEgress: [{name: world, cidr: 0.0.0.0/0, exceptCidrs: [10.0.0.0/8, 172.16.0.0/12, 192.168.0.0/16, 100.64.0.0/10]}]}'])),
      'reaches 169.254.0.0/16, where the cloud metadata service'],
    ['the metadata address as the API server', catalog(tenant('team-a', ['networkPolicy: {apiServerCidrs: [169.254.169.254/32]}'])),
      'networkPolicy.apiServerCidrs[0]: "169.254.169.254/32" reaches 169.254.169.254/32, where the cloud metadata service'],
    // 5c. keys and names every JavaScript object has (they crashed the run: an internal error)
    ['a namespace label named constructor', catalog(tenant('team-a', ['namespaceLabels: {constructor: x}'])), 'the key "constructor" is a property every JavaScript object has'],
    ['a peer selector key toString', catalog(tenant('team-a', ['networkPolicy: {additionalIngress: [{name: p, namespaceLabels: {toString: x}}]}'])), 'the key "toString" is a property every JavaScript object has'],
    ['a LimitRange resource named constructor', catalog(tenant('team-a', ['limitRange: {container: {default: {constructor: "1"}}}'])), 'the key "constructor"'],
    ['a tenant named constructor', catalog(tenant('constructor')), 'tenant "constructor": name: "constructor" is a property name every JavaScript object has'],
    ['a PriorityClass named constructor', catalog(tenant('team-a'), 'cluster:\n  priorityClasses: [{name: constructor, value: 1000}]\n'), '"constructor"'],
    // 9. facts of the cluster restated by a tenant or the defaults
    ['a tenant with its own user-id header', catalog(tenant('team-a', ['auth: {userIdHeader: x-auth-request-user}'])),
      'tenant "team-a": auth.userIdHeader: "x-auth-request-user" differs from the cluster\'s "kubeflow-userid"'],
    ['defaults with their own gateway principal', catalog(tenant('team-a'), 'defaults:\n  auth: {ingressGatewayPrincipal: cluster.local/ns/gw/sa/gw}\n'),
      'tenant "team-a": auth.ingressGatewayPrincipal: "cluster.local/ns/gw/sa/gw" differs from the cluster\'s'],
    ['a tenant narrowing the cluster ranges to open private space', catalog(tenant('team-a', ['networkPolicy: {clusterCidrs: [10.244.0.0/16], additionalEgress: [{name: x, cidr: 10.0.0.0/16}]}'])),
      'tenant "team-a": networkPolicy.clusterCidrs: [10.244.0.0/16] differs from the cluster\'s'],
    ['cluster.auth against the identity provider', catalog(tenant('team-a'), 'cluster:\n  auth: {userIdHeader: x-auth-request-email}\n  identityProvider: {issuer: "https://dex.example.com/dex", secretName: dex-secrets, kubeflowAuth: {userIdHeader: x-auth-request-user}}\n'),
      'cluster.auth.userIdHeader: "x-auth-request-email" differs from cluster.identityProvider.kubeflowAuth.userIdHeader "x-auth-request-user"'],
    // 10. client-controlled headers
    ['user-agent as the user-id header', catalog(tenant('team-a'), 'cluster:\n  auth: {userIdHeader: user-agent}\n'), 'tenant "team-a": auth.userIdHeader: "user-agent" is not a header an auth proxy sets'],
    ['host as the groups header', catalog(tenant('team-a'), 'cluster:\n  auth: {groupsHeader: host}\n'), 'auth.groupsHeader: "host" is not a header an auth proxy sets'],
    ['a tracing header as the groups header', catalog(tenant('team-a'), 'cluster:\n  auth: {groupsHeader: traceparent}\n'), 'auth.groupsHeader: "traceparent" is not a header an auth proxy sets'],
    ['x-forwarded-user as the user-id header', catalog(tenant('team-a'), 'cluster:\n  auth: {userIdHeader: x-forwarded-user}\n'), 'auth.userIdHeader: "x-forwarded-user" is not a header an auth proxy sets'],
    ['the groups header as the user-id header', catalog(tenant('team-a'), 'cluster:\n  auth: {userIdHeader: x-auth-request-groups}\n'),
      'auth.userIdHeader: "x-auth-request-groups" carries the groups, not the user id'],
  ])('%s', (_, text, message) => {
    const result = synthText(text);
    expect({ code: result.code, written: result.written }).toEqual({ code: 1, written: [] });
    expect(result.stderr).toContain(message);
    // Every message carries the file and line it comes from.
    for (const line of result.stderr.split('\n').slice(1).filter(l => l.trim())) expect(line).toMatch(/tenants\.yaml:\d+: /);
  });

  test('escalation is allowed with the documented opt-out', () => {
    const result = synthText(catalog(tenant('team-a', ['teamRoles: [{name: lead, allowEscalation: true, escalationReason: "team leads relabel the namespace for the GPU pool", rules: [{apiGroups: [""], resources: [namespaces], verbs: [get, patch]}]}]'])));
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
  });

  test('the internet allowance keeps the cluster ranges and cloud metadata closed even with internetExcept emptied', () => {
    const result = synthText(catalog(tenant('team-a', ['networkPolicy: {allowInternet: true, internetExcept: []}'])));
    expect(result.code).toBe(0);
    const objects = parseYaml(fs.readFileSync(path.join(result.out, 'tenants', 'team-a', 'manifests.yaml'), 'utf8'));
    const internet = objects.find(o => o.metadata.name === 'allow-internet');
    expect(internet.spec.egress[0].to[0].ipBlock).toEqual({
      cidr: '0.0.0.0/0',
      except: ['10.0.0.0/8', '172.16.0.0/12', '192.168.0.0/16', '100.64.0.0/10', '169.254.0.0/16'],
    });
  });

  test('a tenant may repeat the cluster\'s facts', () => {
    const result = synthText(catalog(tenant('team-a', ['auth: {userIdHeader: x-auth-request-email}', 'networkPolicy: {clusterCidrs: [10.96.0.0/12, 10.244.0.0/16]}']),
      'cluster:\n  auth: {userIdHeader: x-auth-request-email}\n  clusterCidrs: [10.244.0.0/16, 10.96.0.0/12]\n'));
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
  });

  test('with the cluster ranges declared, a corporate range outside them is accepted', () => {
    const result = synthText(catalog(tenant('team-a', [
      'networkPolicy: {apiServerCidrs: [10.0.0.10/32], additionalEgress: [{name: corp, cidr: 192.168.50.0/24}]}',
    ]), 'cluster:\n  clusterCidrs: [10.244.0.0/16, 10.96.0.0/12]\n'));
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
  });
});

describe('the isolation check refuses the same escapes in output it did not write', () => {
  test.each([
    ['a wildcard user value', { key: 'request.headers[kubeflow-userid]', values: ['bob*'] }, undefined, 'matches "bob*", which Istio reads as a wildcard'],
    ['a principal of another tenant', undefined, 'cluster.local/ns/team-b/sa/default-editor', 'admits "cluster.local/ns/team-b/sa/default-editor" of tenant "team-b"'],
    ['a wildcard principal', undefined, 'cluster.local/ns/*/sa/x', 'source.principals "cluster.local/ns/*/sa/x" is a wildcard'],
  ])('%s', (_, condition, principal, message) => {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const { crossTenantViolations } = require('../src/analysis/isolation');
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const { formatProblem } = require('../src/core/problem');
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const { RbacModel } = require('../src/analysis/rbac');
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const { resolveAuth } = require('../src/core/auth-options');
    const declared = (ns: string) => ({ declared: { namespace: ns, users: [`owner@${ns}.io`], groups: [], ingressPeers: [], egressPeers: [] }, auth: resolveAuth(), labels: {} });
    const tenants = new Map([['team-a', declared('team-a')], ['team-b', declared('team-b')]]);
    const policy = {
      apiVersion: 'security.istio.io/v1beta1',
      kind: 'AuthorizationPolicy',
      metadata: { name: 'hand-added', namespace: 'team-a' },
      spec: { rules: [{ from: [{ source: { principals: [principal ?? 'cluster.local/ns/istio-system/sa/istio-ingressgateway-service-account'] } }], when: condition ? [condition] : [{ key: 'request.headers[kubeflow-userid]', values: ['owner@team-a.io'] }] }] },
    };
    expect(crossTenantViolations(tenants, [policy], new RbacModel([])).map(formatProblem).join('\n')).toContain(message);
  });
});

describe('bad input gets a clean error: exit code 1, nothing written, file:line, tenant and field, no raw control characters', () => {
  const one = (tenantLine: string) => catalog(`${tenantLine}\n`);
  test.each([
    ['an empty file', '', 'no tenants; writing would empty'],
    ['an empty tenant list', catalog('  []\n'), 'Pass --allow-empty'],
    ['owner: true', one('  - {name: team-a, owner: true}'), 'tenants.yaml:4: tenant "team-a": owner: true (a boolean) is not a string'],
    ['an octal-looking name', one('  - {name: 0755, owner: a@b.io}'), 'tenants.yaml:4: tenants[0]: name: 755 (a number) is not a string'],
    ['a number as contributor', one('  - {name: team-a, owner: a@b.io, contributors: [{name: 123}]}'), 'contributors[0].name: 123 (a number) is not a string'],
    ['a list where a quantity belongs', one('  - {name: team-a, owner: a@b.io, resourceQuota: {cpu: [1]}}'), 'resourceQuota.cpu: must be a string, not a list'],
    ['a zero-width space in an identity', one('  - {name: team-a, owner: "a\\u200b@b.io"}'), 'owner: "a\\u{200B}@b.io" contains the character U+200B'],
    ['a bidirectional override', one('  - {name: team-a, owner: "a\\u202e@b.io"}'), 'contains the character U+202E'],
    ['CR/LF in an identity', one('  - {name: team-a, owner: "a\\r\\n@b.io"}'), 'owner: "a\\u{000D}\\u{000A}@b.io" contains whitespace or control characters'],
    ['NUL in an identity', one('  - {name: team-a, owner: "a\\0@b.io"}'), 'owner: "a\\u{0000}@b.io" contains whitespace or control characters'],
    ['a Cyrillic look-alike', one('  - {name: team-a, owner: "\u0430lice@b.io"}'), 'contains the character U+0430'],
    ['a fractional pod count', one('  - {name: team-a, owner: a@b.io, resourceQuota: {pods: "2.5"}}'), 'resourceQuota["pods"]: "2.5" is not a whole number'],
    ['a fractional GPU', one('  - {name: team-a, owner: a@b.io, resourceQuota: {requests.nvidia.com/gpu: "0.5"}}'), 'resourceQuota["requests.nvidia.com/gpu"]: "0.5" is not a whole number'],
    ['an exponent that overflows', one('  - {name: team-a, owner: a@b.io, resourceQuota: {cpu: "1e400"}}'), 'resourceQuota["cpu"]: "1e400" is not a Kubernetes quantity'],
    ['a GPU LimitRange max compared exactly', one('  - {name: team-a, owner: a@b.io, limitRange: {container: {default: {nvidia.com/gpu: "3"}, max: {nvidia.com/gpu: "2"}}}}'),
      'default["nvidia.com/gpu"] 3 is above max 2'],
    ['the name label the API server overwrites', one('  - {name: team-a, owner: a@b.io, namespaceLabels: {kubernetes.io/metadata.name: team-b}}'),
      'namespaceLabels: "kubernetes.io/metadata.name" is set by the API server'],
    ['a repeated key', one('  - {name: team-a, owner: a@b.io, owner: c@d.io}'), 'Map keys must be unique (key "owner" appears twice in the same map)'],
    ['a priority class value of 1.5', catalog('  - {name: team-a, owner: a@b.io}\n', 'cluster: {priorityClasses: [{name: odd, value: 1.5}]}\n'),
      'tenants.yaml:3: cluster: priorityClasses[0] "odd": value 1.5 (a number) is not a whole number'],
    ['two network rules of the same name (a construct-id clash before)',
      one('  - {name: team-a, owner: a@b.io, networkPolicy: {additionalEgress: [{name: db, namespace: x}, {name: db, namespace: y}]}}'),
      'tenants.yaml:4: tenant "team-a": networkPolicy.additionalEgress[1].name: "db" is also the name of additionalEgress[0]'],
    ['a huge value echoed back cut short', one(`  - {name: team-a, owner: "${'x'.repeat(100_000)}"}`), '…" (100000 characters)'],
  ])('%s', (_, text, message) => {
    const result = synthText(text);
    expect({ code: result.code, written: result.written }).toEqual({ code: 1, written: [] });
    expect(result.stderr).toContain(message);
    expect(result.stderr).not.toMatch(/[\u0000-\u0008\u000b-\u001f\u007f\u200b\u202e]/);
    expect(result.stderr.length).toBeLessThan(5000);
    expect(result.stderr).not.toContain('    at ');
  });

  test('--allow-empty writes an empty output when that is meant', () => {
    const result = synthText(catalog('  []\n'), ['--allow-empty']);
    expect(result.code).toBe(0);
    expect(result.stdout).toBe(`wrote 0 tenants to ${result.out}\n`);
  });

  test('the same file given twice is named once, not as a clash with itself', () => {
    const dir = tempDir();
    const file = path.join(dir, 'tenants.yaml');
    fs.writeFileSync(file, catalog(tenant('team-a')));
    const result = cli(['validate', file, path.join(dir, '.', 'tenants.yaml')]);
    expect(result.code).toBe(1);
    expect(result.stderr).toContain(`${path.join(dir, 'tenants.yaml')}: given more than once`);
    expect(result.stderr).not.toContain('also declared at');
  });

  test('an alias bomb is refused quickly, with the file and line', () => {
    const lines = ['a: &a [x, x, x, x, x, x, x, x, x, x]'];
    for (let i = 1; i < 12; i++) {
      const prev = String.fromCharCode(96 + i);
      lines.push(`${String.fromCharCode(97 + i)}: &${String.fromCharCode(97 + i)} [${Array(10).fill(`*${prev}`).join(', ')}]`);
    }
    for (const command of ['synth', 'validate', 'import']) {
      const dir = tempDir();
      const file = path.join(dir, 'bomb.yaml');
      fs.writeFileSync(file, lines.join('\n') + '\n');
      const result = cli(command === 'synth' ? [command, file, '--out', path.join(dir, 'out')] : [command, file]);
      expect(result.code).toBe(1);
      expect(result.stderr).toContain('bomb.yaml:1: YAML: Excessive alias count');
    }
  });

  test('an input that is not a regular file is refused after fstat, without a blocking open', () => {
    const dir = tempDir();
    const fifo = path.join(dir, 'catalog.fifo');
    execFileSync('mkfifo', [fifo]);
    // Nothing ever writes to the FIFO: a blocking open would hang this test until jest's timeout.
    for (const [file, kind] of [['/dev/zero', 'a character device'], [fifo, 'a named pipe (FIFO)'], [dir, 'a folder']]) {
      for (const command of ['synth', 'validate', 'import']) {
        const result = cli(command === 'synth' ? [command, file, '--out', path.join(dir, 'out')] : [command, file]);
        expect({ command, file, code: result.code }).toEqual({ command, file, code: 1 });
        expect(result.stderr).toContain(`${file}: cannot read: is ${kind}`);
      }
    }
  });

  describe('--out', () => {
    const input = () => {
      const dir = tempDir();
      const file = path.join(dir, 'tenants.yaml');
      fs.writeFileSync(file, catalog(tenant('team-a')));
      return { dir, file };
    };
    test.each([
      ['a file', (dir: string) => { fs.writeFileSync(path.join(dir, 'f'), 'x'); return path.join(dir, 'f'); }, 'is a file, not a folder'],
      ['under a file', (dir: string) => { fs.writeFileSync(path.join(dir, 'f'), 'x'); return path.join(dir, 'f', 'sub'); }, 'which is a file'],
      ['empty', () => '', 'the output folder is empty'],
      ['unwritable', () => '/proc/kf-tenancy-test/out', 'cannot write beside it'],
    ])('%s is refused', (_, out, message) => {
      const { dir, file } = input();
      const result = cli(['synth', file, '--out', out(dir)]);
      expect(result.code).toBe(1);
      expect(result.stderr).toContain(message);
      expect(fs.readFileSync(path.join(dir, 'tenants.yaml'), 'utf8')).toContain('team-a');
    });

    test('a forged .kf-tenancy-files never makes synth --force delete outside --out', () => {
      const { dir, file } = input();
      const victim = path.join(dir, 'victim.txt');
      fs.writeFileSync(victim, 'keep me');
      const out = path.join(dir, 'out');
      fs.mkdirSync(out);
      fs.writeFileSync(path.join(out, 'mine.txt'), 'a file of the user');
      fs.writeFileSync(path.join(out, '.kf-tenancy-files'), ['../victim.txt', victim, 'mine.txt/../../victim.txt', ''].join('\n'));
      const result = cli(['synth', file, '--out', out, '--force']);
      expect(result.code).toBe(0);
      expect(fs.readFileSync(victim, 'utf8')).toBe('keep me');
      expect(fs.readFileSync(path.join(out, 'mine.txt'), 'utf8')).toBe('a file of the user');
      expect(listFiles(out)).toContain('tenants/team-a/manifests.yaml');
    });
  });

  test('import -o and access --json into a folder fail as input errors', () => {
    const dir = tempDir();
    const profiles = EXAMPLE_PROFILES;
    const imported = cli(['import', profiles, '-o', dir]);
    expect({ code: imported.code, message: imported.stderr.includes(`${dir}: cannot write: EISDIR`) }).toEqual({ code: 1, message: true });
    const out = path.join(dir, 'out');
    expect(cli(['synth', profiles, '--out', out]).code).toBe(0);
    const access = cli(['access', out, '--json', dir]);
    expect({ code: access.code, message: access.stderr.includes(`${dir}: cannot write: EISDIR`) }).toEqual({ code: 1, message: true });
  });

  test('access on an unparsable folder fails instead of reporting nobody', () => {
    const dir = tempDir();
    fs.writeFileSync(path.join(dir, 'broken.yaml'), 'kind: [\n');
    const broken = cli(['access', dir]);
    expect(broken.code).toBe(1);
    expect(broken.stderr).toContain('broken.yaml:');
    const empty = cli(['access', tempDir()]);
    expect(empty.code).toBe(1);
    expect(empty.stderr).toContain('no manifests found');
  });

  test('a cross-tenant network path names the tenant that opened it, with its file:line', () => {
    const result = synthText(catalog(tenant('team-a', ['networkPolicy: {additionalEgress: [{name: peers, namespaceLabels: {team: shared}}]}'])
      + tenant('team-b', ['namespaceLabels: {team: shared}'])));
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(/tenants\.yaml:4: tenant "team-a": NetworkPolicy team-a\/allow-egress-peers allows egress to tenant "team-b"/);
  });
});
