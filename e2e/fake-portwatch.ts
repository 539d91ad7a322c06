// A stand-in for `portwatch serve` with a scripted engine: a real HTTP server on 127.0.0.1 serving
// the built renderer, and a real WebSocket on /ws?token=… speaking the same framing. The page runs
// exactly as shipped — its own transport, store and views — and the test decides what the engine
// says. Used where the real machine cannot be made to show something on demand (10,000 sockets, a
// failing poll, a dropped connection). A real socket (not page.routeWebSocket) keeps the benchmark's
// timings free of Playwright's in-page WebSocket shim.
import { readFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { extname, join, normalize } from 'node:path';
import type { Page } from '@playwright/test';
import { WebSocketServer, type WebSocket } from 'ws';
import { findConflicts } from '../src/core/analysis/conflicts.js';
import { lookupPort } from '../src/core/analysis/ports.js';
import type { EndProcessResult, FullState } from '../src/shared/api.js';
import type { Delta } from '../src/shared/model.js';
import type { MonitorStatus } from '../src/shared/status.js';

export const FAKE_TOKEN = 'fake-token-for-playwright-0123';

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
};

export interface FakePortwatch {
  /** The page address, token included. */
  url: string;
  origin: string;
  /** Every request the page made, in order. */
  calls: { method: string; args: unknown[] }[];
  state: FullState;
  sendDelta(delta: Delta): void;
  sendStatus(status: MonitorStatus): void;
  /** Sends text as the server would: the benchmark sizes and times exactly these bytes. */
  sendRaw(text: string): void;
  /** Drops every page's connection; pages reconnect (answered by this fake unless `refuse`). */
  drop(): void;
  /** While true, WebSocket upgrades are refused. */
  refuse: boolean;
  /** How long getState takes to answer (to see the loading state). */
  stateDelayMs: number;
  /**
   * What endProcess answers: a result, or an error message the engine would give. The port tools
   * otherwise answer as the engine would over `state` (its conflict and lookup code, run here).
   */
  endResult: EndProcessResult | { error: string };
  close(): Promise<void>;
}

export async function startFake(initial: FullState, options: { stateDelayMs?: number } = {}): Promise<FakePortwatch> {
  const rendererDir = join(process.cwd(), 'out', 'renderer');
  const clients = new Set<WebSocket>();
  const server: Server = createServer(async (req, res) => {
    const url = new URL(req.url ?? '/', 'http://127.0.0.1');
    const rel = url.pathname === '/' ? 'index.html' : normalize(decodeURIComponent(url.pathname)).replace(/^\/+/, '');
    if (rel.startsWith('..')) {
      res.writeHead(403).end();
      return;
    }
    try {
      const body = await readFile(join(rendererDir, rel));
      res.writeHead(200, { 'content-type': TYPES[extname(rel)] ?? 'application/octet-stream' }).end(body);
    } catch {
      res.writeHead(404).end('not found');
    }
  });
  const wss = new WebSocketServer({ noServer: true });
  const fake: FakePortwatch = {
    url: '',
    origin: '',
    calls: [],
    state: initial,
    refuse: false,
    stateDelayMs: options.stateDelayMs ?? 0,
    endResult: { error: 'this fake ends no process' },
    sendDelta: (delta) => fake.sendRaw(JSON.stringify({ type: 'event', event: 'delta', payload: delta })),
    sendStatus: (status) => fake.sendRaw(JSON.stringify({ type: 'event', event: 'status', payload: status })),
    sendRaw(text) {
      if (clients.size === 0) throw new Error('no page is connected');
      for (const ws of clients) ws.send(text);
    },
    drop() {
      for (const ws of clients) ws.terminate();
      clients.clear();
    },
    async close() {
      fake.drop();
      wss.close();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };

  server.on('upgrade', (req, socket, head) => {
    const url = new URL(req.url ?? '/', 'http://127.0.0.1');
    if (fake.refuse || url.pathname !== '/ws' || url.searchParams.get('token') !== FAKE_TOKEN) {
      socket.end('HTTP/1.1 403 Forbidden\r\n\r\n');
      return;
    }
    wss.handleUpgrade(req, socket, head, (ws) => {
      clients.add(ws);
      ws.on('close', () => clients.delete(ws));
      ws.on('message', async (data) => {
        const { id, method, args } = JSON.parse(String(data)) as { id: number; method: string; args: unknown[] };
        fake.calls.push({ method, args });
        const status = fake.state.status;
        let value: unknown = null;
        if (method === 'getState') {
          if (fake.stateDelayMs > 0) await new Promise((r) => setTimeout(r, fake.stateDelayMs));
          value = fake.state;
        } else if (method === 'pause') fake.state = { ...fake.state, status: { ...status, state: 'paused' } };
        else if (method === 'resume') fake.state = { ...fake.state, status: { ...status, state: 'running' } };
        else if (method === 'setInterval') fake.state = { ...fake.state, status: { ...status, intervalMs: Number(args[0]) } };
        else if (method === 'getConflicts') {
          const { sockets, takenAt } = fake.state.snapshot;
          value = findConflicts(sockets, { localhostOrder: [4, 6], now: takenAt });
        } else if (method === 'lookupPort') value = lookupPort(fake.state.snapshot.sockets, Number(args[0]), (pid) => `/home/ada/work/${pid}`);
        else if (method === 'endProcess') {
          const r = fake.endResult;
          ws.send(JSON.stringify('error' in r ? { type: 'result', id, ok: false, error: r.error } : { type: 'result', id, ok: true, value: r }));
          return;
        } else {
          ws.send(JSON.stringify({ type: 'result', id, ok: false, error: `unknown method ${method}` }));
          return;
        }
        ws.send(JSON.stringify({ type: 'result', id, ok: true, value }));
      });
    });
  });

  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  fake.origin = `http://127.0.0.1:${port}`;
  fake.url = `${fake.origin}/?token=${FAKE_TOKEN}`;
  return fake;
}

/** Starts a fake for this page (stopped when the page closes) and opens the UI on it. */
export async function openFake(page: Page, initial: FullState, options: { stateDelayMs?: number } = {}): Promise<FakePortwatch> {
  const fake = await startFake(initial, options);
  page.once('close', () => void fake.close());
  await page.goto(fake.url);
  return fake;
}
