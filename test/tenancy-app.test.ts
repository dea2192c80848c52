/**
 * TenancyApp's contract with cdk8s' AppProps, and the pipeline's promise that every check runs
 * once, in one place.
 */
import { Chart, YamlOutputType } from 'cdk8s';
import { ContributorRole, IdentityKind, TenancyApp, TenantProfile } from '../src';
import { newChart, renderObjects } from './support/synth';
import * as validation from '../src/core/validation';

describe('TenancyApp and cdk8s AppProps', () => {
  test.each([
    ['yamlOutputType', { yamlOutputType: YamlOutputType.FILE_PER_RESOURCE }],
    ['outputFileExtension', { outputFileExtension: '.yml' }],
    ['recordConstructMetadata', { recordConstructMetadata: true }],
  ])('%s, which the per-tenant layout cannot honour, is refused instead of ignored', (key, props) => {
    expect(() => new TenancyApp(props)).toThrow(`TenancyApp: ${key} is not supported: the output is one folder per tenant`);
  });

  test('all of them are named at once', () => {
    expect(() => new TenancyApp({ outputFileExtension: '.yml', recordConstructMetadata: false })).toThrow(/2 validation errors:[^]*outputFileExtension[^]*recordConstructMetadata/);
  });

  test('outdir and resolvers still work', () => {
    const app = new TenancyApp({
      outdir: 'somewhere',
      resolvers: [{ resolve: context => { if (context.value === 'placeholder') context.replaceValue('resolved'); } }],
    });
    expect(app.outdir).toBe('somewhere');
    new TenantProfile(new Chart(app, 'c'), 'team-a', { owner: 'o@c.io', namespaceLabels: { team: 'placeholder' } });
    const namespace = renderObjects(app).find(o => o.kind === 'Namespace');
    expect(namespace.metadata.labels.team).toBe('resolved');
  });
});

describe('each check runs once', () => {
  // Counted through the shared rule helpers every check calls, so the count covers the tenant's
  // own check and any the constructs it builds would repeat.
  afterEach(() => jest.restoreAllMocks());

  function calls(spied: jest.SpyInstance, build: () => void): number {
    spied.mockClear();
    build();
    return spied.mock.calls.length;
  }

  test('a contributor declared in TenantProfile props is checked once, not again by its Contributor', () => {
    const identityChecks = jest.spyOn(validation, 'identityProblem');
    const tenant = (contributors: number) => () => {
      const { chart } = newChart();
      new TenantProfile(chart, 'team-a', { owner: 'o@c.io', contributors: Array.from({ length: contributors }, (_, i) => ({ name: `u${i}@c.io` })) });
    };
    expect(calls(identityChecks, tenant(3)) - calls(identityChecks, tenant(1))).toBe(2);
  });

  test('a contributor added later is checked when it is added', () => {
    const { chart } = newChart();
    const tenant = new TenantProfile(chart, 'team-a', { owner: 'o@c.io' });
    const identityChecks = jest.spyOn(validation, 'identityProblem');
    expect(() => tenant.addContributor({ name: 'not an identity', kind: IdentityKind.GROUP, role: ContributorRole.VIEW })).toThrow('tenant "team-a": contributor "not an identity": name');
    expect(identityChecks).toHaveBeenCalledTimes(1);
  });

  test('the network policy of a tenant is checked with the tenant, once', () => {
    const labelKeyChecks = jest.spyOn(validation, 'labelKeyProblem');
    const tenant = (networkPolicy: object) => () => {
      const { chart } = newChart();
      new TenantProfile(chart, 'team-a', { owner: 'o@c.io', networkPolicy });
    };
    expect(calls(labelKeyChecks, tenant({ sharedServicesLabel: 'example.com/shared' })) - calls(labelKeyChecks, tenant({}))).toBe(1);
  });
});
