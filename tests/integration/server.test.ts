// Browser mode against a real engine: real HTTP and WebSocket on loopback, real sockets held by real
// child processes, and the real `ws` client.
import { mkdtempSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { request, type IncomingHttpHeaders } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { AlertEngine } from '../../src/core/alert-engine.js';
import { Monitor } from '../../src/core/monitor.js';
import { ApiService } from '../../src/core/service.js';
import { LinuxProcSource } from '../../src/core/sources/linux-proc.js';
import { startServer, type RunningServer } from '../../src/server/server.js';
import type { Alert, AlertEvent, AlertStatus } from '../../src/shared/alerts.js';
import type { FullState, WsServerMessage } from '../../src/shared/api.js';
import type { Delta, Socket } from '../../src/shared/model.js';
import type { MonitorStatus } from '../../src/shared/status.js';
import { startHolder, stopAll } from '../helpers/children.js';
import { removeDataDirs, tempDataDir } from '../helpers/data-dirs.js';
import { cleanUpExeHolders, privateNode, startHolderWith } from '../helpers/exe-holders.js';
import { reservePort } from '../helpers/ports.js';

const INTERVAL = 300;
let rendererDir: string;
let monitor: Monitor;
let server: RunningServer;
const sockets = new Set<WebSocket>();

beforeAll(async () => {
  rendererDir = mkdtempSync(join(tmpdir(), 'portwatch-renderer-'));
  writeFileSync(join(rendererDir, 'index.html'), '<!doctype html><title>pw</title><script type="module" src="./assets/x.js"></script>');
  mkdirSync(join(rendererDir, 'assets'));
  writeFileSync(join(rendererDir, 'assets', 'x.js'), 'console.log("pw");');
  monitor = new Monitor({ source: new LinuxProcSource(), intervalMs: INTERVAL });
  await monitor.start();
  server = await startServer({ service: new ApiService(monitor), port: 0, rendererDir });
});

afterAll(async () => {
  for (const ws of sockets) ws.terminate();
  await server?.close();
  monitor?.stop();
  await stopAll();
  await cleanUpExeHolders();
  removeDataDirs();
  rmSync(rendererDir, { recursive: true, force: true });
});

interface Reply {
  status: number;
  headers: IncomingHttpHeaders;
  body: string;
}

/** A raw request: the path is sent as written and the Host header can be anything. */
function get(path: string, headers: Record<string, string> = {}): Promise<Reply> {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port: server.port, path, headers }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (c: string) => (body += c));
      res.on('end', () => resolve({ status: res.statusCode!, headers: res.headers, body }));
    });
    req.on('error', reject);
    req.end();
  });
}

/** A WebSocket client that keeps every message, with helpers to call and to wait. */
class Client {
  readonly messages: WsServerMessage[] = [];
  private nextId = 1;
  private waiters: Array<() => void> = [];

  private constructor(readonly ws: WebSocket) {
    ws.on('message', (data) => {
      this.messages.push(JSON.parse(String(data)) as WsServerMessage);
      for (const w of this.waiters) w();
    });
  }

  static open(url: string, options: WebSocket.ClientOptions = {}): Promise<Client> {
    const ws = new WebSocket(url, options);
    sockets.add(ws);
    return new Promise((resolve, reject) => {
      ws.once('open', () => resolve(new Client(ws)));
      ws.once('unexpected-response', (_req, res) => reject(new Error(`refused: ${res.statusCode}`)));
      ws.once('error', reject);
    });
  }

  waitFor(pred: (m: WsServerMessage) => boolean, timeoutMs = 60_000): Promise<WsServerMessage> {
    return new Promise((resolve, reject) => {
      const check = () => {
        const hit = this.messages.find(pred);
        if (!hit) return false;
        this.waiters = this.waiters.filter((w) => w !== check);
        clearTimeout(timer);
        resolve(hit);
        return true;
      };
      const timer = setTimeout(() => {
        this.waiters = this.waiters.filter((w) => w !== check);
        reject(new Error('timed out waiting for a message'));
      }, timeoutMs);
      if (!check()) this.waiters.push(check);
    });
  }

  send(text: string): void {
    this.ws.send(text);
  }

  async call(method: string, args: unknown[] = []): Promise<Extract<WsServerMessage, { type: 'result' }>> {
    const id = this.nextId++;
    this.send(JSON.stringify({ id, method, args }));
    return (await this.waitFor((m) => m.type === 'result' && m.id === id)) as Extract<WsServerMessage, { type: 'result' }>;
  }
}

const wsUrl = (token = server.token) => `ws://127.0.0.1:${server.port}/ws?token=${token}`;

describe('browser-mode HTTP', () => {
  it('prints a loopback URL with the token', () => {
    expect(server.url).toBe(`http://127.0.0.1:${server.port}/?token=${server.token}`);
    expect(server.token).toMatch(/^[\w-]{32}$/);
  });

  it('serves index.html with a strict CSP and security headers, with or without the token (the WebSocket needs it)', async () => {
    // A reload asks without it: the page took the token out of its address and kept it in the tab.
    const none = await get('/');
    expect(none.status).toBe(200);
    expect(none.body).toContain('<title>pw</title>');
    expect((await get('/?token=')).status).toBe(200);

    const ok = await get(`/?token=${server.token}`);
    expect(ok.status).toBe(200);
    expect(ok.body).toContain('<title>pw</title>');
    expect(ok.headers['content-type']).toBe('text/html; charset=utf-8');
    expect(ok.headers['cache-control']).toBe('no-store');
    const csp = ok.headers['content-security-policy'];
    expect(csp).toContain("default-src 'self'");
    expect(csp).toContain("script-src 'self'");
    expect(csp).toContain(`connect-src 'self' ws://127.0.0.1:${server.port}`);
    expect(csp).toContain("frame-ancestors 'none'");
    expect(ok.headers['x-content-type-options']).toBe('nosniff');
    expect(ok.headers['referrer-policy']).toBe('no-referrer');
    expect(ok.headers['x-frame-options']).toBe('DENY');
    expect((await get(`/index.html?token=${server.token}`)).status).toBe(200);
  });

  it('serves assets without the token, with their content type', async () => {
    const js = await get('/assets/x.js');
    expect(js.status).toBe(200);
    expect(js.body).toBe('console.log("pw");');
    expect(js.headers['content-type']).toBe('text/javascript; charset=utf-8');
    expect(js.headers['x-content-type-options']).toBe('nosniff');
    expect((await get('/assets/missing.js')).status).toBe(404);
  });

  it('refuses any Host but 127.0.0.1, localhost and [::1] on our port (DNS rebinding)', async () => {
    const evil = await get(`/?token=${server.token}`, { Host: `evil.example:${server.port}` });
    expect(evil.status).toBe(403);
    expect((await get('/assets/x.js', { Host: `evil.example:${server.port}` })).status).toBe(403);
    expect((await get('/assets/x.js', { Host: `127.0.0.1:${server.port + 1}` })).status).toBe(403);
    expect((await get('/assets/x.js', { Host: `localhost:${server.port}` })).status).toBe(200);
    expect((await get('/assets/x.js', { Host: `[::1]:${server.port}` })).status).toBe(200);
  });

  it('never serves a file outside the renderer folder', async () => {
    for (const path of ['/assets/../../etc/passwd', '/assets/%2e%2e/%2e%2e/etc/passwd', '/assets/..%2f..%2f..%2fetc%2fpasswd', '/../../../etc/passwd']) {
      const res = await get(path);
      expect([403, 404], path).toContain(res.status);
      expect(res.body).not.toContain('root:');
    }
  });

  it('answers only GET and HEAD', async () => {
    const res = await new Promise<number>((resolve, reject) => {
      const req = request({ host: '127.0.0.1', port: server.port, path: '/assets/x.js', method: 'POST' }, (r) => {
        r.resume();
        resolve(r.statusCode!);
      });
      req.on('error', reject);
      req.end('x');
    });
    expect(res).toBe(405);
  });
});

describe('browser-mode WebSocket', () => {
  it('refuses an upgrade without the right token, from another origin, or via another Host', async () => {
    await expect(Client.open(`ws://127.0.0.1:${server.port}/ws`)).rejects.toThrow(/refused: 403/);
    await expect(Client.open(wsUrl('wrong-token-wrong-token'))).rejects.toThrow(/refused: 403/);
    await expect(Client.open(wsUrl(), { origin: 'http://evil.example' })).rejects.toThrow(/refused: 403/);
    await expect(Client.open(wsUrl(), { origin: `http://127.0.0.1:${server.port + 1}` })).rejects.toThrow(/refused: 403/);
    await expect(Client.open(wsUrl(), { headers: { Host: `evil.example:${server.port}` } })).rejects.toThrow(/refused: 403/);
    await expect(Client.open(`ws://127.0.0.1:${server.port}/other?token=${server.token}`)).rejects.toThrow(/refused: 404/);
    // Our own page's origin is welcome.
    const ok = await Client.open(wsUrl(), { origin: `http://127.0.0.1:${server.port}` });
    ok.ws.close();
  });

  it('carries getState and pushes deltas with sockets that real processes open', async () => {
    const first = await startHolder([{ name: 'l', kind: 'tcp-listen', host: '127.0.0.1' }], 'pw-serve-a');
    const client = await Client.open(wsUrl());
    const isFirst = (s: Socket) => s.pid === first.pid && s.listening && s.protocol === 'tcp' && s.localPort === first.endpoints.l!.port;

    // The listener shows up in the full state within a poll or two: ask again after each pushed delta.
    let state: FullState | undefined;
    for (let deltas = 0; deltas < 3 && !state?.snapshot.sockets.some(isFirst); deltas++) {
      const r = await client.call('getState');
      expect(r.ok).toBe(true);
      state = (r as { value: FullState }).value;
      const seq = state.seq;
      if (!state.snapshot.sockets.some(isFirst)) await client.waitFor((m) => m.type === 'event' && m.event === 'delta' && (m.payload as Delta).seq > seq);
    }
    expect(state!.snapshot.sockets.find(isFirst)).toMatchObject({ localAddress: '127.0.0.1', state: 'LISTEN', process: { name: 'pw-serve-a' } });
    expect(state!.status.intervalMs).toBe(INTERVAL);
    expect(state!.seq).toBeGreaterThan(0);

    // A second process opens another listener: a pushed delta adds it.
    const second = await startHolder([{ name: 'l', kind: 'tcp-listen', host: '127.0.0.1' }], 'pw-serve-b');
    const isSecond = (s: Socket) => s.pid === second.pid && s.listening && s.localPort === second.endpoints.l!.port;
    const event = await client.waitFor((m) => m.type === 'event' && m.event === 'delta' && (m.payload as Delta).added.some(isSecond));
    const delta = (event as { payload: Delta }).payload;
    expect(delta.seq).toBeGreaterThan(state!.seq);
    expect(client.messages.some((m) => m.type === 'event' && m.event === 'status')).toBe(true);

    // And closing it is pushed as removed.
    const id = delta.added.find(isSecond)!.id;
    await second.close('l');
    await client.waitFor((m) => m.type === 'event' && m.event === 'delta' && (m.payload as Delta).removed.includes(id));
    client.ws.close();
    await first.exit();
    await second.exit();
  });

  it('rejects an out-of-range interval and changes nothing; accepts a good one', async () => {
    const client = await Client.open(wsUrl());
    const bad = await client.call('setInterval', [5]);
    expect(bad).toMatchObject({ ok: false });
    expect((bad as { error: string }).error).toMatch(/setInterval/);
    expect((bad as { error: string }).error).toMatch(/250/);
    expect(monitor.getStatus().intervalMs).toBe(INTERVAL);

    expect(await client.call('setInterval', ['1000'])).toMatchObject({ ok: false });
    expect(await client.call('nope')).toMatchObject({ ok: false, error: expect.stringMatching(/unknown request/) });

    const good = await client.call('setInterval', [INTERVAL + 200]);
    expect(good).toMatchObject({ ok: true });
    expect(monitor.getStatus().intervalMs).toBe(INTERVAL + 200);
    await client.waitFor((m) => m.type === 'event' && m.event === 'status' && (m.payload as MonitorStatus).intervalMs === INTERVAL + 200);
    expect(await client.call('setInterval', [INTERVAL])).toMatchObject({ ok: true });
    client.ws.close();
  });

  it('says why a request failed with a code beside the words', async () => {
    const client = await Client.open(wsUrl());
    expect(await client.call('setInterval', [5])).toMatchObject({ ok: false, code: 'bad-arguments' });
    expect(await client.call('nope')).toMatchObject({ ok: false, code: 'unknown-request' });
    expect(await client.call('endProcess', [{ pid: 2 ** 31 - 1, startedAt: 1 }])).toMatchObject({ ok: false, code: 'refused' });
    // History and closing a connection ride the same door: checked, then refused or answered.
    expect(await client.call('queryHistory', [{ limit: 0 }])).toMatchObject({ ok: false, code: 'bad-arguments' });
    expect(await client.call('queryHistory', [])).toMatchObject({ ok: false, code: 'history-disabled' });
    expect(await client.call('closeConnection', [{ local: '127.0.0.1:1', remote: 'x' }])).toMatchObject({ ok: false, code: 'bad-arguments' });
    expect(await client.call('closeConnection', [{ local: '127.0.0.1:1', remote: '127.0.0.1:2' }])).toMatchObject({ ok: false, code: 'refused' });
    client.send('this is not json');
    expect(await client.waitFor((m) => m.type === 'result' && m.id === -1)).toMatchObject({ ok: false, code: 'bad-request' });
    client.ws.close();
  });

  it('answers garbage with an error and keeps the connection open', async () => {
    const client = await Client.open(wsUrl());
    client.send('this is not json');
    const notJson = await client.waitFor((m) => m.type === 'result' && m.id === -1);
    expect(notJson).toMatchObject({ ok: false, error: expect.stringMatching(/JSON/) });
    client.messages.length = 0;

    client.send(JSON.stringify({ id: 77, method: 'getState' })); // no args
    expect(await client.waitFor((m) => m.type === 'result' && m.id === 77)).toMatchObject({ ok: false, error: expect.stringMatching(/args/) });
    client.send(JSON.stringify({ id: -4, method: 'getState', args: [] }));
    expect(await client.waitFor((m) => m.type === 'result' && m.id === -1)).toMatchObject({ ok: false });
    client.ws.send(Buffer.from([1, 2, 3]), { binary: true });
    await client.waitFor((m) => m.type === 'result' && m.id === -1 && !m.ok && /text/.test(m.error));

    expect(client.ws.readyState).toBe(WebSocket.OPEN);
    expect(await client.call('getState')).toMatchObject({ ok: true });
    client.ws.close();
  });

  it('closes a connection that sends an oversized message', async () => {
    const client = await Client.open(wsUrl());
    const closed = new Promise<number>((resolve) => client.ws.once('close', (code) => resolve(code)));
    client.send(JSON.stringify({ id: 1, method: 'getState', args: ['x'.repeat(100 * 1024)] }));
    expect(await closed).toBe(1009);
    // The server carries on for everyone else.
    const other = await Client.open(wsUrl());
    expect(await other.call('pause')).toMatchObject({ ok: true });
    expect(monitor.getStatus().state).toBe('paused');
    expect(await other.call('resume')).toMatchObject({ ok: true });
    other.ws.close();
  });
});

describe('browser-mode alerts', () => {
  it('without an alert engine, the alert requests say so', async () => {
    const client = await Client.open(wsUrl());
    expect(await client.call('listAlerts', [])).toEqual({ type: 'result', id: 1, ok: false, error: 'alerts are not enabled in this host', code: 'alerts-disabled' });
    client.ws.close();
  });

  it('with one: a trust rule is checked, alerts are listed and acknowledged, and each new alert is pushed', async () => {
    const own = new Monitor({ source: new LinuxProcSource(), intervalMs: INTERVAL });
    const engine = await AlertEngine.open(own, { dataDir: tempDataDir('server-alerts'), learnSeconds: 3600 });
    await own.pollOnce();
    await engine.stopLearning();
    const other = await startServer({ service: new ApiService(own, { alerts: engine }), port: 0, rendererDir });
    try {
      const client = await Client.open(`ws://127.0.0.1:${other.port}/ws?token=${other.token}`);
      const bad = await client.call('trust', [{ kind: 'destination', exe: '/usr/bin/curl', host: 'example.com', port: 443 }]);
      expect(bad).toMatchObject({ ok: false, error: 'bad arguments for trust: 0.host: not an IP address or CIDR range' });

      const stranger = await startHolderWith(privateNode('pw-serve-stranger'), [{ name: 'u', kind: 'udp-bind', host: '127.0.0.1' }]);
      await own.pollOnce();
      await own.pollOnce();
      const pushed = await client.waitFor((m) => m.type === 'event' && m.event === 'alert' && (m.payload as AlertEvent).type === 'alert' && (m.payload as { alert: Alert }).alert.pid === stranger.pid);
      const alert = (pushed as { payload: { alert: Alert } }).payload.alert;
      expect(alert).toMatchObject({ kind: 'new-process', pid: stranger.pid });

      const listed = (await client.call('listAlerts', [{ unacknowledged: true }])) as { value: Alert[] };
      expect(listed.value.map((a) => a.id)).toContain(alert.id);
      expect(await client.call('acknowledgeAlert', [alert.id])).toMatchObject({ ok: true, value: { id: alert.id, acknowledgedAt: expect.any(Number) } });
      expect(await client.call('acknowledgeAlert', ['no-such-alert'])).toMatchObject({ ok: false, error: 'no alert "no-such-alert"' });
      const status = (await client.call('getAlertStatus', [])) as { value: AlertStatus };
      expect(status.value).toMatchObject({ learning: false, warnings: [] });
      client.ws.close();
      await stranger.exit();
    } finally {
      await other.close();
      await engine.close();
    }
  });
});

describe('startServer', () => {
  it('refuses to listen anywhere but 127.0.0.1', async () => {
    const service = new ApiService(monitor);
    await expect(startServer({ service, port: 0, rendererDir, host: '0.0.0.0' })).rejects.toThrow(/127\.0\.0\.1 only/);
    await expect(startServer({ service, port: 0, rendererDir, host: '::' })).rejects.toThrow(/127\.0\.0\.1 only/);
    await expect(startServer({ service, port: 0, rendererDir, host: 'localhost' })).rejects.toThrow(/127\.0\.0\.1 only/);
  });

  it('says when the UI is not built, and when the port is taken', async () => {
    const service = new ApiService(monitor);
    const empty = mkdtempSync(join(tmpdir(), 'portwatch-empty-'));
    await expect(startServer({ service, port: 0, rendererDir: empty })).rejects.toThrow(/not built.*npm run build/);
    rmSync(empty, { recursive: true });
    await expect(startServer({ service, port: server.port, rendererDir })).rejects.toMatchObject({ code: 'EADDRINUSE' });
  });

  it('closes cleanly, ending open connections, and stops pushing', async () => {
    const service = new ApiService(monitor);
    // A reserved port: once closed, nothing else can be listening there when we knock.
    const other = await startServer({ service, port: await reservePort(), rendererDir, token: 'a-fixed-token-for-this-test' });
    expect(other.url).toBe(`http://127.0.0.1:${other.port}/?token=a-fixed-token-for-this-test`);
    const client = await Client.open(`ws://127.0.0.1:${other.port}/ws?token=a-fixed-token-for-this-test`);
    const closed = new Promise<number>((resolve) => client.ws.once('close', (code) => resolve(code)));
    await other.close();
    expect(await closed).toBe(1001);
    await expect(fetch(`http://127.0.0.1:${other.port}/assets/x.js`)).rejects.toThrow();
  });
});
