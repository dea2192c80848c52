import { Chart } from 'cdk8s';
import { MeshMode, NetworkProtocol, TenancyApp, TenantNetworkPolicy, TenantProfile } from '../src';
import { newChart, renderObjects, synthTenant } from './support/synth';
import { NetworkModel } from '../src/analysis/network';
import { networkPolicyProblems } from '../src/constructs/tenant/network-policy';

const policies = (objects: any[]) => objects.filter(o => o.kind === 'NetworkPolicy');
const byName = (objects: any[]) => Object.fromEntries(policies(objects).map(p => [p.metadata.name, p.spec]));
const ns = (name: string) => ({ namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': name } } });

describe('TenantNetworkPolicy defaults', () => {
  const specs = byName(synthTenant({ owner: 'a@c.io' }));

  test('exact peers and ports of every default policy', () => {
    expect(specs).toEqual({
      'default-deny': { podSelector: {}, policyTypes: ['Ingress', 'Egress'] },
      'allow-same-namespace': {
        podSelector: {},
        policyTypes: ['Ingress', 'Egress'],
        ingress: [{ from: [{ podSelector: {} }] }],
        egress: [{ to: [{ podSelector: {} }] }],
      },
      'allow-ingress-gateway': { podSelector: {}, policyTypes: ['Ingress'], ingress: [{ from: [ns('istio-system')] }] },
      'allow-ingress-kubeflow': { podSelector: {}, policyTypes: ['Ingress'], ingress: [{ from: [ns('kubeflow')] }] },
      'allow-dns': {
        podSelector: {},
        policyTypes: ['Egress'],
        egress: [{
          to: [{ ...ns('kube-system'), podSelector: { matchLabels: { 'k8s-app': 'kube-dns' } } }],
          ports: [{ port: 53, protocol: 'UDP' }, { port: 53, protocol: 'TCP' }],
        }],
      },
      'allow-istiod': {
        podSelector: {},
        policyTypes: ['Egress'],
        egress: [{ to: [{ ...ns('istio-system'), podSelector: { matchLabels: { app: 'istiod' } } }], ports: [{ port: 15012, protocol: 'TCP' }] }],
      },
      'allow-kubeflow-services': {
        podSelector: {},
        policyTypes: ['Egress'],
        egress: [{ to: [ns('kubeflow')], ports: [8888, 8887, 8080, 9000].map(port => ({ port, protocol: 'TCP' })) }],
      },
      'allow-shared-services': {
        podSelector: {},
        policyTypes: ['Egress'],
        egress: [{ to: [{ namespaceSelector: { matchLabels: { 'kf-tenancy.io/shared-services': 'true' } } }] }],
      },
    });
  });
});

describe('TenantNetworkPolicy options', () => {
  test('namespaces, DNS pods, istiod and Kubeflow ports, shared-services label', () => {
    const specs = byName(synthTenant({
      owner: 'a@c.io',
      networkPolicy: {
        istioNamespace: 'mesh',
        kubeflowNamespace: 'kf',
        dnsNamespace: 'dns',
        dnsPodLabels: { app: 'coredns' },
        istiodPorts: [15012, 15017],
        kubeflowServicePorts: [8888],
        sharedServicesLabel: 'example.com/shared',
      },
    }));
    expect(specs['allow-ingress-gateway'].ingress).toEqual([{ from: [ns('mesh')] }]);
    expect(specs['allow-ingress-kubeflow'].ingress).toEqual([{ from: [ns('kf')] }]);
    expect(specs['allow-dns'].egress[0].to).toEqual([{ ...ns('dns'), podSelector: { matchLabels: { app: 'coredns' } } }]);
    expect(specs['allow-istiod'].egress[0]).toEqual({
      to: [{ ...ns('mesh'), podSelector: { matchLabels: { app: 'istiod' } } }],
      ports: [{ port: 15012, protocol: 'TCP' }, { port: 15017, protocol: 'TCP' }],
    });
    expect(specs['allow-kubeflow-services'].egress).toEqual([{ to: [ns('kf')], ports: [{ port: 8888, protocol: 'TCP' }] }]);
    expect(specs['allow-shared-services'].egress[0].to).toEqual([{ namespaceSelector: { matchLabels: { 'example.com/shared': 'true' } } }]);
  });

  test('each allowance can be turned off; default-deny and DNS stay', () => {
    const specs = byName(synthTenant({
      owner: 'a@c.io',
      networkPolicy: {
        allowSameNamespace: false, allowIngressFromIngressGateway: false, allowIngressFromKubeflow: false, allowSharedServices: false,
      },
    }));
    expect(Object.keys(specs).sort()).toEqual(['allow-dns', 'allow-istiod', 'allow-kubeflow-services', 'default-deny']);
  });

  test('API server egress by CIDR and ports', () => {
    const specs = byName(synthTenant({ owner: 'a@c.io', networkPolicy: { apiServerCidrs: ['10.0.0.1/32', '10.0.0.2/32'], clusterCidrs: ['10.244.0.0/16', '10.96.0.0/12'] } }));
    expect(specs['allow-kube-apiserver'].egress).toEqual([{
      to: [{ ipBlock: { cidr: '10.0.0.1/32' } }, { ipBlock: { cidr: '10.0.0.2/32' } }],
      ports: [{ port: 443, protocol: 'TCP' }, { port: 6443, protocol: 'TCP' }],
    }]);
  });

  test('internet egress excepts private ranges', () => {
    const specs = byName(synthTenant({ owner: 'a@c.io', networkPolicy: { allowInternet: true } }));
    expect(specs['allow-internet'].egress).toEqual([{
      to: [{ ipBlock: { cidr: '0.0.0.0/0', except: ['10.0.0.0/8', '172.16.0.0/12', '192.168.0.0/16', '100.64.0.0/10', '169.254.0.0/16'] } }],
    }]);
  });

  test('custom peers', () => {
    const specs = byName(synthTenant({
      owner: 'a@c.io',
      networkPolicy: {
        additionalEgress: [
          { name: 'feature-store', namespace: 'feast', podLabels: { app: 'feast' }, ports: [{ port: 6566 }] },
          { name: 'warehouse', cidr: '203.0.113.0/24', ports: [{ port: 5432 }, { port: 5433, protocol: NetworkProtocol.UDP }] },
        ],
        additionalIngress: [{ name: 'monitoring', namespaceLabels: { team: 'observability' } }],
      },
    }));
    expect(specs['allow-egress-feature-store'].egress).toEqual([{
      to: [{ ...ns('feast'), podSelector: { matchLabels: { app: 'feast' } } }], ports: [{ port: 6566, protocol: 'TCP' }],
    }]);
    expect(specs['allow-egress-warehouse'].egress).toEqual([{
      to: [{ ipBlock: { cidr: '203.0.113.0/24' } }], ports: [{ port: 5432, protocol: 'TCP' }, { port: 5433, protocol: 'UDP' }],
    }]);
    expect(specs['allow-ingress-monitoring'].ingress).toEqual([{ from: [{ namespaceSelector: { matchLabels: { team: 'observability' } } }] }]);
  });

  test('ambient mode: no istiod egress, HBONE 15008 to Kubeflow services, ztunnel probes', () => {
    const specs = byName(synthTenant({ owner: 'a@c.io', meshMode: MeshMode.AMBIENT }));
    expect(specs['allow-istiod']).toBeUndefined();
    expect(specs['allow-kubeflow-services'].egress[0].ports.map((p: any) => p.port)).toEqual([8888, 8887, 8080, 9000, 15008]);
    expect(specs['allow-ztunnel-probes'].ingress).toEqual([{ from: [{ ipBlock: { cidr: '169.254.7.127/32' } }] }]);
  });

  test('enabled: false writes no NetworkPolicy', () => {
    expect(policies(synthTenant({ owner: 'a@c.io', networkPolicy: { enabled: false, disabledReason: 'the team runs its own Cilium policies' } }))).toEqual([]);
  });

  test('enabled: false on the construct itself writes nothing (the prop once worked only through TenantProfile)', () => {
    const { app, chart } = newChart();
    new TenantNetworkPolicy(chart, 'np', { namespace: 'ml-shared', enabled: false, disabledReason: 'a shared namespace with its own policies' });
    expect(policies(renderObjects(app))).toEqual([]);
  });

  test('usable on its own for a namespace that is not a tenant', () => {
    const { app, chart } = newChart();
    new TenantNetworkPolicy(chart, 'np', { namespace: 'ml-shared', allowSharedServices: false });
    expect(renderObjects(app).map(o => `${o.metadata.namespace}/${o.metadata.name}`)).toContain('ml-shared/default-deny');
  });
});

describe('TenantNetworkPolicy validation', () => {
  test.each([
    [{ apiServerCidrs: ['10.0.0.1'] }, 'networkPolicy.apiServerCidrs[0]: "10.0.0.1" is not a CIDR such as "10.0.0.0/8"; did you mean "10.0.0.1/32"?'],
    [{ apiServerCidrs: ['300.0.0.0/8'] }, 'networkPolicy.apiServerCidrs[0]: "300.0.0.0/8" is not a CIDR'],
    [{ istiodPorts: [70000] }, 'networkPolicy.istiodPorts[0]: 70000 is not a port number (1-65535)'],
    [{ kubeflowNamespace: 'Kubeflow' }, 'networkPolicy.kubeflowNamespace: "Kubeflow" is not a DNS-1123 label'],
    [{ additionalEgress: [{ name: 'x', cidr: '10.0.0.0/8', namespace: 'y' }] }, 'networkPolicy.additionalEgress[0]: give either cidr, or namespace/namespaceLabels'],
    [{ additionalIngress: [{ name: 'Bad Name', namespace: 'y' }] }, 'networkPolicy.additionalIngress[0].name: "Bad Name" is not a DNS-1123 label'],
    [{ additionalEgress: [{ name: 'x', namespace: 'y', ports: [{ port: 1, protocol: 'ICMP' as any }] }] }, 'networkPolicy.additionalEgress[0].ports[0].protocol: "ICMP" is not allowed'],
  ])('%j', (options, message) => {
    expect(networkPolicyProblems(options as any).join('\n')).toContain(message);
    expect(() => new TenantProfile(new Chart(new TenancyApp(), 'c'), 'team-a', { owner: 'a@c.io', networkPolicy: options as any }))
      .toThrow(`tenant "team-a": ${message}`);
  });

  test('a tenant namespace cannot carry the shared-services label', () => {
    expect(() => synthTenant({ owner: 'a@c.io', namespaceLabels: { 'kf-tenancy.io/shared-services': 'true' } }))
      .toThrow('namespaceLabels: "kf-tenancy.io/shared-services" marks a shared-services namespace that every tenant may reach');
  });
});

describe('the default policies isolate tenants (evaluated)', () => {
  // GIVEN two tenants and the Kubeflow platform pods
  const { app, chart } = newChart();
  new TenantProfile(chart, 'team-a', { owner: 'a@c.io' });
  new TenantProfile(chart, 'team-b', { owner: 'b@c.io' });
  const model = new NetworkModel(policies(renderObjects(app)), { 'ml-shared': { 'kf-tenancy.io/shared-services': 'true' } });
  const pod = (namespace: string, labels: Record<string, string> = { app: 'x' }, ip = '10.1.0.1') => ({ namespace, labels, ip });
  const a = pod('team-a', { app: 'notebook' }, '10.1.0.10');
  const b = pod('team-b', { app: 'notebook' }, '10.1.0.20');
  const dns = pod('kube-system', { 'k8s-app': 'kube-dns' }, '10.1.0.2');
  const istiod = pod('istio-system', { app: 'istiod' }, '10.1.0.3');
  const gateway = pod('istio-system', { app: 'istio-ingressgateway' }, '10.1.0.4');
  const pipelines = pod('kubeflow', { app: 'ml-pipeline' }, '10.1.0.5');

  test('a pod of tenant A cannot reach a pod of tenant B, either way, on any port', () => {
    for (const port of [80, 443, 8888, 53]) {
      expect(model.allows({ from: a, to: b, port })).toBe(false);
      expect(model.allows({ from: b, to: a, port })).toBe(false);
    }
  });

  test('it reaches cluster DNS over UDP and TCP 53, and nothing else there', () => {
    expect(model.allows({ from: a, to: dns, port: 53, protocol: 'UDP' })).toBe(true);
    expect(model.allows({ from: a, to: dns, port: 53, protocol: 'TCP' })).toBe(true);
    expect(model.allows({ from: a, to: dns, port: 9153 })).toBe(false);
    expect(model.allows({ from: a, to: pod('kube-system', { app: 'other' }), port: 53, protocol: 'UDP' })).toBe(false);
  });

  test('it reaches istiod on 15012 and the Pipelines API in the Kubeflow namespace', () => {
    expect(model.allows({ from: a, to: istiod, port: 15012 })).toBe(true);
    expect(model.allows({ from: a, to: istiod, port: 443 })).toBe(false);
    expect(model.allows({ from: a, to: pipelines, port: 8888 })).toBe(true);
    expect(model.allows({ from: a, to: pipelines, port: 22 })).toBe(false);
  });

  test('the ingress gateway and Kubeflow reach it; pods of its own namespace too', () => {
    expect(model.allows({ from: gateway, to: a, port: 8888 })).toBe(true);
    expect(model.allows({ from: pipelines, to: a, port: 8888 })).toBe(true);
    expect(model.allows({ from: pod('team-a', { app: 'worker' }), to: a, port: 5000 })).toBe(true);
  });

  test('shared services are reachable, the internet and other namespaces are not', () => {
    expect(model.allows({ from: a, to: pod('ml-shared'), port: 443 })).toBe(true);
    expect(model.allows({ from: a, to: pod('monitoring'), port: 443 })).toBe(false);
    expect(model.allows({ from: a, to: { ip: '8.8.8.8' }, port: 443 })).toBe(false);
  });

  test('with allowInternet, public addresses open but private ranges stay closed', () => {
    const open = newChart();
    new TenantProfile(open.chart, 'team-c', { owner: 'c@c.io', networkPolicy: { allowInternet: true } });
    const internet = new NetworkModel(policies(renderObjects(open.app)), {});
    const c = pod('team-c');
    expect(internet.allows({ from: c, to: { ip: '8.8.8.8' }, port: 443 })).toBe(true);
    expect(internet.allows({ from: c, to: { ip: '10.20.30.40' }, port: 443 })).toBe(false);
    expect(internet.allows({ from: c, to: { ip: '169.254.169.254' }, port: 80 })).toBe(false);
  });

  test('the evaluator itself denies what no rule allows', () => {
    const deny = policies(renderObjects(app)).filter(p => p.metadata.name === 'default-deny' && p.metadata.namespace === 'team-a');
    const denyOnly = new NetworkModel(deny, {});
    expect(denyOnly.allows({ from: a, to: dns, port: 53, protocol: 'UDP' })).toBe(false);
    expect(new NetworkModel([], {}).allows({ from: a, to: b, port: 80 })).toBe(true);
  });
});

describe('empty selectors', () => {
  test('dnsPodLabels: {} (every pod of the DNS namespace) is refused', () => {
    expect(() => synthTenant({ owner: 'a@c.io', networkPolicy: { dnsPodLabels: {} } })).toThrow('networkPolicy.dnsPodLabels: is empty, which selects every pod of the DNS namespace');
    expect(() => synthTenant({ owner: 'a@c.io', networkPolicy: { dnsPodLabels: { 'k8s-app': 'coredns' } } })).not.toThrow();
  });
});

describe('rule names', () => {
  test('an added rule named like a default allowance is refused, not an internal error', () => {
    expect(() => synthTenant({ owner: 'a@c.io', networkPolicy: { additionalIngress: [{ name: 'gateway', namespace: 'registry' }] } }))
      .toThrow('networkPolicy.additionalIngress[0].name: "gateway" would name the policy "allow-ingress-gateway", which is a default allowance\'s');
    expect(() => synthTenant({ owner: 'a@c.io', networkPolicy: { additionalIngress: [{ name: 'from-gateway', namespace: 'registry' }] } })).not.toThrow();
  });

  test('opening the same peer twice is a "defined twice" error naming the policy', () => {
    const app = new TenancyApp();
    const chart = new Chart(app, 'c');
    const a = new TenantProfile(chart, 'team-a', { owner: 'a@c.io' });
    const b = new TenantProfile(chart, 'team-b', { owner: 'b@c.io' });
    a.allowFrom(b, [{ port: 8080 }]);
    expect(() => a.allowFrom(b, [{ port: 9090 }])).toThrow('NetworkPolicy "allow-ingress-tenant-team-b" is defined twice');
  });
});
