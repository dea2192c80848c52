import { networkReachability } from '../src/analysis/network';

const namespace = (name: string, labels: Record<string, string> = {}) => ({ apiVersion: 'v1', kind: 'Namespace', metadata: { name, labels } });
const policy = (ns: string, name: string, spec: any) => ({ kind: 'NetworkPolicy', metadata: { name, namespace: ns }, spec: { podSelector: {}, ...spec } });
const byName = (name: string) => ({ namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': name } } });

describe('namespace reachability', () => {
  const deny = (ns: string) => policy(ns, 'deny', { policyTypes: ['Ingress', 'Egress'] });

  test('namespaces without policies are open both ways and listed as such, not as paths', () => {
    const result = networkReachability([namespace('a'), namespace('b')]);
    expect(result).toEqual({ openIngress: ['a', 'b'], openEgress: ['a', 'b'], paths: [] });
  });

  test('a path needs the egress side and the ingress side; ports are what both allow', () => {
    const objects = [
      namespace('a'), namespace('b'), deny('a'), deny('b'),
      policy('a', 'out', { policyTypes: ['Egress'], egress: [{ to: [byName('b')], ports: [{ port: 80 }, { port: 443 }] }] }),
    ];
    // Only a's egress: b's ingress is still closed.
    expect(networkReachability(objects).paths).toEqual([]);
    const withIngress = [...objects, policy('b', 'in', { policyTypes: ['Ingress'], ingress: [{ from: [byName('a')], ports: [{ port: 443 }] }] })];
    expect(networkReachability(withIngress).paths).toEqual([{ from: 'a', to: 'b', ports: ['TCP/443'], policies: ['a/out', 'b/in'] }]);
  });

  test('a label selector reaches every namespace carrying the label, and is shown for namespaces not in the manifests', () => {
    const objects = [
      namespace('a'), namespace('shared', { tier: 'shared' }), deny('a'),
      policy('a', 'to-shared', { policyTypes: ['Egress'], egress: [{ to: [{ namespaceSelector: { matchLabels: { tier: 'shared' } } }] }] }),
    ];
    expect(networkReachability(objects).paths.map(p => `${p.from}→${p.to}`)).toEqual(['a→shared', 'a→{tier=shared}']);
  });

  test('an empty namespace selector or a rule without peers opens to any namespace', () => {
    const objects = [namespace('a'), namespace('b'), deny('b'), policy('b', 'any', { policyTypes: ['Ingress'], ingress: [{}] })];
    const result = networkReachability(objects);
    expect(result.paths.map(p => `${p.from}→${p.to} ${p.ports.join(' ')}`)).toEqual(['a→b all', 'any namespace→b all']);
    expect(result.openIngress).toEqual(['a']);
  });

  test('a policy for labelled pods only does not open the namespace for unlabelled pods', () => {
    const objects = [namespace('a'), namespace('b'), deny('b'),
      { ...policy('b', 'web', { policyTypes: ['Ingress'], ingress: [{ from: [byName('a')] }] }), spec: { podSelector: { matchLabels: { app: 'web' } }, policyTypes: ['Ingress'], ingress: [{ from: [byName('a')] }] } }];
    expect(networkReachability(objects).paths).toEqual([]);
  });

  test('ipBlock peers are outside the cluster and make no namespace path', () => {
    const objects = [namespace('a'), deny('a'), policy('a', 'web', { policyTypes: ['Egress'], egress: [{ to: [{ ipBlock: { cidr: '0.0.0.0/0' } }] }] })];
    expect(networkReachability(objects).paths).toEqual([]);
  });
});
