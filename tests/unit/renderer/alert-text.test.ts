import { describe, expect, it } from 'vitest';
import type { Alert } from '../../../src/shared/alerts.js';
import { defaultChoice, formatDuration, noTrustReason, scanEvidence, trustChoices } from '../../../src/renderer/src/alert-text.js';
import { programKey, ruleClears } from '../../../src/shared/trust-rules.js';
import { alert, listener, proc, sock } from './fixtures.js';

const python = proc(4242, 'python3', { exe: '/usr/bin/python3.12' });

function outbound(remote = '::ffff:93.184.216.34', port = 443) {
  return sock({ localAddress: '192.168.1.5', localPort: 51000, remoteAddress: remote, remotePort: port, pid: 4242, process: python });
}

const rulesOf = (a: Alert) => Object.fromEntries(trustChoices(a).map((c) => [c.id, c.rule]));

describe('trust choices: the rule each offer builds from an alert', () => {
  it('a new listener: this program, this listener (exe + port + protocol); both clear it, the narrower listener pre-selected', () => {
    const a = alert({ process: python, pid: 4242, sockets: [{ ...listener(8000, '0.0.0.0', 4242, 'python3'), process: python }], rule: null });
    expect(rulesOf(a)).toEqual({
      executable: { kind: 'executable', exe: '/usr/bin/python3.12' },
      listener: { kind: 'listener', exe: '/usr/bin/python3.12', port: 8000, protocol: 'tcp' },
    });
    const choices = trustChoices(a);
    expect(choices.map((c) => [c.id, c.clears])).toEqual([
      ['executable', true],
      ['listener', true],
    ]);
    expect(defaultChoice(a, choices)).toBe('listener');
    expect(choices[1]!.detail).toBe('python3.12 may listen on TCP port 8000, and accept connections there.');
  });

  it('a new process connecting out: this program and this destination (exe + remote host + port, IPv4-mapped as IPv4)', () => {
    const a = alert({ kind: 'new-process', process: python, pid: 4242, sockets: [outbound()], rule: { kind: 'executable', exe: '/usr/bin/python3.12' } });
    expect(rulesOf(a)).toEqual({
      executable: { kind: 'executable', exe: '/usr/bin/python3.12' },
      destination: { kind: 'destination', exe: '/usr/bin/python3.12', host: '93.184.216.34', port: 443 },
    });
    expect(defaultChoice(a, trustChoices(a))).toBe('executable');
    expect(trustChoices(a).find((c) => c.id === 'destination')!.detail).toBe('python3.12 may connect to 93.184.216.34:443.');
  });

  it('an inbound connection: the destination rule is the peer and the local port (as the engine builds it), and it clears the alert', () => {
    const s = sock({ localAddress: '192.168.1.5', localPort: 22, remoteAddress: '192.168.1.77', remotePort: 50122, pid: 701, process: proc(701, 'sshd', { exe: '/usr/sbin/sshd' }) });
    const a = alert({ kind: 'inbound', process: s.process, pid: 701, sockets: [s], rule: { kind: 'destination', exe: '/usr/sbin/sshd', host: '192.168.1.77', port: 22 } });
    const choices = trustChoices(a);
    expect(choices.map((c) => c.id)).toEqual(['executable', 'destination']);
    expect(choices[1]!.rule).toEqual({ kind: 'destination', exe: '/usr/sbin/sshd', host: '192.168.1.77', port: 22 });
    expect(choices[1]!.detail).toBe('192.168.1.77 may connect to sshd on port 22.');
    expect(choices[1]!.clears).toBe(true);
    expect(defaultChoice(a, choices)).toBe('destination');
    // A listener rule for sshd's port would clear it too (connections to it expected).
    expect(ruleClears(a, { kind: 'listener', exe: '/usr/sbin/sshd', port: 22, protocol: 'tcp' })).toBe(true);
  });

  it('the engine’s own rule wins over the one built here (a CIDR destination, say)', () => {
    const rule = { kind: 'destination' as const, exe: '/usr/bin/python3.12', host: '93.184.216.0/24', port: null };
    const a = alert({ kind: 'new-destination', process: python, pid: 4242, sockets: [outbound()], rule });
    const choices = trustChoices(a);
    expect(choices.find((c) => c.id === 'destination')!.rule).toBe(rule);
    expect(choices.find((c) => c.id === 'destination')!.clears).toBe(true);
    expect(choices.find((c) => c.id === 'destination')!.detail).toBe('python3.12 may connect to 93.184.216.0/24 on any port.');
  });

  it('a program known by name only is keyed "name:<comm>"', () => {
    const hidden = proc(9, 'secretd', { exe: null });
    const a = alert({ kind: 'new-process', process: hidden, pid: 9, sockets: [], rule: { kind: 'executable', exe: 'name:secretd' } });
    expect(programKey(hidden)).toBe('name:secretd');
    expect(trustChoices(a).map((c) => c.rule)).toEqual([{ kind: 'executable', exe: 'name:secretd' }]);
    expect(trustChoices(a)[0]!.detail).toContain('secretd is a program you know');
  });

  it('nothing to trust for a port scan, a process Portwatch cannot see, or an executable deleted since it started', () => {
    const scan = alert({ kind: 'port-scan', process: null, pid: null, sockets: [], rule: null });
    expect(trustChoices(scan)).toEqual([]);
    expect(noTrustReason(scan)).toMatch(/comes from a remote/);
    const deleted = proc(77, 'updated', { exe: '/usr/bin/updated (deleted)' });
    const sus = alert({ kind: 'suspicious-exe', process: deleted, pid: 77, sockets: [outbound()], rule: null });
    expect(programKey(deleted)).toBeNull();
    expect(trustChoices(sus)).toEqual([]);
    expect(noTrustReason(sus)).toMatch(/deleted after it started/);
  });

  it('an executable in /tmp is trusted by its exact path, which clears the suspicious-exe alert', () => {
    const tmp = proc(88, 'kworkerd', { exe: '/tmp/.x/kworkerd' });
    const a = alert({ kind: 'suspicious-exe', process: tmp, pid: 88, sockets: [outbound()], rule: { kind: 'executable', exe: '/tmp/.x/kworkerd' } });
    const [program] = trustChoices(a);
    expect(program!.rule).toEqual({ kind: 'executable', exe: '/tmp/.x/kworkerd' });
    expect(program!.clears).toBe(true);
  });
});

describe('alert text', () => {
  it('formats countdowns', () => {
    expect(formatDuration(41_200)).toBe('42 s');
    expect(formatDuration(125_000)).toBe('2 min 5 s');
    expect(formatDuration(44 * 60_000)).toBe('44 min');
    expect(formatDuration(3 * 3_600_000 + 5 * 60_000)).toBe('3 h 5 min');
    expect(formatDuration(86_400_000)).toBe('1 day');
  });

  it('says which evidence saw a port scan, and what the counters cannot say', () => {
    const both = alert({
      kind: 'port-scan',
      process: null,
      evidence: ['sockets', 'kernel-counters'],
      scan: { remoteAddress: '203.0.113.9', localPorts: [22, 80, 443], windowMs: 10_000, refused: { tcpResets: 184, udpNoPorts: 3, listenDrops: 0 }, localAttemptFails: 0 },
    });
    expect(scanEvidence(both)).toEqual([
      'Sockets: 203.0.113.9 was seen connecting to 3 different local ports within 10 s (22, 80, 443).',
      'Kernel counters: 184 TCP resets sent, 3 UDP datagrams to closed ports in 10 s. The counters say how many, not who sent them.',
    ]);
    const counters = alert({ kind: 'port-scan', process: null, evidence: ['kernel-counters'], scan: { remoteAddress: null, localPorts: [], windowMs: 10_000, refused: { tcpResets: 90, udpNoPorts: 0, listenDrops: 0 }, localAttemptFails: 80 } });
    expect(scanEvidence(counters)).toEqual([
      'Kernel counters: 90 TCP resets sent in 10 s. The counters say how many, not who sent them.',
      '80 connection attempts by programs on this machine failed in the same window: the scanner may be local.',
    ]);
    const sockets = alert({ kind: 'port-scan', process: null, evidence: ['sockets'], scan: { remoteAddress: '10.0.0.5', localPorts: [1, 2], windowMs: 10_000, refused: null, localAttemptFails: null } });
    expect(scanEvidence(sockets)[1]).toMatch(/^Kernel counters: no burst/);
    // Resets that ended this machine's own connections, and listen-queue drops, are said apart.
    const mixed = alert({ kind: 'port-scan', process: null, evidence: ['kernel-counters'], scan: { remoteAddress: null, localPorts: [], windowMs: 10_000, refused: { tcpResets: 700, udpNoPorts: 0, listenDrops: 12, explainedResets: 200 }, localAttemptFails: 0 } });
    expect(scanEvidence(mixed)).toEqual([
      'Kernel counters: 500 TCP resets sent in 10 s. The counters say how many, not who sent them.',
      "Not counted as refusals: 200 more resets ended this machine's own connections; 12 SYNs were dropped at a full listen queue.",
    ]);
  });
});
