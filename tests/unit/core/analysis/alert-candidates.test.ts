// The alert analysis over constructed sockets: every kind, its severity and its words, the subjects it
// de-duplicates on, and the port-scan window with counters and sockets. Inbound connections from other
// machines cannot be made on loopback alone, so this is where they are tested.
import { describe, expect, it } from 'vitest';
import {
  analyseSockets,
  DEFAULT_ALERT_OPTIONS,
  emptyScanState,
  inTempDir,
  type AlertCandidate,
  type AnalysisInput,
  type ScanState,
} from '../../../../src/core/analysis/alert-candidates.js';
import type { KernelCounters } from '../../../../src/core/kernel-counters.js';
import { parseProcCounters } from '../../../../src/core/kernel-counters.js';
import type { Alert } from '../../../../src/shared/alerts.js';
import type { Protocol, Socket } from '../../../../src/shared/model.js';
import { exeKey, ruleView, silencedBy, type TrustView } from '../../../../src/shared/trust-rules.js';
import { proc, sock } from '../../../helpers/sockets.js';

const NOW = 1_700_000_100_000;
const options = { ...DEFAULT_ALERT_OPTIONS, tempDirs: ['/tmp', '/var/tmp', '/dev/shm'], ephemeralPorts: [32768, 60999] as const };

interface Known {
  processes?: string[];
  listeners?: string[]; // "exe|tcp|port"
  destinations?: string[]; // "exe|host|port"
  inbound?: string[]; // "exe|tcp|port|host"
  watch?: string[];
  executables?: string[];
}

function view(k: Known = {}): TrustView {
  const has = (list: string[] | undefined, key: string) => (list ?? []).includes(key);
  return {
    knowsProcess: (exe) => has(k.processes, exe) || has(k.executables, exe),
    knowsListener: (exe, protocol, port) => has(k.listeners, `${exe}|${protocol}|${port}`),
    knowsDestination: (exe, host, port) => has(k.destinations, `${exe}|${host}|${port}`),
    // As TrustStore: a trusted listener expects connections.
    knowsInbound: (exe, protocol, port, host) => has(k.inbound, `${exe}|${protocol}|${port}|${host}`) || has(k.listeners, `${exe}|${protocol}|${port}`),
    isWatchedClosely: (exe) => has(k.watch, exe),
    trustsExecutable: (exe) => has(k.executables, exe),
  };
}

function run(sockets: Socket[], more: Partial<AnalysisInput> = {}, listeners: Array<[Protocol, number]> = []) {
  const set = new Set(listeners.map(([p, n]) => `${p}:${n}`));
  for (const s of sockets) if (s.protocol === 'tcp' && s.state === 'LISTEN') set.add(`tcp:${s.localPort}`);
  return analyseSockets({
    sockets,
    now: NOW,
    listening: (protocol, port) => set.has(`${protocol}:${port}`),
    trust: view(),
    raised: () => false,
    scan: emptyScanState(),
    counters: null,
    options,
    ...more,
  });
}

const of = (alerts: AlertCandidate[], kind: Alert['kind']) => alerts.filter((a) => a.kind === kind);

const python = proc(4242, 'python3', { user: 'ada' });
const node = proc(4300, 'node', { exe: '/usr/bin/node', user: 'ada' });
const sshd = proc(812, 'sshd', { exe: '/usr/sbin/sshd', user: 'root' });

describe('new-process', () => {
  it('names a program never seen before, with path, pid, user and the socket', () => {
    const s = sock({ address: '127.0.0.1', port: 51234, remote: ['127.0.0.1', 8080], owner: node });
    const { alerts } = run([s]);
    const [a] = of(alerts, 'new-process');
    expect(a).toMatchObject({ severity: 'medium', pid: 4300, subject: 'new-process|/usr/bin/node', rule: { kind: 'executable', exe: '/usr/bin/node' } });
    expect(a!.message).toBe('node (/usr/bin/node, pid 4300, user ada) opened its first network socket: TCP 127.0.0.1:51234 → 127.0.0.1:8080');
  });

  it('one alert for a program with many new sockets, none for a known or trusted one, none when already raised', () => {
    const sockets = [1, 2, 3].map((i) => sock({ address: '127.0.0.1', port: 50000 + i, remote: ['127.0.0.1', 80], owner: node }));
    expect(of(run(sockets).alerts, 'new-process')).toHaveLength(1);
    expect(of(run(sockets).alerts, 'new-process')[0]!.message).toContain('(and 2 more)');
    expect(of(run(sockets, { trust: view({ processes: ['/usr/bin/node'] }) }).alerts, 'new-process')).toHaveLength(0);
    expect(of(run(sockets, { trust: view({ executables: ['/usr/bin/node'] }) }).alerts, 'new-process')).toHaveLength(0);
    expect(of(run(sockets, { raised: (s) => s === 'new-process|/usr/bin/node' }).alerts, 'new-process')).toHaveLength(0);
  });

  it('keys a process whose path is hidden by its name, and says so', () => {
    const hidden = proc(77, 'secretd', { exe: null });
    const { alerts } = run([sock({ address: '10.0.0.5', port: 40000, remote: ['10.0.0.1', 443], owner: hidden })]);
    const [a] = of(alerts, 'new-process');
    expect(a!.subject).toBe('new-process|name:secretd');
    expect(a!.message).toContain('executable path hidden from Portwatch, so it is known by name only');
    expect(exeKey(hidden)).toBe('name:secretd');
  });

  it('says nothing about sockets with no owner but listeners (TIME_WAIT, other users’ connections)', () => {
    const tw = sock({ address: '127.0.0.1', port: 40000, remote: ['127.0.0.1', 80], state: 'TIME_WAIT' });
    expect(run([tw]).alerts).toEqual([]);
  });
});

describe('new-listener', () => {
  it('is high on all interfaces, in the words a user reads', () => {
    const { alerts } = run([sock({ address: '0.0.0.0', port: 8000, owner: python })]);
    const [a] = of(alerts, 'new-listener');
    expect(a!.severity).toBe('high');
    expect(a!.message).toBe(
      'New listener on all interfaces: python3 listens on 0.0.0.0:8000 (TCP) — reachable from any network this machine is on (pid 4242, /usr/bin/python3, user ada)',
    );
    expect(a!.rule).toEqual({ kind: 'listener', exe: '/usr/bin/python3', port: 8000, protocol: 'tcp' });
  });

  it('is high on a public address and [::], medium on private addresses, low on loopback only', () => {
    const sev = (address: string) => of(run([sock({ address, port: 8000, owner: python })]).alerts, 'new-listener')[0]!.severity;
    expect(sev('::')).toBe('high');
    expect(sev('203.0.113.7')).toBe('high');
    expect(sev('127.0.0.1')).toBe('low');
    expect(sev('::1')).toBe('low');
    expect(sev('192.168.1.20')).toBe('medium');
    expect(of(run([sock({ address: '127.0.0.1', port: 8000, owner: python })]).alerts, 'new-listener')[0]!.message).toContain('reachable from this machine only');
  });

  it('one alert for 0.0.0.0 and :: on the same port; a loopback listener that widens to all interfaces alerts again', () => {
    const both = [sock({ address: '0.0.0.0', port: 8000, owner: python }), sock({ address: '::', port: 8000, owner: python })];
    const [a] = of(run(both).alerts, 'new-listener');
    expect(a!.message).toContain('listens on 0.0.0.0:8000 and [::]:8000 (TCP)');
    const local = of(run([sock({ address: '127.0.0.1', port: 8000, owner: python })]).alerts, 'new-listener')[0]!;
    const wide = of(run([sock({ address: '0.0.0.0', port: 8000, owner: python })], { raised: (s) => s === local.subject }).alerts, 'new-listener');
    expect(wide).toHaveLength(1);
  });

  it('a UDP reply socket on an ephemeral port is not a listener; a UDP server port is', () => {
    expect(of(run([sock({ protocol: 'udp', address: '0.0.0.0', port: 45000, owner: python })]).alerts, 'new-listener')).toHaveLength(0);
    expect(of(run([sock({ protocol: 'udp', address: '0.0.0.0', port: 5353, owner: python })]).alerts, 'new-listener')[0]!.message).toContain(
      'listens on 0.0.0.0:5353 (UDP)',
    );
  });

  it('a listener whose owner Portwatch cannot see still alerts, as such', () => {
    const [a] = of(run([sock({ address: '0.0.0.0', port: 2024 })]).alerts, 'new-listener');
    expect(a!.message).toContain('a process Portwatch cannot see listens on 0.0.0.0:2024');
    expect(a!.subject).toBe('new-listener|unknown|tcp|2024|network');
  });

  it('known listeners stay quiet', () => {
    const s = sock({ address: '0.0.0.0', port: 8000, owner: python });
    expect(of(run([s], { trust: view({ listeners: ['/usr/bin/python3|tcp|8000'] }) }).alerts, 'new-listener')).toHaveLength(0);
  });
});

describe('inbound', () => {
  const listener = sock({ address: '0.0.0.0', port: 22, owner: sshd });
  const fromAfar = sock({ address: '192.168.1.5', port: 22, remote: ['203.0.113.9', 51000], owner: sshd });
  const fromMapped = sock({ address: '::ffff:192.168.1.5', port: 22, remote: ['::ffff:198.51.100.4', 40000], owner: sshd });
  const fromHere = sock({ address: '127.0.0.1', port: 22, remote: ['127.0.0.1', 40001], owner: sshd });

  it('a connection to a listener from another machine is high, naming the peer and the program', () => {
    const { alerts } = run([fromAfar], {}, [['tcp', 22]]);
    const [a] = of(alerts, 'inbound');
    expect(a!.severity).toBe('high');
    expect(a!.message).toBe(
      'Inbound connection from 203.0.113.9 (port 51000) to sshd (/usr/sbin/sshd, pid 812, user root), which listens on port 22 (TCP): another machine connected to this one',
    );
    expect(a!.subject).toBe('inbound|/usr/sbin/sshd|tcp|22|203.0.113.9');
    expect(a!.rule).toEqual({ kind: 'destination', exe: '/usr/sbin/sshd', host: '203.0.113.9', port: 22 });
  });

  it('IPv4-mapped peers are shown as IPv4; loopback peers never alert', () => {
    expect(of(run([fromMapped], {}, [['tcp', 22]]).alerts, 'inbound')[0]!.message).toContain('from 198.51.100.4 (port 40000)');
    expect(of(run([fromHere, listener]).alerts, 'inbound')).toHaveLength(0);
  });

  it('a trusted listener, or a known peer, stays quiet', () => {
    expect(of(run([fromAfar], { trust: view({ listeners: ['/usr/sbin/sshd|tcp|22'] }) }, [['tcp', 22]]).alerts, 'inbound')).toHaveLength(0);
    expect(of(run([fromAfar], { trust: view({ inbound: ['/usr/sbin/sshd|tcp|22|203.0.113.9'] }) }, [['tcp', 22]]).alerts, 'inbound')).toHaveLength(0);
    // The rule an inbound alert offers silences exactly that peer on that port.
    const [a] = of(run([fromAfar], {}, [['tcp', 22]]).alerts, 'inbound');
    expect(silencedBy(alertOf(a!), ruleView(a!.rule!))).toBe(true);
  });

  it('a connection this machine started is not inbound', () => {
    const out = sock({ address: '192.168.1.5', port: 51000, remote: ['203.0.113.9', 22], owner: sshd });
    expect(of(run([out], { trust: view({ processes: ['/usr/sbin/sshd'] }) }).alerts, 'inbound')).toHaveLength(0);
  });
});

describe('new-destination', () => {
  const curl = proc(900, 'curl', { user: 'ada' });
  const conn = (host: string, port: number) => sock({ address: '10.0.0.5', port: 40000 + port, remote: [host, port], owner: curl });

  it('only for executables watched closely, only for destinations outside the known set', () => {
    const trusted = { processes: ['/usr/bin/curl'] };
    expect(of(run([conn('93.184.216.34', 443)], { trust: view(trusted) }).alerts, 'new-destination')).toHaveLength(0);
    const watched = view({ ...trusted, watch: ['/usr/bin/curl'], destinations: ['/usr/bin/curl|10.1.2.3|443'] });
    expect(of(run([conn('10.1.2.3', 443)], { trust: watched }).alerts, 'new-destination')).toHaveLength(0);
    const [a] = of(run([conn('93.184.216.34', 443)], { trust: watched }).alerts, 'new-destination');
    expect(a!.severity).toBe('medium');
    expect(a!.message).toBe(
      'curl (/usr/bin/curl, pid 900, user ada), which you watch closely, connected to a destination it was not known to use: 93.184.216.34:443 (TCP)',
    );
    expect(a!.rule).toEqual({ kind: 'destination', exe: '/usr/bin/curl', host: '93.184.216.34', port: 443 });
  });

  it('a destination rule with a CIDR range covers the whole range', () => {
    const rule = { kind: 'destination' as const, exe: '/usr/bin/curl', host: '93.184.216.0/24', port: null };
    const [a] = of(run([conn('93.184.216.34', 443)], { trust: view({ watch: ['/usr/bin/curl'] }) }).alerts, 'new-destination');
    expect(silencedBy(alertOf(a!), ruleView(rule))).toBe(true);
    expect(silencedBy(alertOf(a!), ruleView({ ...rule, host: '93.184.217.0/24' }))).toBe(false);
  });
});

describe('suspicious-exe', () => {
  it('an executable deleted after it started is high, and cannot be trusted by path', () => {
    const ghost = proc(66, 'x', { exe: '/tmp/pw/x (deleted)' });
    const { alerts } = run([sock({ address: '127.0.0.1', port: 4000, owner: ghost })]);
    const [a] = of(alerts, 'suspicious-exe');
    expect(a!.severity).toBe('high');
    expect(a!.message).toContain('uses the network from an executable that was deleted after it started: /tmp/pw/x (deleted)');
    expect(a!.rule).toBeNull();
    // The program's key drops the mark, so new-process names the path it ran from.
    expect(of(alerts, 'new-process')[0]!.subject).toBe('new-process|/tmp/pw/x');
  });

  it('a deleted system binary whose path exists again (an update) is medium and says why', () => {
    const old = proc(812, 'sshd', { exe: '/usr/sbin/sshd (deleted)' });
    const [a] = of(run([sock({ address: '0.0.0.0', port: 22, owner: old })], { exists: () => true }).alerts, 'suspicious-exe');
    expect(a!.severity).toBe('medium');
    expect(a!.message).toContain('probably replaced by an update');
  });

  it('an executable in a temporary folder is high; trusting that path quiets it', () => {
    const tmp = proc(67, 'y', { exe: '/var/tmp/build/y' });
    const s = sock({ address: '127.0.0.1', port: 4001, owner: tmp });
    const [a] = of(run([s]).alerts, 'suspicious-exe');
    expect(a!.message).toContain('from an executable in a temporary folder: /var/tmp/build/y');
    expect(a!.rule).toEqual({ kind: 'executable', exe: '/var/tmp/build/y' });
    expect(of(run([s], { trust: view({ executables: ['/var/tmp/build/y'] }) }).alerts, 'suspicious-exe')).toHaveLength(0);
    // A baseline entry is not trust: suspicious stays suspicious until the user says otherwise.
    expect(of(run([s], { trust: view({ processes: ['/var/tmp/build/y'] }) }).alerts, 'suspicious-exe')).toHaveLength(1);
  });

  it('temp folders match whole path components, on every platform’s spelling', () => {
    expect(inTempDir('/tmp/x', ['/tmp'])).toBe(true);
    expect(inTempDir('/tmpfoo/x', ['/tmp'])).toBe(false);
    expect(inTempDir('C:\\Users\\ada\\AppData\\Local\\Temp\\x.exe', ['c:\\users\\ada\\appdata\\local\\temp'])).toBe(true);
    expect(inTempDir('/private/var/folders/ab/T/x', ['/private/var/folders/'])).toBe(true);
  });
});

describe('learning', () => {
  it('returns what was seen for the baseline and raises nothing', () => {
    const sockets = [
      sock({ address: '0.0.0.0', port: 8000, owner: python }),
      sock({ address: '10.0.0.5', port: 40000, remote: ['93.184.216.34', 443], owner: node }),
      sock({ address: '10.0.0.5', port: 8000, remote: ['203.0.113.9', 50000], owner: python }),
      sock({ protocol: 'udp', address: '0.0.0.0', port: 45000, owner: node }),
    ];
    const { alerts, seen } = run(sockets, { learning: true });
    expect(alerts).toEqual([]);
    expect(seen.processes.sort()).toEqual(['/usr/bin/node', '/usr/bin/python3']);
    expect(seen.listeners).toEqual([{ exe: '/usr/bin/python3', protocol: 'tcp', port: 8000, address: '0.0.0.0' }]);
    expect(seen.destinations).toEqual([{ exe: '/usr/bin/node', host: '93.184.216.34', port: 443 }]);
    expect(seen.inbound).toEqual([{ exe: '/usr/bin/python3', protocol: 'tcp', port: 8000, host: '203.0.113.9' }]);
  });
});

describe('port-scan', () => {
  const counters = (at: number, tcpResets: number, more: Partial<KernelCounters> = {}): KernelCounters => ({
    at,
    tcpResets,
    attemptFails: 0,
    passiveOpens: 0,
    activeOpens: 0,
    udpNoPorts: 0,
    listenDrops: 0,
    listenOverflows: 0,
    estabResets: 0,
    abortResets: 0,
    abortOnOverflow: false,
    ...more,
  });
  const web = proc(500, 'nginx');
  const listeners: Array<[Protocol, number]> = Array.from({ length: 40 }, (_, i) => ['tcp', 9000 + i] as [Protocol, number]);
  const touch = (host: string, port: number) => sock({ address: '192.168.1.5', port, remote: [host, 50000 + port], owner: web });
  const quiet = view({ processes: ['/usr/bin/nginx'], inbound: [] });
  const step = (scan: ScanState, now: number, sockets: Socket[], c: KernelCounters | null) =>
    analyseSockets({
      sockets,
      now,
      listening: (p, port) => listeners.some(([lp, n]) => lp === p && n === port),
      trust: quiet,
      raised: () => true, // only scans can alert
      scan,
      counters: c,
      options,
    });

  it('one remote touching many local ports within the window, with the kernel seeing refusals: one alert, both kinds of evidence', () => {
    let r = step(emptyScanState(), NOW, [], counters(NOW, 1000));
    const scanSockets = Array.from({ length: 12 }, (_, i) => touch('203.0.113.50', 9000 + i));
    r = step(r.scan, NOW + 1000, scanSockets, counters(NOW + 1000, 1300));
    const scans = of(r.alerts, 'port-scan');
    expect(scans).toHaveLength(1);
    expect(scans[0]).toMatchObject({ severity: 'high', evidence: ['sockets', 'kernel-counters'], subject: 'port-scan|203.0.113.50' });
    expect(scans[0]!.scan).toMatchObject({ remoteAddress: '203.0.113.50', refused: { tcpResets: 300 } });
    expect(scans[0]!.scan!.localPorts).toHaveLength(12);
    expect(scans[0]!.message).toContain('Port scan from 203.0.113.50: it connected to 12 different local ports within 10 s (TCP 9000, 9001');
    expect(scans[0]!.message).toContain('the kernel refused 300 TCP connection attempts (resets sent)');
    // The same scan going on is the same episode: no second alert.
    r = step(r.scan, NOW + 2000, [touch('203.0.113.50', 9020)], counters(NOW + 2000, 1500));
    expect(of(r.alerts, 'port-scan')).toHaveLength(0);
    // Quiet for a whole window: a later scan is a new episode.
    r = step(r.scan, NOW + 15_000, [], counters(NOW + 15_000, 1500));
    r = step(r.scan, NOW + 26_000, [], counters(NOW + 26_000, 1500));
    r = step(r.scan, NOW + 27_000, Array.from({ length: 10 }, (_, i) => touch('203.0.113.50', 9010 + i)), counters(NOW + 27_000, 1500));
    expect(of(r.alerts, 'port-scan')).toHaveLength(1);
    expect(of(r.alerts, 'port-scan')[0]!.evidence).toEqual(['sockets']);
  });

  it('touches spread wider than the window are no scan; loopback scans count and say so', () => {
    let r = step(emptyScanState(), NOW, [], null);
    for (let i = 0; i < 12; i++) r = step(r.scan, NOW + i * 2000, [touch('203.0.113.60', 9000 + i)], null);
    expect(of(r.alerts, 'port-scan')).toHaveLength(0);
    const local = Array.from({ length: 10 }, (_, i) => sock({ address: '127.0.0.1', port: 9000 + i, remote: ['127.0.0.1', 40000 + i], owner: web }));
    const [a] = of(step(emptyScanState(), NOW, local, null).alerts, 'port-scan');
    expect(a!.severity).toBe('medium');
    expect(a!.message).toContain('Port scan from 127.0.0.1 (this machine)');
  });

  it('a burst in the counters alone alerts one poll later, saying honestly that the counters do not name the remote', () => {
    let r = step(emptyScanState(), NOW, [], counters(NOW, 0));
    r = step(r.scan, NOW + 1000, [], counters(NOW + 1000, 250, { udpNoPorts: 5, attemptFails: 250 }));
    expect(r.alerts).toHaveLength(0); // waiting a poll for the sockets of the same scan
    r = step(r.scan, NOW + 2000, [], counters(NOW + 2000, 250, { udpNoPorts: 5, attemptFails: 250 }));
    const [a] = of(r.alerts, 'port-scan');
    expect(a).toMatchObject({ severity: 'medium', evidence: ['kernel-counters'], subject: 'port-scan|kernel', sockets: [] });
    expect(a!.message).toContain('the kernel refused 250 TCP connection attempts (resets sent), 5 UDP datagrams to closed ports');
    expect(a!.message).toContain('which remote sent them is not in the counters');
    expect(a!.message).toContain('the scanner is probably local');
    r = step(r.scan, NOW + 3000, [], counters(NOW + 3000, 400));
    expect(r.alerts).toHaveLength(0);
  });

  it('SYNs dropped at a full listen queue are a burst of connections, not a scan', () => {
    let r = step(emptyScanState(), NOW, [], counters(NOW, 0));
    // What a burst of 300 local connections to a listener with a backlog of 1 did to the counters (measured).
    for (let i = 1; i <= 4; i++) {
      r = step(r.scan, NOW + i * 1000, [], counters(NOW + i * 1000, 0, { listenDrops: 400 * i, listenOverflows: 400 * i, activeOpens: 300 }));
      expect(r.alerts).toHaveLength(0);
    }
    // Unless the kernel is told to answer an overflow with a reset: those resets are the overflows, still no scan.
    r = step(emptyScanState(), NOW, [], counters(NOW, 0, { abortOnOverflow: true }));
    for (let i = 1; i <= 3; i++) {
      r = step(r.scan, NOW + i * 1000, [], counters(NOW + i * 1000, 300 * i, { listenDrops: 300 * i, listenOverflows: 300 * i, abortOnOverflow: true }));
      expect(r.alerts).toHaveLength(0);
    }
  });

  it('a server going away resets its own connections: no scan, whether the resets are aborts, resets of local clients, or late segments of ended ones', () => {
    const shutdown = (more: (i: number) => Partial<KernelCounters>, ended: (i: number) => number) => {
      let r = step(emptyScanState(), NOW, [], counters(NOW, 0));
      const out: number[] = [];
      for (let i = 1; i <= 4; i++) {
        r = analyseSockets({
          sockets: [],
          now: NOW + i * 1000,
          listening: () => false,
          trust: quiet,
          raised: () => true,
          scan: r.scan,
          counters: counters(NOW + i * 1000, 0, more(i)),
          ended: ended(i),
          options,
        });
        out.push(r.alerts.length);
      }
      return out;
    };
    // Killed with unread data on 2,250 of its 4,500 connections (measured): TCPAbortOnClose.
    expect(shutdown((i) => ({ tcpResets: i > 1 ? 2250 : 0, abortResets: i > 1 ? 2250 : 0, estabResets: i > 1 ? 4500 : 0 }), () => 0)).toEqual([0, 0, 0, 0]);
    // Its clients writing after it went: resets from its closed sockets, its clients' connections reset.
    expect(shutdown((i) => ({ tcpResets: i > 1 ? 2250 : 0, estabResets: i > 1 ? 2250 : 0 }), () => 0)).toEqual([0, 0, 0, 0]);
    // Remote clients (no local connection reset): the connections that ended in the window explain them.
    expect(shutdown((i) => ({ tcpResets: i > 1 ? 249 : 0 }), (i) => (i === 2 ? 4500 : 0))).toEqual([0, 0, 0, 0]);
  });

  it('refusals beyond what is explained still make a burst, and the message keeps the two apart', () => {
    let r = step(emptyScanState(), NOW, [], counters(NOW, 0));
    r = step(r.scan, NOW + 1000, [], counters(NOW + 1000, 700, { abortResets: 200, listenDrops: 12 }));
    r = step(r.scan, NOW + 2000, [], counters(NOW + 2000, 700, { abortResets: 200, listenDrops: 12 }));
    const [a] = of(r.alerts, 'port-scan');
    expect(a!.message).toContain('the kernel refused 500 TCP connection attempts (resets sent)');
    expect(a!.message).toContain("not counted: 200 more resets ended this machine's own connections; 12 SYNs dropped at a full listen queue");
    expect(a!.scan!.refused).toEqual({ tcpResets: 700, udpNoPorts: 0, listenDrops: 12, explainedResets: 200 });
  });

  it('on loopback a peer is the program holding the client ends: many programs on a few ports each are no scan, one program on many is', () => {
    const port = (p: number, clientPid: number, clientPort: number): Socket[] => {
      const owner = proc(clientPid, `client${clientPid}`);
      return [
        sock({ address: '127.0.0.1', port: p, remote: ['127.0.0.1', clientPort], owner: web }),
        sock({ address: '127.0.0.1', port: clientPort, remote: ['127.0.0.1', p], owner }),
      ];
    };
    // Five programs, each talking to three local services: fifteen ports from 127.0.0.1, no scan.
    const busy = Array.from({ length: 15 }, (_, i) => port(9000 + i, 700 + Math.floor(i / 3), 41000 + i)).flat();
    expect(of(step(emptyScanState(), NOW, busy, null).alerts, 'port-scan')).toHaveLength(0);
    // One program touching ten: a scan, and it is named.
    const scan = Array.from({ length: 10 }, (_, i) => port(9000 + i, 901, 42000 + i)).flat();
    const [a] = of(step(emptyScanState(), NOW, scan, null).alerts, 'port-scan');
    expect(a).toMatchObject({ subject: 'port-scan|127.0.0.1|pid 901', pid: 901 });
    expect(a!.message).toContain('Port scan from 127.0.0.1 (this machine: client901, pid 901)');
  });

  it('resets spread out below the burst size within any window are no scan', () => {
    let r = step(emptyScanState(), NOW, [], counters(NOW, 0));
    for (let i = 1; i <= 30; i++) {
      r = step(r.scan, NOW + i * 1000, [], counters(NOW + i * 1000, i * 9)); // 90 per 10 s
      expect(r.alerts).toHaveLength(0);
    }
  });

  it('the window state is never mutated in place', () => {
    const first = step(emptyScanState(), NOW, [touch('203.0.113.70', 9000)], counters(NOW, 0)).scan;
    const frozen = JSON.stringify([...first.touches.get('203.0.113.70')!.keys()]);
    step(first, NOW + 1000, [touch('203.0.113.70', 9001)], counters(NOW + 1000, 0));
    expect(JSON.stringify([...first.touches.get('203.0.113.70')!.keys()])).toBe(frozen);
  });
});

describe('kernel counters', () => {
  it('parses the paired lines of /proc/net/snmp', () => {
    const text = [
      'Tcp: RtoAlgorithm RtoMin RtoMax MaxConn ActiveOpens PassiveOpens AttemptFails EstabResets CurrEstab InSegs OutSegs RetransSegs InErrs OutRsts InCsumErrors',
      'Tcp: 1 200 120000 -1 152662 152217 43 72 0 1126789 1090485 28110 0 486 0',
      'Udp: InDatagrams NoPorts InErrors OutDatagrams RcvbufErrors SndbufErrors InCsumErrors IgnoredMulti MemErrors',
      'Udp: 2816 7 0 2817 0 0 0 0 0',
      '',
    ].join('\n');
    const parsed = parseProcCounters(text);
    expect(parsed.get('Tcp')?.get('OutRsts')).toBe(486);
    expect(parsed.get('Tcp')?.get('MaxConn')).toBe(-1);
    expect(parsed.get('Udp')?.get('NoPorts')).toBe(7);
  });
});

function alertOf(c: AlertCandidate): Alert {
  return { ...c, id: 'x', acknowledgedAt: null, snoozedUntil: null };
}

it('exeKey drops the deleted mark and names unknown owners', () => {
  expect(exeKey(proc(1, 'a', { exe: '/opt/a (deleted)' }))).toBe('/opt/a');
  expect(exeKey(null)).toBe('unknown');
});

it('control characters and bidi overrides in names and paths are shown as escapes', () => {
  const evil = proc(13, 'ok\nFAKE\u202e', { exe: '/opt/x\u001b[2J' });
  const [a] = of(run([sock({ address: '127.0.0.1', port: 4000, remote: ['127.0.0.1', 80], owner: evil })]).alerts, 'new-process');
  expect(a!.message).toContain('ok\\u{a}FAKE\\u{202e} (/opt/x\\u{1b}[2J, pid 13');
  for (const c of ['\n', '\u001b', '\u202e']) expect(a!.message.includes(c)).toBe(false);
});
