// Main's side of the engine process: against the real engine in a real child process (the stand-in
// utilityProcess forks src/main/engine-entry.ts), and against scripted processes for what a real
// engine does not do on cue (garbage, silence, refusing to close).
import { EventEmitter } from 'node:events';
import { createServer, type AddressInfo } from 'node:net';
import type { HistoryResult } from '../../../src/shared/history.js';
import { afterAll, afterEach, describe, expect, it, vi } from 'vitest';
import { EngineClient, type EngineProcess, type EngineState } from '../../../src/core/engine-client.js';
import type { EngineSummary, HostMessage } from '../../../src/core/engine-protocol.js';
import type { EventName } from '../../../src/shared/api.js';
import { errorCode } from '../../../src/shared/api-errors.js';
import type { Delta, Socket } from '../../../src/shared/model.js';
import type { MonitorStatus } from '../../../src/shared/status.js';
import { StandInUtilityProcess } from '../../helpers/electron-stand-in/utility-process.mjs';
import { removeDataDirs, tempDataDir } from '../../helpers/data-dirs.js';
import { ENGINE_SOURCE } from './fake-electron.js';
import { startDnsResponder } from '../../helpers/dns-responder.js';
import type { NamesState } from '../../../src/shared/names.js';
import { WAIT } from '../../helpers/wait.js';

const clients: EngineClient[] = [];
afterEach(async () => {
  for (const c of clients.splice(0)) await c.close();
});
afterAll(removeDataDirs);

const forkReal = () => new StandInUtilityProcess(ENGINE_SOURCE, [], { execArgv: ['--import', 'tsx'] }) as unknown as EngineProcess;

function client(options: Partial<ConstructorParameters<typeof EngineClient>[0]> = {}): EngineClient {
  const c = new EngineClient({
    fork: forkReal,
    config: { dataDir: tempDataDir('engine-client'), intervalMs: 250, alerts: { learnSeconds: 0 }, watchedPorts: true },
    log: () => {},
    ...options,
  });
  clients.push(c);
  return c;
}

function record(c: EngineClient) {
  const events: Array<[EventName, unknown]> = [];
  const states: EngineState[] = [];
  const summaries: EngineSummary[] = [];
  c.subscribe((event, payload) => events.push([event, payload]));
  c.onState((s) => states.push(s));
  c.onSummary((s) => summaries.push(s));
  const deltas = () => events.filter(([e]) => e === 'delta').map(([, d]) => d as Delta);
  const statuses = () => events.filter(([e]) => e === 'status').map(([, s]) => s as MonitorStatus);
  return { events, states, summaries, deltas, statuses };
}

describe('EngineClient with the real engine process', () => {
  it('opens the engine in another process, carries requests by id, and forwards its events and summaries', async () => {
    const c = client();
    const seen = record(c);
    await c.start();
    expect(c.pid).not.toBeNull();
    expect(c.pid).not.toBe(process.pid);
    expect(c.state()).toEqual({ phase: 'running', pid: c.pid });
    await vi.waitFor(() => expect(seen.deltas().length).toBeGreaterThanOrEqual(2), WAIT);
    expect(seen.deltas().map((d) => d.seq)).toEqual(seen.deltas().map((_, i) => i + 1));
    await vi.waitFor(() => expect(seen.summaries.at(-1)?.counts.connections).toBeGreaterThanOrEqual(0), WAIT);
    // Two requests at once get their own answers.
    const [state, ports] = await Promise.all([c.call('getState', []), c.call('getWatchedPorts', [])]);
    expect(state).toMatchObject({ seq: expect.any(Number), status: { state: 'running' } });
    expect(ports).toEqual([3000, 5173, 8000, 8080, 5432, 6379]);
    // The engine checks the arguments: a bad one is its error, said as it said it.
    await expect(c.call('setInterval', [5])).rejects.toThrow(/bad arguments for setInterval/);
    // …with the contract's code, which the IPC door passes on to the page.
    expect(errorCode(await c.call('setInterval', [5]).catch((e: unknown) => e))).toBe('bad-arguments');
    expect(errorCode(await c.call('listAlerts', [{ limit: 0 }]).catch((e: unknown) => e))).toBe('bad-arguments');
    await expect(c.call('lookupPort', ['http'])).rejects.toThrow(/bad arguments for lookupPort/);
  });

  it('when the engine dies: pending requests fail at once, the window hears why, and a new engine continues the seqs and the pause', async () => {
    const c = client({ restartDelayMs: 50 });
    const seen = record(c);
    await c.start();
    await vi.waitFor(() => expect(seen.deltas().length).toBeGreaterThanOrEqual(1), WAIT);
    await c.call('pause', []);
    await vi.waitFor(() => expect(seen.statuses().at(-1)?.state).toBe('paused'), WAIT);
    const firstPid = c.pid!;
    const lastSeq = Math.max(...seen.statuses().map((s) => s.seq));

    // A request the engine will never answer: it is in flight when the process goes.
    const pending = c.call('getConflicts', []);
    process.kill(firstPid, 'SIGKILL');
    await expect(pending).rejects.toThrow(/the Portwatch engine stopped unexpectedly \(exit code \d+\)/);
    expect(errorCode(await pending.catch((e: unknown) => e))).toBe('failed');
    await vi.waitFor(() => expect(seen.states.some((s) => s.phase === 'restarting')).toBe(true), WAIT);
    const down = seen.statuses().find((s) => s.state === 'backing-off')!;
    expect(down.error).toMatch(/stopped unexpectedly .*restarting it \(attempt 1 of 3\)/);
    expect(seen.summaries.some((s) => s.status.error === down.error)).toBe(true);
    await expect(c.call('getState', [])).rejects.toThrow(/restarting it/);

    await vi.waitFor(() => expect(c.state().phase).toBe('running'), WAIT);
    expect(c.pid).not.toBe(firstPid);
    const state = (await c.call('getState', [])) as { seq: number; status: MonitorStatus };
    // Past the last seq forwarded, with a gap: a view reloads instead of mistaking new for old.
    expect(state.seq).toBeGreaterThan(lastSeq + 1);
    expect(state.status.state).toBe('paused');
  });

  it('history survives a kill -9 of the engine process: the restarted engine answers queryHistory with it', async () => {
    const c = client({ restartDelayMs: 50 });
    await c.start();
    const seen = record(c);
    // A real listener in this process that goes: the engine records it as a listener that went.
    const server = createServer();
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const port = (server.address() as AddressInfo).port;
    // Seen with its owner (on a busy machine the owner can be found a poll after the socket).
    const owned = (s: Socket) => s.localPort === port && s.listening && s.pid === process.pid;
    await vi.waitFor(() => expect(seen.deltas().some((d) => d.added.some(owned) || d.changed.some(owned))).toBe(true), WAIT);
    await new Promise<void>((resolve) => server.close(() => resolve()));
    const query = { filter: `port:${port}`, kinds: ['listener'] };
    await vi.waitFor(async () => expect(((await c.call('queryHistory', [query])) as HistoryResult).entries).toHaveLength(1), WAIT);
    const firstPid = c.pid!;
    process.kill(firstPid, 'SIGKILL');
    await vi.waitFor(() => expect(c.pid !== firstPid && c.state().phase === 'running').toBe(true), WAIT);
    const after = (await c.call('queryHistory', [query])) as HistoryResult;
    expect(after.entries).toHaveLength(1);
    expect(after.entries[0]).toMatchObject({ kind: 'listener', localPort: port, pid: process.pid });
    await expect(c.call('queryHistory', [{ limit: -1 }])).rejects.toThrow(/bad arguments for queryHistory/);
  });

  it('a restarted engine keeps reverse DNS as the user left it (off stays off)', async () => {
    // The engine's queries go to a responder of the test's own, never to the machine's resolver.
    const responder = await startDnsResponder({});
    const before = process.env.PORTWATCH_DNS_SERVER;
    process.env.PORTWATCH_DNS_SERVER = responder.server;
    try {
      const c = client({ restartDelayMs: 50 });
      await c.start();
      expect(((await c.call('getNames', [])) as NamesState).reverseDns).toBe(true);
      expect(((await c.call('setReverseDns', [false])) as NamesState).reverseDns).toBe(false);
      const seen = record(c);
      await vi.waitFor(() => expect(seen.events.some(([e, p]) => e === 'names' && (p as { reverseDns: boolean }).reverseDns === false)).toBe(true), WAIT);
      const firstPid = c.pid!;
      process.kill(firstPid, 'SIGKILL');
      await vi.waitFor(() => expect(c.pid !== firstPid && c.state().phase === 'running').toBe(true), WAIT);
      expect(((await c.call('getNames', [])) as NamesState).reverseDns).toBe(false);
    } finally {
      if (before === undefined) delete process.env.PORTWATCH_DNS_SERVER;
      else process.env.PORTWATCH_DNS_SERVER = before;
      await responder.close();
    }
  });

  it('gives up after the bounded number of restarts in the window, and says so', async () => {
    const c = client({ restartDelayMs: 10, maxRestarts: 2 });
    const seen = record(c);
    await c.start();
    for (let i = 0; i < 3; i++) {
      await vi.waitFor(() => expect(c.state().phase).toBe('running'), WAIT);
      process.kill(c.pid!, 'SIGKILL');
      await vi.waitFor(() => expect(c.state().phase).not.toBe('running'), WAIT);
    }
    await vi.waitFor(() => expect(c.state().phase).toBe('failed'), WAIT);
    expect(seen.statuses().at(-1)).toMatchObject({ state: 'stopped', error: expect.stringMatching(/3 times in 10 minutes; Portwatch stopped restarting it/) });
    await expect(c.call('getState', [])).rejects.toThrow(/stopped restarting it/);
  });

  it('close() lets the engine write what is pending and end; no process is left', async () => {
    const c = client();
    await c.start();
    const pid = c.pid!;
    const forked = StandInUtilityProcess.forked.find((p) => p.childPid === pid)!;
    await c.close();
    expect(c.state()).toEqual({ phase: 'closed' });
    expect(forked.pid).toBeUndefined();
    await expect(c.call('getState', [])).rejects.toThrow(/quitting/);
  });
});

/** A process that does what the test says, and records what main sent it. */
class ScriptedProcess extends EventEmitter {
  pid: number | undefined = 424242;
  readonly received: HostMessage[] = [];
  killed = 0;
  constructor(private readonly onMessage: (message: HostMessage, self: ScriptedProcess) => void) {
    super();
  }
  /** Set false to play an engine that never closes. */
  closes = true;
  postMessage(message: HostMessage) {
    this.received.push(message);
    queueMicrotask(() => {
      if (message.type === 'close' && this.closes) this.emit('exit', 0);
      else this.onMessage(message, this);
    });
  }
  say(message: unknown) {
    this.emit('message', message);
  }
  kill() {
    this.killed++;
    queueMicrotask(() => this.emit('exit', 143));
    return true;
  }
}

const readyMessage = { type: 'ready', pid: 424242, dataDir: null, alerts: false, watchedPorts: true };

describe('EngineClient against a scripted engine', () => {
  it('ignores malformed messages (saying so in one line) and changes nothing', async () => {
    const lines: string[] = [];
    const proc = new ScriptedProcess((m, self) => {
      if (m.type === 'open') self.say(readyMessage);
    });
    const c = client({ fork: () => proc as unknown as EngineProcess, log: (l) => lines.push(l) });
    const seen = record(c);
    await c.start();
    for (const garbage of [null, 42, 'ready', { type: 'nope' }, { type: 'result' }, { type: 'event', event: 'open-alert', payload: 'x' }, { type: 'event', event: 'status', payload: { state: 'exploded' } }, { type: 'summary', summary: {} }]) {
      proc.say(garbage);
    }
    expect(lines).toHaveLength(8);
    for (const l of lines) expect(l).toMatch(/^portwatch: ignored a malformed (message|status event) from the engine \(.+\)$/);
    expect(seen.events).toEqual([]);
    expect(seen.summaries).toEqual([]);
    expect(c.state().phase).toBe('running');
  });

  it('a request the engine never answers fails after its timeout; a late answer is dropped', async () => {
    const proc = new ScriptedProcess((m, self) => {
      if (m.type === 'open') self.say(readyMessage);
    });
    const c = client({ fork: () => proc as unknown as EngineProcess, requestTimeoutMs: 50 });
    await c.start();
    await expect(c.call('getConflicts', [])).rejects.toThrow('the Portwatch engine did not answer getConflicts within 50 ms');
    const id = (proc.received.find((m) => m.type === 'request') as { id: number }).id;
    proc.say({ type: 'result', id, value: [] });
    expect(c.state().phase).toBe('running');
  });

  it('an engine that cannot open makes start() fail with its reason, and is not restarted', async () => {
    let forks = 0;
    const c = client({
      fork: () => {
        forks++;
        return new ScriptedProcess((m, self) => {
          if (m.type === 'open') {
            self.say({ type: 'failed', message: 'no socket source on this system' });
            queueMicrotask(() => self.emit('exit', 1));
          }
        }) as unknown as EngineProcess;
      },
    });
    await expect(c.start()).rejects.toThrow('the Portwatch engine could not open: no socket source on this system');
    await vi.waitFor(() => expect(c.state().phase).toBe('failed'), WAIT);
    expect(forks).toBe(1);
  });

  it('an engine that does not close in time is ended', async () => {
    const proc = new ScriptedProcess((m, self) => {
      if (m.type === 'open') self.say(readyMessage);
    });
    proc.closes = false;
    const c = client({ fork: () => proc as unknown as EngineProcess, closeTimeoutMs: 50 });
    await c.start();
    await c.close();
    expect(proc.received.at(-1)).toEqual({ type: 'close' });
    expect(proc.killed).toBe(1);
    expect(c.state().phase).toBe('closed');
  });

  it('refuses requests past the bound of waiting ones', async () => {
    const proc = new ScriptedProcess((m, self) => {
      if (m.type === 'open') self.say(readyMessage);
    });
    const c = client({ fork: () => proc as unknown as EngineProcess, maxPending: 2, requestTimeoutMs: 1000 });
    await c.start();
    const waiting = [c.call('getState', []), c.call('getState', [])];
    await expect(c.call('getState', [])).rejects.toThrow('too many requests are waiting for the Portwatch engine');
    for (const m of proc.received) if (m.type === 'request') proc.say({ type: 'result', id: m.id, value: 1 });
    await expect(Promise.all(waiting)).resolves.toEqual([1, 1]);
  });
});

describe('EngineClient when a restart cannot fork', () => {
  it('stops restarting and says why, in the status and the state', async () => {
    let forks = 0;
    const c = client({
      restartDelayMs: 10,
      fork: () => {
        forks++;
        if (forks > 1) throw new Error('EAGAIN: no more processes');
        return new ScriptedProcess((m, self) => {
          if (m.type === 'open') self.say(readyMessage);
        }) as unknown as EngineProcess;
      },
    });
    const seen = record(c);
    await c.start();
    const first = seen.states.length;
    // The engine goes away on its own.
    (c as unknown as { process: ScriptedProcess }).process.emit('exit', 1);
    await vi.waitFor(() => expect(c.state()).toEqual({ phase: 'failed', reason: 'could not start the Portwatch engine: EAGAIN: no more processes' }), WAIT);
    expect(seen.states.slice(first).map((s) => s.phase)).toEqual(['restarting', 'failed']);
    expect(seen.statuses().at(-1)).toMatchObject({ state: 'stopped', error: 'could not start the Portwatch engine: EAGAIN: no more processes' });
  });
});
