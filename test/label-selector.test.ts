/**
 * One label-selector evaluator for every use (RBAC aggregation, NetworkPolicy pods and
 * namespaces), with Kubernetes' semantics; the RBAC evaluator once treated a null selector as
 * "nothing" while the network one treated it as "everything".
 */
import { networkReachability } from '../src/analysis/network';
import { RbacModel } from '../src/analysis/rbac';
import { labelSelectorMatches } from '../src/core/label-selector';

describe('labelSelectorMatches', () => {
  test.each([
    [{ matchLabels: { a: '1' } }, { a: '1' }, true],
    [{ matchLabels: { a: '1' } }, { a: '2' }, false],
    [{ matchExpressions: [{ key: 'a', operator: 'In', values: ['1', '2'] }] }, { a: '2' }, true],
    [{ matchExpressions: [{ key: 'a', operator: 'In', values: ['1'] }] }, {}, false],
    [{ matchExpressions: [{ key: 'a', operator: 'NotIn', values: ['1'] }] }, {}, true],
    [{ matchExpressions: [{ key: 'a', operator: 'NotIn', values: ['1'] }] }, { a: '1' }, false],
    [{ matchExpressions: [{ key: 'a', operator: 'NotIn' }] }, { a: '1' }, true],
    [{ matchExpressions: [{ key: 'a', operator: 'Exists' }] }, { a: '' }, true],
    [{ matchExpressions: [{ key: 'a', operator: 'DoesNotExist' }] }, { a: '' }, false],
    [{ matchExpressions: [{ key: 'a', operator: 'Unknown', values: ['1'] }] }, { a: '1' }, false],
    [{ matchLabels: { a: '1' }, matchExpressions: [{ key: 'b', operator: 'Exists' }] }, { a: '1' }, false],
    [{}, { anything: 'x' }, true],
    [null, { anything: 'x' }, true],
    [undefined, {}, true],
  ])('%j selects %j: %s', (selector, labels, expected) => {
    expect(labelSelectorMatches(selector, labels)).toBe(expected);
  });
});

describe('absent selectors, use by use', () => {
  const rbac = 'rbac.authorization.k8s.io/v1';
  const admin = { apiVersion: rbac, kind: 'ClusterRole', metadata: { name: 'admin-like' }, rules: [{ apiGroups: ['*'], resources: ['*'], verbs: ['*'] }] };

  test('a null entry in clusterRoleSelectors decodes to the empty selector: the ClusterRole aggregates every ClusterRole', () => {
    // kube-controller-manager's aggregation runs LabelSelectorAsSelector(&entry); an empty entry is Everything().
    const aggregated = { apiVersion: rbac, kind: 'ClusterRole', metadata: { name: 'agg' }, aggregationRule: { clusterRoleSelectors: [null] }, rules: [] };
    expect(new RbacModel([aggregated, admin]).clusterRoleRules('agg')).toEqual(admin.rules);
  });

  test('a selector that matches no label aggregates nothing', () => {
    const aggregated = { apiVersion: rbac, kind: 'ClusterRole', metadata: { name: 'agg' }, aggregationRule: { clusterRoleSelectors: [{ matchLabels: { x: 'y' } }] }, rules: [] };
    expect(new RbacModel([aggregated, admin]).clusterRoleRules('agg')).toEqual([]);
  });

  test('a NetworkPolicy without podSelector selects every pod of its namespace; a peer without namespaceSelector means its own namespace', () => {
    const ns = (name: string) => ({ apiVersion: 'v1', kind: 'Namespace', metadata: { name, labels: { 'kubernetes.io/metadata.name': name } } });
    const deny = (namespace: string) => ({ kind: 'NetworkPolicy', metadata: { name: 'deny', namespace }, spec: { policyTypes: ['Ingress', 'Egress'] } });
    const open = (namespace: string) => ({
      kind: 'NetworkPolicy',
      metadata: { name: 'peers', namespace },
      spec: { policyTypes: ['Ingress', 'Egress'], ingress: [{ from: [{ podSelector: {} }] }], egress: [{ to: [{ podSelector: {} }] }] },
    });
    const result = networkReachability([ns('a'), ns('b'), deny('a'), deny('b'), open('a'), open('b')]);
    expect(result.openIngress).toEqual([]);
    expect(result.openEgress).toEqual([]);
    expect(result.paths).toEqual([]);
  });
});
