// The recorder's memory of owners, on a scripted table: a connection whose process went before the
// connection closed (FIN_WAIT2 with no owner, then TIME_WAIT) is recorded with the process it had.
import { describe, expect, it } from 'vitest';
import { HistoryRecorder } from '../../../src/core/history-recorder.js';
import { Monitor } from '../../../src/core/monitor.js';
import { emptyWarnings, type Sample, type SocketSource } from '../../../src/core/sources/source.js';
import type { HistoryEntry } from '../../../src/shared/history.js';
import type { Socket } from '../../../src/shared/model.js';
import { proc, sock } from '../../helpers/sockets.js';

/** Hands out the tables it is given, one per poll. */
class ScriptedSource implements SocketSource {
  readonly name = 'scripted';
  constructor(private readonly tables: Socket[][]) {}
  async sample(): Promise<Sample> {
    const sockets = this.tables.shift() ?? [];
    return { takenAt: Date.now(), sockets: sockets.map((s) => ({ ...s })), warnings: emptyWarnings() };
  }
}

const psql = proc(4242, 'psql');
const established = sock({ address: '127.0.0.1', port: 40000, remote: ['127.0.0.1', 5432], owner: psql });
/** The same connection (same id) at a later state, its owner no longer known. */
const ownerless = (state: Socket['state']): Socket => ({ ...established, state, pid: null, process: null, inode: 0 });

async function record(tables: Socket[][], startAfter = 0): Promise<HistoryEntry[]> {
  const monitor = new Monitor({ source: new ScriptedSource(tables), intervalMs: 1000 });
  for (let i = 0; i < startAfter; i++) await monitor.pollOnce();
  const entries: HistoryEntry[] = [];
  const recorder = new HistoryRecorder(monitor, { append: (es) => entries.push(...es) });
  for (let i = tables.length; i > 0; i--) await monitor.pollOnce();
  recorder.close();
  return entries;
}

describe('HistoryRecorder owners', () => {
  it('credits a connection to the process it had when that process went before the connection closed', async () => {
    const entries = await record([[established], [ownerless('FIN_WAIT2')], [ownerless('TIME_WAIT')], []]);
    expect(entries).toHaveLength(1);
    expect(entries[0]).toMatchObject({ kind: 'connection', state: 'TIME_WAIT', pid: 4242, process: { pid: 4242, name: 'psql' } });
  });

  it('credits a connection that left the table without TIME_WAIT to its last owner', async () => {
    const entries = await record([[established], [ownerless('CLOSE_WAIT')], []]);
    expect(entries).toHaveLength(1);
    expect(entries[0]).toMatchObject({ state: 'CLOSE_WAIT', pid: 4242, process: { name: 'psql' } });
  });

  it('knows the owners of sockets already in the table when it starts', async () => {
    const entries = await record([[established], [ownerless('TIME_WAIT')], []], 1);
    expect(entries).toHaveLength(1);
    expect(entries[0]).toMatchObject({ state: 'TIME_WAIT', pid: 4242 });
  });

  it('forgets an owner once the same connection has one again', async () => {
    const other = proc(7, 'curl');
    const entries = await record([[established], [ownerless('FIN_WAIT2')], [{ ...established, pid: 7, process: other }], [ownerless('TIME_WAIT')]]);
    expect(entries).toHaveLength(1);
    expect(entries[0]).toMatchObject({ state: 'TIME_WAIT', pid: 7, process: { name: 'curl' } });
  });
});
