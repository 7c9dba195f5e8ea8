import { describe, expect, it } from 'vitest';
import { backoffSeconds, throttleKeyForIp } from './throttle-key.ts';

describe('throttleKeyForIp', () => {
  it('keeps IPv4 addresses and unwraps IPv4-mapped IPv6 ones', () => {
    expect(throttleKeyForIp('203.0.113.9')).toBe('203.0.113.9');
    expect(throttleKeyForIp('::ffff:203.0.113.9')).toBe('203.0.113.9');
    expect(throttleKeyForIp('::FFFF:203.0.113.9')).toBe('203.0.113.9');
  });

  it('reduces IPv6 to its /64 in one canonical spelling, whatever the notation', () => {
    const same = ['2001:db8:1:2::1', '2001:0db8:0001:0002:0000:0000:0000:0001', '2001:DB8:1:2:ffff:ffff:ffff:ffff', '2001:db8:1:2::1.2.3.4', '2001:db8:1:2::1%eth0'];
    expect(new Set(same.map(throttleKeyForIp))).toEqual(new Set(['2001:db8:1:2::/64']));
    expect(throttleKeyForIp('::1')).toBe('0:0:0:0::/64');
    expect(throttleKeyForIp('2001:db8::')).toBe('2001:db8:0:0::/64');
    expect(throttleKeyForIp('2001:db8:1:3::1')).not.toBe(throttleKeyForIp('2001:db8:1:2::1'));
  });

  it('returns anything that is not an address unchanged', () => {
    expect(throttleKeyForIp('proxy.internal')).toBe('proxy.internal');
    expect(throttleKeyForIp('::ffff:999.1.1.1')).toBe('::ffff:999.1.1.1');
  });
});

describe('backoffSeconds', () => {
  it('waits nothing below the threshold, then 1, 2, 4 … seconds, never beyond the cap', () => {
    expect([1, 2, 3, 4, 5, 6, 7, 8].map((n) => backoffSeconds(n, 5, 900))).toEqual([0, 0, 0, 0, 1, 2, 4, 8]);
    expect(backoffSeconds(15, 5, 900)).toBe(900);
    expect(backoffSeconds(1_000_000, 5, 900)).toBe(900);
    expect(backoffSeconds(1, 1, 900)).toBe(1);
  });
});
