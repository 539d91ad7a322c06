// One rule for engine and view: the "Trust…" choices the renderer offers for an alert say whether
// each would clear it, and the engine's own trust store, holding that rule, must agree, for alerts the
// real analysis raised. Both sides import shared/trust-rules.ts; this proves the view's prediction is
// what the store then does.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { analyseSockets, DEFAULT_ALERT_OPTIONS, emptyScanState, type AlertCandidate } from '../../../src/core/analysis/alert-candidates.js';
import { TrustStore } from '../../../src/core/store/trust-store.js';
import { trustChoices } from '../../../src/renderer/src/alert-text.js';
import type { Alert } from '../../../src/shared/alerts.js';
import { describeSocket, sameSocket, type Socket } from '../../../src/shared/model.js';
import { exeKey, programKey, ruleClears, ruleView, silencedBy, UNKNOWN_OWNER, type TrustView } from '../../../src/shared/trust-rules.js';
import { proc, sock } from '../../helpers/sockets.js';

const NOW = 1_700_000_100_000;
const nothingKnown: TrustView = {
  knowsProcess: () => false,
  knowsListener: () => false,
  knowsDestination: () => false,
  knowsInbound: () => false,
  isWatchedClosely: () => true,
  trustsExecutable: () => false,
};

const python = proc(4242, 'python3', { exe: '/usr/bin/python3.12' });
const hidden = proc(4300, 'secretd', { exe: null });
const dropped = proc(4400, 'dropper', { exe: '/tmp/dropper' });

/** Alerts of every kind a rule can clear, as the engine's analysis raises them. */
function raisedAlerts(): Alert[] {
  const sockets: Socket[] = [
    sock({ address: '0.0.0.0', port: 8000, owner: python }),
    sock({ address: '::ffff:192.168.1.5', port: 51000, remote: ['::ffff:93.184.216.34', 443], owner: python }),
    // A peer from another machine on python's listener: inbound.
    sock({ address: '192.168.1.5', port: 8000, remote: ['192.168.1.77', 50123], owner: python }),
    sock({ protocol: 'udp', address: '127.0.0.1', port: 5353, owner: hidden }),
    sock({ address: '127.0.0.1', port: 52000, remote: ['127.0.0.1', 9000], owner: dropped }),
  ];
  const { alerts } = analyseSockets({
    sockets,
    now: NOW,
    listening: (protocol, port) => protocol === 'tcp' && port === 8000,
    trust: nothingKnown,
    raised: () => false,
    scan: emptyScanState(),
    counters: null,
    options: { ...DEFAULT_ALERT_OPTIONS, tempDirs: ['/tmp'], ephemeralPorts: [32768, 60999] },
  });
  return alerts.map((a: AlertCandidate, i) => ({ ...a, id: `a${i}`, acknowledgedAt: null, snoozedUntil: null }));
}

const dirs: string[] = [];
afterEach(async () => {
  for (const d of dirs.splice(0)) await rm(d, { recursive: true, force: true });
});

describe('trust rules, one copy for the engine and the view', () => {
  it('every choice the view offers clears an alert exactly when the engine’s store, holding that rule, is silenced by it', async () => {
    const alerts = raisedAlerts();
    expect(new Set(alerts.map((a) => a.kind))).toEqual(new Set(['new-process', 'new-listener', 'new-destination', 'inbound', 'suspicious-exe']));
    let compared = 0;
    for (const alert of alerts) {
      const choices = trustChoices(alert);
      expect(choices.length, alert.kind).toBeGreaterThan(0);
      // The engine's own rule is among the choices, and it clears its alert.
      if (alert.rule) expect(choices.some((c) => c.clears && c.rule === alert.rule), alert.kind).toBe(true);
      for (const choice of choices) {
        const dir = await mkdtemp(join(tmpdir(), 'portwatch-trust-rules-'));
        dirs.push(dir);
        const { store } = await TrustStore.open(dir, { learnSeconds: 0, now: NOW });
        await store.trust(choice.rule);
        expect(silencedBy(alert, store), `${alert.kind} / ${choice.id}`).toBe(choice.clears);
        compared++;
      }
    }
    expect(compared).toBeGreaterThanOrEqual(8);
  });

  it('a rule for another program, port or range clears nothing, whichever side asks', () => {
    const listener = raisedAlerts().find((a) => a.kind === 'new-listener')!;
    const other = { kind: 'listener', exe: '/usr/bin/node', port: 8000, protocol: 'tcp' } as const;
    expect(ruleClears(listener, other)).toBe(false);
    expect(silencedBy(listener, ruleView({ ...other, exe: '/usr/bin/python3.12', port: 8001 }))).toBe(false);
    const outbound = raisedAlerts().find((a) => a.kind === 'new-destination')!;
    expect(ruleClears(outbound, { kind: 'destination', exe: '/usr/bin/python3.12', host: '93.184.216.0/24', port: null })).toBe(true);
    expect(ruleClears(outbound, { kind: 'destination', exe: '/usr/bin/python3.12', host: '93.184.217.0/24', port: null })).toBe(false);
  });

  it('programKey is exeKey where a rule can name the program, and null where none can', () => {
    expect(programKey(python)).toBe(exeKey(python));
    expect(programKey(hidden)).toBe('name:secretd');
    expect(exeKey(null)).toBe(UNKNOWN_OWNER);
    expect(programKey(null)).toBeNull();
    expect(exeKey(proc(1, 'a', { exe: '/opt/a (deleted)' }))).toBe('/opt/a');
    expect(programKey(proc(1, 'a', { exe: '/opt/a (deleted)' }))).toBeNull();
  });
});

describe('socket rules the diff, the views and the alert messages share', () => {
  it('sameSocket sees every change a user sees, and nothing else', () => {
    const a = sock({ address: '127.0.0.1', port: 51000, remote: ['127.0.0.1', 80], owner: python });
    expect(sameSocket(a, { ...a })).toBe(true);
    expect(sameSocket(a, { ...a, process: { ...python } })).toBe(true);
    for (const change of [{ state: 'TIME_WAIT' }, { pid: null }, { inode: 0 }, { remotePort: 81 }, { firstSeen: 5 }, { process: { ...python, cmdline: 'x' } }] as const) {
      expect(sameSocket(a, { ...a, ...change }), JSON.stringify(change)).toBe(false);
    }
  });

  it('describeSocket words listeners, bound UDP and connections', () => {
    expect(describeSocket(sock({ address: '0.0.0.0', port: 8000 }))).toBe('TCP listening on 0.0.0.0:8000');
    expect(describeSocket(sock({ protocol: 'udp', address: '::', port: 5353 }))).toBe('UDP bound to [::]:5353');
    expect(describeSocket(sock({ address: '10.0.0.2', port: 5555, remote: ['1.2.3.4', 443] }))).toBe('TCP 10.0.0.2:5555 → 1.2.3.4:443');
  });
});
