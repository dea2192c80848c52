import * as path from 'path';
import { Chart } from 'cdk8s';
import { TenancyApp, TenantCatalog } from '../src';
import { allow, INVALID_POLICIES, MESH_CASES } from './support/mesh-cases';
import { EXAMPLE_CATALOG } from './support/paths';
import { renderObjects } from './support/synth';
import { resolveAuth } from '../src/core/auth-options';
import { istioPolicyProblems, validIpOrCidr } from '../src/core/istio-validation';
import { withProfileControllerObjects } from '../src/core/kubeflow-profile';
import { formatProblem } from '../src/core/problem';
import { istioValidationProblems } from '../src/synth/checks';

describe("Istio's admission validation", () => {
  // The integration suite runs these same policies through Istio's own validation (mesh-oracle.itest.ts).
  test.each(INVALID_POLICIES.map(p => [p.metadata!.name, p] as const))('refuses %s, naming the field', (_name, policy) => {
    const problems = istioPolicyProblems(policy);
    expect(problems.length).toBeGreaterThan(0);
    for (const problem of problems) expect(problem.field).toMatch(/^(spec|metadata)/);
  });

  test('accepts every policy of the semantic cases', () => {
    const refused = MESH_CASES.flatMap(c => c.policies).map(p => ({ name: p.metadata?.name, problems: istioPolicyProblems(p) }))
      .filter(p => p.problems.length > 0);
    expect(refused).toEqual([]);
  });

  test('an empty source or operation is refused at its own field', () => {
    expect(istioPolicyProblems(allow('x', { from: [{ source: {} }] }))).toEqual([{ field: 'spec.rules[0].from[0].source', message: 'must not be empty' }]);
    expect(istioPolicyProblems(allow('x', { to: [{ operation: { ports: ['8080'] } }, { operation: {} }] })))
      .toEqual([{ field: 'spec.rules[0].to[1].operation', message: 'must not be empty' }]);
  });

  test.each([
    ['10.0.0.0/8', true], ['10.0.0.1', true], ['::1', true], ['fd00::/8', true], ['10.0.0.1/32', true],
    ['010.0.0.0/8', false], ['10.0.0.0/33', false], ['10.0.0.0/08', false], ['fe80::1%eth0', true], ['fe80::1%eth0/64', false], ['::ffff:01.2.3.4', false], ['10.0.0', false], ['', false],
  ])('addresses as Go reads them: %s %s', (value, valid) => {
    expect(validIpOrCidr(value)).toBe(valid);
  });

  test('the synth check names the tenant, the policy and the field', () => {
    const problems = istioValidationProblems([allow('bad', { to: [{ operation: { ports: ['99999'] } }] })], 'team-a').map(formatProblem);
    expect(problems).toEqual([
      'tenant "team-a": AuthorizationPolicy team-a/bad: spec.rules[0].to[0].operation.ports: bad port "99999"; Istio\'s admission validation refuses this policy',
    ]);
  });

  test("every AuthorizationPolicy of the bundled example passes it, the profile controller's included", () => {
    const app = new TenancyApp();
    TenantCatalog.fromFiles(new Chart(app, 'tenants'), 'catalog', [EXAMPLE_CATALOG]);
    const objects = withProfileControllerObjects(renderObjects(app), () => resolveAuth({}));
    const policies = objects.filter(o => o.kind === 'AuthorizationPolicy');
    expect(policies.map(p => p.metadata.name)).toContain('ns-owner-access-istio');
    expect(istioValidationProblems(policies)).toEqual([]);
  });
});

describe('what a third attacker found in the validation', () => {
  test('fields the CRD schema does not have are refused, snake_case names with the schema\'s name', () => {
    const snake = allow('snake', { to: [{ operation: { methods: ['GET'], not_paths: ['/admin'] } as never }] });
    expect(istioPolicyProblems(snake)).toEqual([{ field: 'spec.rules[0].to[0].operation.not_paths', message: 'unknown field; the schema\'s name is "notPaths"' }]);
    const selector = { ...allow('s', {}), spec: { action: 'DENY', selector: { match_labels: { app: 'x' } }, rules: [{}] } };
    expect(istioPolicyProblems(selector as never).map(p => p.field)).toContain('spec.selector.match_labels');
    expect(istioPolicyProblems({ ...allow('x', {}), spec: { rules: [{}], bogus: 1 } } as never).map(p => p.field)).toEqual(['spec.bogus']);
  });

  test('path templates Envoy cannot load are refused: an empty segment, more than 256 characters', () => {
    for (const template of ['/{*}//', '/{**}//', '/a/{*}//', '/{*}/b//']) {
      expect(istioPolicyProblems(allow('t', { to: [{ operation: { paths: [template] } }] })).map(p => p.message))
        .toEqual([`"${template}": an empty segment ("//") in a path template stops Envoy; remove it`]);
    }
    const long = `/${'x'.repeat(300)}/{*}`;
    expect(istioPolicyProblems(allow('t', { to: [{ operation: { paths: [long] } }] }))[0].message).toContain('at most 256 characters');
    expect(istioPolicyProblems(allow('t', { to: [{ operation: { paths: ['/{*}/', '/a/{**}/', `/${'x'.repeat(250)}/{*}`] } }] }))).toEqual([]);
  });

  test('an action is any 32-bit number, as protobuf reads an open enum', () => {
    expect(istioPolicyProblems({ ...allow('n', {}), spec: { action: 4 as never, rules: [{}] } })).toEqual([]);
    expect(istioPolicyProblems({ ...allow('n', {}), spec: { action: -1 as never, rules: [{}] } })).toEqual([]);
    expect(istioPolicyProblems({ ...allow('n', {}), spec: { action: 2 ** 31 as never, rules: [{}] } })).not.toEqual([]);
  });
});
