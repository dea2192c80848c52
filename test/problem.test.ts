import { asProblem, atLocation, formatProblem, inTenant } from '../src/core/problem';
import { TenancyValidationError } from '../src/core/validation';

describe('problems as data', () => {
  test('one text form: location, tenant, field, message, fix, each only when known', () => {
    expect(formatProblem({ message: 'is wrong' })).toBe('is wrong');
    expect(formatProblem({ tenant: 'team-a', field: 'owner', message: 'is empty', fix: 'set it' })).toBe('tenant "team-a": owner: is empty; set it');
    expect(formatProblem({ location: 'tenants.yaml:3', tenant: 'team-a', object: 'RoleBinding team-a/x', message: 'RoleBinding team-a/x binds "u"' }))
      .toBe('tenants.yaml:3: tenant "team-a": RoleBinding team-a/x binds "u"');
  });

  test('inTenant and atLocation fill what a problem does not already say', () => {
    const problems = inTenant('team-a', ['plain', { tenant: 'team-b', message: 'other' }]);
    expect(problems).toEqual([{ tenant: 'team-a', message: 'plain' }, { tenant: 'team-b', message: 'other' }]);
    expect(atLocation('a.yaml:1', [...problems, { location: 'b.yaml:2', message: 'kept' }]).map(p => p.location)).toEqual(['a.yaml:1', 'a.yaml:1', 'b.yaml:2']);
    expect(atLocation(undefined, ['x'])).toEqual([asProblem('x')]);
  });

  test('the error carries the problems as data and as printable text', () => {
    const error = new TenancyValidationError([{ tenant: 'team-a', field: 'name', message: 'bad\u202Ename' }, 'plain']);
    expect(error.problems).toEqual([{ tenant: 'team-a', field: 'name', message: 'bad\u202Ename' }, { message: 'plain' }]);
    expect(error.errors).toEqual(['tenant "team-a": name: bad\\u{202E}name', 'plain']);
  });
});
