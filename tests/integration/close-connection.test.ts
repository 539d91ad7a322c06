// Closing one TCP connection without ending its process (issue 12): SOCK_DESTROY on a real connection
// between two real processes, as root here; and the plain answer an unprivileged user gets.
import { execFileSync, spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it, vi } from 'vitest';
import { closeConnection, NEEDS_CAP_NET_ADMIN } from '../../src/core/close-connection.js';
import { LinuxProcSource } from '../../src/core/sources/linux-proc.js';
import type { CloseConnectionResult } from '../../src/shared/close-connection.js';
import { formatEndpoint, type Socket } from '../../src/shared/model.js';
import { startHolder, stopAll } from '../helpers/children.js';
import { cleanUpExeHolders, startConnector } from '../helpers/exe-holders.js';
import { WAIT } from '../helpers/wait.js';

const CLOSE_AS = fileURLToPath(new URL('../helpers/close-as.mts', import.meta.url));
const NOBODY = 65534;

afterAll(async () => {
  await stopAll();
  await cleanUpExeHolders();
});

const root = typeof process.getuid === 'function' && process.getuid() === 0;

/** A server process and a separate client process connected to it; the client's end as the table shows it. */
async function connectedPair(host: string) {
  const server = await startHolder([{ name: 'l', kind: 'tcp-listen', host }], 'pw-close-srv');
  const port = server.endpoints.l!.port;
  const client = await startConnector(process.execPath, host, [port]);
  expect(client.connected).toEqual([port]);
  // Until the server's loop accepts it, its end is in the listen queue, owned by nobody.
  await server.accepted('l', 1);
  const sockets = (await new LinuxProcSource().sample()).sockets;
  const clientEnd = sockets.find((s) => s.pid === client.pid && s.remotePort === port && s.state === 'ESTABLISHED')!;
  const serverEnd = sockets.find((s) => s.pid === server.pid && s.localPort === port && s.remotePort === clientEnd.localPort)!;
  expect(clientEnd).toBeDefined();
  expect(serverEnd).toBeDefined();
  return { server, client, port, clientEnd, serverEnd };
}

const alive = (pid: number) => {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
};

/** The connection's two ends in a fresh read of the tables, whatever their state. */
async function ends(a: Socket, b: Socket): Promise<Socket[]> {
  const sockets = (await new LinuxProcSource().sample()).sockets;
  return sockets.filter((s) => s.protocol === 'tcp' && ((s.localPort === a.localPort && s.remotePort === a.remotePort) || (s.localPort === b.localPort && s.remotePort === b.remotePort)));
}

describe('closeConnection', () => {
  it.for([
    ['IPv4', '127.0.0.1'],
    ['IPv6', '::1'],
  ] as const)('%s: closes the connection, both processes keep running and both ends are gone', async ([, host], ctx) => {
    ctx.skip(!root, 'closing needs CAP_NET_ADMIN: run as root (the unprivileged answer is tested below)');
    const { server, client, clientEnd, serverEnd } = await connectedPair(host);
    const result = await closeConnection(formatEndpoint(clientEnd.localAddress, clientEnd.localPort), formatEndpoint(clientEnd.remoteAddress, clientEnd.remotePort));
    expect(result).toMatchObject({
      outcome: 'closed',
      connection: { family: host === '::1' ? 6 : 4, localPort: clientEnd.localPort, remotePort: clientEnd.remotePort, state: 'ESTABLISHED' },
    });
    expect(result.message).toMatch(/^Closed .* \(was ESTABLISHED\)\.$/);
    // The kernel aborted it: a reset to the peer, no TIME_WAIT; each program drops its socket.
    // Each program drops its end when its event loop gets to the reset: wait for that, however long.
    await vi.waitFor(async () => expect(await ends(clientEnd, serverEnd)).toEqual([]), WAIT);
    expect(alive(server.pid)).toBe(true);
    expect(alive(client.pid)).toBe(true);
    expect(server.child.exitCode).toBeNull();
    expect(client.child.exitCode).toBeNull();
    // The server still listens.
    const listening = (await new LinuxProcSource().sample()).sockets.some((s) => s.pid === server.pid && s.listening);
    expect(listening).toBe(true);
    // Closing it again finds nothing.
    expect(await closeConnection({ address: clientEnd.localAddress, port: clientEnd.localPort }, { address: clientEnd.remoteAddress!, port: clientEnd.remotePort! })).toMatchObject({ outcome: 'not-found' });
  });

  it('never closes a listener: a local end that only a listener has is "not found", and the listener lives on', async () => {
    const server = await startHolder([{ name: 'l', kind: 'tcp-listen', host: '127.0.0.1' }], 'pw-close-lsn');
    const port = server.endpoints.l!.port;
    const result = await closeConnection(`127.0.0.1:${port}`, '127.0.0.1:9');
    expect(result).toEqual({ outcome: 'not-found', message: `No TCP connection from 127.0.0.1:${port} to 127.0.0.1:9.` });
    expect((await new LinuxProcSource().sample()).sockets.some((s) => s.pid === server.pid && s.listening && s.localPort === port)).toBe(true);
  });

  it('answers bad endpoints in one line, changing nothing', async () => {
    expect(await closeConnection('localhost:80', '127.0.0.1:1')).toEqual({ outcome: 'invalid', message: '"localhost" is not an IP address' });
    expect(await closeConnection('127.0.0.1', '127.0.0.1:1')).toMatchObject({ outcome: 'invalid', message: expect.stringMatching(/^"127\.0\.0\.1" is not ADDRESS:PORT/) });
    expect(await closeConnection('127.0.0.1:1', '::1:5')).toMatchObject({ outcome: 'invalid' });
    expect(await closeConnection('127.0.0.1:0', '127.0.0.1:5')).toMatchObject({ outcome: 'invalid' });
    expect(await closeConnection('127.0.0.1:1', '[::1]:70000')).toMatchObject({ outcome: 'invalid' });
  });

  it('says plainly that an unprivileged user needs CAP_NET_ADMIN, and the connection stays', async (ctx) => {
    ctx.skip(!root, 'needs root to start a child as nobody');
    const { clientEnd, serverEnd } = await connectedPair('127.0.0.1');
    // Run as nobody, from the sources (tsx), exactly as a user's process would call it.
    const child = spawn(process.execPath, ['--import', 'tsx', CLOSE_AS, `127.0.0.1:${clientEnd.localPort}`, `127.0.0.1:${clientEnd.remotePort}`], {
      uid: NOBODY,
      gid: NOBODY,
      cwd: process.cwd(),
      env: { ...process.env, HOME: '/nonexistent' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    let err = '';
    child.stdout.on('data', (d: Buffer) => (out += d));
    child.stderr.on('data', (d: Buffer) => (err += d));
    const code = await new Promise((r) => child.once('close', r));
    expect(code, err).toBe(0);
    const result = JSON.parse(out) as CloseConnectionResult;
    expect(result).toEqual({ outcome: 'not-permitted', message: NEEDS_CAP_NET_ADMIN });
    expect(NEEDS_CAP_NET_ADMIN).toMatch(/needs CAP_NET_ADMIN/);
    const still = await ends(clientEnd, serverEnd);
    expect(still.map((s) => s.state)).toEqual(['ESTABLISHED', 'ESTABLISHED']);
    expect(execFileSync('id', ['-un', String(NOBODY)], { encoding: 'utf8' }).trim()).toBe('nobody');
  });
});
