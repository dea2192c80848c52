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
    ['1O.0.0.0/8', 'is not a CIDR'],
    [' 10.0.0.0/8', 'is not a CIDR'],
  ])('refuses %s', (c, message) => expect(cidrProblem(c)).toContain(message));

  // Every spelling that Kubernetes and another reader (ipaddr.js, inet_aton, a reviewer) read
  // differently is refused: only the canonical text of a range passes, so all readers agree.
  test.each([
    ['010.0.0.0/8', 'leading zero', 'Kubernetes reads 10/8, ipaddr.js and inet_aton 8/8'],
    ['10.0.0.0/08', 'leading zero', 'a prefix with a leading zero'],
    ['10.000.0.0/8', 'leading zero', 'a zero octet written 000'],
    ['10.0.0.1/8', 'write "10.0.0.0/8"', 'host bits set: Kubernetes reads the network 10/8'],
    ['::ffff:10.0.0.0/104', 'IPv4 range written as IPv6', 'Go reads an IPv4-mapped CIDR as 10/8'],
    ['::ffff:a00:0/104', 'IPv4 range written as IPv6', 'the same in hexadecimal'],
    ['::ffff:0:0/96', 'IPv4 range written as IPv6', 'every IPv4 address'],
    ['FC00::/7', 'write "fc00::/7"', 'uppercase'],
    ['2001:0db8::/32', 'write "2001:db8::/32"', 'a leading zero in an IPv6 group'],
    ['2001:db8:0:0:1:0:0:1/128', 'write "2001:db8::1:0:0:1/128"', 'not the shortest form'],
  ])('refuses the non-canonical %s (%s: %s)', (c, message) => expect(cidrProblem(c)).toContain(message));

  test('the canonical neighbours of those spellings are accepted', () => {
    for (const c of ['10.0.0.0/8', '10.0.0.1/32', 'fc00::/7', '2001:db8::/32', '2001:db8::1:0:0:1/128', '::/0', '64:ff9b::/96']) {
      expect({ c, problem: cidrProblem(c) }).toEqual({ c, problem: undefined });
    }
  });

  test('a non-canonical spelling reaches nothing and covers nothing (it is refused before it could)', () => {
    expect(reachedRanges('010.0.0.0/8', [], ['10.0.0.0/8'])).toEqual([]);
    expect(coveredBy('10.0.0.0/8', ['010.0.0.0/8'])).toBe(false);
  });
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
