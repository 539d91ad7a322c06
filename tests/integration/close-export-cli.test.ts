// `portwatch close` and `portwatch export`, and closeConnection/queryHistory through the API contract:
// real connections between real child processes; the CLI run for real.
import { connect, type Socket as NetSocket } from 'node:net';
import { parse } from 'csv-parse/sync';
import { afterAll, describe, expect, it } from 'vitest';
import { openEngine } from '../../src/core/engine.js';
import { Monitor } from '../../src/core/monitor.js';
import { ApiService } from '../../src/core/service.js';
import { LinuxProcSource } from '../../src/core/sources/linux-proc.js';
import { formatEndpoint, type Socket } from '../../src/shared/model.js';
import { startHolder, stopAll } from '../helpers/children.js';
import { runCli } from '../helpers/cli.js';
import { removeDataDirs } from '../helpers/data-dirs.js';
import { cleanUpExeHolders, startConnector } from '../helpers/exe-holders.js';

afterAll(async () => {
  await stopAll();
  await cleanUpExeHolders();
  removeDataDirs();
});

const root = typeof process.getuid === 'function' && process.getuid() === 0;

const alive = (pid: number) => {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
};

async function connectedPair(title: string) {
  const server = await startHolder([{ name: 'l', kind: 'tcp-listen', host: '127.0.0.1' }], title);
  const port = server.endpoints.l!.port;
  const client = await startConnector(process.execPath, '127.0.0.1', [port]);
  const sockets = (await new LinuxProcSource().sample()).sockets;
  const clientEnd = sockets.find((s) => s.pid === client.pid && s.remotePort === port && s.state === 'ESTABLISHED')!;
  expect(clientEnd).toBeDefined();
  return { server, client, port, clientEnd };
}

const ends = (s: Socket) => [formatEndpoint(s.localAddress, s.localPort), formatEndpoint(s.remoteAddress, s.remotePort)];

/** Waits until the connection is gone from the table, however long each program takes to drop its end. */
async function gone(s: Socket): Promise<boolean> {
  for (;;) {
    const left = (await new LinuxProcSource().sample()).sockets.some((x) => x.protocol === 'tcp' && x.localPort === s.localPort && x.remotePort === s.remotePort && x.state === 'ESTABLISHED');
    if (!left) return true;
    await new Promise((r) => setTimeout(r, 20));
  }
}

describe('portwatch close', () => {
  it('closes a real connection with --yes: exit 0, one line, both processes still running', async (ctx) => {
    ctx.skip(!root, 'closing needs CAP_NET_ADMIN: run as root');
    const { server, client, clientEnd } = await connectedPair('pw-hclose-srv');
    const r = await runCli(['close', ...ends(clientEnd), '--yes']);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^Closed 127\.0\.0\.1:\d+ ↔ 127\.0\.0\.1:\d+ \(was ESTABLISHED\)\.\n$/);
    expect(await gone(clientEnd)).toBe(true);
    expect(alive(server.pid) && alive(client.pid)).toBe(true);
  });

  it('asks first: without a terminal and without --yes it closes nothing (exit 2); a listener, UDP and an unknown pair are refused (exit 1)', async () => {
    const { clientEnd, port } = await connectedPair('pw-hclose-ask');
    const ask = await runCli(['close', ...ends(clientEnd)]);
    expect(ask.code).toBe(2);
    expect(ask.stdout).toContain('Would close TCP');
    expect(ask.stdout).toContain('The process keeps running');
    expect(ask.stderr).toBe('portwatch: not closing anything without confirmation, and stdin is not a terminal to ask on; add --yes\n');
    const still = (await new LinuxProcSource().sample()).sockets.some((s) => s.localPort === clientEnd.localPort && s.remotePort === port && s.state === 'ESTABLISHED');
    expect(still).toBe(true);

    const none = await runCli(['close', '127.0.0.1:1', '127.0.0.1:2', '--yes']);
    expect(none).toMatchObject({ code: 1, stdout: '', stderr: 'portwatch: no TCP connection from 127.0.0.1:1 to 127.0.0.1:2\n' });

    const udp = await startHolder([
      { name: 'u', kind: 'udp-bind', host: '127.0.0.1' },
      { name: 'uc', kind: 'udp-connect', to: 'u' },
    ]);
    const uc = (await new LinuxProcSource().sample()).sockets.find((s) => s.pid === udp.pid && s.protocol === 'udp' && s.remotePort !== null)!;
    const r = await runCli(['close', ...ends(uc), '--yes']);
    // UDP is no TCP connection: there is none with those ends.
    expect(r.code).toBe(1);
    expect(r.stderr.split('\n')).toHaveLength(2);

    const bad = await runCli(['close', 'localhost', '127.0.0.1:2']);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain("'localhost' is not ADDRESS:PORT");
  });
});

describe('portwatch export', () => {
  it('live table as CSV that parses, with a formula-like process name neutralised', async () => {
    const holder = await startHolder([{ name: 'l', kind: 'tcp-listen', host: '127.0.0.1' }], '=cmd|calc');
    const port = holder.endpoints.l!.port;
    const r = await runCli(['export', '--format', 'csv', '--filter', `port:${port}`]);
    expect(r.code).toBe(0);
    const rows = parse(r.stdout, { columns: true }) as Record<string, string>[];
    const row = rows.find((x) => Number(x.local_port) === port && Number(x.pid) === holder.pid)!;
    expect(row).toBeDefined();
    expect(row.process).toBe("'=cmd|calc");
    expect(row.state).toBe('LISTEN');
    expect(row.protocol).toBe('tcp');

    const json = await runCli(['export', 'live', '--format', 'json', '--filter', `port:${port}`]);
    const parsed = JSON.parse(json.stdout) as { takenAt: number; sockets: Socket[] };
    // JSON carries the name as it is: only CSV needs the guard.
    expect(parsed.sockets.find((s) => s.pid === holder.pid)!.process!.name).toBe('=cmd|calc');

    const nd = await runCli(['export', '--format', 'ndjson', '--filter', `pid:${holder.pid}`]);
    const lines = nd.stdout.trim().split('\n').map((l) => JSON.parse(l) as Socket);
    expect(lines.map((s) => s.localPort)).toContain(port);

    const bad = await runCli(['export', 'yesterday']);
    expect(bad.code).toBe(2);
  });
});

describe('the API contract', () => {
  it('closeConnection closes only a connection the engine shows, and not one of its own', async (ctx) => {
    const { server, client, clientEnd } = await connectedPair('pw-hclose-api');
    const monitor = new Monitor({ source: new LinuxProcSource() });
    await monitor.pollOnce();
    let closes = 0;
    const api = new ApiService(monitor, root ? {} : { closeConnection: async () => (closes++, { outcome: 'not-permitted', message: 'x' }) });
    const [local, remote] = ends(clientEnd);
    await expect(api.call('closeConnection', [{ local: '127.0.0.1:1', remote: '127.0.0.1:2' }])).rejects.toMatchObject({ code: 'refused' });
    await expect(api.call('closeConnection', [{ local: 'nonsense', remote: remote }])).rejects.toMatchObject({ code: 'bad-arguments' });
    const listener = formatEndpoint('127.0.0.1', server.endpoints.l!.port);
    await expect(api.call('closeConnection', [{ local: listener, remote: '0.0.0.0:0' }])).rejects.toMatchObject({ code: 'bad-arguments' });
    // A connection of this very process (the engine's own, as the WebSocket of its view would be).
    const own = await new Promise<NetSocket>((resolve) => {
      const c = connect(server.endpoints.l!.port, '127.0.0.1', () => resolve(c));
      c.on('error', () => {});
    });
    await monitor.pollOnce();
    const mine = formatEndpoint('127.0.0.1', own.localPort!);
    await expect(api.call('closeConnection', [{ local: mine, remote: listener }])).rejects.toThrow("one of Portwatch's own connections");
    own.destroy();
    expect(closes).toBe(0);
    ctx.skip(!root, 'closing needs CAP_NET_ADMIN: run as root');
    const result = await api.call('closeConnection', [{ local, remote }]);
    expect(result).toMatchObject({ outcome: 'closed' });
    expect(await gone(clientEnd)).toBe(true);
    expect(alive(server.pid) && alive(client.pid)).toBe(true);
  });

  it('queryHistory answers from the engine’s history, and says plainly when a host keeps none', async () => {
    const none = await openEngine({ dataDir: null, alerts: false, watchedPorts: false, names: false });
    await expect(none.service.call('queryHistory', [])).rejects.toMatchObject({ code: 'history-disabled' });
    await expect(none.service.call('queryHistory', [{ limit: 0 }])).rejects.toMatchObject({ code: 'bad-arguments' });
    await none.close();
  });
});
