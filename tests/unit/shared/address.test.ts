import fc from 'fast-check';
import { isIPv6 } from 'node:net';
import { describe, expect, it } from 'vitest';
import { addressScope, formatIPv6, normaliseAddress, parseIPv6, unmapped } from '../../../src/shared/address.js';

describe('IPv6 text (RFC 5952)', () => {
  it('compresses the longest zero run, the first on a tie, never a single group', () => {
    expect(normaliseAddress('2001:0DB8:0000:0000:0000:0000:0000:0001')).toBe('2001:db8::1');
    expect(normaliseAddress('2001:db8:0:0:1:0:0:1')).toBe('2001:db8::1:0:0:1');
    expect(normaliseAddress('2001:db8:0:1:1:1:1:1')).toBe('2001:db8:0:1:1:1:1:1');
    expect(normaliseAddress('0:0:0:0:0:0:0:0')).toBe('::');
    expect(normaliseAddress('0:0:0:0:0:0:0:1')).toBe('::1');
    expect(normaliseAddress('1:0:0:0:0:0:0:0')).toBe('1::');
    expect(normaliseAddress('::ffff:7f00:1')).toBe('::ffff:127.0.0.1');
    expect(normaliseAddress('FE80::1%LO0')).toBe('fe80::1%lo0');
    expect(normaliseAddress('127.0.0.1')).toBe('127.0.0.1');
    expect(normaliseAddress('not an address')).toBe('not an address');
  });

  it('round-trips any 16 bytes and agrees with Node about validity', () => {
    fc.assert(
      fc.property(fc.uint8Array({ minLength: 16, maxLength: 16 }), (bytes) => {
        const text = formatIPv6(bytes);
        expect(isIPv6(text)).toBe(true);
        expect(Array.from(parseIPv6(text)!)).toEqual(Array.from(bytes));
        expect(text).toBe(text.toLowerCase());
      }),
    );
  });

  it('rejects malformed text', () => {
    for (const bad of ['1::2::3', '12345::', '1:2:3:4:5:6:7', '1:2:3:4:5:6:7:8:9', 'g::1', '::1.2.3']) {
      expect(parseIPv6(bad)).toBeNull();
    }
  });
});

describe('addressScope', () => {
  it('tells loopback, every interface and named addresses apart', () => {
    expect(addressScope('127.0.0.1')).toBe('loopback');
    expect(addressScope('127.0.0.53')).toBe('loopback');
    expect(addressScope('::1')).toBe('loopback');
    expect(addressScope('::ffff:127.0.0.1')).toBe('loopback');
    expect(addressScope('0.0.0.0')).toBe('all');
    expect(addressScope('::')).toBe('all');
    expect(addressScope('192.168.1.5')).toBe('private');
    expect(addressScope('fd00::5')).toBe('private');
    expect(addressScope('fe80::1')).toBe('link-local');
    expect(addressScope('8.8.8.8')).toBe('public');
    expect(unmapped('::ffff:10.0.0.1')).toBe('10.0.0.1');
    expect(unmapped('::1')).toBe('::1');
  });
});
