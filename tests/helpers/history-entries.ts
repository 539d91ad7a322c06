// History entries for the tests of the history's store: connection i (pid 100 + i) closed at closedAt,
// with a long command line so that sizes grow quickly.
import type { HistoryEntry } from '../../src/shared/history.js';

export function historyEntry(i: number, closedAt: number): HistoryEntry {
  return {
    id: `tcp4 127.0.0.1:${10000 + (i % 50000)}>127.0.0.1:443`,
    protocol: 'tcp',
    family: 4,
    localAddress: '127.0.0.1',
    localPort: 10000 + (i % 50000),
    remoteAddress: '127.0.0.1',
    remotePort: 443,
    state: 'TIME_WAIT',
    listening: false,
    pid: 100 + i,
    process: { pid: 100 + i, name: 'curl', exe: '/usr/bin/curl', cmdline: `curl https://example.invalid/${'x'.repeat(400)}`, user: 'ada', uid: 1000, ppid: 1, startedAt: 1 },
    otherHolders: [],
    inode: 0,
    firstSeen: closedAt - 1000,
    bytesSent: i,
    bytesReceived: 2 * i,
    rttMs: null,
    kind: 'connection',
    openedAt: closedAt - 1000,
    closedAt,
    remoteHost: null,
    remoteCountry: null,
    remoteAsn: null,
    remoteOrg: null,
  };
}
