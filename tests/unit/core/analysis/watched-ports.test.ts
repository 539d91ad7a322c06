import { describe, expect, it } from 'vitest';
import { DEFAULT_WATCHED_PORTS, describeWatchedPortEvent, watchedPortEvents } from '../../../../src/core/analysis/watched-ports.js';
import { proc, sock } from '../../../helpers/sockets.js';

const node = proc(123, 'node');
const vite = proc(456, 'vite');

describe('watchedPortEvents', () => {
  it('has the usual dev ports by default', () => {
    expect(DEFAULT_WATCHED_PORTS).toEqual([3000, 5173, 8000, 8080, 5432, 6379]);
  });

  it('says when a listener takes a watched port and when it frees it, naming the process', () => {
    const listener = sock({ address: '127.0.0.1', port: 3000, owner: node });
    const taken = watchedPortEvents([], [listener], DEFAULT_WATCHED_PORTS);
    expect(taken).toEqual([{ port: 3000, protocol: 'tcp', change: 'taken', address: '127.0.0.1', pid: 123, process: node }]);
    expect(describeWatchedPortEvent(taken[0]!)).toBe('port 3000 taken by node (pid 123)');
    const freed = watchedPortEvents([listener], [], DEFAULT_WATCHED_PORTS);
    expect(freed).toEqual([{ port: 3000, protocol: 'tcp', change: 'freed', address: '127.0.0.1', pid: 123, process: node }]);
    expect(describeWatchedPortEvent(freed[0]!)).toBe('port 3000 freed by node (pid 123)');
  });

  it('ignores unwatched ports, connections, and a listener that stays', () => {
    const listener = sock({ address: '0.0.0.0', port: 5173, owner: vite });
    const other = sock({ address: '0.0.0.0', port: 4000, owner: node });
    const conn = sock({ address: '127.0.0.1', port: 3000, remote: ['127.0.0.1', 50000], owner: node });
    expect(watchedPortEvents([listener], [listener, other, conn], DEFAULT_WATCHED_PORTS)).toEqual([]);
    expect(watchedPortEvents([], [other], [])).toEqual([]);
  });

  it('a second family of the same process is no news; another process is', () => {
    const v4 = sock({ address: '127.0.0.1', port: 8080, owner: node });
    const v6 = sock({ address: '::1', port: 8080, owner: node });
    const intruder = sock({ address: '::1', port: 8080, owner: vite });
    expect(watchedPortEvents([v4], [v4, v6], [8080])).toEqual([]);
    expect(watchedPortEvents([v4], [v4, intruder], [8080])).toMatchObject([{ change: 'taken', pid: 456 }]);
  });

  it('handles UDP and unknown owners', () => {
    const udp = sock({ protocol: 'udp', address: '0.0.0.0', port: 5432, owner: null });
    const [e] = watchedPortEvents([], [udp], [5432]);
    expect(e).toMatchObject({ protocol: 'udp', change: 'taken', pid: null, process: null });
    expect(describeWatchedPortEvent(e!)).toBe('port 5432 (udp) taken by a process Portwatch cannot see');
  });
});
