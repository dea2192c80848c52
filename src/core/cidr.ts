/**
 * Pure CIDR arithmetic for NetworkPolicy ipBlocks: parsing (ipaddr.js), containment, and
 * which of the cluster's own ranges an ipBlock still reaches after its exceptions.
 *
 * The one CIDR reader of the library. It accepts only the canonical spelling of a CIDR (the
 * one Go's `net.IPNet.String()` writes back), because Kubernetes and other readers disagree on
 * every other spelling: Kubernetes' sloppy parser reads `010.0.0.0/8` as 10.0.0.0/8 (decimal),
 * ipaddr.js and inet_aton as 8.0.0.0/8 (octal); Go reads `::ffff:10.0.0.0/104` as the IPv4
 * range 10.0.0.0/8 while an IPv6 reader sees no IPv4 at all; `10.0.0.1/8` is 10.0.0.0/8 to
 * Kubernetes but a host to a reviewer. Anything that two readers could read differently is refused.
 */
import * as ipaddr from 'ipaddr.js';

/** A parsed CIDR: address family, first address, prefix length. */
interface Range {
  readonly family: 4 | 6;
  readonly start: bigint;
  readonly prefix: number;
}

const IPV4_CIDR = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})\/(\d{1,2})$/;

function width(family: 4 | 6): number {
  return family === 4 ? 32 : 128;
}

// Every tenant's network policy checks the same few ranges (the cluster's CIDRs, the internet
// exceptions): parsing them once saves a few percent of a 10,000-tenant synthesis. Bounded, so
// input with endless distinct values cannot grow it without limit.
const PARSED = new Map<string, Range | undefined>();
const PARSED_LIMIT = 4096;

function parse(cidr: string): Range | undefined {
  if (typeof cidr !== 'string') return undefined;
  if (PARSED.has(cidr)) return PARSED.get(cidr);
  const range = parseUncached(cidr);
  if (PARSED.size >= PARSED_LIMIT) PARSED.clear();
  PARSED.set(cidr, range);
  return range;
}

function parseUncached(cidr: string): Range | undefined {
  const range = parseLoose(cidr);
  // Canonical only: the input must be the text Go (and so Kubernetes) writes for the same range.
  return range && text(range) === cidr && !contains(IPV4_MAPPED, range) ? range : undefined;
}

/**
 * IPv4 addresses written as IPv6 (`::ffff:a.b.c.d`): Go's `IPNet.Contains` reads a CIDR whose
 * address lies here as an IPv4 range, so `::ffff:a00:0/104` would match 10.0.0.0/8.
 */
const IPV4_MAPPED: Range = { family: 6, start: 0xffffn * 2n ** 32n, prefix: 96 };

/** A range read leniently (any spelling ipaddr.js accepts with four decimal IPv4 parts); host bits cleared. */
function parseLoose(cidr: string): Range | undefined {
  const slash = cidr.indexOf('/');
  if (slash < 0) return undefined;
  const v4 = IPV4_CIDR.exec(cidr);
  // ipaddr.js also reads "10.1" or "0x0a.0.0.1" as IPv4; Kubernetes wants four decimal parts.
  if (!v4 && !cidr.includes(':')) return undefined;
  if (v4 && !v4.slice(1, 5).every(o => Number(o) <= 255)) return undefined;
  let parsed: [ipaddr.IPv4 | ipaddr.IPv6, number];
  try {
    parsed = ipaddr.parseCIDR(cidr);
  } catch {
    return undefined;
  }
  const [address, prefix] = parsed;
  const family = address.kind() === 'ipv4' ? 4 : 6;
  const value = address.toByteArray().reduce((n, byte) => n * 256n + BigInt(byte), 0n);
  const hostRange = 2n ** BigInt(width(family) - prefix);
  return { family, start: (value / hostRange) * hostRange, prefix };
}

function size(range: Range): bigint {
  return 2n ** BigInt(width(range.family) - range.prefix);
}

function contains(outer: Range, inner: Range): boolean {
  return outer.family === inner.family && outer.prefix <= inner.prefix
    && inner.start >= outer.start && inner.start < outer.start + size(outer);
}

function text(range: Range): string {
  const bytes: number[] = [];
  let value = range.start;
  for (let i = 0; i < width(range.family) / 8; i++) {
    bytes.unshift(Number(value % 256n));
    value /= 256n;
  }
  return `${ipaddr.fromByteArray(bytes).toString()}/${range.prefix}`;
}

/** Whether the ranges in `except` together cover all of `range`. */
function covered(range: Range, except: Range[]): boolean {
  if (except.some(e => contains(e, range))) return true;
  // Two CIDRs are nested or disjoint: only exceptions strictly inside can cover part of it.
  if (!except.some(e => contains(range, e))) return false;
  const half = { family: range.family, prefix: range.prefix + 1 };
  return covered({ ...half, start: range.start }, except) && covered({ ...half, start: range.start + size(range) / 2n }, except);
}

/**
 * Why `value` is not a CIDR in its one canonical spelling, or undefined. The message offers the
 * canonical spelling when the value has one that every reader agrees on.
 */
export function cidrProblem(value: string): string | undefined {
  if (parse(value)) return undefined;
  const quoted = JSON.stringify(String(value)).slice(0, 60);
  if (typeof value !== 'string') return `${quoted} is not a CIDR such as "10.0.0.0/8"`;
  if (/^[\d.]+$/.test(value)) return `${quoted} is not a CIDR such as "10.0.0.0/8"; did you mean "${value}/32"?`;
  if (/(^|[./])0\d/.test(value) && !value.includes(':')) {
    return `${quoted} has a number with a leading zero, which Kubernetes reads as decimal and other tools as octal; `
      + 'write each part without leading zeros (e.g. "10.0.0.0/8")';
  }
  const loose = parseLoose(value);
  if (loose && contains(IPV4_MAPPED, loose)) {
    return `${quoted} is an IPv4 range written as IPv6 (::ffff:…), which Kubernetes' network plugins read as IPv4; write the IPv4 CIDR itself`;
  }
  if (loose) return `${quoted} is not written canonically; write "${text(loose)}" (the network address, lowercase, shortest form), as Kubernetes reads it`;
  return `${quoted} is not a CIDR such as "10.0.0.0/8"`;
}

/**
 * The parts of `ranges` that the ipBlock `cidr` minus `except` still reaches, as CIDRs
 * (the overlap of each range with the block); empty when the block stays clear of them.
 * Unparsable inputs reach nothing here: `cidrProblem` reports them.
 */
export function reachedRanges(cidr: string, except: string[], ranges: string[]): string[] {
  const block = parse(cidr);
  if (!block) return [];
  const holes = except.map(parse).filter((r): r is Range => r !== undefined);
  const reached: string[] = [];
  for (const range of ranges.map(parse).filter((r): r is Range => r !== undefined)) {
    const overlap = contains(block, range) ? range : contains(range, block) ? block : undefined;
    if (overlap && !covered(overlap, holes)) reached.push(text(overlap));
  }
  return reached;
}

/** Whether the CIDRs in `by` together cover all of `cidr` (unparsable inputs cover nothing). */
export function coveredBy(cidr: string, by: string[]): boolean {
  const range = parse(cidr);
  return range !== undefined && covered(range, by.map(parse).filter((r): r is Range => r !== undefined));
}
