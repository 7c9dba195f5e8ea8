import { isIPv4, isIPv6 } from 'node:net';

const MAPPED_V4 = /^::ffff:(\d{1,3}(?:\.\d{1,3}){3})$/i;

/** The eight 16-bit groups of a valid IPv6 address (zone removed, embedded IPv4 converted). */
function ipv6Groups(ip: string): number[] {
  const bare = ip.split('%')[0];
  const toGroups = (part: string): number[] =>
    part === ''
      ? []
      : part.split(':').flatMap((g) => {
          if (!g.includes('.')) return [parseInt(g, 16)];
          const [a, b, c, d] = g.split('.').map(Number);
          return [(a << 8) | b, (c << 8) | d];
        });
  const [head, tail] = bare.includes('::') ? bare.split('::') : [bare, null];
  const front = toGroups(head);
  const back = tail === null ? [] : toGroups(tail);
  return [...front, ...Array(8 - front.length - back.length).fill(0), ...back];
}

/**
 * The key an address is throttled under: an IPv4 address as is (IPv4-mapped
 * IPv6 too), an IPv6 address by its /64, since one host usually holds a
 * whole /64 and could otherwise rotate through it. Anything else is returned
 * unchanged (a proxy may hand over a name).
 */
export function throttleKeyForIp(ip: string): string {
  const mapped = MAPPED_V4.exec(ip);
  if (mapped && isIPv4(mapped[1])) return mapped[1];
  if (!isIPv6(ip)) return ip;
  return `${ipv6Groups(ip)
    .slice(0, 4)
    .map((g) => g.toString(16))
    .join(':')}::/64`;
}

/**
 * Seconds the next attempt must wait after `consecutive` failures from one
 * address on one account: none below `after`, then 1, 2, 4, … seconds,
 * never more than `maxSeconds`. Requires integers, `after` >= 1.
 */
export function backoffSeconds(consecutive: number, after: number, maxSeconds: number): number {
  if (consecutive < after) return 0;
  return Math.min(2 ** Math.min(consecutive - after, 30), maxSeconds);
}
