// The alert and trust requests through the one door every transport uses: a real Monitor over the real
// Linux source, a real AlertEngine on a temporary data directory, and a real never-seen program.
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { AlertEngine } from '../../../src/core/alert-engine.js';
import { Monitor } from '../../../src/core/monitor.js';
import { ALERTS_DISABLED, ApiError, ApiService } from '../../../src/core/service.js';
import { LinuxProcSource } from '../../../src/core/sources/linux-proc.js';
import { WatchedPortsWatcher } from '../../../src/core/watched-ports-watcher.js';
import type { Alert, AlertExplanation, AlertStatus, TrustState } from '../../../src/shared/alerts.js';
import type { EventName } from '../../../src/shared/api.js';
import { REQUEST_NAMES } from '../../../src/shared/channels.js';
import { removeDataDirs, tempDataDir } from '../../helpers/data-dirs.js';
import { cleanUpExeHolders, privateNode, startHolderWith } from '../../helpers/exe-holders.js';

const engines: AlertEngine[] = [];
afterEach(async () => {
  await Promise.all(engines.splice(0).map((e) => e.close()));
});
afterAll(async () => {
  await cleanUpExeHolders();
  removeDataDirs();
});

/** A service whose engine has learned this machine as it is (one poll), and stopped learning. */
async function baselined(): Promise<{ monitor: Monitor; engine: AlertEngine; api: ApiService; events: Array<[EventName, unknown]> }> {
  const monitor = new Monitor({ source: new LinuxProcSource(), intervalMs: 250 });
  const engine = await AlertEngine.open(monitor, { dataDir: tempDataDir('service'), learnSeconds: 3600 });
  engines.push(engine);
  const watchedPorts = await WatchedPortsWatcher.open(monitor, { dataDir: engine.dataDir });
  const api = new ApiService(monitor, { alerts: engine, watchedPorts });
  const events: Array<[EventName, unknown]> = [];
  api.subscribe((event, payload) => events.push([event, payload]));
  await monitor.pollOnce();
  await expect(api.call('startLearning', [0])).resolves.toBeNull();
  events.length = 0;
  return { monitor, engine, api, events };
}

describe('ApiService alert requests', () => {
  it('without an engine, every alert request says alerts are not enabled; the rest still work', async () => {
    const monitor = new Monitor({ source: new LinuxProcSource(), intervalMs: 250 });
    const api = new ApiService(monitor);
    await expect(api.call('listAlerts', [])).rejects.toThrow(new ApiError(ALERTS_DISABLED, 'alerts-disabled'));
    await expect(api.call('getAlertStatus', [])).rejects.toThrow('alerts are not enabled in this host');
    await expect(api.call('trust', [{ kind: 'executable', exe: '/usr/bin/nc' }])).rejects.toThrow(ApiError);
    await expect(api.call('startLearning', [0])).rejects.toThrow(ALERTS_DISABLED);
    await expect(api.call('pause', [])).resolves.toBeUndefined();
    expect(api.alertsEnabled).toBe(false);
  });

  it('answers every request of the contract (none is left without a case)', async () => {
    const { api } = await baselined();
    const args: Record<(typeof REQUEST_NAMES)[number], unknown[]> = {
      getState: [],
      pause: [],
      resume: [],
      setInterval: [1000],
      getConflicts: [],
      lookupPort: [1],
      endProcess: [{ pid: 2 ** 31 - 1, startedAt: 0 }],
      listAlerts: [],
      getAlertStatus: [],
      explainAlert: ['nope'],
      acknowledgeAlert: ['nope'],
      acknowledgeAllAlerts: [],
      snoozeAlert: ['nope', 1000],
      trust: [{ kind: 'executable', exe: '/opt/pw-answers/app' }],
      untrust: [{ kind: 'executable', exe: '/opt/pw-answers/app' }],
      setWatchClosely: ['/opt/pw-answers/app', false],
      getTrustState: [],
      startLearning: [0],
      getWatchedPorts: [],
      setWatchedPorts: [[3000]],
      getNames: [],
      setReverseDns: [false],
      queryHistory: [{ limit: 1 }],
      closeConnection: [{ local: '127.0.0.1:1', remote: '127.0.0.1:2' }],
      getHistoryRetention: [],
      setHistoryRetention: [{ maxAgeDays: 30, maxMegabytes: 200 }],
    };
    for (const name of REQUEST_NAMES) {
      // An answer or an ApiError from the request's own checks; never "has no handler".
      const outcome = await api.call(name, args[name]).then(
        () => 'answered',
        (e: Error) => e.message,
      );
      expect(outcome, name).not.toMatch(/no handler|not enabled/);
    }
  });

  it('refuses a bad trust rule with a message naming the field, and changes nothing', async () => {
    const { api } = await baselined();
    const bad: Array<[unknown, RegExp]> = [
      [{ kind: 'destination', exe: '/usr/bin/curl', host: 'example.com', port: 443 }, /^bad arguments for trust: 0\.host: not an IP address or CIDR range$/],
      [{ kind: 'destination', exe: '/usr/bin/curl', host: '10.0.0.0/33', port: null }, /0\.host: not an IP address or CIDR range/],
      [{ kind: 'listener', exe: '/usr/bin/nc', port: 70000, protocol: 'tcp' }, /^bad arguments for trust: 0\.port: /],
      [{ kind: 'listener', exe: '/usr/bin/nc', port: 80, protocol: 'sctp' }, /0\.protocol/],
      [{ kind: 'executable', exe: '' }, /0\.exe/],
      [{ kind: 'executable', exe: '/usr/bin/nc', everything: true }, /bad arguments for trust/],
      [{ kind: 'process', exe: '/usr/bin/nc' }, /0\.kind/],
    ];
    for (const [rule, message] of bad) await expect(api.call('trust', [rule]), JSON.stringify(rule)).rejects.toThrow(message);
    await expect(api.call('snoozeAlert', ['x', 0])).rejects.toThrow(/bad arguments for snoozeAlert: 1:/);
    await expect(api.call('listAlerts', [{ kinds: ['nonsense'] }])).rejects.toThrow(/bad arguments for listAlerts: 0\.kinds\.0/);
    await expect(api.call('startLearning', [-1])).rejects.toThrow(/bad arguments for startLearning/);
    const state = (await api.call('getTrustState', [])) as TrustState;
    expect(state.rules).toEqual([]);
  });

  it('the engine refusing a request (an unknown alert) is an ApiError in its words', async () => {
    const { api } = await baselined();
    await expect(api.call('acknowledgeAlert', ['no-such-alert'])).rejects.toThrow(new ApiError('no alert "no-such-alert"', 'bad-arguments'));
    await expect(api.call('snoozeAlert', ['no-such-alert', 60_000])).rejects.toThrow(ApiError);
    await expect(api.call('explainAlert', ['no-such-alert'])).resolves.toBeNull();
  });

  it('a never-seen program: its alerts are listed, forwarded as events, explained, acknowledged, and trust quiets them', async () => {
    const { monitor, api, events } = await baselined();
    const exe = privateNode('pw-svc-stranger');
    const stranger = await startHolderWith(exe, [{ name: 'l', kind: 'tcp-listen', host: '127.0.0.1' }]);
    const mine = async (filter: object = {}) => ((await api.call('listAlerts', [filter])) as Alert[]).filter((a) => a.pid === stranger.pid);
    for (let i = 0; i < 3 && (await mine()).length === 0; i++) await monitor.pollOnce();
    const raised = await mine();
    expect(raised.map((a) => a.kind).sort()).toEqual(['new-listener', 'new-process']);

    // Forwarded as they happened: an 'alert' event for each, and the status after.
    const alertEvents = events.filter(([name]) => name === 'alert').map(([, payload]) => payload as { type: string; alert?: Alert; status?: AlertStatus });
    for (const a of raised) expect(alertEvents).toContainEqual({ type: 'alert', alert: a });
    expect(alertEvents.some((e) => e.type === 'status')).toBe(true);
    expect(events.some(([name]) => name === 'delta')).toBe(true);
    expect(events.some(([name]) => name === 'open-alert')).toBe(false);

    const status = (await api.call('getAlertStatus', [])) as AlertStatus;
    expect(status).toMatchObject({ learning: false, warnings: [] });
    expect(status.unacknowledged).toBeGreaterThanOrEqual(2);

    const process_ = raised.find((a) => a.kind === 'new-process')!;
    const explained = (await api.call('explainAlert', [process_.id])) as AlertExplanation;
    expect(explained.alert.id).toBe(process_.id);
    expect(explained.processTree[0]?.pid).toBe(stranger.pid);

    // Acknowledge one: it says so, and an 'updated' event goes out.
    events.length = 0;
    const acked = (await api.call('acknowledgeAlert', [process_.id])) as Alert;
    expect(acked.acknowledgedAt).not.toBeNull();
    expect(events).toContainEqual(['alert', { type: 'updated', alert: acked }]);
    expect((await mine({ unacknowledged: true })).map((a) => a.kind)).toEqual(['new-listener']);

    // Snooze the other, then trust its listener: it is acknowledged, and the rule is in the trust state.
    const listener = raised.find((a) => a.kind === 'new-listener')!;
    const snoozed = (await api.call('snoozeAlert', [listener.id, 60_000])) as Alert;
    expect(snoozed.snoozedUntil).toBeGreaterThan(Date.now());
    const trusted = (await api.call('trust', [listener.rule])) as { added: boolean; acknowledged: string[] };
    expect(trusted).toEqual({ added: true, acknowledged: [listener.id] });
    expect(((await api.call('getTrustState', [])) as TrustState).rules).toEqual([listener.rule]);
    expect(await mine({ unacknowledged: true })).toEqual([]);
    await expect(api.call('untrust', [listener.rule])).resolves.toBe(true);

    // Learning from the API: seconds give an end time, 0 stops.
    const until = (await api.call('startLearning', [60])) as number;
    expect(until).toBeGreaterThan(Date.now());
    expect(((await api.call('getAlertStatus', [])) as AlertStatus).learning).toBe(true);
    await expect(api.call('startLearning', [0])).resolves.toBeNull();
    await expect(api.call('acknowledgeAllAlerts', [])).resolves.toBeGreaterThanOrEqual(0);
    expect(((await api.call('getAlertStatus', [])) as AlertStatus).unacknowledged).toBe(0);
    await stranger.exit();
  });

  it('unsubscribing stops both the monitor and the alert events', async () => {
    const { monitor, api, engine } = await baselined();
    const seen: EventName[] = [];
    const off = api.subscribe((event) => seen.push(event));
    off();
    await monitor.pollOnce();
    await engine.startLearning(5);
    expect(seen).toEqual([]);
  });
});
