// The engine's side of the protocol, in this process with a port that clones like a real one: it
// opens on 'open', answers requests through ApiService (whose schemas check the arguments), pushes
// events, warnings and summaries, ignores garbage with one line, and ends on 'close'.
import { afterAll, describe, expect, it, vi } from 'vitest';
import { serveEngine } from '../../../src/core/engine-process.js';
import { engineMessageSchema, ENGINE_PROTOCOL_VERSION, type EngineMessage } from '../../../src/core/engine-protocol.js';
import { openEngine } from '../../../src/core/engine.js';
import { LinuxProcSource } from '../../../src/core/sources/linux-proc.js';
import { removeDataDirs, tempDataDir } from '../../helpers/data-dirs.js';
import { WAIT } from '../../helpers/wait.js';

afterAll(removeDataDirs);

function harness() {
  const sent: EngineMessage[] = [];
  const logged: string[] = [];
  const exits: number[] = [];
  let deliver: (message: unknown) => void = () => {};
  serveEngine(
    {
      // What crosses a process boundary is a clone, and must be one the host's schema accepts.
      postMessage: (m) => sent.push(engineMessageSchema.parse(structuredClone(m))),
      onMessage: (listener) => (deliver = listener),
    },
    { exit: (code) => exits.push(code), log: (l) => logged.push(l), summaryMs: 50, open: (o) => openEngine({ ...o, source: new LinuxProcSource() }) },
  );
  const send = (m: unknown) => deliver(structuredClone(m));
  const of = <T extends EngineMessage['type']>(type: T) => sent.filter((m): m is Extract<EngineMessage, { type: T }> => m.type === type);
  return { sent, logged, exits, send, of };
}

const config = (dataDir: string | null) => ({ dataDir, intervalMs: 250, paused: false, seqBase: 0, alerts: { learnSeconds: 0 }, watchedPorts: true });

describe('serveEngine', () => {
  it('ignores garbage with one line each, and answers requests only once open', async () => {
    const h = harness();
    for (const garbage of [undefined, 'open', { type: 'open' }, { type: 'open', version: 99, config: config(null) }, { type: 'request', id: -1, method: 'getState', args: [] }, { type: 'request', id: 1, method: 'rm -rf', args: [] }]) {
      h.send(garbage);
    }
    expect(h.logged).toHaveLength(6);
    for (const l of h.logged) expect(l).toMatch(/^portwatch engine: ignored a malformed message \(.+\)$/);
    h.send({ type: 'request', id: 7, method: 'getState', args: [] });
    await vi.waitFor(() => expect(h.of('failure')).toEqual([{ type: 'failure', id: 7, message: 'the Portwatch engine is not open yet', code: 'failed' }]), WAIT);
    expect(h.of('ready')).toEqual([]);
  });

  it('opens, says its warnings before ready, forwards events and summaries, answers by id, and closes', async () => {
    const h = harness();
    const dataDir = tempDataDir('engine-process');
    h.send({ type: 'open', version: ENGINE_PROTOCOL_VERSION, config: config(dataDir) });
    await vi.waitFor(() => expect(h.of('ready')).toHaveLength(1), WAIT);
    expect(h.of('ready')[0]).toEqual({ type: 'ready', pid: process.pid, dataDir, alerts: true, watchedPorts: true });
    // Ready comes after the first poll: its delta went out before.
    const types = h.sent.map((m) => (m.type === 'event' ? m.event : m.type));
    expect(types.indexOf('delta')).toBeGreaterThanOrEqual(0);
    expect(types.indexOf('delta')).toBeLessThan(types.indexOf('ready'));
    await vi.waitFor(() => expect(h.of('summary').length).toBeGreaterThanOrEqual(1), WAIT);
    // The tray's total rate: measured, since the engine carries events (traffic) to its host.
    expect(h.of('summary')[0]!.summary.traffic).toMatchObject({ sendRate: expect.any(Number), receiveRate: expect.any(Number) });
    expect(types).toContain('traffic');

    h.send({ type: 'request', id: 1, method: 'setInterval', args: [5] });
    h.send({ type: 'request', id: 2, method: 'getWatchedPorts', args: [] });
    await vi.waitFor(() => expect(h.of('result').find((m) => m.id === 2)).toEqual({ type: 'result', id: 2, value: [3000, 5173, 8000, 8080, 5432, 6379] }), WAIT);
    await vi.waitFor(() => expect(h.of('failure').find((m) => m.id === 1)).toMatchObject({ message: expect.stringMatching(/^bad arguments for setInterval/), code: 'bad-arguments' }), WAIT);

    h.send({ type: 'request', id: 3, method: 'pause', args: [] });
    // A state change is summarized at once.
    await vi.waitFor(() => expect(h.of('summary').at(-1)?.summary.status.state).toBe('paused'), WAIT);

    h.send({ type: 'open', version: ENGINE_PROTOCOL_VERSION, config: config(null) });
    expect(h.logged).toEqual(['portwatch engine: ignored a second open']);
    h.send({ type: 'close' });
    await vi.waitFor(() => expect(h.exits).toEqual([0]), WAIT);
    expect(h.sent.at(-1)).toEqual({ type: 'closed' });
  });

  it('a folder that is a file: the warning goes out before ready', async () => {
    const h = harness();
    h.send({ type: 'open', version: ENGINE_PROTOCOL_VERSION, config: config('/dev/null/portwatch') });
    await vi.waitFor(() => expect(h.of('ready')).toHaveLength(1), WAIT);
    const types = h.sent.map((m) => m.type);
    expect(types.indexOf('warning')).toBeLessThan(types.indexOf('ready'));
    expect(h.of('warning')[0]!.warning).toMatchObject({ code: 'data-dir-unusable', dataDir: '/dev/null/portwatch' });
    h.send({ type: 'close' });
    await vi.waitFor(() => expect(h.exits).toEqual([0]), WAIT);
  });
});
