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
import { findConflicts } from '../src/core/analysis/find-conflicts.js';
import { lookupPort } from '../src/core/analysis/ports.js';
import type { Alert, AlertEvent, AlertStatus, TrustRule, TrustState } from '../src/shared/alerts.js';
import { sameRule } from '../src/shared/trust-rules.js';
import type { CloseConnectionResult, EndProcessResult, FullState, HistoryResult, HistoryRetention, WsServerMessage } from '../src/shared/api.js';
import type { ApiErrorCode } from '../src/shared/api-errors.js';
import type { ProcessInfo } from '../src/shared/model.js';
import type { Delta } from '../src/shared/model.js';
import type { NamesState, NamesUpdate } from '../src/shared/names.js';
import type { MonitorStatus } from '../src/shared/status.js';
import type { TrafficUpdate } from '../src/shared/traffic.js';

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
  /** A traffic update, as the engine sends one after the delta of its seq (shared/traffic.ts). */
  sendTraffic(update: TrafficUpdate): void;
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
  /** What queryHistory answers (whatever the query: the page's filter and range are in `calls`). */
  history: HistoryResult;
  /** The history's retention: what getHistoryRetention answers, and the last one set. */
  retention: HistoryRetention;
  /** What closeConnection answers: a result, or an error message the engine would give. */
  closeResult: CloseConnectionResult | { error: string };
  /** The alert log, oldest first; null: this host has no alert engine (as `serve --no-alerts`). */
  alerts: Alert[] | null;
  /** explainAlert's process tree by alert id (default: the alert's process alone). */
  alertTrees: Record<string, Array<ProcessInfo | null>>;
  /** What the engine's status warns about (a store kept aside, …). */
  alertWarnings: string[];
  trust: TrustState;
  /** The looked-up names the engine knows (none unless the test gives some). */
  names: NamesState;
  sendNames(update: NamesUpdate): void;
  alertStatus(): AlertStatus;
  sendAlertEvent(event: AlertEvent): void;
  /** Appends an alert and sends it, then the status, as the engine does. */
  raiseAlert(alert: Alert): void;
  close(): Promise<void>;
}

export interface FakeOptions {
  stateDelayMs?: number;
  alerts?: Alert[];
  alertTrees?: Record<string, Array<ProcessInfo | null>>;
  alertWarnings?: string[];
  learningUntil?: number | null;
  names?: NamesState;
}

/** A failed result as the real server frames it: the words and the code. */
function failed(id: number, error: string, code: ApiErrorCode = 'failed'): WsServerMessage {
  return { type: 'result', id, ok: false, error, code };
}

const NOT_ENABLED = 'alerts are not enabled in this host (it was started with --no-alerts)';

/** The scripted engine's answers to the alert requests; an Error for a request it refuses. */
function alertRequest(fake: FakePortwatch, method: string, args: unknown[]): { value: unknown } | { error: string; code?: ApiErrorCode } | null {
  const ALERT_METHODS = ['listAlerts', 'getAlertStatus', 'explainAlert', 'acknowledgeAlert', 'acknowledgeAllAlerts', 'snoozeAlert', 'trust', 'untrust', 'setWatchClosely', 'getTrustState', 'startLearning'];
  if (!ALERT_METHODS.includes(method)) return null;
  const log = fake.alerts;
  if (log === null) return { error: NOT_ENABLED, code: 'alerts-disabled' };
  const status = () => fake.sendAlertEvent({ type: 'status', status: fake.alertStatus() });
  const update = (i: number, patch: Partial<Alert>) => {
    log[i] = { ...log[i]!, ...patch };
    fake.sendAlertEvent({ type: 'updated', alert: log[i]! });
    return log[i]!;
  };
  const indexOf = (id: unknown) => log.findIndex((a) => a.id === id);
  switch (method) {
    case 'listAlerts': {
      const filter = (args[0] ?? {}) as { limit?: number };
      return { value: [...log].reverse().slice(0, filter.limit ?? log.length) };
    }
    case 'getAlertStatus':
      return { value: fake.alertStatus() };
    case 'explainAlert': {
      const a = log[indexOf(args[0])];
      return { value: a ? { alert: a, processTree: fake.alertTrees[a.id] ?? (a.process ? [a.process] : []) } : null };
    }
    case 'acknowledgeAlert': {
      const i = indexOf(args[0]);
      if (i < 0) return { error: `no alert ${JSON.stringify(args[0])}`, code: 'bad-arguments' };
      const a = update(i, { acknowledgedAt: Date.now() });
      status();
      return { value: a };
    }
    case 'acknowledgeAllAlerts': {
      let n = 0;
      log.forEach((a, i) => a.acknowledgedAt === null && (update(i, { acknowledgedAt: Date.now() }), n++));
      status();
      return { value: n };
    }
    case 'snoozeAlert': {
      const i = indexOf(args[0]);
      if (i < 0) return { error: `no alert ${JSON.stringify(args[0])}`, code: 'bad-arguments' };
      const a = update(i, { snoozedUntil: Date.now() + Number(args[1]) });
      status();
      return { value: a };
    }
    case 'trust': {
      const rule = args[0] as TrustRule;
      const added = !fake.trust.rules.some((r) => sameRule(r, rule));
      if (added) fake.trust.rules.push(rule);
      const acknowledged: string[] = [];
      log.forEach((a, i) => {
        if (a.acknowledgedAt === null && a.rule && sameRule(a.rule, rule)) {
          update(i, { acknowledgedAt: Date.now() });
          acknowledged.push(a.id);
        }
      });
      status();
      return { value: { added, acknowledged } };
    }
    case 'untrust': {
      const rule = args[0] as TrustRule;
      const before = fake.trust.rules.length;
      fake.trust.rules = fake.trust.rules.filter((r) => !sameRule(r, rule));
      return { value: fake.trust.rules.length < before };
    }
    case 'setWatchClosely': {
      const [exe, on] = args as [string, boolean];
      fake.trust.watchClosely = [...fake.trust.watchClosely.filter((e) => e !== exe), ...(on ? [exe] : [])];
      return { value: null };
    }
    case 'getTrustState':
      return { value: fake.trust };
    case 'startLearning': {
      const seconds = Number(args[0]);
      fake.trust.learningUntil = seconds > 0 ? Date.now() + seconds * 1000 : null;
      status();
      return { value: fake.trust.learningUntil };
    }
  }
  return null;
}

export async function startFake(initial: FullState, options: FakeOptions = {}): Promise<FakePortwatch> {
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
    history: { entries: [], matched: 0, totals: { connections: 0, listeners: 0, bytesSent: 0, bytesReceived: 0 }, oldest: null, warnings: [] },
    retention: { maxAgeDays: 30, maxMegabytes: 200 },
    closeResult: { error: 'this fake closes no connection' },
    alerts: options.alerts ? structuredClone(options.alerts) : null,
    alertTrees: options.alertTrees ?? {},
    alertWarnings: options.alertWarnings ?? [],
    trust: {
      rules: [],
      watchClosely: ['/usr/lib/firefox/firefox'],
      learningUntil: options.learningUntil ?? null,
      createdAt: Date.now() - 6 * 86_400_000,
      baselineSize: { processes: 41, listeners: 12, destinations: 318, inbound: 3 },
    },
    names: options.names ? structuredClone(options.names) : { version: 0, reverseDns: false, addresses: {} },
    sendNames: (update) => fake.sendRaw(JSON.stringify({ type: 'event', event: 'names', payload: update })),
    alertStatus() {
      const now = Date.now();
      const counts = { low: 0, medium: 0, high: 0 };
      let unacknowledged = 0;
      for (const a of fake.alerts ?? []) {
        if (a.acknowledgedAt !== null || (a.snoozedUntil !== null && a.snoozedUntil > now)) continue;
        counts[a.severity]++;
        unacknowledged++;
      }
      const until = fake.trust.learningUntil;
      const learning = until !== null && until > now;
      return { learning, learningUntil: learning ? until : null, counts, unacknowledged, total: fake.alerts?.length ?? 0, warnings: [...fake.alertWarnings] };
    },
    sendAlertEvent: (event) => fake.sendRaw(JSON.stringify({ type: 'event', event: 'alert', payload: event })),
    raiseAlert(alert) {
      (fake.alerts ??= []).push(alert);
      fake.sendAlertEvent({ type: 'alert', alert });
      fake.sendAlertEvent({ type: 'status', status: fake.alertStatus() });
    },
    sendDelta: (delta) => fake.sendRaw(JSON.stringify({ type: 'event', event: 'delta', payload: delta })),
    sendStatus: (status) => fake.sendRaw(JSON.stringify({ type: 'event', event: 'status', payload: status })),
    sendTraffic: (update) => fake.sendRaw(JSON.stringify({ type: 'event', event: 'traffic', payload: update })),
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
        const answered = alertRequest(fake, method, args);
        if (answered !== null) {
          ws.send(JSON.stringify('error' in answered ? failed(id, answered.error, answered.code) : { type: 'result', id, ok: true, value: answered.value }));
          return;
        }
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
        else if (method === 'getWatchedPorts') value = [3000, 5173, 8000, 8080, 5432, 6379];
        else if (method === 'setWatchedPorts') value = args[0];
        else if (method === 'getNames') value = fake.names;
        else if (method === 'setReverseDns') {
          fake.names = { ...fake.names, version: fake.names.version + 1, reverseDns: args[0] === true };
          value = fake.names;
        }
        else if (method === 'queryHistory') value = fake.history;
        else if (method === 'getHistoryRetention') value = fake.retention;
        else if (method === 'setHistoryRetention') value = fake.retention = args[0] as HistoryRetention;
        else if (method === 'closeConnection') {
          const r = fake.closeResult;
          ws.send(JSON.stringify('error' in r ? failed(id, r.error, 'refused') : { type: 'result', id, ok: true, value: r }));
          return;
        } else if (method === 'endProcess') {
          const r = fake.endResult;
          ws.send(JSON.stringify('error' in r ? failed(id, r.error, 'refused') : { type: 'result', id, ok: true, value: r }));
          return;
        } else {
          ws.send(JSON.stringify(failed(id, `unknown method ${method}`, 'unknown-request')));
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
export async function openFake(page: Page, initial: FullState, options: FakeOptions = {}): Promise<FakePortwatch> {
  const fake = await startFake(initial, options);
  page.once('close', () => void fake.close());
  await page.goto(fake.url);
  return fake;
}
