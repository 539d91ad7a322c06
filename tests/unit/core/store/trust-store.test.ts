import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { TRUST_FILE, TrustStore } from '../../../../src/core/store/trust-store.js';
import type { TrustRule } from '../../../../src/shared/alerts.js';
import { removeDataDirs, tempDataDir } from '../../../helpers/data-dirs.js';

afterAll(removeDataDirs);

const NOW = 1_700_000_000_000;
const none = { processes: [], listeners: [], destinations: [], inbound: [] };

describe('opening', () => {
  it('a fresh folder gets a store that learns for the configured time, written at once', async () => {
    const dir = tempDataDir('trust');
    const { store, warnings, fresh } = await TrustStore.open(dir, { learnSeconds: 30, now: NOW });
    expect(fresh).toBe(true);
    expect(warnings).toEqual([]);
    expect(store.isLearning(NOW + 29_999)).toBe(true);
    expect(store.isLearning(NOW + 30_000)).toBe(false);
    const onDisk = JSON.parse(readFileSync(join(dir, TRUST_FILE), 'utf8'));
    expect(onDisk).toMatchObject({ version: 1, createdAt: NOW, learningUntil: NOW + 30_000, rules: [], watchClosely: [] });
    // Opened again it is not fresh: learning is not restarted.
    const again = await TrustStore.open(dir, { learnSeconds: 30, now: NOW + 60_000 });
    expect(again.fresh).toBe(false);
    expect(again.store.isLearning(NOW + 60_000)).toBe(false);
  });

  it('the default learning time is 60 s; 0 means none', async () => {
    const a = await TrustStore.open(tempDataDir('trust'), { now: NOW });
    expect(a.store.learningUntil(NOW)).toBe(NOW + 60_000);
    const b = await TrustStore.open(tempDataDir('trust'), { now: NOW, learnSeconds: 0 });
    expect(b.store.isLearning(NOW)).toBe(false);
  });

  it('a corrupt store is kept aside byte for byte, reported, and Portwatch starts empty with alerts on (no learning)', async () => {
    const dir = tempDataDir('trust');
    const first = await TrustStore.open(dir, { learnSeconds: 0 });
    await first.store.trust({ kind: 'executable', exe: '/usr/bin/curl' });
    const garbage = Buffer.from([0x7b, 0x22, 0x76, 0xff, 0xfe, 0x00, 0x13, 0x37]);
    writeFileSync(join(dir, TRUST_FILE), garbage);
    const { store, warnings, fresh } = await TrustStore.open(dir, { learnSeconds: 60, now: NOW });
    expect(fresh).toBe(false);
    expect(store.state(NOW).rules).toEqual([]);
    // What ran during a learning period would be trusted: a damaged file must not buy that.
    expect(store.isLearning(NOW)).toBe(false);
    expect(warnings).toHaveLength(1);
    const backup = readdirSync(dir).find((n) => n.startsWith(`${TRUST_FILE}.corrupt-`));
    expect(backup).toBeDefined();
    expect(warnings[0]).toContain(join(dir, backup!));
    expect(warnings[0]).toContain('Portwatch started with an empty trust store and alerts on (no learning period)');
    expect(readFileSync(join(dir, backup!))).toEqual(garbage);
    // The new store is a good file at once, so the next start is quiet, and does not learn either.
    const next = await TrustStore.open(dir, { learnSeconds: 60, now: NOW });
    expect(next.warnings).toEqual([]);
    expect(next.store.isLearning(NOW)).toBe(false);
  });

  it('a store from a newer Portwatch is kept as it is, alerts on, and never downgraded by a later change', async () => {
    const dir = tempDataDir('trust');
    const future = '{"version":2,"rules":[{"kind":"executable","exe":"/usr/bin/future"}],"somethingNew":true}\n';
    writeFileSync(join(dir, TRUST_FILE), future);
    const { store, warnings, fresh } = await TrustStore.open(dir, { learnSeconds: 60, now: NOW });
    expect(fresh).toBe(false);
    expect(store.isLearning(NOW)).toBe(false);
    expect(warnings[0]).toContain('written by a newer Portwatch (format 2; this one reads format 1). It is left as it is.');
    await expect(store.trust({ kind: 'executable', exe: '/usr/bin/curl' })).rejects.toThrow(/will not overwrite/);
    // In memory the rule holds for this run; on disk the newer file is untouched.
    expect(store.trustsExecutable('/usr/bin/curl')).toBe(true);
    expect(readFileSync(join(dir, TRUST_FILE), 'utf8')).toBe(future);
    expect(readdirSync(dir).filter((n) => n !== TRUST_FILE)).toEqual([]);
  });
});

describe('rules', () => {
  it('trust and untrust persist; trusting the same rule twice adds nothing', async () => {
    const dir = tempDataDir('trust');
    const { store } = await TrustStore.open(dir, { learnSeconds: 0 });
    const rules: TrustRule[] = [
      { kind: 'executable', exe: '/usr/bin/curl' },
      { kind: 'listener', exe: '/usr/bin/python3', port: 8000, protocol: 'tcp' },
      { kind: 'destination', exe: '/usr/bin/curl', host: '10.0.0.0/8', port: null },
    ];
    for (const r of rules) expect(await store.trust(r)).toBe(true);
    expect(await store.trust({ kind: 'executable', exe: '/usr/bin/curl' })).toBe(false);
    const reopened = (await TrustStore.open(dir)).store;
    expect(reopened.state().rules).toEqual(rules);
    expect(reopened.knowsProcess('/usr/bin/curl')).toBe(true);
    expect(reopened.trustsExecutable('/usr/bin/curl')).toBe(true);
    expect(reopened.knowsListener('/usr/bin/python3', 'tcp', 8000, '0.0.0.0')).toBe(true);
    expect(reopened.knowsListener('/usr/bin/python3', 'udp', 8000, '0.0.0.0')).toBe(false);
    expect(reopened.knowsInbound('/usr/bin/python3', 'tcp', 8000, '203.0.113.9')).toBe(true);
    expect(reopened.knowsDestination('/usr/bin/curl', '10.200.3.4', 443)).toBe(true);
    expect(reopened.knowsDestination('/usr/bin/curl', '::ffff:10.200.3.4', 443)).toBe(true);
    expect(reopened.knowsDestination('/usr/bin/curl', '11.0.0.1', 443)).toBe(false);
    expect(await reopened.untrust({ kind: 'executable', exe: '/usr/bin/curl' })).toBe(true);
    expect(await reopened.untrust({ kind: 'executable', exe: '/usr/bin/curl' })).toBe(false);
    expect((await TrustStore.open(dir)).store.knowsProcess('/usr/bin/curl')).toBe(false);
  });

  it('refuses a malformed rule and changes nothing', async () => {
    const { store } = await TrustStore.open(tempDataDir('trust'), { learnSeconds: 0 });
    await expect(store.trust({ kind: 'destination', exe: '/x', host: 'not-an-ip', port: null })).rejects.toThrow(/not an IP address or CIDR range/);
    await expect(store.trust({ kind: 'listener', exe: '/x', port: 70000, protocol: 'tcp' })).rejects.toThrow();
    expect(store.state().rules).toEqual([]);
  });

  it('a hundred trust() calls at once are all saved (writes are serialised and coalesced)', async () => {
    const dir = tempDataDir('trust');
    const { store } = await TrustStore.open(dir, { learnSeconds: 0 });
    await Promise.all(Array.from({ length: 100 }, (_, i) => store.trust({ kind: 'executable', exe: `/opt/app${i}` })));
    const onDisk = (await TrustStore.open(dir)).store.state().rules;
    expect(onDisk).toHaveLength(100);
  });

  it('two Portwatch processes sharing a folder do not lose each other’s rules', async () => {
    const dir = tempDataDir('trust');
    const a = (await TrustStore.open(dir, { learnSeconds: 0 })).store;
    const b = (await TrustStore.open(dir, { learnSeconds: 0 })).store;
    await a.trust({ kind: 'executable', exe: '/from/a' });
    await b.trust({ kind: 'executable', exe: '/from/b' });
    await a.trust({ kind: 'executable', exe: '/from/a2' });
    const rules = (await TrustStore.open(dir)).store.state().rules.map((r) => r.exe);
    expect(rules.sort()).toEqual(['/from/a', '/from/a2', '/from/b']);
  });
});

describe('the baseline', () => {
  it('learns processes, listeners, destinations and inbound peers, and answers for them', async () => {
    const dir = tempDataDir('trust');
    const { store } = await TrustStore.open(dir, { learnSeconds: 0 });
    await store.learn({
      processes: ['/usr/bin/node'],
      listeners: [
        { exe: '/usr/bin/node', protocol: 'tcp', port: 3000, address: '127.0.0.1' },
        { exe: '/usr/sbin/sshd', protocol: 'tcp', port: 22, address: '0.0.0.0' },
      ],
      destinations: [{ exe: '/usr/bin/node', host: '::ffff:93.184.216.34', port: 443 }],
      inbound: [{ exe: '/usr/sbin/sshd', protocol: 'tcp', port: 22, host: '203.0.113.9' }],
    });
    const s = (await TrustStore.open(dir)).store;
    expect(s.knowsProcess('/usr/bin/node')).toBe(true);
    expect(s.trustsExecutable('/usr/bin/node')).toBe(false); // learned is not trusted
    expect(s.knowsListener('/usr/bin/node', 'tcp', 3000, '127.0.0.1')).toBe(true);
    expect(s.knowsListener('/usr/bin/node', 'tcp', 3000, '::1')).toBe(true); // loopback is loopback
    expect(s.knowsListener('/usr/bin/node', 'tcp', 3000, '0.0.0.0')).toBe(false); // wider than learned
    expect(s.knowsListener('/usr/sbin/sshd', 'tcp', 22, '192.168.1.5')).toBe(true); // narrower than learned
    expect(s.knowsDestination('/usr/bin/node', '93.184.216.34', 443)).toBe(true);
    expect(s.knowsDestination('/usr/bin/node', '93.184.216.34', 80)).toBe(false);
    expect(s.knowsInbound('/usr/sbin/sshd', 'tcp', 22, '203.0.113.9')).toBe(true);
    expect(s.knowsInbound('/usr/sbin/sshd', 'tcp', 22, '203.0.113.10')).toBe(false);
    expect(s.state().baselineSize).toEqual({ processes: 1, listeners: 2, destinations: 1, inbound: 1 });
  });

  it('a poll with nothing new writes nothing', async () => {
    const dir = tempDataDir('trust');
    const { store } = await TrustStore.open(dir, { learnSeconds: 0 });
    await store.learn({ ...none, processes: ['/a'] });
    const before = readFileSync(join(dir, TRUST_FILE), 'utf8');
    const stamp = JSON.stringify(readdirSync(dir));
    await store.learn({ ...none, processes: ['/a'] });
    expect(readFileSync(join(dir, TRUST_FILE), 'utf8')).toBe(before);
    expect(JSON.stringify(readdirSync(dir))).toBe(stamp);
  });

  it('untrusting forgets what the baseline learned under that rule', async () => {
    const { store } = await TrustStore.open(tempDataDir('trust'), { learnSeconds: 0 });
    await store.learn({ ...none, processes: ['/usr/bin/nc'], listeners: [{ exe: '/usr/bin/nc', protocol: 'tcp', port: 4444, address: '0.0.0.0' }] });
    expect(await store.untrust({ kind: 'listener', exe: '/usr/bin/nc', port: 4444, protocol: 'tcp' })).toBe(true);
    expect(store.knowsListener('/usr/bin/nc', 'tcp', 4444, '0.0.0.0')).toBe(false);
    expect(store.knowsProcess('/usr/bin/nc')).toBe(true);
    await store.untrust({ kind: 'executable', exe: '/usr/bin/nc' });
    expect(store.knowsProcess('/usr/bin/nc')).toBe(false);
  });

  it('watch closely is kept per executable', async () => {
    const dir = tempDataDir('trust');
    const { store } = await TrustStore.open(dir, { learnSeconds: 0 });
    await store.setWatchClosely('/usr/bin/curl', true);
    expect((await TrustStore.open(dir)).store.isWatchedClosely('/usr/bin/curl')).toBe(true);
    await store.setWatchClosely('/usr/bin/curl', false);
    expect((await TrustStore.open(dir)).store.isWatchedClosely('/usr/bin/curl')).toBe(false);
  });

  it('learning can be re-entered and stopped', async () => {
    const { store } = await TrustStore.open(tempDataDir('trust'), { learnSeconds: 0 });
    expect(store.isLearning()).toBe(false);
    const until = await store.startLearning(5);
    expect(until).toBeGreaterThan(Date.now());
    expect(store.isLearning()).toBe(true);
    await store.startLearning(0);
    expect(store.isLearning()).toBe(false);
    await expect(store.startLearning(-1)).rejects.toThrow(RangeError);
  });
});
