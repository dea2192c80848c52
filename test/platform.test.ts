import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { parser } from '@prometheus-io/lezer-promql';
import { parse } from 'yaml';
import { AuditLevel, AuditPolicy, IdentityProvider, QuotaAlertName, QuotaAlerts, TenantCatalog, TenantDashboard, TenantProfile } from '../src';
import { validateAgainstSchema } from './support/schema';
import { newChart, parseYaml, renderObjects } from './support/synth';
import { auditPolicyDocument } from '../src/constructs/cluster/audit-policy';
import { durationProblem, namespaceMatcher, quotaRatio, regexLiteral } from '../src/core/promql';

/** Whether Prometheus' own grammar parses the expression without error nodes. */
function parsesAsPromQL(expr: string): boolean {
  let ok = true;
  parser.parse(expr).iterate({ enter: node => { if (node.type.isError) ok = false; } });
  return ok;
}

const TENANTS = ['team-b', 'team-a'];

describe('PromQL helpers', () => {
  test('regex literals escape metacharacters for a double-quoted PromQL string', () => {
    expect(regexLiteral('requests.nvidia.com/gpu')).toBe('requests\\\\.nvidia\\\\.com/gpu');
    expect(regexLiteral('team-a')).toBe('team-a');
  });

  test('namespace matchers are sorted and deduplicated, so output does not depend on input order', () => {
    expect(namespaceMatcher(['b', 'a', 'b'])).toBe('namespace=~"a|b"');
  });

  test('the quota ratio divides used by hard per namespace, quota and resource, leaving out zero quotas', () => {
    expect(quotaRatio(['requests.cpu', 'cpu'], { namespaces: ['team-a'] })).toBe([
      'max by (namespace, resourcequota, resource) (kube_resourcequota{type="used",resource=~"requests\\\\.cpu|cpu",namespace=~"team-a"})',
      '  /',
      'max by (namespace, resourcequota, resource) (kube_resourcequota{type="hard",resource=~"requests\\\\.cpu|cpu",namespace=~"team-a"} > 0)',
    ].join('\n'));
  });

  test.each([['15m', true], ['1h30m', true], ['5', false], ['', false], ['0m', false], ['15 m', false]])('duration %s valid: %s', (value, ok) => {
    expect(durationProblem(value) === undefined).toBe(ok);
  });

  test('the grammar check itself rejects broken PromQL', () => {
    expect(parsesAsPromQL('sum(rate(x[5m])) >')).toBe(false);
    expect(parsesAsPromQL('sum(rate(x[5m])) > 0.8')).toBe(true);
  });
});

describe('QuotaAlerts', () => {
  const { app, chart } = newChart();
  new QuotaAlerts(chart, 'alerts', { tenants: TENANTS, ruleLabels: { release: 'kube-prometheus-stack' }, alertLabels: { team: 'platform' } });
  const rule = renderObjects(app).find(o => o.kind === 'PrometheusRule');
  const alerts = rule.spec.groups[0].rules;
  const byName = (name: QuotaAlertName) => alerts.find((a: any) => a.alert === name);

  test('one PrometheusRule in monitoring, labelled for the Prometheus rule selector, valid against the CRD schema', () => {
    expect(rule.metadata).toEqual({ name: 'kf-tenancy-quota-alerts', namespace: 'monitoring', labels: { release: 'kube-prometheus-stack' } });
    expect(() => validateAgainstSchema(rule)).not.toThrow();
    // The CRD schema check is real: a bad duration fails it.
    const broken = { ...rule, spec: { groups: [{ ...rule.spec.groups[0], rules: [{ ...alerts[0], for: '15 minutes' }] }] } };
    expect(() => validateAgainstSchema(broken)).toThrow(/fails its schema: .*must match pattern/);
    expect(alerts.map((a: any) => a.alert)).toEqual([QuotaAlertName.CPU, QuotaAlertName.MEMORY, QuotaAlertName.GPU, QuotaAlertName.PVC]);
  });

  test('CPU: requests above 80 % of the quota for 15 m is a warning', () => {
    expect(byName(QuotaAlertName.CPU)).toMatchObject({ for: '15m', labels: { severity: 'warning', team: 'platform' } });
    expect(byName(QuotaAlertName.CPU).expr).toBe(`${quotaRatio(['requests.cpu', 'cpu'], { namespaces: TENANTS })}\n  > 0.8`);
    expect(byName(QuotaAlertName.CPU).expr).toContain('namespace=~"team-a|team-b"');
  });

  test('memory likewise; PVC count above 90 %; GPU quota fully used for 5 m is critical', () => {
    expect(byName(QuotaAlertName.MEMORY).expr).toBe(`${quotaRatio(['requests.memory', 'memory'], { namespaces: TENANTS })}\n  > 0.8`);
    expect(byName(QuotaAlertName.PVC).expr).toBe(`${quotaRatio(['persistentvolumeclaims'], { namespaces: TENANTS })}\n  > 0.9`);
    expect(byName(QuotaAlertName.GPU)).toMatchObject({ for: '5m', labels: { severity: 'critical' } });
    expect(byName(QuotaAlertName.GPU).expr).toBe(`${quotaRatio(['requests.nvidia.com/gpu'], { namespaces: TENANTS })}\n  >= 1`);
  });

  test('every expression parses with Prometheus\' grammar; annotations name the tenant and the value', () => {
    for (const alert of alerts) expect({ alert: alert.alert, parses: parsesAsPromQL(alert.expr) }).toEqual({ alert: alert.alert, parses: true });
    expect(byName(QuotaAlertName.CPU).annotations.summary).toBe('Tenant {{ $labels.namespace }}: CPU requests near the quota (above 80 %)');
    expect(byName(QuotaAlertName.CPU).annotations.description).toContain('{{ $value | humanizePercentage }}');
  });

  test('thresholds, durations, GPU resource and label-based tenant matching are configurable', () => {
    const custom = newChart();
    new QuotaAlerts(custom.chart, 'a', {
      tenants: [],
      cpuThreshold: 0.7,
      memoryThreshold: 0.75,
      pvcThreshold: 0.5,
      warningFor: '30m',
      gpuFor: '10m',
      gpuResource: 'amd.com/gpu',
      namespaceLabelMatcher: 'label_app_kubernetes_io_part_of="kubeflow-profile"',
    });
    const rules = renderObjects(custom.app).find(o => o.kind === 'PrometheusRule').spec.groups[0].rules;
    expect(rules.map((r: any) => [r.alert, r.for, r.expr.split('\n').pop()])).toEqual([
      [QuotaAlertName.CPU, '30m', '  > 0.7'],
      [QuotaAlertName.MEMORY, '30m', '  > 0.75'],
      [QuotaAlertName.GPU, '10m', '  >= 1'],
      [QuotaAlertName.PVC, '30m', '  > 0.5'],
    ]);
    expect(rules[2].expr).toContain('resource=~"requests\\\\.amd\\\\.com/gpu"');
    expect(rules[0].expr).toContain('* on (namespace) group_left ()\nmax by (namespace) (kube_namespace_labels{label_app_kubernetes_io_part_of="kubeflow-profile"})');
    expect(rules[0].expr).not.toContain('namespace=~');
    for (const r of rules) expect(parsesAsPromQL(r.expr)).toBe(true);
  });

  test('bad options are refused together, each naming its field', () => {
    const { chart: c } = newChart();
    expect(() => new QuotaAlerts(c, 'a', { tenants: ['Team_A'], cpuThreshold: 80, warningFor: '15 minutes', alertLabels: { 'bad-label': 'x' } }))
      .toThrow(/quotaAlerts\.tenants\[0\]: .*\n.*quotaAlerts\.cpuThreshold: 80 must be a fraction above 0 and at most 1.*\n.*quotaAlerts\.warningFor: "15 minutes" is not a Prometheus duration.*\n.*quotaAlerts\.alertLabels\["bad-label"\]/);
    expect(() => new QuotaAlerts(c, 'b', { tenants: [] })).toThrow('quotaAlerts.tenants: no tenant namespaces to watch');
  });
});

describe('TenantDashboard', () => {
  const { app, chart } = newChart();
  new TenantDashboard(chart, 'dashboard', { tenants: TENANTS });
  const configMap = renderObjects(app).find(o => o.kind === 'ConfigMap');
  const model = JSON.parse(configMap.data['kf-tenancy-tenants.json']);

  test('a ConfigMap labelled for the Grafana sidecar, valid against the Kubernetes schema', () => {
    expect(configMap.metadata).toEqual({ name: 'kf-tenancy-tenants-dashboard', namespace: 'monitoring', labels: { grafana_dashboard: '1' } });
    expect(() => validateAgainstSchema(configMap)).not.toThrow();
  });

  test('a namespace variable listing the tenants, sorted', () => {
    const variable = model.templating.list.find((v: any) => v.name === 'namespace');
    expect(variable).toMatchObject({ type: 'custom', query: 'team-a,team-b' });
    expect(variable.options.map((o: any) => o.value)).toEqual(['team-a', 'team-b']);
  });

  test('a panel per metric: CPU, memory and GPU usage, and quota usage ratios; every query parses', () => {
    expect(model.panels.map((p: any) => p.title)).toEqual(['CPU usage (cores)', 'Memory usage (working set)', 'GPU usage', 'Quota usage (used / hard)']);
    const exprs = model.panels.flatMap((p: any) => p.targets.map((t: any) => t.expr));
    expect(exprs[0]).toBe('sum(rate(container_cpu_usage_seconds_total{namespace="$namespace",container!=""}[5m]))');
    expect(exprs[1]).toBe('sum(container_memory_working_set_bytes{namespace="$namespace",container!=""})');
    expect(exprs[2]).toBe('sum(kube_pod_container_resource_requests{namespace="$namespace",resource="nvidia_com_gpu"})');
    expect(exprs[4]).toContain('kube_resourcequota{type="used"');
    expect(exprs[4]).toContain('namespace="$namespace"');
    for (const expr of exprs) expect({ expr, parses: parsesAsPromQL(expr) }).toEqual({ expr, parses: true });
    expect(model.panels[3].fieldConfig.defaults).toEqual({ unit: 'percentunit', min: 0, max: 1 });
  });

  test('the same tenants in any order give the same bytes', () => {
    const other = newChart();
    new TenantDashboard(other.chart, 'dashboard', { tenants: [...TENANTS].reverse() });
    expect(renderObjects(other.app).find(o => o.kind === 'ConfigMap')).toEqual(configMap);
  });
});

/** The level of the first rule that matches a request, as kube-apiserver evaluates an audit policy. */
function auditLevel(policy: any, request: { verb: string; group: string; resource: string; namespace?: string }): string {
  for (const rule of policy.rules) {
    if (rule.verbs && !rule.verbs.includes(request.verb)) continue;
    if (rule.namespaces && !rule.namespaces.includes(request.namespace ?? '')) continue;
    const matches = (r: any) => r.group === request.group && (!r.resources || r.resources.includes(request.resource));
    if (rule.resources && !rule.resources.some(matches)) continue;
    return rule.level;
  }
  return 'None';
}

describe('AuditPolicy', () => {
  const policy = auditPolicyDocument(['team-a', 'team-b'], AuditLevel.NONE) as any;
  const level = (verb: string, group: string, resource: string, namespace = 'team-a') => auditLevel(policy, { verb, group, resource, namespace });

  test('changes to Kubeflow resources and to access in tenants are recorded in full', () => {
    expect(level('create', 'kubeflow.org', 'notebooks')).toBe('RequestResponse');
    expect(level('delete', 'kubeflow.org', 'profiles')).toBe('RequestResponse');
    expect(level('patch', 'rbac.authorization.k8s.io', 'rolebindings')).toBe('RequestResponse');
    expect(level('create', 'rbac.authorization.k8s.io', 'roles', 'team-b')).toBe('RequestResponse');
  });

  test('notebook reads are Metadata; other namespaces and resources fall to the catch-all', () => {
    expect(level('get', 'kubeflow.org', 'notebooks')).toBe('Metadata');
    expect(level('list', 'kubeflow.org', 'notebooks')).toBe('Metadata');
    expect(level('create', 'rbac.authorization.k8s.io', 'rolebindings', 'kube-system')).toBe('None');
    expect(level('create', '', 'pods')).toBe('None');
  });

  test('Secrets and ConfigMaps never above Metadata, for any verb, anywhere (their rule comes first)', () => {
    for (const resource of ['secrets', 'configmaps']) {
      for (const verb of ['get', 'list', 'watch', 'create', 'update', 'patch', 'delete', 'deletecollection']) {
        for (const namespace of ['team-a', 'kube-system']) expect(level(verb, '', resource, namespace)).toBe('Metadata');
      }
    }
    expect(policy.rules[0]).toEqual({ level: 'Metadata', resources: [{ group: '', resources: ['secrets', 'configmaps'] }] });
    expect(policy.omitStages).toEqual(['RequestReceived']);
  });

  test('written to cluster/audit-policy.yaml with the webhook kubeconfig, outside every kustomization', () => {
    const { app, chart } = newChart();
    new TenantProfile(chart, 'team-a', { owner: 'a@c.io' });
    new AuditPolicy(chart, 'audit', {
      tenants: ['team-a'],
      otherRequestsLevel: AuditLevel.METADATA,
      webhook: { url: 'https://audit.example.com/k8s', certificateAuthorityFile: '/etc/kubernetes/audit/ca.crt' },
    });
    const files = app.renderManifests();
    const file = (p: string) => files.find(f => f.path === p);
    const written = parse(file('cluster/audit-policy.yaml')!.content);
    expect(written).toEqual(auditPolicyDocument(['team-a'], AuditLevel.METADATA));
    expect(written.rules[written.rules.length - 1]).toEqual({ level: 'Metadata' });
    expect(parse(file('cluster/audit-webhook.kubeconfig.yaml')!.content).clusters).toEqual([
      { name: 'audit-webhook', cluster: { 'server': 'https://audit.example.com/k8s', 'certificate-authority': '/etc/kubernetes/audit/ca.crt' } },
    ]);
    expect(files.filter(f => f.path.endsWith('kustomization.yaml')).map(f => f.content).join('\n')).not.toContain('audit');
  });

  test('a plain-HTTP webhook, credentials in the URL and key material are refused', () => {
    const { chart } = newChart();
    expect(() => new AuditPolicy(chart, 'a', { tenants: ['team-a'], webhook: { url: 'http://audit.example.com' } }))
      .toThrow('auditPolicy.webhook.url: "http://audit.example.com" must be an https:// URL');
    expect(() => new AuditPolicy(chart, 'b', { tenants: ['team-a'], webhook: { url: 'https://u:p@audit.example.com' } }))
      .toThrow('must not carry credentials');
    expect(() => new AuditPolicy(chart, 'c', {
      tenants: ['team-a'],
      webhook: { url: 'https://audit.example.com', clientCertificateFile: '-----BEGIN CERTIFICATE-----', clientKeyFile: '/k' },
    })).toThrow('auditPolicy.webhook.clientCertificateFile: must be an absolute file path on the API server host, not key material');
  });
});

describe('IdentityProvider (Dex)', () => {
  const props = {
    issuer: 'https://kubeflow.example.com/dex',
    secretName: 'dex-secrets',
    oidcConnectors: [{
      id: 'corporate-sso',
      name: 'Corporate SSO',
      issuer: 'https://login.example.com',
      clientId: '$OIDC_CLIENT_ID',
      clientSecret: '$OIDC_CLIENT_SECRET',
      redirectUri: 'https://kubeflow.example.com/dex/callback',
    }],
    ldapConnectors: [{
      id: 'ldap',
      name: 'LDAP',
      host: 'ldap.example.com:636',
      bindDn: 'cn=dex,dc=example,dc=com',
      bindPassword: '$LDAP_BIND_PASSWORD',
      userBaseDn: 'ou=people,dc=example,dc=com',
      groupBaseDn: 'ou=groups,dc=example,dc=com',
    }],
    staticClients: [{ id: 'kubeflow-oidc-authservice', name: 'Kubeflow', redirectUris: ['https://kubeflow.example.com/oauth2/callback'], secret: '$OAUTH2_PROXY_CLIENT_SECRET' }],
  };

  test('a ConfigMap with Dex config.yaml; secrets stay $VAR references to the named Secret', () => {
    const { app, chart } = newChart();
    new IdentityProvider(chart, 'dex', props);
    const configMap = renderObjects(app).find(o => o.kind === 'ConfigMap');
    expect(() => validateAgainstSchema(configMap)).not.toThrow();
    expect(configMap.metadata).toEqual({
      name: 'dex',
      namespace: 'auth',
      annotations: {
        'kf-tenancy.io/env-from-secret': 'dex-secrets',
        'kf-tenancy.io/secret-keys': 'LDAP_BIND_PASSWORD,OAUTH2_PROXY_CLIENT_SECRET,OIDC_CLIENT_ID,OIDC_CLIENT_SECRET',
      },
    });
    const config = parse(configMap.data['config.yaml']);
    expect(config.issuer).toBe('https://kubeflow.example.com/dex');
    expect(config.storage).toEqual({ type: 'kubernetes', config: { inCluster: true } });
    expect(config.connectors.map((c: any) => [c.type, c.id])).toEqual([['oidc', 'corporate-sso'], ['ldap', 'ldap']]);
    expect(config.connectors[0].config.clientSecret).toBe('$OIDC_CLIENT_SECRET');
    expect(config.connectors[1].config.bindPW).toBe('$LDAP_BIND_PASSWORD');
    expect(config.connectors[1].config.groupSearch.baseDN).toBe('ou=groups,dc=example,dc=com');
    expect(config.staticClients).toEqual([{
      id: 'kubeflow-oidc-authservice', name: 'Kubeflow', redirectURIs: ['https://kubeflow.example.com/oauth2/callback'], secretEnv: 'OAUTH2_PROXY_CLIENT_SECRET',
    }]);
  });

  test('a literal secret is refused with a message naming the field and the Secret to use', () => {
    const { chart } = newChart();
    const literal = { ...props, oidcConnectors: [{ ...props.oidcConnectors[0], clientSecret: 'hunter2' }], staticClients: [{ ...props.staticClients[0], secret: 's3cr3t' }] };
    expect(() => new IdentityProvider(chart, 'dex', literal)).toThrow(
      'identityProvider.oidcConnectors[0].clientSecret: a literal secret is not allowed in Dex\'s config (it would be stored in a ConfigMap and in Git); '
      + 'put the value in Secret "dex-secrets" under a key such as CLIENT_SECRET and write "$CLIENT_SECRET"');
    expect(() => new IdentityProvider(chart, 'dex2', literal)).toThrow('identityProvider.staticClients[0].secret: a literal secret is not allowed');
    expect(() => new IdentityProvider(chart, 'dex3', { ...props, ldapConnectors: [{ ...props.ldapConnectors[0], bindPassword: 'pw' }] }))
      .toThrow('identityProvider.ldapConnectors[0].bindPassword: a literal secret is not allowed');
  });

  test('its kubeflowAuth is what tenants use; a catalog applies it and refuses a tenant that contradicts it', () => {
    const { chart } = newChart();
    const dex = new IdentityProvider(chart, 'dex', { ...props, kubeflowAuth: { userIdHeader: 'x-auth-request-email', userIdPrefix: 'sso:' } });
    expect(dex.kubeflowAuth).toEqual({ userIdHeader: 'x-auth-request-email', userIdPrefix: 'sso:', groupsHeader: 'kubeflow-groups' });

    const catalogApp = newChart();
    new TenantCatalog(catalogApp.chart, 'catalog', {
      cluster: { identityProvider: { ...props, kubeflowAuth: { userIdHeader: 'x-auth-request-email', userIdPrefix: 'sso:' } } },
      tenants: [{ name: 'team-a', owner: 'a@c.io', contributors: [{ name: 'b@c.io' }] }],
    });
    const policy = renderObjects(catalogApp.app).find(o => o.kind === 'AuthorizationPolicy' && o.metadata.name === 'user-b-c-io-clusterrole-edit');
    expect(policy.spec.rules[0].when).toEqual([{ key: 'request.headers[x-auth-request-email]', values: ['sso:b@c.io'] }]);

    const conflict = newChart();
    expect(() => new TenantCatalog(conflict.chart, 'catalog', {
      cluster: { identityProvider: { ...props, kubeflowAuth: { userIdHeader: 'x-auth-request-email' } } },
      tenants: [{ name: 'team-a', owner: 'a@c.io', auth: { userIdHeader: 'kubeflow-userid' } }],
    })).toThrow('tenants[0]: tenant "team-a": auth.userIdHeader: "kubeflow-userid" differs from the cluster\'s "x-auth-request-email" (cluster.identityProvider.kubeflowAuth)');
  });
});

describe('the catalog cluster section', () => {
  test('builds alerts, dashboard, audit policy and Dex over the catalog\'s tenants', () => {
    const { app, chart } = newChart();
    new TenantCatalog(chart, 'catalog', {
      cluster: {
        quotaAlerts: {},
        dashboard: {},
        auditPolicy: {},
        identityProvider: {
          issuer: 'https://kf.example.com/dex',
          secretName: 'dex',
          oidcConnectors: [{ id: 'sso', name: 'SSO', issuer: 'https://sso.example.com', clientId: 'kf', clientSecret: '$SECRET', redirectUri: 'https://kf.example.com/dex/callback' }],
        },
      },
      tenants: [{ name: 'team-b', owner: 'b@c.io' }, { name: 'team-a', owner: 'a@c.io' }],
    });
    const files = app.renderManifests();
    const objects = files.filter(f => f.path.endsWith('/manifests.yaml')).flatMap(f => parseYaml(f.content));
    expect(objects.find(o => o.kind === 'PrometheusRule').spec.groups[0].rules[0].expr).toContain('namespace=~"team-a|team-b"');
    expect(JSON.parse(objects.find(o => o.metadata.name === 'kf-tenancy-tenants-dashboard').data['kf-tenancy-tenants.json']).templating.list[1].query)
      .toBe('team-a,team-b');
    expect(parse(files.find(f => f.path === 'cluster/audit-policy.yaml')!.content).rules[1].namespaces).toEqual(['team-a', 'team-b']);
    expect(files.map(f => f.path)).toEqual(expect.arrayContaining(['namespaces/monitoring/manifests.yaml', 'namespaces/auth/manifests.yaml']));
  });
});

describe('the cluster section from a catalog file', () => {
  test('a literal Dex secret is refused with the file and line of the cluster section', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'kf-platform-'));
    const file = path.join(dir, 'catalog.yaml');
    fs.writeFileSync(file, [
      'apiVersion: kf-tenancy/v1alpha1',
      'kind: TenantCatalog',
      'cluster:',
      '  identityProvider:',
      '    issuer: https://kf.example.com/dex',
      '    secretName: dex',
      '    oidcConnectors:',
      '      - {id: sso, name: SSO, issuer: "https://sso.example.com", clientId: kf, clientSecret: hunter2, redirectUri: "https://kf.example.com/dex/callback"}',
      'tenants:',
      '  - {name: team-a, owner: a@c.io}',
      '',
    ].join('\n'));
    const { chart } = newChart();
    expect(() => TenantCatalog.fromFiles(chart, 'catalog', [file]))
      .toThrow(`${file}:4: cluster: identityProvider.oidcConnectors[0].clientSecret: a literal secret is not allowed in Dex's config`);
  });
});
