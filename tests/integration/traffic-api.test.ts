// Traffic through the contract, with real bytes between real child processes over loopback: the
// browser mode (real engine, real HTTP + WebSocket server, the renderer's own WsClient over `ws`) and
// the desktop app (the BUILT main bundle with its engine in its own process, the page's IPC door).
// A steady stream's rate reaches onTraffic per socket and per process, after the delta of its seq,
// and FullState.traffic is where a view starts.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import WebSocket from 'ws';
import { Monitor } from '../../src/core/monitor.js';
import { ApiService } from '../../src/core/service.js';
import { LinuxProcSource } from '../../src/core/sources/linux-proc.js';
import { WsClient, type SocketLike } from '../../src/renderer/src/api/ws-client.js';
import { startServer, type RunningServer } from '../../src/server/server.js';
import type { FullState } from '../../src/shared/api.js';
import { applyTraffic, type TrafficUpdate } from '../../src/shared/traffic.js';
import { ensureBuilt, startBuiltApp, type BuiltApp, type Report } from '../helpers/built-app.js';
import { removeDataDirs, tempDataDir } from '../helpers/data-dirs.js';
import { median, peer, stopPeers, type Peer } from '../helpers/traffic-peers.js';
import { trafficMeasured } from '../helpers/traffic-measured.js';

// This process draws no icons; the app under test has its own stand-in electron.
vi.mock('electron', () => ({ nativeImage: {} }));

const RATE = 300_000; // bytes per second
/** Generous: timers on a busy machine slip, and a poll may see one write more or less. */
const within = (rate: number) => rate > RATE * 0.6 && rate < RATE * 1.4;

let countersWork = false;
let whyNot = '';
const apps: BuiltApp[] = [];
const dirs: string[] = [];

beforeAll(async () => {
  const m = await trafficMeasured();
  countersWork = m.connections;
  whyNot = m.whyNot;
});

afterAll(() => {
  for (const a of apps) a.kill();
  stopPeers();
  removeDataDirs();
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

async function stream(): Promise<{ sink: Peer; streamer: Peer }> {
  const sink = await peer({ mode: 'sink', host: '127.0.0.1' });
  const streamer = await peer({ mode: 'stream', host: '127.0.0.1', port: sink.port, rate: RATE });
  return { sink, streamer };
}

describe('browser mode: onTraffic over the WebSocket', () => {
  let monitor: Monitor;
  let server: RunningServer;
  let client: WsClient;

  afterAll(async () => {
    client?.close();
    await server?.close();
    monitor?.stop();
  });

  it("a child's steady stream arrives as rates per socket and per process, each update after its delta", async (ctx) => {
    ctx.skip(!countersWork, whyNot);
    const rendererDir = mkdtempSync(join(tmpdir(), 'portwatch-renderer-'));
    dirs.push(rendererDir);
    writeFileSync(join(rendererDir, 'index.html'), '<!doctype html><title>pw</title>');
    const { sink, streamer } = await stream();
    monitor = new Monitor({ source: new LinuxProcSource(), intervalMs: 500 });
    server = await startServer({ service: new ApiService(monitor), port: 0, rendererDir });
    await monitor.start();

    client = new WsClient({ url: `ws://127.0.0.1:${server.port}/ws?token=${server.token}`, createSocket: (url) => new WebSocket(url) as unknown as SocketLike });
    await new Promise<void>((resolve) => client.onConnection((c) => c === 'open' && resolve()));
    const order: string[] = [];
    const updates: TrafficUpdate[] = [];
    let wake = () => {};
    client.api.onDelta((d) => order.push(`delta ${d.seq}`));
    client.api.onTraffic((u) => {
      order.push(`traffic ${u.seq}`);
      updates.push(u);
      wake();
    });
    const start: FullState = await client.api.getState();
    expect(start.traffic).not.toBeNull();
    expect(start.status.traffic).toMatchObject({ connections: true });
    while (updates.filter((u) => u.seq > start.seq).length < 6) await new Promise<void>((r) => (wake = r));

    const later = updates.filter((u) => u.seq > start.seq).slice(1);
    const socketRates = later.map((u) => u.sockets.find((t) => t[0].includes(`:${streamer.localPort}>`))?.[4] ?? 0);
    const sendRates = later.map((u) => u.processes.find((p) => p.pid === streamer.pid)?.sendRate ?? 0);
    const receiveRates = later.map((u) => u.processes.find((p) => p.pid === sink.pid)?.receiveRate ?? 0);
    for (const rate of [median(socketRates), median(sendRates), median(receiveRates)]) expect(within(rate), `${rate} B/s`).toBe(true);
    // Each traffic update comes right after the delta of its seq.
    for (const u of updates) expect(order[order.indexOf(`traffic ${u.seq}`) - 1]).toBe(`delta ${u.seq}`);

    // A view that starts from getState and applies what follows holds the streamer with its bytes.
    let state = start.traffic!;
    for (const u of updates) state = applyTraffic(state, u);
    const mine = state.processes.find((p) => p.pid === streamer.pid)!;
    expect(mine.bytesSent).toBeGreaterThan(RATE);
    expect(mine.connections).toBe(1);
  });
});

describe('desktop app: onTraffic through the engine process and the IPC door, the total rate in the tray', () => {
  beforeAll(() => ensureBuilt());

  it("the window gets the stream's rates from the engine process", async (ctx) => {
    ctx.skip(!countersWork, whyNot);
    const env: NodeJS.ProcessEnv = { ...process.env, PORTWATCH_DATA_DIR: tempDataDir('traffic'), PORTWATCH_TRAY: 'on', PORTWATCH_ALLOW_ROOT: '1' };
    delete env['ELECTRON_RENDERER_URL'];
    const app = startBuiltApp(env);
    apps.push(app);
    await app.next((r) => r.type === 'window');
    const { sink, streamer } = await stream();

    const sent = (r: Report): TrafficUpdate | null => (r.type === 'send' && r.channel === 'portwatch:event:traffic' ? (r.payload as TrafficUpdate) : null);
    // Waits for updates until three in a row carry the stream's rate (one poll can slip on a busy machine).
    const rates: number[] = [];
    await app.until(() => {
      rates.length = 0;
      for (const r of app.reports) {
        const u = sent(r);
        const p = u?.processes.find((x) => x.pid === streamer.pid);
        if (p) rates.push(p.sendRate);
      }
      return rates.length >= 4 && within(median(rates.slice(-4)));
    });
    // The tray says the machine's total rate on its tooltip's second line.
    await app.next((r) => r.type === 'tray' && /\n(Network|Connections) ↑ [\d.]+ [kMG]?B\/s ↓ [\d.]+ [kMG]?B\/s$/.test((r as { tooltip: string }).tooltip));
    const state = (await app.invoke('portwatch:getState')) as FullState;
    expect(state.traffic?.processes.find((p) => p.pid === sink.pid)?.bytesReceived).toBeGreaterThan(RATE);
    app.trayClick('quit');
    expect((await app.exited).code).toBe(0);
  });
});
