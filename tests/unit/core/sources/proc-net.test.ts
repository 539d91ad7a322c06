import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { decodeAddress, parseProcNet } from '../../../../src/core/sources/proc-net.js';

const fixture = (name: string) => readFileSync(new URL(`../../../fixtures/proc-net/${name}`, import.meta.url), 'latin1');

describe('parseProcNet on captured /proc/net lines', () => {
  it('reads IPv4 TCP: listener, established pair, FIN_WAIT2/CLOSE_WAIT, TIME_WAIT', () => {
    const { rows, skipped } = parseProcNet(fixture('tcp.txt'), 'tcp', 4);
    expect(skipped).toBe(0);
    expect(rows).toHaveLength(7);
    const listener = rows[0]!;
    expect(listener).toMatchObject({
      protocol: 'tcp',
      family: 4,
      localAddress: '127.0.0.1',
      localPort: 0x9197,
      remoteAddress: null,
      remotePort: null,
      state: 'LISTEN',
      listening: true,
      uid: 0,
      inode: 9132,
    });
    expect(rows[1]).toMatchObject({ state: 'ESTABLISHED', listening: false, remoteAddress: '127.0.0.1', remotePort: 0x82cc, inode: 9136 });
    expect(rows.map((r) => r.state)).toEqual(['LISTEN', 'ESTABLISHED', 'ESTABLISHED', 'FIN_WAIT2', 'ESTABLISHED', 'CLOSE_WAIT', 'TIME_WAIT']);
    // TIME_WAIT and orphaned FIN_WAIT2 sockets belong to no process: inode 0.
    expect(rows[3]!.inode).toBe(0);
    expect(rows[6]!.inode).toBe(0);
  });

  it('reads IPv6 TCP in RFC 5952 form, and IPv4-mapped as ::ffff:a.b.c.d', () => {
    const { rows, skipped } = parseProcNet(fixture('tcp6.txt'), 'tcp', 6);
    expect(skipped).toBe(0);
    expect(rows.map((r) => [r.localAddress, r.remoteAddress, r.state])).toEqual([
      ['::', null, 'LISTEN'],
      ['::1', null, 'LISTEN'],
      ['::ffff:127.0.0.1', '::ffff:127.0.0.1', 'ESTABLISHED'],
      ['::1', '::1', 'ESTABLISHED'],
      ['::1', '::1', 'ESTABLISHED'],
    ]);
    expect(rows.every((r) => r.family === 6)).toBe(true);
  });

  it('names every TCP state the kernel numbers', () => {
    const { rows } = parseProcNet(fixture('tcp-states.txt'), 'tcp', 4);
    expect(rows.map((r) => r.state)).toEqual(['SYN_SENT', 'SYN_RECV', 'FIN_WAIT1', 'CLOSE', 'LAST_ACK', 'CLOSING', 'SYN_RECV']);
    expect(rows.every((r) => !r.listening)).toBe(true);
  });

  it('reads UDP: bound sockets listen, connected ones are ESTABLISHED with a peer', () => {
    const v4 = parseProcNet(fixture('udp.txt'), 'udp', 4);
    expect(v4.skipped).toBe(0);
    expect(v4.rows.map((r) => [r.state, r.listening, r.remotePort])).toEqual([
      ['ESTABLISHED', false, 0x8681],
      ['UNCONN', true, null],
    ]);
    const v6 = parseProcNet(fixture('udp6.txt'), 'udp', 6);
    expect(v6.rows.map((r) => [r.localAddress, r.state, r.listening])).toEqual([
      ['::', 'UNCONN', true],
      ['::1', 'ESTABLISHED', false],
    ]);
  });

  it('skips and counts malformed and truncated lines, keeps the good ones', () => {
    const text = fixture('tcp.txt').split('\n');
    const broken = [
      text[0],
      text[1],
      text[2]!.slice(0, 40), // cut mid-line, as a table changing under the read can
      '   9: ZZZZZZZZ:0050 00000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 1 1',
      '  10: 0100007F:0050 00000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 notanumber 1',
      '  11: 0100007F:0050 00000000:0000 FF 00000000:00000000 00:00000000 00000000     0        0 5 1',
      '  12: 0100007F0050 00000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 5 1',
      'garbage',
      text[5],
      '',
    ].join('\n');
    const { rows, skipped } = parseProcNet(broken, 'tcp', 4);
    expect(rows).toHaveLength(2);
    expect(skipped).toBe(6);
  });

  it('treats an empty table as empty, and a headless one as one bad line', () => {
    expect(parseProcNet('', 'tcp', 4)).toEqual({ rows: [], skipped: 0 });
    expect(parseProcNet('  sl  local_address\n', 'udp', 6)).toEqual({ rows: [], skipped: 0 });
  });
});

describe('decodeAddress', () => {
  it('decodes the kernel host-order words', () => {
    expect(decodeAddress('0100007F', 4)).toBe('127.0.0.1');
    expect(decodeAddress('00000000', 4)).toBe('0.0.0.0');
    expect(decodeAddress('0101A8C0', 4)).toBe('192.168.1.1');
    expect(decodeAddress('00000000000000000000000001000000', 6)).toBe('::1');
    expect(decodeAddress('000080FE00000000FF00AA0BFE12DCBA', 6)).toBe('fe80::baa:ff:badc:12fe');
    expect(decodeAddress('B80D0120000000000000000001000000', 6)).toBe('2001:db8::1');
    expect(decodeAddress('0000000000000000FFFF00000100007F', 6)).toBe('::ffff:127.0.0.1');
  });

  it('refuses text that is not an address', () => {
    expect(decodeAddress('0100007', 4)).toBeNull();
    expect(decodeAddress('0100007G', 4)).toBeNull();
  });
});
