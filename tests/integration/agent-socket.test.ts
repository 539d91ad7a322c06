// `portwatch agent` serving UIs on its Unix socket, with real clients in real processes: the owner
// (full access), a member of the agent's group running as another uid through setpriv (read-only:
// it watches, and is refused ending a process), and another user (kept out by the file's mode, and
// by its credentials when the mode lets it through). Killing the agent mid-write loses nothing it
// reported saved.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { chmodSync, lstatSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import net from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import readline from 'node:readline';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { ENGINE_PROTOCOL_VERSION } from '../../src/core/engine-protocol.js';
import type { FullState } from '../../src/shared/api.js';
import { startBuiltApp } from '../helpers/built-app.js';
import { startHolder, stopAll, stopChild } from '../helpers/children.js';
import { WAIT } from '../helpers/wait.js';

const root = fileURLToPath(new URL('../..', import.meta.url));
const bin = join(root, 'bin', 'portwatch.js');
const CLIENT = fileURLToPath(new URL('../helpers/agent-client.mjs', import.meta.url));
const NOBODY = 65534;
/** A gid no account here uses: the agent's group in these tests (setgroups takes any number). */
const GROUP = 47_113;
const children = new Set<ChildProcess>();
const dir = mkdtempSync(join(tmpdir(), 'portwatch-agent-socket-'));
const socketPath = join(dir, 'run', 'agent.sock');
const dataDir = join(dir, 'data');

const config = { dataDir: null, intervalMs: 1000, paused: false, seqBase: 0, alerts: false, watchedPorts: true } as const;
const OPEN = JSON.stringify({ type: 'open', version: ENGINE_PROTOCOL_VERSION, config });

beforeAll(() => {
  // (The agent runs the compiled CLI, which tests/global-setup.ts built before any file ran: building it
  // here would rewrite files other test files are running.)
  // Other users must be able to reach the socket's folder; the socket's own mode decides the rest.
  chmodSync(dir, 0o755);
});

afterAll(async () => {
  await Promise.all([...children].map(stopChild));
  await stopAll();
  rmSync(dir, { recursive: true, force: true });
});

interface Agent {
  child: ChildProcess;
  /** Resolves with the stderr line matching pattern. */
  line(pattern: RegExp): Promise<string>;
  exited: Promise<{ code: number | null; stderr: string }>;
}

function startAgent(args: string[]): Agent {
  const child = spawn(process.execPath, [bin, 'agent', '--no-alerts', '--interval', '250', '--data-dir', dataDir, ...args], { cwd: root, stdio: ['ignore', 'pipe', 'pipe'] });
  children.add(child);
  const seen: string[] = [];
  const waiters: Array<{ pattern: RegExp; resolve: (l: string) => void }> = [];
  readline.createInterface({ input: child.stderr! }).on('line', (l) => {
    seen.push(l);
    for (const w of [...waiters]) {
      if (!w.pattern.test(l)) continue;
      waiters.splice(waiters.indexOf(w), 1);
      w.resolve(l);
    }
  });
  const exited = new Promise<{ code: number | null; stderr: string }>((resolve) => child.once('close', (code) => resolve({ code, stderr: seen.join('\n') })));
  return {
    child,
    exited,
    line: (pattern) => {
      const found = seen.find((l) => pattern.test(l));
      if (found) return Promise.resolve(found);
      return Promise.race([
        new Promise<string>((resolve) => waiters.push({ pattern, resolve })),
        exited.then(({ stderr }) => Promise.reject(new Error(`agent exited before ${pattern}: ${stderr}`))),
      ]);
    },
  };
}

interface Client {
  send(message: unknown): void;
  /** The next message matching test (earlier ones are kept for later calls). */
  next(test: (m: Record<string, unknown>) => boolean): Promise<Record<string, unknown>>;
  request(id: number, method: string, args?: unknown[]): Promise<Record<string, unknown>>;
  close(): Promise<void>;
}

/** A client process; as another user when uid is given (setpriv), with exactly the given groups. */
function client(uid?: number, groups: number[] = [], path = socketPath): Client {
  const argv = [CLIENT, path];
  const child =
    uid === undefined
      ? spawn(process.execPath, argv, { stdio: ['pipe', 'pipe', 'inherit'] })
      : spawn('setpriv', [`--reuid=${uid}`, `--regid=${uid}`, groups.length ? `--groups=${groups.join(',')}` : '--clear-groups', process.execPath, ...argv], { stdio: ['pipe', 'pipe', 'inherit'] });
  children.add(child);
  const inbox: Array<Record<string, unknown>> = [];
  let wake = () => {};
  readline.createInterface({ input: child.stdout! }).on('line', (l) => {
    inbox.push(JSON.parse(l) as Record<string, unknown>);
    wake();
  });
  const c: Client = {
    send: (m) => child.stdin!.write((typeof m === 'string' ? m : JSON.stringify(m)) + '\n'),
    async next(test) {
      for (;;) {
        const i = inbox.findIndex(test);
        if (i !== -1) return inbox.splice(i, 1)[0]!;
        if (inbox.some((m) => m.type === '_closed' || m.type === '_error')) throw new Error(`connection over: ${JSON.stringify(inbox)}`);
        await new Promise<void>((r) => (wake = r));
      }
    },
    request(id, method, args = []) {
      c.send({ type: 'request', id, method, args });
      return c.next((m) => (m.type === 'result' || m.type === 'failure') && m.id === id);
    },
    close: () => stopChild(child),
  };
  return c;
}

function setprivWorks(): boolean {
  return spawnSync('setpriv', [`--reuid=${NOBODY}`, `--regid=${NOBODY}`, '--clear-groups', process.execPath, '-e', 'process.exit(process.getuid() === 65534 ? 0 : 1)']).status === 0;
}

describe('portwatch agent on a Unix socket', () => {
  let agent: Agent;

  beforeAll(async () => {
    expect(setprivWorks(), 'setpriv must run a process as nobody here').toBe(true);
    agent = startAgent(['--socket', socketPath, '--group', String(GROUP)]);
    await agent.line(/serving UIs on .*agent\.sock \(group 47113: read-only\)$/);
  });

  it('makes the socket file readable by its owner and its group only', () => {
    const stat = lstatSync(socketPath);
    expect(stat.isSocket()).toBe(true);
    expect(stat.mode & 0o777).toBe(0o660);
    expect(stat.gid).toBe(GROUP);
  });

  it('serves the owner the whole contract, and says which engine it is', async () => {
    const owner = client();
    owner.send(OPEN);
    const ready = await owner.next((m) => m.type === 'ready');
    expect(ready.pid).toBe(agent.child.pid);
    const state = await owner.request(1, 'getState');
    expect(state.type).toBe('result');
    const status = (state.value as { status: { engine: Record<string, unknown> } }).status;
    expect(status.engine).toMatchObject({ host: 'agent', rights: 'root', access: 'full' });
    // An action: the interval, and back.
    expect(await owner.request(2, 'setInterval', [500])).toMatchObject({ type: 'result' });
    const event = await owner.next((m) => m.type === 'event' && m.event === 'status' && (m.payload as { intervalMs: number }).intervalMs === 500);
    expect((event.payload as { engine: { access: string } }).engine.access).toBe('full');
    expect(await owner.request(3, 'setInterval', [250])).toMatchObject({ type: 'result' });
    // Deltas flow to an attached host.
    await owner.next((m) => m.type === 'event' && m.event === 'delta');
    await owner.close();
  });

  it('lets a member of its group (another uid) watch, and refuses it the actions: it cannot end a process', async () => {
    const holder = await startHolder([{ name: 'web', kind: 'tcp-listen', host: '127.0.0.1' }], 'pw-agent-victim');
    const watcher = client(NOBODY, [GROUP]);
    const connected = await watcher.next((m) => m.type === '_connected');
    expect(connected.uid).toBe(NOBODY);
    expect(connected.groups).toContain(GROUP);
    watcher.send(OPEN);
    await watcher.next((m) => m.type === 'ready');
    const state = await watcher.request(1, 'getState');
    const { snapshot, status } = state.value as { snapshot: { sockets: Array<{ pid: number | null; localPort: number }> }; status: { engine: { access: string } } };
    expect(status.engine.access).toBe('read-only');
    // It sees what the agent sees, the holder (root's process, invisible to nobody's own /proc walk) named.
    const summary = await watcher.next((m) => m.type === 'summary');
    expect((summary.summary as { status: { engine: { access: string } } }).status.engine.access).toBe('read-only');
    const port = holder.endpoints.web!.port;
    await expect.poll(async () => {
      const s = (await watcher.request(100 + Math.floor(Math.random() * 1e6), 'lookupPort', [port])).value as { holders?: unknown[] } | undefined;
      return JSON.stringify(s ?? null).includes(String(holder.pid));
    }, WAIT).toBe(true);
    expect(snapshot.sockets.length).toBeGreaterThan(0);

    const refused = await watcher.request(2, 'endProcess', [{ pid: holder.pid, startedAt: Date.now() }]);
    expect(refused).toMatchObject({ type: 'failure', code: 'refused' });
    expect(String(refused.message)).toMatch(/endProcess is an action, and this connection may only watch/);
    for (const [id, method, args] of [[3, 'setInterval', [5000]], [4, 'pause', []], [5, 'setWatchedPorts', [[1]]], [6, 'setReverseDns', [true]]] as const) {
      expect(await watcher.request(id, method, [...args])).toMatchObject({ type: 'failure', code: 'refused' });
    }
    // Still alive and still listening: nothing reached it.
    expect(holder.child.exitCode).toBeNull();
    expect(process.kill(holder.pid, 0)).toBe(true);
    await watcher.close();
    await holder.exit();
  });

  it('keeps out another user: by the file mode, and by its credentials when the mode would let it in', async () => {
    const stranger = client(NOBODY);
    expect(await stranger.next((m) => m.type === '_error')).toMatchObject({ code: 'EACCES' });
    chmodSync(socketPath, 0o666);
    try {
      const again = client(NOBODY);
      const failed = await again.next((m) => m.type === 'failed');
      expect(String(failed.message)).toMatch(/^uid 65534 may not use this Portwatch agent: it serves root, its own user and the group 47113$/);
      await again.next((m) => m.type === '_closed').catch(() => {});
      await agent.line(/refused a client: uid 65534/);
    } finally {
      chmodSync(socketPath, 0o660);
    }
  });

  it('drops a client that sends garbage, and serves the next one', async () => {
    const bad = client();
    bad.send('this is not json');
    await agent.line(/dropped a client that sent a message that is not JSON/);
    const good = client();
    good.send({ type: 'request', id: 9, method: 'rm -rf', args: [] });
    await agent.line(/ignored a malformed message from a client \(method: /);
    good.send(OPEN);
    await good.next((m) => m.type === 'ready');
    expect(await good.request(1, 'getWatchedPorts')).toMatchObject({ type: 'result' });
    await good.close();
    await bad.close();
  });

  it('serve --agent shows the agent’s engine to a browser page, with the attaching user’s rights', async () => {
    // As root (full), then as a member of the group (read-only), each its own `serve` process.
    for (const [as, access] of [[null, 'full'], [[NOBODY, GROUP], 'read-only']] as const) {
      const argv = [bin, 'serve', '--port', '0', '--no-open', '--agent', socketPath];
      const child =
        as === null
          ? spawn(process.execPath, argv, { cwd: root, stdio: ['ignore', 'pipe', 'pipe'] })
          : spawn('setpriv', [`--reuid=${as[0]}`, `--regid=${as[0]}`, `--groups=${as[1]}`, process.execPath, ...argv], { cwd: root, stdio: ['ignore', 'pipe', 'pipe'] });
      children.add(child);
      let stderr = '';
      child.stderr!.on('data', (c: Buffer) => (stderr += c.toString()));
      const lines = readline.createInterface({ input: child.stdout! })[Symbol.asyncIterator]();
      const url = /^Portwatch is serving on (\S+)$/.exec(String((await lines.next()).value))?.[1];
      expect(url, stderr).toBeDefined();
      const attached = String((await lines.next()).value);
      expect(attached).toBe(`Attached to the Portwatch agent at ${socketPath} (agent as root: every process visible${access === 'read-only' ? ' · watch only' : ''}). Ctrl+C stops.`);

      const { port, searchParams } = new URL(url!);
      const ws = new WebSocket(`ws://127.0.0.1:${port}/ws?token=${searchParams.get('token')}`);
      await new Promise((resolve, reject) => ws.once('open', resolve).once('error', reject));
      const results = new Map<number, Record<string, unknown>>();
      let wake = () => {};
      ws.on('message', (data) => {
        const m = JSON.parse(String(data)) as Record<string, unknown>;
        if (m.type === 'result') results.set(m.id as number, m);
        wake();
      });
      const call = async (id: number, method: string, args: unknown[] = []) => {
        ws.send(JSON.stringify({ id, method, args }));
        while (!results.has(id)) await new Promise<void>((r) => (wake = r));
        return results.get(id)!;
      };
      const state = await call(1, 'getState');
      expect(state.ok).toBe(true);
      expect((state.value as { status: { engine: Record<string, unknown> } }).status.engine).toMatchObject({ host: 'agent', pid: agent.child.pid, access });
      const paused = await call(2, 'setInterval', [300]);
      if (access === 'full') expect(paused, JSON.stringify(paused)).toMatchObject({ ok: true });
      else expect(paused).toMatchObject({ ok: false, code: 'refused', error: expect.stringMatching(/setInterval is an action/) });
      expect(await call(3, 'no-such-request')).toMatchObject({ ok: false, code: 'unknown-request' });
      if (access === 'full') expect(await call(4, 'setInterval', [250])).toMatchObject({ ok: true });
      ws.close();
      child.kill('SIGINT');
      const code = await new Promise<number | null>((resolve) => child.once('close', resolve));
      expect(code, stderr).toBe(0);
    }
    // The agent ran on: detaching hosts never close it.
    expect(agent.child.exitCode).toBeNull();
  });

  it('serve --agent says in one line that no agent is there, or that it may not use it', async () => {
    const missing = spawnSync(process.execPath, [bin, 'serve', '--port', '0', '--no-open', '--agent', join(dir, 'nothing.sock')], { cwd: root, encoding: 'utf8' });
    expect(missing.status).toBe(1);
    expect(missing.stderr).toBe(`portwatch: the Portwatch engine could not open: no Portwatch agent is running at ${join(dir, 'nothing.sock')}\n`);
    const stranger = spawnSync('setpriv', [`--reuid=${NOBODY}`, `--regid=${NOBODY}`, '--clear-groups', process.execPath, bin, 'serve', '--port', '0', '--no-open', '--agent', socketPath], { cwd: root, encoding: 'utf8' });
    expect(stranger.status).toBe(1);
    expect(stranger.stderr).toBe(`portwatch: the Portwatch engine could not open: not allowed to use the Portwatch agent at ${socketPath} (ask its owner to add you to its group)\n`);
  });

  it('answers a member of its group asking for the state 300 times at once "busy", not 300 states', async () => {
    const asker = client(NOBODY, [GROUP]);
    asker.send(OPEN);
    await asker.next((m) => m.type === 'ready');
    asker.send(Array.from({ length: 300 }, (_, i) => JSON.stringify({ type: 'request', id: 1000 + i, method: 'getState', args: [] })).join('\n'));
    const answers: Array<Record<string, unknown>> = [];
    for (let i = 0; i < 300; i++) answers.push(await asker.next((m) => (m.type === 'result' || m.type === 'failure') && m.id === 1000 + i));
    const states = answers.filter((a) => a.type === 'result');
    const busy = answers.filter((a) => a.type === 'failure' && a.code === 'busy');
    expect(states.length).toBeGreaterThanOrEqual(1);
    expect(states.length).toBeLessThanOrEqual(16);
    expect(states.length + busy.length).toBe(300);
    expect(String(busy[0]!.message)).toMatch(/already on its way to this client|requests being answered/);
    // Once it has read its state, it is served again.
    expect(await asker.request(2000, 'getState')).toMatchObject({ type: 'result' });
    await asker.close();
  });

  it('keeps its memory bounded against 16 clients that ask for the state 1,000 times each and never read', { timeout: 120_000 }, async () => {
    const rss = () => Number(/VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${agent.child.pid}/status`, 'utf8'))![1]) * 1024;
    const before = rss();
    let peak = before;
    const sampler = setInterval(() => (peak = Math.max(peak, rss())), 10);
    const stalled: net.Socket[] = [];
    const burst = [OPEN, ...Array.from({ length: 1000 }, (_, i) => JSON.stringify({ type: 'request', id: i, method: 'getState', args: [] }))].join('\n') + '\n';
    for (let i = 0; i < 16; i++) {
      const s = net.connect(socketPath);
      s.on('error', () => {});
      s.pause(); // never reads a byte
      s.write(burst);
      stalled.push(s);
    }
    // The agent got through every request: a fresh client's answer comes after them all.
    const fresh = client();
    fresh.send(OPEN);
    await fresh.next((m) => m.type === 'ready');
    const state = await fresh.request(1, 'getState');
    expect(state).toMatchObject({ type: 'result' });
    clearInterval(sampler);
    const grown = Math.max(peak, rss()) - before;
    const stateBytes = JSON.stringify(state).length;
    console.log(`agent socket: 16 stalled clients x 1,000 getState (a state is ${Math.round(stateBytes / 1e3)} kB): peak RSS +${Math.round(grown / 1e6)} MB`);
    // A few states each at most (one on its way, the rest answered 'busy'), not a thousand.
    expect(grown).toBeLessThan(16 * 4 * stateBytes + 100e6);
    await fresh.close();
    stalled.forEach((s) => s.destroy());
  });

  it('the desktop app (its built bundle) attaches to the agent instead of starting an engine of its own', async () => {
    const env: NodeJS.ProcessEnv = { ...process.env, PORTWATCH_DATA_DIR: join(dir, 'app-data'), PORTWATCH_TRAY: 'on', PORTWATCH_ALLOW_ROOT: '1', PORTWATCH_AGENT: socketPath };
    delete env['ELECTRON_RENDERER_URL'];
    const app = startBuiltApp(env);
    try {
      await app.next((r) => r.type === 'window', WAIT.timeout);
      const state = (await app.invoke('portwatch:getState')) as FullState;
      expect(state.status.engine).toMatchObject({ host: 'agent', pid: agent.child.pid, rights: 'root', access: 'full' });
      expect(state.snapshot.sockets.length).toBeGreaterThan(0);
      // Its requests reach the agent's engine: the interval the agent polls at changes, and back.
      await app.invoke('portwatch:setInterval', 400);
      expect(((await app.invoke('portwatch:getState')) as FullState).status.intervalMs).toBe(400);
      await app.invoke('portwatch:setInterval', 250);
      expect(app.reports.some((r) => r.type === 'utility-process')).toBe(false);
      app.trayClick('quit');
      expect((await app.exited).code).toBe(0);
    } finally {
      app.kill();
    }
    // Quitting the app detached it; the agent runs on.
    expect(agent.child.exitCode).toBeNull();
  });

  it('refuses a second agent on the same socket in one line', async () => {
    const second = startAgent(['--socket', socketPath]);
    const { code, stderr } = await second.exited;
    expect(code).toBe(1);
    expect(stderr.split('\n').filter((l) => l.startsWith('portwatch:'))).toEqual([`portwatch: another Portwatch agent is running on ${socketPath}`]);
  });
});

describe('killing the agent mid-write', () => {
  it('loses nothing it reported saved: every setting and trust rule answered before SIGKILL is there after a restart', async () => {
    const path = join(dir, 'kill', 'agent.sock');
    const data = join(dir, 'kill-data');
    const args = ['--socket', path, '--data-dir', data, '--learn', '0'];
    const spawnAgent = () => {
      const child = spawn(process.execPath, [bin, 'agent', '--interval', '250', ...args], { cwd: root, stdio: ['ignore', 'ignore', 'pipe'] });
      children.add(child);
      return new Promise<ChildProcess>((resolve, reject) => {
        readline.createInterface({ input: child.stderr! }).on('line', (l) => /serving UIs on/.test(l) && resolve(child));
        child.once('exit', (code) => reject(new Error(`agent exited (${code})`)));
      });
    };
    const first = await spawnAgent();
    const c1 = client(undefined, [], path);
    c1.send(OPEN);
    await c1.next((m) => m.type === 'ready');
    // Many writes in flight at once; the agent is killed as soon as the tenth is answered.
    const N = 40;
    for (let i = 0; i < N; i++) c1.send({ type: 'request', id: i, method: 'trust', args: [{ kind: 'executable', exe: `/opt/pw-test/tool-${i}` }] });
    c1.send({ type: 'request', id: 1000, method: 'setWatchedPorts', args: [[3000, 4000 + N]] });
    const answered = new Set<number>();
    while (answered.size < 10) {
      const r = await c1.next((m) => m.type === 'result' && typeof m.id === 'number');
      answered.add(r.id as number);
    }
    first.kill('SIGKILL');
    // Whatever else was answered before the kill also counts as reported saved.
    for (;;) {
      const r = await c1.next((m) => m.type === 'result' || m.type === '_closed').catch(() => ({ type: '_closed' }) as Record<string, unknown>);
      if (r.type !== 'result') break;
      answered.add(r.id as number);
    }
    await c1.close();

    await spawnAgent(); // the stale socket file of the killed agent is cleared
    const c2 = client(undefined, [], path);
    c2.send(OPEN);
    await c2.next((m) => m.type === 'ready');
    const trust = (await c2.request(1, 'getTrustState')).value as { rules: Array<{ exe?: string }> };
    const kept = new Set(trust.rules.map((r) => r.exe));
    for (const id of answered) if (id < N) expect(kept, `rule ${id} was reported saved`).toContain(`/opt/pw-test/tool-${id}`);
    const watched = (await c2.request(2, 'getWatchedPorts')).value as number[];
    if (answered.has(1000)) expect(watched).toEqual([3000, 4000 + N]);
    await c2.close();
  });
});

