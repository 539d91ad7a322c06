// Desktop notifications with electron faked and the clock driven by vitest: one alert, one
// notification that opens it; a burst, one summary that opens the Alerts view; the rate limits.
import { afterEach, beforeEach, describe, expect, it, vi, type Mock } from 'vitest';
import type { Notification } from 'electron';
import { AlertNotifier, type AlertNotifierDeps } from '../../../src/main/notifications.js';
import type { Alert, AlertKind } from '../../../src/shared/alerts.js';
import { FakeNativeImage, FakeNotification } from './fake-electron.js';

vi.mock('electron', async () => (await import('./fake-electron.js')).electronModule);

let alertSeq = 0;
function alert(overrides: Partial<Alert> = {}): Alert {
  alertSeq++;
  return {
    id: `a${alertSeq}`,
    kind: 'new-listener',
    severity: 'medium',
    message: `python3 (pid 4242) listens on 0.0.0.0:${8000 + alertSeq}`,
    at: Date.now(),
    pid: 4242,
    process: null,
    sockets: [],
    acknowledgedAt: null,
    snoozedUntil: null,
    ...overrides,
  };
}

let onClickAlert: Mock<(id: string) => void>;
let onClickSummary: Mock<() => void>;
let notifier: AlertNotifier;

function start(more: Partial<AlertNotifierDeps> = {}): AlertNotifier {
  notifier = new AlertNotifier({ onClickAlert, onClickSummary, now: () => Date.now(), ...more });
  return notifier;
}

/** Notifications shown so far, in order. */
const shown = () => FakeNotification.created.filter((n) => n.shown > 0);

beforeEach(() => {
  vi.useFakeTimers({ now: new Date('2026-01-01T12:00:00Z') });
  FakeNotification.created.length = 0;
  FakeNotification.supported = true;
  onClickAlert = vi.fn();
  onClickSummary = vi.fn();
});
afterEach(() => {
  notifier?.dispose();
  vi.useRealTimers();
});

describe('AlertNotifier', () => {
  it('shows one alert as one notification, a second after it arrived, and a click opens that alert', () => {
    start();
    const a = alert({ severity: 'high', message: 'nc (pid 7) listens on 0.0.0.0:4444' });
    expect(notifier.notify(a)).toBe(true);
    vi.advanceTimersByTime(999);
    expect(shown()).toHaveLength(0);
    vi.advanceTimersByTime(1);
    expect(shown()).toHaveLength(1);
    const n = shown()[0]!;
    expect(n.options).toMatchObject({ title: 'New listener (high)', body: 'nc (pid 7) listens on 0.0.0.0:4444', urgency: 'critical' });
    expect(n.shown).toBe(1);

    n.click();
    expect(onClickAlert).toHaveBeenCalledWith(a.id);
    expect(onClickSummary).not.toHaveBeenCalled();
    vi.advanceTimersByTime(60_000);
    expect(shown()).toHaveLength(1);
  });

  it('groups a burst of 10 into one summary whose click opens the Alerts view', () => {
    start();
    for (let i = 0; i < 10; i++) {
      notifier.notify(alert({ kind: i < 6 ? 'new-listener' : 'new-process', severity: i === 3 ? 'high' : 'medium' }));
      vi.advanceTimersByTime(90);
    }
    vi.advanceTimersByTime(1_000);
    expect(shown()).toHaveLength(1);
    const n = shown()[0]!;
    expect(n.options).toMatchObject({ title: '10 new alerts', body: '6 new listeners, 4 new processes', urgency: 'critical' });
    n.click();
    expect(onClickSummary).toHaveBeenCalledTimes(1);
    expect(onClickAlert).not.toHaveBeenCalled();
  });

  it('shows at most 5 in a minute; what is held comes out as one summary when the minute allows', () => {
    start();
    const times: number[] = [];
    const t0 = Date.now();
    // One new alert every 3 s for a minute, of changing kinds, so only the overall limit binds.
    const kinds: AlertKind[] = ['new-listener', 'new-process', 'inbound', 'new-destination'];
    const run = (ms: number) => {
      for (let t = 0; t < ms; t += 100) {
        const before = shown().length;
        vi.advanceTimersByTime(100);
        if (shown().length > before) times.push(Date.now() - t0);
      }
    };
    for (let i = 0; i < 20; i++) {
      notifier.notify(alert({ kind: kinds[i % kinds.length]! }));
      run(3_000);
    }
    run(30_000);
    expect(times).toEqual([1_000, 4_000, 7_000, 10_000, 13_000, 61_000]);
    expect(shown().slice(0, 5).map((n) => n.options['title'])).toEqual([
      'New listener (medium)',
      'New process (medium)',
      'Inbound connection (medium)',
      'New destination (medium)',
      'New listener (medium)',
    ]);
    // The sixth: the 15 alerts raised from 15 s to 57 s, together.
    expect(shown()[5]!.options).toMatchObject({ title: '15 new alerts', body: '4 new processes, 4 inbound connections, 4 new destinations, 3 new listeners' });
  });

  it('shows one notification per kind every 2 s: a second new listener waits, then shows alone', () => {
    start();
    notifier.notify(alert());
    vi.advanceTimersByTime(1_500);
    expect(shown()).toHaveLength(1);
    const second = alert();
    notifier.notify(second);
    vi.advanceTimersByTime(1_000); // its batch closed at 2.5 s, but the kind last showed at 1 s
    expect(shown()).toHaveLength(1);
    vi.advanceTimersByTime(500);
    expect(shown()).toHaveLength(2);
    shown()[1]!.click();
    expect(onClickAlert).toHaveBeenCalledWith(second.id);
  });

  it('does not notify for low severity unless configured to', () => {
    start();
    expect(notifier.notify(alert({ severity: 'low' }))).toBe(false);
    vi.advanceTimersByTime(5_000);
    expect(shown()).toHaveLength(0);
    notifier.dispose();

    start({ policy: { minSeverity: 'low' } });
    expect(notifier.notify(alert({ severity: 'low' }))).toBe(true);
    vi.advanceTimersByTime(1_000);
    expect(shown()).toHaveLength(1);
    expect(shown()[0]!.options['urgency']).toBe('normal');
  });

  it('skips acknowledged, snoozed and repeated alerts', () => {
    start();
    const a = alert();
    expect(notifier.notify(alert({ acknowledgedAt: Date.now() }))).toBe(false);
    expect(notifier.notify(alert({ snoozedUntil: Date.now() + 60_000 }))).toBe(false);
    expect(notifier.notify(a)).toBe(true);
    expect(notifier.notify(a)).toBe(false);
    vi.advanceTimersByTime(1_000);
    expect(shown()).toHaveLength(1);
    expect(shown()[0]!.options['title']).toBe('New listener (medium)');
  });

  it('does nothing where notifications are not supported', () => {
    FakeNotification.supported = false;
    start();
    expect(notifier.notify(alert({ severity: 'high' }))).toBe(false);
    vi.advanceTimersByTime(10_000);
    expect(FakeNotification.created).toHaveLength(0);
  });

  it('uses the factory hook and the icon when given, and survives a factory that throws', () => {
    const made: unknown[] = [];
    const icon = new FakeNativeImage(Buffer.from('png'));
    start({
      createNotification: (options) => {
        made.push(options);
        if (made.length === 1) throw new Error('no notification daemon');
        return new FakeNotification(options) as unknown as Notification;
      },
      icon: icon as never,
    });
    const error = vi.spyOn(console, 'error').mockImplementation(() => {});
    notifier.notify(alert());
    vi.advanceTimersByTime(1_000);
    expect(error).toHaveBeenCalledWith(expect.stringMatching(/could not create a notification: no notification daemon/));
    error.mockRestore();
    notifier.notify(alert({ kind: 'new-process' }));
    vi.advanceTimersByTime(1_000);
    expect(made).toHaveLength(2);
    expect(shown()).toHaveLength(1);
    expect(shown()[0]!.options['icon']).toBe(icon);
  });

  it('shows a warning at once, once per message, outside the alert rate limits; its click opens the Alerts view', () => {
    start();
    const message = 'Portwatch could not read its trust store (/x/trust.json): bad JSON. The file was kept as /x/trust.json.bad.';
    // Five alerts in a minute use up the alert budget; a warning is not an alert and still shows.
    for (let i = 0; i < 6; i++) {
      notifier.notify(alert({ kind: 'new-process' }));
      vi.advanceTimersByTime(2_000);
    }
    const before = shown().length;
    expect(notifier.warn(message)).toBe(true);
    expect(shown()).toHaveLength(before + 1);
    const n = shown().at(-1)!;
    expect(n.options).toMatchObject({ title: 'Portwatch needs your attention', body: message, urgency: 'normal' });
    expect(notifier.warn(message)).toBe(false);
    expect(shown()).toHaveLength(before + 1);
    n.click();
    expect(onClickSummary).toHaveBeenCalledOnce();
    expect(onClickAlert).not.toHaveBeenCalled();

    FakeNotification.supported = false;
    expect(notifier.warn('another')).toBe(false);
    FakeNotification.supported = true;
    notifier.dispose();
    expect(notifier.warn('after dispose')).toBe(false);
  });

  it('forgets what waits when disposed', () => {
    start();
    notifier.notify(alert());
    notifier.dispose();
    vi.advanceTimersByTime(5_000);
    expect(FakeNotification.created).toHaveLength(0);
    expect(notifier.notify(alert())).toBe(false);
  });
});

describe('AlertNotifier.notifyPort', () => {
  const event = (port: number, change: 'taken' | 'freed', pid: number | null = 123) => ({
    port,
    protocol: 'tcp' as const,
    change,
    address: '127.0.0.1',
    pid,
    process: pid === null ? null : { pid, name: 'node', exe: '/usr/bin/node', cmdline: 'node server.js', user: 'ada', uid: 1000, ppid: 1, startedAt: 1 },
  });

  it('shows "Port N taken/freed" at once, naming the process; a click goes to onClickPort', () => {
    const onClickPort = vi.fn();
    start({ onClickPort });
    expect(notifier.notifyPort(event(3000, 'taken'))).toBe(true);
    expect(notifier.notifyPort(event(3000, 'freed'))).toBe(true);
    expect(shown().map((n) => n.options)).toEqual([
      expect.objectContaining({ title: 'Port 3000 taken', body: 'node (pid 123) is listening on 127.0.0.1:3000' }),
      expect.objectContaining({ title: 'Port 3000 freed', body: 'node (pid 123) stopped listening' }),
    ]);
    shown()[0]!.click();
    expect(onClickPort).toHaveBeenCalledWith(3000);
    expect(onClickAlert).not.toHaveBeenCalled();
  });

  it('is rate-limited: one per port and change per 2 s, six a minute', () => {
    start();
    expect(notifier.notifyPort(event(3000, 'taken'))).toBe(true);
    expect(notifier.notifyPort(event(3000, 'taken', 124))).toBe(false);
    vi.advanceTimersByTime(2_000);
    expect(notifier.notifyPort(event(3000, 'taken', 125))).toBe(true);
    for (const port of [1, 2, 3, 4]) expect(notifier.notifyPort(event(port, 'taken'))).toBe(true);
    expect(notifier.notifyPort(event(5, 'taken'))).toBe(false);
    expect(shown()).toHaveLength(6);
    vi.advanceTimersByTime(60_000);
    expect(notifier.notifyPort(event(5, 'taken', null))).toBe(true);
    expect(shown().at(-1)!.options).toMatchObject({ title: 'Port 5 taken', body: 'A process Portwatch cannot see is listening on 127.0.0.1:5' });
  });

  it('shows nothing where notifications are not supported', () => {
    FakeNotification.supported = false;
    start();
    expect(notifier.notifyPort(event(3000, 'taken'))).toBe(false);
    expect(FakeNotification.created).toHaveLength(0);
  });
});
