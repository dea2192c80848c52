import { istioMatch } from '../src/analysis/mesh';
import { groupHeaderValues, groupOfHeaderValue } from '../src/core/group-header';

describe('the groups header', () => {
  test('each encoded value decodes to its group', () => {
    for (const group of ['ml', 'data-scientists@company.com', 'a b']) {
      expect(groupHeaderValues(group).map(groupOfHeaderValue)).toEqual([group, group, group]);
    }
  });

  test('values that name no single group decode to nothing', () => {
    expect(['*', 'a*', '*a', 'a,b', '*,a,*', '*,', ',*', ''].map(groupOfHeaderValue)).toEqual(Array(8).fill(undefined));
  });

  test('as Istio matches them, the three values admit the group wherever it stands in the list, and no other group', () => {
    const admits = (header: string) => groupHeaderValues('ml').some(v => istioMatch(v, header, true));
    expect(['ml', 'ml,ops', 'ops,ml'].map(admits)).toEqual([true, true, true]);
    expect(['mlops', 'xml', 'ops,mlx', 'mlx,ops', 'ops'].map(admits)).toEqual([false, false, false, false, false]);
  });
});
