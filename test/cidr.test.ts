import { cidrProblem, coveredBy, reachedRanges } from '../src/core/cidr';

describe('cidrProblem', () => {
  test.each(['10.0.0.0/8', '0.0.0.0/0', '203.0.113.7/32', 'fc00::/7', '::/0', '2001:db8::/32'])('accepts %s', c => expect(cidrProblem(c)).toBeUndefined());
  test.each([
    ['10.0.0.1', 'did you mean "10.0.0.1/32"?'],
    ['300.0.0.0/8', 'is not a CIDR'],
    ['10.0.0.0/33', 'is not a CIDR'],
    ['10.1/16', 'is not a CIDR'],
    ['0x0a.0.0.0/8', 'is not a CIDR'],
    ['::/129', 'is not a CIDR'],
  ])('refuses %s', (c, message) => expect(cidrProblem(c)).toContain(message));
});

describe('reachedRanges: what an ipBlock still reaches of the cluster ranges', () => {
  const cluster = ['10.0.0.0/8', '192.168.0.0/16', 'fc00::/7'];
  test.each([
    ['a public block', '203.0.113.0/24', [], []],
    ['everything', '0.0.0.0/0', [], ['10.0.0.0/8', '192.168.0.0/16']],
    ['everything but the cluster', '0.0.0.0/0', ['10.0.0.0/8', '192.168.0.0/16'], []],
    ['everything but half of 10/8', '0.0.0.0/0', ['10.0.0.0/9', '192.168.0.0/16'], ['10.0.0.0/8']],
    ['both halves of 10/8 excepted', '0.0.0.0/0', ['10.0.0.0/9', '10.128.0.0/9', '192.168.0.0/16'], []],
    ['a block inside a cluster range', '10.1.0.0/16', [], ['10.1.0.0/16']],
    ['a block inside, excepted whole', '10.1.0.0/16', ['10.1.0.0/16'], []],
    ['IPv6 everything', '::/0', [], ['fc00::/7']],
    ['a host in another family', '2001:db8::1/128', [], []],
  ])('%s', (_, cidr, except, reached) => expect(reachedRanges(cidr, except as string[], cluster)).toEqual(reached));
});

describe('coveredBy', () => {
  test('a range is covered by one that contains it, or by pieces that fill it', () => {
    expect(coveredBy('10.244.0.0/16', ['10.0.0.0/8'])).toBe(true);
    expect(coveredBy('10.0.0.0/8', ['10.0.0.0/9', '10.128.0.0/9'])).toBe(true);
    expect(coveredBy('10.0.0.0/8', ['10.0.0.0/9'])).toBe(false);
    expect(coveredBy('169.254.0.0/16', ['10.0.0.0/8'])).toBe(false);
  });
});
