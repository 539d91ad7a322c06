// Names for real: sockets on 22, 80 and 5432 show their services and classes in `snapshot`; the
// engine names peers through a DNS responder of the test's own inside a network namespace (PTR,
// NXDOMAIN cached, a silent server that polls do not wait for, a lying PTR never shown, names that
// never make a socket change); `portwatch ip` explains addresses. No query ever reaches the machine's resolver.
import { spawn } from 'node:child_process';
import { afterEach, describe, expect, it } from 'vitest';
import type { Socket } from '../../src/shared/model.js';
import type { NamesState, NamesUpdate, SocketNames } from '../../src/shared/names.js';
import { startHolder, stopAll, type Holder } from '../helpers/children.js';
import { ROOT, runCli } from '../helpers/cli.js';
import { reverseName, startDnsResponder } from '../helpers/dns-responder.js';

afterEach(stopAll);

/** A listener and a client on `port`, on the first 127.0.0.x where that port is free (never assumed). */
async function onPort(port: number): Promise<Holder> {
  const start = 2 + (process.pid % 200);
  for (let i = 0; i < 50; i++) {
    const host = `127.0.0.${2 + ((start + i * 7) % 250)}`;
    try {
      return await startHolder([
        { name: 'l', kind: 'tcp-listen', host, port },
        { name: 'c', kind: 'tcp-connect', to: 'l' },
      ]);
    } catch {
      // Taken on that address (by the machine or another test): the next one.
    }
  }
  throw new Error(`no 127.0.0.x had port ${port} free`);
}

describe('service names and port classes on real sockets', () => {
  it('22, 80 and 5432 are ssh, http and postgresql, well-known or registered, in JSON and in the table', async () => {
    const holders = await Promise.all([22, 80, 5432].map(onPort));
    const { code, stdout, stderr } = await runCli(['snapshot', '--json']);
    expect(stderr).toBe('');
    expect(code).toBe(0);
    const sockets = (JSON.parse(stdout) as { sockets: Array<Socket & SocketNames> }).sockets;
    const expected = [
      [22, 'ssh', 'well-known'],
      [80, 'http', 'well-known'],
      [5432, 'postgresql', 'registered'],
    ] as const;
    for (const [i, [port, service, cls]] of expected.entries()) {
      const holder = holders[i]!;
      const host = holder.endpoints.l!.address;
      const mine = sockets.filter((s) => s.pid === holder.pid);
      const listener = mine.find((s) => s.listening)!;
      expect(listener).toMatchObject({ localAddress: host, localPort: port, localService: service, localPortClass: cls, remoteService: null, remoteScope: null });
      const client = mine.find((s) => s.remotePort === port)!;
      expect(client).toMatchObject({ remoteAddress: host, remoteService: service, remotePortClass: cls, remoteScope: 'loopback', remoteHost: 'localhost', remoteCountry: null });
      expect(client.localPortClass).toBe(client.localPort >= 49152 ? 'dynamic' : 'registered');
    }

    const table = await runCli(['snapshot']);
    const numeric = await runCli(['snapshot', '--numeric']);
    for (const [i, [port, service]] of expected.entries()) {
      const host = holders[i]!.endpoints.l!.address;
      const pid = String(holders[i]!.pid);
      const established = (out: string) => out.split('\n').filter((l) => /\sESTABLISHED\s/.test(l) && new RegExp(`\\s${pid}\\s`).test(l));
      // netstat's way: the server's end shows its service, the client's peer is "localhost:service".
      expect(table.stdout).toMatch(new RegExp(`LISTEN\\s+${host.replaceAll('.', '\\.')}:${service}\\s+\\*\\s+${pid}\\s`));
      expect(established(table.stdout).some((l) => l.includes(` localhost:${service} `))).toBe(true);
      // -n: numbers only.
      expect(numeric.stdout).toMatch(new RegExp(`LISTEN\\s+${host.replaceAll('.', '\\.')}:${port}\\s+\\*\\s+${pid}\\s`));
      expect(established(numeric.stdout).some((l) => l.includes(` ${host}:${port} `))).toBe(true);
      expect(numeric.stdout).not.toContain('localhost:');
    }
  });
});

interface NetnsReport {
  state: NamesState;
  updates: NamesUpdate[];
  asked: string[];
  silentWhilePolling: unknown;
  liar: unknown;
  pollsWhileAsked: number;
  changedNamed: number;
  namedSockets: number;
}

describe('the engine names peers off the poll path (in a network namespace of its own)', () => {
  it('sends PTR names and offline owners as names updates, caches NXDOMAIN, and polls on while DNS is silent', async () => {
    const child = spawn('unshare', ['--net', process.execPath, '--import', 'tsx', 'tests/helpers/names-in-netns.ts'], { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    child.stdout.on('data', (d: Buffer) => (out += d));
    child.stderr.on('data', (d: Buffer) => (err += d));
    const code = await new Promise<number | null>((resolve) => child.once('close', resolve));
    expect(code, err).toBe(0);
    const report = JSON.parse(out) as NetnsReport;
    expect(report.state.reverseDns).toBe(true);
    expect(report.state.addresses['8.8.8.8']).toEqual({ host: 'dns.google', country: 'US', asn: 15169, org: 'Google LLC' });
    // Documentation space: no owner, and no name (NXDOMAIN) — asked once, though it went and came back.
    expect(report.state.addresses['192.0.2.10']).toEqual({ host: null, country: null, asn: null, org: null });
    expect(report.asked.filter((n) => n === reverseName('192.0.2.10'))).toHaveLength(1);
    // The silent server's query was still out while at least four polls went by.
    expect(report.silentWhilePolling).toEqual({ host: null, country: null, asn: null, org: null });
    expect(report.pollsWhileAsked).toBeGreaterThanOrEqual(4);
    // Names travel as updates keyed by address, in version order; the sockets never change for them.
    expect(report.updates.map((u) => u.version)).toEqual(report.updates.map((_, i) => i + 1));
    expect(report.updates.some((u) => u.set['8.8.8.8']?.host === 'dns.google')).toBe(true);
    // A PTR claiming dns.google for an address dns.google's own records do not hold: never shown.
    expect(report.liar).toEqual({ host: null, country: null, asn: null, org: null });
    expect(report.updates.some((u) => u.set['192.0.2.30']?.host != null)).toBe(false);
    expect(report.updates.some((u) => u.forgotten.includes('192.0.2.10'))).toBe(true);
    expect(report.namedSockets).toBe(2);
    expect(report.changedNamed).toBe(0);
    // Loopback is named without a query.
    expect(report.state.addresses['127.0.0.1']?.host).toBe('localhost');
    expect(report.asked.some((n) => n.endsWith('127.in-addr.arpa'))).toBe(false);
  });
});

describe('portwatch ip', () => {
  it('explains a public address: scope, host from the given DNS server, country and owner', async () => {
    const responder = await startDnsResponder({ '8.8.8.8': { ptr: 'dns.google' } }, { forward: { 'dns.google': ['8.8.8.8'] } });
    try {
      const json = await runCli(['ip', '8.8.8.8', '--json', '--dns-server', responder.server]);
      expect(json.stderr).toBe('');
      expect(json.code).toBe(0);
      expect(JSON.parse(json.stdout)).toEqual({ address: '8.8.8.8', scope: 'public', host: 'dns.google', unconfirmedHost: null, country: 'US', asn: 15169, org: 'Google LLC' });
      const text = await runCli(['ip', '::ffff:8.8.8.8', '--dns-server', responder.server]);
      expect(text.stdout).toBe('address  8.8.8.8\nscope    public\nhost     dns.google\ncountry  US\nowner    AS15169 Google LLC\n');
      const asked = responder.asked.length;
      const off = await runCli(['ip', '2001:4860:4860::8888', '--json', '--no-dns', '--dns-server', responder.server]);
      expect(JSON.parse(off.stdout)).toEqual({ address: '2001:4860:4860::8888', scope: 'public', host: null, unconfirmedHost: null, country: 'US', asn: 15169, org: 'Google LLC' });
      expect(responder.asked).toHaveLength(asked);
    } finally {
      await responder.close();
    }
  });

  it('gives no host for an address whose PTR lies (its name does not resolve back to it), and says what it claims', async () => {
    // 8.8.4.4's reverse zone (here) says www.google.com; www.google.com's A records do not include it.
    const responder = await startDnsResponder({ '8.8.4.4': { ptr: 'www.google.com' } }, { forward: { 'www.google.com': ['142.250.74.36'] } });
    try {
      const json = await runCli(['ip', '8.8.4.4', '--json', '--dns-server', responder.server]);
      expect(json.code).toBe(0);
      expect(JSON.parse(json.stdout)).toEqual({ address: '8.8.4.4', scope: 'public', host: null, unconfirmedHost: 'www.google.com', country: 'US', asn: 15169, org: 'Google LLC' });
      // It was asked, and refuted: not merely timed out.
      expect(responder.asked).toEqual([reverseName('8.8.4.4'), 'www.google.com']);
      // The table says what the PTR claims, as what it is: not the host.
      const text = await runCli(['ip', '8.8.4.4', '--dns-server', responder.server]);
      expect(text.stdout).toBe('address  8.8.4.4\nscope    public\nhost     -\nptr      www.google.com (unconfirmed: that name does not resolve to this address)\ncountry  US\nowner    AS15169 Google LLC\n');
    } finally {
      await responder.close();
    }
  });

  it('says what kind a private, shared or loopback address is, with no owner', async () => {
    const outs = await Promise.all(['10.1.2.3', '100.64.0.9', '::1', 'fe80::1'].map((a) => runCli(['ip', a, '--json'])));
    expect(outs.map((o) => JSON.parse(o.stdout) as unknown)).toEqual([
      { address: '10.1.2.3', scope: 'private', host: null, unconfirmedHost: null, country: null, asn: null, org: null },
      { address: '100.64.0.9', scope: 'shared', host: null, unconfirmedHost: null, country: null, asn: null, org: null },
      { address: '::1', scope: 'loopback', host: 'localhost', unconfirmedHost: null, country: null, asn: null, org: null },
      { address: 'fe80::1', scope: 'link-local', host: null, unconfirmedHost: null, country: null, asn: null, org: null },
    ]);
  });

  it('names the owner of a loopback or private address as the UI does, not "-"', async () => {
    // --no-dns as well as the tests' PORTWATCH_DNS_SERVER=off: no name is asked of any resolver.
    const [loopback, lan] = await Promise.all(['127.0.0.1', '10.20.30.40'].map((a) => runCli(['ip', a, '--no-dns'])));
    expect(loopback!.stdout).toBe('address  127.0.0.1\nscope    loopback\nhost     localhost\ncountry  -\nowner    this machine (loopback)\n');
    expect(lan!.stdout).toBe('address  10.20.30.40\nscope    private\nhost     -\ncountry  -\nowner    private network\n');
    expect([loopback!.code, lan!.code, loopback!.stderr, lan!.stderr]).toEqual([0, 0, '', '']);
  });

  it('refuses what is not an address, or a malformed DNS server, in one line', async () => {
    for (const args of [['ip', 'example.com'], ['ip', '8.8.8.8', '--dns-server', 'resolver.example:53'], ['ip']]) {
      const r = await runCli(args);
      expect(r.code, args.join(' ')).toBe(2);
      expect(r.stdout).toBe('');
      expect(r.stderr.trimEnd().split('\n')).toHaveLength(1);
    }
  });
});
