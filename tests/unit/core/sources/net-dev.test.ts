import { describe, expect, it } from 'vitest';
import { parseNetDev } from '../../../../src/core/sources/net-dev.js';

describe('parseNetDev', () => {
  it('reads received and sent bytes per interface, skipping the headers and junk', () => {
    const text = `Inter-|   Receive                                                |  Transmit
 face |bytes    packets errs drop fifo frame compressed multicast|bytes    packets errs drop fifo colls carrier compressed
    lo: 123456789   1000    0    0    0     0          0         0 123456789   1000    0    0    0     0       0          0
  eth0: 98765 12 0 0 0 0 0 0 4321 9 0 0 0 0 0 0
 bad: 1 2 3
 veth-x@if3: 5 0 0 0 0 0 0 0 6 0 0 0 0 0 0 0
`;
    expect(parseNetDev(text)).toEqual([
      { name: 'lo', bytesReceived: 123456789, bytesSent: 123456789 },
      { name: 'eth0', bytesReceived: 98765, bytesSent: 4321 },
      { name: 'veth-x@if3', bytesReceived: 5, bytesSent: 6 },
    ]);
    expect(parseNetDev('')).toEqual([]);
  });
});
