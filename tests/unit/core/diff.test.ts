import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { diffSockets } from '../../../src/core/diff.js';
import { applyDelta } from '../../../src/shared/delta.js';
import type { Snapshot, Socket, SocketState } from '../../../src/shared/model.js';
import { socketId } from '../../../src/shared/model.js';

function sock(port: number, remotePort: number | null, state: SocketState, pid: number | null, firstSeen = 1): Socket {
  const base = {
    protocol: 'tcp' as const,
    family: 4 as const,
    localAddress: '127.0.0.1',
    localPort: port,
    remoteAddress: remotePort === null ? null : '127.0.0.1',
    remotePort,
    inode: port * 10,
  };
  return {
    ...base,
    id: socketId(base),
    state,
    listening: state === 'LISTEN',
    pid,
    process: pid === null ? null : { pid, name: `p${pid}`, exe: null, cmdline: '', user: null, uid: null, ppid: 1, startedAt: 0 },
    otherHolders: [],
    firstSeen,
    bytesSent: null,
    bytesReceived: null,
    rttMs: null,
  };
}

const byId = (list: Socket[]) => new Map(list.map((s) => [s.id, s]));

describe('diffSockets', () => {
  it('reports added, removed and changed sockets with the seq and time given', () => {
    const a = sock(80, null, 'LISTEN', 1);
    const b = sock(5000, 80, 'ESTABLISHED', 2);
    const c = sock(6000, 80, 'ESTABLISHED', 3);
    const bClosing = { ...b, state: 'TIME_WAIT' as const, pid: null, process: null };
    const d = sock(7000, 80, 'SYN_SENT', 4);
    const delta = diffSockets(byId([a, b, c]), [a, bClosing, d], 7, 1234);
    expect(delta.seq).toBe(7);
    expect(delta.takenAt).toBe(1234);
    expect(delta.added).toEqual([d]);
    expect(delta.removed).toEqual([c.id]);
    expect(delta.changed).toEqual([bClosing]);
  });

  it('says nothing when nothing changed, even for equal copies', () => {
    const a = sock(80, null, 'LISTEN', 1);
    const delta = diffSockets(byId([a]), [{ ...a, process: { ...a.process! } }], 2, 5);
    expect(delta.added).toEqual([]);
    expect(delta.removed).toEqual([]);
    expect(delta.changed).toEqual([]);
  });

  it('a consumer applying every delta to the first snapshot holds exactly the latest snapshot', () => {
    const states: SocketState[] = ['LISTEN', 'ESTABLISHED', 'TIME_WAIT', 'CLOSE_WAIT'];
    const socketArb = fc
      .record({
        port: fc.integer({ min: 1, max: 40 }),
        remote: fc.option(fc.integer({ min: 1, max: 3 }), { nil: null }),
        state: fc.constantFrom(...states),
        pid: fc.option(fc.integer({ min: 1, max: 4 }), { nil: null }),
      })
      .map(({ port, remote, state, pid }) => sock(port, remote, state, pid));
    // Each poll is a set of sockets with unique ids (as a source yields).
    const pollArb = fc.array(socketArb, { maxLength: 30 }).map((list) => [...byId(list).values()]);
    fc.assert(
      fc.property(fc.array(pollArb, { minLength: 1, maxLength: 12 }), (polls) => {
        let previous = new Map<string, Socket>();
        let view: Snapshot = { takenAt: 0, sockets: [] };
        polls.forEach((poll, i) => {
          const delta = diffSockets(previous, poll, i + 1, i + 100);
          view = applyDelta(view, delta);
          previous = byId(poll);
          const sortById = (l: Socket[]) => [...l].sort((x, y) => x.id.localeCompare(y.id));
          expect(sortById(view.sockets)).toEqual(sortById(poll));
          expect(view.takenAt).toBe(i + 100);
        });
      }),
      { numRuns: 300 },
    );
  });

  it('applyDelta returns the same object when a delta changes nothing at the same time', () => {
    const snap: Snapshot = { takenAt: 5, sockets: [sock(1, null, 'LISTEN', 1)] };
    expect(applyDelta(snap, { seq: 1, takenAt: 5, added: [], removed: [], changed: [] })).toBe(snap);
  });
});
