import { contributorBindingName, safeName } from '../src/core/naming';

describe('KFAM binding names', () => {
  test.each([
    ['User', 'carol@company.com', 'edit', 'user-carol-company-com-clusterrole-edit'],
    ['User', 'Jane.Doe+ml@Example.COM', 'view', 'user-jane-doe-ml-example-com-clusterrole-view'],
    ['User', 'a..b@x.io', 'edit', 'user-a-b-x-io-clusterrole-edit'],
    ['User', 'a.b@x.io', 'edit', 'user-a-b-x-io-clusterrole-edit'],
    ['Group', 'ml-engineers@company.com', 'edit', 'group-ml-engineers-company-com-clusterrole-edit'],
    ['User', '-lead-@x.io', 'view', 'user-lead-x-io-clusterrole-view'],
  ])('%s %s / %s → %s', (kind, name, role, expected) => {
    expect(contributorBindingName(kind, name, role)).toBe(expected);
  });

  test('safeName collapses every run of non-alphanumerics', () => {
    expect(safeName('a..b@@c+-d')).toBe('a-b-c-d');
    expect(safeName('plain')).toBe('plain');
  });
});
