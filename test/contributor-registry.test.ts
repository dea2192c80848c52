import { ContributorRegistry } from '../src/core/contributor-registry';
import { formatProblem } from '../src/core/problem';

const added = (registry: ContributorRegistry, kind: string, name: string, role: string) => {
  const problem = registry.add(kind, name, role);
  return problem && formatProblem(problem);
};

describe('ContributorRegistry', () => {
  test('accepts distinct users and groups, even with the same name', () => {
    const registry = new ContributorRegistry('owner@c.io');
    expect(added(registry, 'User', 'a@c.io', 'edit')).toBeUndefined();
    expect(added(registry, 'Group', 'a@c.io', 'view')).toBeUndefined();
    expect(added(registry, 'User', 'b@c.io', 'view')).toBeUndefined();
  });

  test('refuses the owner (any case) as a user, but not a group of the same name', () => {
    const registry = new ContributorRegistry('Owner@C.io');
    expect(added(registry, 'User', 'owner@c.io', 'edit')).toContain('is the owner');
    expect(added(registry, 'Group', 'owner@c.io', 'edit')).toBeUndefined();
  });

  test('refuses a repeat whatever the role or case', () => {
    const registry = new ContributorRegistry('o@c.io');
    registry.add('User', 'a@c.io', 'edit');
    expect(added(registry, 'User', 'A@C.IO', 'view')).toBe('is listed twice (as edit and view); keep one entry');
  });

  test('refuses identities whose KFAM names collide', () => {
    const registry = new ContributorRegistry('o@c.io');
    registry.add('User', 'a..b@x.io', 'edit');
    expect(added(registry, 'User', 'a.b@x.io', 'view')).toContain('collides with contributor "a..b@x.io"');
    expect(added(registry, 'User', 'a+b@x.io', 'view')).toContain('user-a-b-x-io-clusterrole-<role>');
  });
});
