// @vitest-environment happy-dom
import { act, cleanup, fireEvent, render, screen, within } from '@testing-library/react';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { ApiError } from '../../../src/shared/api-errors.js';
import type { Alert } from '../../../src/shared/alerts.js';
import { App } from '../../../src/renderer/src/components/app.js';
import { createPageNotifier, pageNotifier, type NotificationClass, type PageNotifier } from '../../../src/renderer/src/notifications.js';
import { createStore, type Store } from '../../../src/renderer/src/store.js';
import { alert, fakeTransport, fullState, listener, proc, settle, sock, type FakeTransport } from './fixtures.js';

let store: Store | null = null;
let notifier: PageNotifier | null = null;
afterEach(() => {
  cleanup();
  notifier?.dispose();
  notifier = null;
  store?.dispose();
  store = null;
  vi.useRealTimers();
});

const NOW = Date.now();
const python = proc(4242, 'python3', { exe: '/usr/bin/python3.12', cmdline: 'python3 -m http.server 8000', ppid: 4100 });
const curlish = proc(5150, 'fetcher', { exe: '/opt/acme/fetcher', cmdline: '/opt/acme/fetcher --every 60', ppid: 1 });

function alerts(): Alert[] {
  return [
    alert({ id: 'ack-old', kind: 'new-process', severity: 'medium', at: NOW - 3_600_000, acknowledgedAt: NOW - 3_000_000, message: 'code opened its first network socket', process: proc(4120, 'code'), pid: 4120 }),
    alert({
      id: 'fetch',
      kind: 'new-process',
      severity: 'medium',
      at: NOW - 60_000,
      message: 'fetcher (/opt/acme/fetcher, pid 5150, user ada) opened its first network socket: TCP 192.168.1.5:51000 → 93.184.216.34:443',
      process: curlish,
      pid: 5150,
      sockets: [sock({ localAddress: '192.168.1.5', localPort: 51000, remoteAddress: '93.184.216.34', remotePort: 443, pid: 5150, process: curlish })],
      rule: { kind: 'executable', exe: '/opt/acme/fetcher' },
    }),
    alert({
      id: 'scan',
      kind: 'port-scan',
      severity: 'high',
      at: NOW - 30_000,
      message: 'Port scan from 203.0.113.9: it connected to 12 different local ports within 10 s',
      process: null,
      pid: null,
      sockets: [],
      evidence: ['sockets'],
      scan: { remoteAddress: '203.0.113.9', localPorts: [22, 80], windowMs: 10_000, refused: null, localAttemptFails: null },
      rule: null,
    }),
    alert({
      id: 'py',
      kind: 'new-listener',
      severity: 'high',
      at: NOW - 12_000,
      message: 'New listener on all interfaces: python3 listens on 0.0.0.0:8000 (TCP) — reachable from any network this machine is on',
      process: python,
      pid: 4242,
      sockets: [{ ...listener(8000, '0.0.0.0', 4242, 'python3'), process: python }],
      rule: { kind: 'listener', exe: '/usr/bin/python3.12', port: 8000, protocol: 'tcp' },
    }),
  ];
}

async function mount(setup: (t: FakeTransport) => void = () => {}, withNotifier?: (s: Store) => PageNotifier) {
  const t = fakeTransport(fullState([{ ...listener(8000, '0.0.0.0', 4242, 'python3'), process: python }]));
  t.alerts = alerts();
  t.processTrees.set('py', [python, proc(4100, 'bash', { exe: '/usr/bin/bash', ppid: 1 }), null]);
  setup(t);
  store = createStore(t);
  notifier = withNotifier ? withNotifier(store) : null;
  render(<App store={store} notifier={notifier} />);
  await act(settle);
  await act(settle);
  return t;
}

async function openAlertsTab() {
  await act(async () => {
    fireEvent.click(screen.getByRole('tab', { name: /Alerts/ }));
    await settle();
  });
}

const rows = () => [...document.querySelectorAll<HTMLElement>('[role="row"][data-alert-id]')];
const rowIds = () => rows().map((r) => r.dataset.alertId);
const row = (id: string) => document.querySelector<HTMLElement>(`[data-alert-id="${id}"][role="row"]`)!;
const detail = () => screen.getByRole('complementary', { name: 'Alert details' });

async function select(id: string) {
  await act(async () => {
    fireEvent.mouseDown(row(id));
    await settle();
  });
}

async function click(el: HTMLElement) {
  await act(async () => {
    fireEvent.click(el);
    await settle();
  });
}

describe('Alerts tab and list', () => {
  it('the tab badge counts the active alerts and is coloured by the worst; the list is newest first, acknowledged ones hidden', async () => {
    // The clock stands where the fixtures were made, however long the run took to get here ("12s ago").
    vi.useFakeTimers({ toFake: ['Date'] });
    vi.setSystemTime(NOW);
    await mount();
    const badge = within(screen.getByRole('tab', { name: /Alerts/ })).getByTestId('alert-count');
    expect(badge.textContent).toBe('3 active alerts');
    expect(badge.className).toContain('sev-danger');
    await openAlertsTab();
    expect(rowIds()).toEqual(['py', 'scan', 'fetch']);
    const py = row('py');
    expect(py.textContent).toContain('High');
    expect(py.textContent).toContain('New listener');
    // The row leads with the port and the program; the whole sentence is its tooltip.
    const what = within(py).getAllByRole('gridcell')[2]!;
    expect(what.textContent).toMatch(/^8000\/tcp\s*python3\s*listens on all interfaces/);
    expect(what.querySelector('[title]')!.getAttribute('title')).toContain('python3 listens on 0.0.0.0:8000');
    expect(py.textContent).toContain('4242');
    expect(py.textContent).toMatch(/1\ds ago/);
    expect(py.textContent).toContain('New');
    // A scan names the remote where a process would be.
    expect(row('scan').textContent).toContain('203.0.113.9');
  });

  it('filters by severity and kind chips; "Show acknowledged" brings the acknowledged back, marked', async () => {
    await mount();
    await openAlertsTab();
    const severity = screen.getByRole('group', { name: 'Severity' });
    const kind = screen.getByRole('group', { name: 'Kind' });
    expect(within(severity).getByRole('button', { name: /High/ }).textContent).toBe('High 2');
    await click(within(severity).getByRole('button', { name: /Medium/ }));
    expect(rowIds()).toEqual(['fetch']);
    await click(within(severity).getByRole('button', { name: /High/ }));
    expect(rowIds()).toEqual(['py', 'scan', 'fetch']);
    await click(within(kind).getByRole('button', { name: /Port scan/ }));
    expect(rowIds()).toEqual(['scan']);
    await click(screen.getByRole('button', { name: 'Clear filters' }));
    expect(rowIds()).toEqual(['py', 'scan', 'fetch']);
    await click(screen.getByRole('checkbox', { name: 'Show acknowledged' }));
    expect(rowIds()).toEqual(['py', 'scan', 'fetch', 'ack-old']);
    expect(row('ack-old').dataset.state).toBe('acknowledged');
    expect(row('ack-old').textContent).toContain('Acknowledged');
  });

  it('a new alert is prepended and counted at once', async () => {
    const t = await mount();
    await openAlertsTab();
    await act(async () => {
      t.raise(alert({ id: 'live', severity: 'medium', at: Date.now(), message: 'ncat listens on 0.0.0.0:4444', process: proc(7000, 'ncat', { exe: '/usr/bin/ncat' }) }));
    });
    expect(rowIds()[0]).toBe('live');
    expect(within(screen.getByRole('tab', { name: /Alerts/ })).getByTestId('alert-count').textContent).toBe('4 active alerts');
  });

  it('arrows move the selection, Enter opens the detail, A acknowledges and moves on to the next', async () => {
    const t = await mount();
    await openAlertsTab();
    await act(async () => {
      fireEvent.keyDown(window, { key: 'ArrowDown' });
    });
    expect(row('py').getAttribute('aria-selected')).toBe('true');
    expect(screen.queryByRole('complementary', { name: 'Alert details' })).toBeNull();
    await act(async () => {
      fireEvent.keyDown(window, { key: 'ArrowDown' });
      fireEvent.keyDown(window, { key: 'Enter' });
      await settle();
    });
    expect(row('scan').getAttribute('aria-selected')).toBe('true');
    expect(within(detail()).getByRole('heading', { name: 'Port scan' })).toBeTruthy();
    await act(async () => {
      fireEvent.keyDown(window, { key: 'a' });
      await settle();
    });
    expect(t.alertCalls.filter((c) => c.method === 'acknowledgeAlert').map((c) => c.args)).toEqual([['scan']]);
    expect(rowIds()).toEqual(['py', 'fetch']);
    expect(row('fetch').getAttribute('aria-selected')).toBe('true');
    expect(document.body.textContent).toContain('Acknowledged: port scan');
  });
  it('the keys still work with a checkbox focused, but not while typing in a field', async () => {
    const t = await mount();
    await openAlertsTab();
    await select('fetch');
    const box = screen.getByRole('checkbox', { name: 'Show acknowledged' });
    box.focus();
    await act(async () => {
      fireEvent.keyDown(box, { key: 'A' });
      await settle();
    });
    expect(t.alertCalls.filter((c) => c.method === 'acknowledgeAlert').map((c) => c.args)).toEqual([['fetch']]);
    await click(screen.getByRole('button', { name: 'Re-learn…' }));
    const input = screen.getByLabelText('Learn for');
    await act(async () => {
      fireEvent.keyDown(input, { key: 'a' });
      fireEvent.keyDown(input, { key: 'ArrowUp' });
      await settle();
    });
    expect(t.alertCalls.filter((c) => c.method === 'acknowledgeAlert')).toHaveLength(1);
  });
});

describe('Alert detail', () => {
  it('explains: message, severity, kind, time, the process with its parent chain ("gone" where exited) and the sockets', async () => {
    const t = await mount();
    await openAlertsTab();
    await select('py');
    const d = detail();
    expect(t.alertCalls.some((c) => c.method === 'explainAlert' && c.args[0] === 'py')).toBe(true);
    expect(within(d).getByRole('heading', { name: 'New listener' })).toBeTruthy();
    expect(d.textContent).toContain('High');
    expect(d.textContent).toContain('python3 listens on 0.0.0.0:8000');
    expect(d.textContent).toContain('/usr/bin/python3.12');
    expect(d.textContent).toContain('python3 -m http.server 8000');
    const chain = within(d).getByRole('list', { name: 'Parent chain' }).querySelectorAll('li');
    expect([...chain].map((li) => li.textContent)).toEqual([
      expect.stringContaining('python3 pid 4242 · ada this process'),
      expect.stringContaining('bash pid 4100'),
      'gone (exited)',
    ]);
    const sockets = within(d).getByRole('table', { name: 'Sockets of this alert' });
    expect(sockets.textContent).toContain('0.0.0.0:8000');
    expect(sockets.textContent).toContain('LISTEN');
    expect(within(d).getByTestId('alert-state').textContent).toBe('Not acknowledged');
  });

  it('a port scan says which evidence saw it and offers nothing to trust, saying why', async () => {
    await mount();
    await openAlertsTab();
    await select('scan');
    const d = detail();
    expect(d.textContent).toContain('Sockets: 203.0.113.9 was seen connecting to 2 different local ports within 10 s (22, 80).');
    expect(d.textContent).toContain('Kernel counters: no burst of refused attempts');
    await click(within(d).getByRole('button', { name: 'Trust…' }));
    expect(d.textContent).toContain('A port scan comes from a remote, not a program');
    expect(within(d).queryByRole('radio')).toBeNull();
    expect(within(d).queryByRole('button', { name: 'End process…' })).toBeNull();
  });

  it('Trust…: the engine’s rule pre-selected; picking "this program" trusts the executable rule and acknowledges', async () => {
    const t = await mount();
    await openAlertsTab();
    await select('py');
    const d = detail();
    await click(within(d).getByRole('button', { name: 'Trust…' }));
    const form = within(d).getByRole('form', { name: 'Trust' });
    const program = within(form).getByRole('radio', { name: /This program/ }) as HTMLInputElement;
    const listenerChoice = within(form).getByRole('radio', { name: /This listener/ }) as HTMLInputElement;
    expect(listenerChoice.checked).toBe(true);
    expect(within(form).queryByRole('radio', { name: /This destination/ })).toBeNull();
    expect(form.textContent).toContain('python3.12 may listen on TCP port 8000, and accept connections there.');
    await click(program);
    expect(program.checked).toBe(true);
    await click(within(form).getByRole('button', { name: 'Trust this program' }));
    expect(t.alertCalls.filter((c) => c.method === 'trust').map((c) => c.args[0])).toEqual([{ kind: 'executable', exe: '/usr/bin/python3.12' }]);
    // The fake engine acknowledges what the engine's alert.rule covers; the program rule is not it.
    expect(within(d).getByTestId('alert-state').textContent).toBe('Not acknowledged');

    await click(within(d).getByRole('button', { name: 'Trust…' }));
    await click(within(d).getByRole('button', { name: 'Trust this listener' }));
    expect(t.alertCalls.filter((c) => c.method === 'trust').map((c) => c.args[0])[1]).toEqual({ kind: 'listener', exe: '/usr/bin/python3.12', port: 8000, protocol: 'tcp' });
    expect(within(d).getByTestId('alert-state').textContent).toMatch(/Acknowledged/);
    expect(document.body.textContent).toContain('Trusted: this listener (python3.12) — 1 alert acknowledged');
  });

  it('an outgoing connection offers this destination: exe + remote host + port', async () => {
    const t = await mount();
    await openAlertsTab();
    await select('fetch');
    const d = detail();
    await click(within(d).getByRole('button', { name: 'Trust…' }));
    await click(within(d).getByRole('radio', { name: /This destination/ }));
    await click(within(d).getByRole('button', { name: 'Trust this destination' }));
    expect(t.alertCalls.find((c) => c.method === 'trust')?.args[0]).toEqual({ kind: 'destination', exe: '/opt/acme/fetcher', host: '93.184.216.34', port: 443 });
  });

  it('Snooze for 15 minutes, 1 hour or 1 day', async () => {
    const t = await mount();
    await openAlertsTab();
    await select('py');
    await click(within(detail()).getByRole('button', { name: /Snooze/ }));
    const menu = screen.getByRole('menu', { name: 'Snooze for' });
    expect(within(menu).getAllByRole('menuitem').map((m) => m.textContent)).toEqual(['Snooze for 15 minutes', 'Snooze for 1 hour', 'Snooze for 1 day']);
    await click(within(menu).getByRole('menuitem', { name: 'Snooze for 1 hour' }));
    expect(t.alertCalls.find((c) => c.method === 'snoozeAlert')?.args).toEqual(['py', 3_600_000]);
    expect(within(detail()).getByTestId('alert-state').textContent).toMatch(/Snoozed until .* \(1 h left\)/);
    expect(row('py').textContent).toContain('Snoozed');
    expect(within(screen.getByRole('tab', { name: /Alerts/ })).getByTestId('alert-count').textContent).toBe('2 active alerts');
  });

  it('Watch closely toggles the program’s executable', async () => {
    const t = await mount();
    await openAlertsTab();
    await select('fetch');
    const box = within(detail()).getByRole('checkbox', { name: /Watch fetcher closely/ }) as HTMLInputElement;
    expect(box.checked).toBe(false);
    await click(box);
    expect(t.alertCalls.find((c) => c.method === 'setWatchClosely')?.args).toEqual(['/opt/acme/fetcher', true]);
    expect(box.checked).toBe(true);
  });

  it('End process… opens the same end dialog, for the alert’s process', async () => {
    await mount();
    await openAlertsTab();
    await select('py');
    await click(within(detail()).getByRole('button', { name: 'End process…' }));
    const dialog = screen.getByRole('dialog');
    expect(within(dialog).getByRole('heading').textContent).toBe('End python3 (pid 4242)?');
    expect(dialog.textContent).toContain('python3 -m http.server 8000');
  });
});

describe('Alerts view header', () => {
  it('while learning: "Learning what is normal — 42 s left", and Stop learning', async () => {
    vi.useFakeTimers({ toFake: ['Date'] }); // the clock stands still between the mount and the reading
    const t = await mount((t) => (t.trustState = { ...t.trustState, learningUntil: Date.now() + 41_500 }));
    await openAlertsTab();
    const line = screen.getByText(/Learning what is normal/).closest('.learning-line')!;
    expect(line.getAttribute('role')).toBe('status');
    expect(line.textContent).toMatch(/Learning what is normal — 4[12] s left; alerts start after that\./);
    expect(within(screen.getByRole('tab', { name: /Alerts/ })).queryByText('learning')).toBeNull();
    await click(screen.getByRole('button', { name: 'Stop learning' }));
    expect(t.alertCalls.find((c) => c.method === 'startLearning')?.args).toEqual([0]);
    expect(screen.queryByText(/Learning what is normal/)).toBeNull();
    expect(screen.getByText(/Alerts are on\./)).toBeTruthy();
    expect(document.body.textContent).toContain('Learned 41 programs, 12 listeners, 300 destinations');
  });

  it('Re-learn… asks how many seconds, then learns for that long', async () => {
    const t = await mount();
    await openAlertsTab();
    await click(screen.getByRole('button', { name: 'Re-learn…' }));
    const input = screen.getByLabelText('Learn for') as HTMLInputElement;
    expect(input.value).toBe('60');
    await act(async () => {
      fireEvent.change(input, { target: { value: '0' } });
    });
    expect((screen.getByRole('button', { name: 'Start learning' }) as HTMLButtonElement).disabled).toBe(true);
    await act(async () => {
      fireEvent.change(input, { target: { value: '120' } });
    });
    await click(screen.getByRole('button', { name: 'Start learning' }));
    expect(t.alertCalls.find((c) => c.method === 'startLearning')?.args).toEqual([120]);
    expect(screen.getByText(/Learning what is normal/).closest('.learning-line')!.textContent).toMatch(/2 min( 1 s)? left/);
  });

  it('engine warnings are said up front, and marked on the tab', async () => {
    await mount((t) => (t.alertWarnings = ['The trust store could not be read; it was kept as trust.json.corrupt-1 and Portwatch started a new one.']));
    expect(within(screen.getByRole('tab', { name: /Alerts/ })).getByRole('img', { name: '1 alert engine warning' })).toBeTruthy();
    await openAlertsTab();
    expect(screen.getByRole('alert').textContent).toContain('trust.json.corrupt-1');
  });

  it('a host without alerts: the view says so instead of a list', async () => {
    await mount((t) => (t.alertsError = new ApiError('alerts are not enabled in this host', 'alerts-disabled')));
    expect(within(screen.getByRole('tab', { name: /Alerts/ })).queryByTestId('alert-count')).toBeNull();
    await openAlertsTab();
    expect(screen.getByText('Alerts are off in this Portwatch')).toBeTruthy();
    expect(screen.getByText('alerts are not enabled in this host')).toBeTruthy();
    expect(rows()).toHaveLength(0);
  });
});

describe('open-alert (from the Electron host)', () => {
  it('a request made before React mounted opens the Alerts tab on that alert, even an acknowledged one', async () => {
    const t = fakeTransport(fullState([]));
    t.alerts = alerts();
    store = createStore(t);
    await settle();
    t.emitOpenAlert('ack-old');
    render(<App store={store} />);
    await act(settle);
    await act(settle);
    expect(screen.getByRole('tab', { name: /Alerts/ }).getAttribute('aria-selected')).toBe('true');
    expect(row('ack-old').getAttribute('aria-selected')).toBe('true');
    expect(within(detail()).getByTestId('alert-state').textContent).toMatch(/Acknowledged/);
  });

  it('null opens just the tab; a later request for an alert selects it', async () => {
    const t = await mount();
    expect(screen.getByRole('tab', { name: /Connections/ }).getAttribute('aria-selected')).toBe('true');
    await act(async () => {
      t.emitOpenAlert(null);
      await settle();
    });
    expect(screen.getByRole('tab', { name: /Alerts/ }).getAttribute('aria-selected')).toBe('true');
    expect(screen.queryByRole('complementary', { name: 'Alert details' })).toBeNull();
    await click(screen.getByRole('tab', { name: /Connections/ }));
    await act(async () => {
      t.emitOpenAlert('fetch');
      await settle();
    });
    expect(screen.getByRole('tab', { name: /Alerts/ }).getAttribute('aria-selected')).toBe('true');
    expect(within(detail()).getByRole('heading', { name: 'New process' })).toBeTruthy();
  });
});

/** The browser's Notification, as the page sees it: a class with a permission and a constructor. */
function fakeNotificationClass(initial: NotificationPermission = 'default') {
  const shown: Array<{ title: string; options?: NotificationOptions | undefined; onclick: ((ev: Event) => unknown) | null; closed: boolean; close(): void }> = [];
  const requests: number[] = [];
  class FakeNotification {
    static permission: NotificationPermission = initial;
    static async requestPermission(): Promise<NotificationPermission> {
      requests.push(Date.now());
      FakeNotification.permission = 'granted';
      return 'granted';
    }
    onclick: ((ev: Event) => unknown) | null = null;
    closed = false;
    constructor(
      public title: string,
      public options?: NotificationOptions,
    ) {
      shown.push(this);
    }
    close() {
      this.closed = true;
    }
  }
  return { N: FakeNotification as unknown as NotificationClass, shown, requests, cls: FakeNotification };
}

describe('browser-mode notifications', () => {
  it('asks permission only from the button, then notifies new alerts through the policy; a click opens the alert', async () => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'setInterval', 'clearInterval', 'Date'] });
    const fake = fakeNotificationClass();
    const focus = vi.fn();
    const t = await mount(undefined, (s) => createPageNotifier(s.alerts, { Notification: fake.N, focus }));
    // Not asked unprompted: an alert now notifies nobody.
    await act(async () => {
      t.raise(alert({ id: 'early', severity: 'high', at: Date.now() }));
      vi.advanceTimersByTime(3000);
    });
    expect(fake.requests).toHaveLength(0);
    expect(fake.shown).toHaveLength(0);

    await openAlertsTab();
    await click(screen.getByRole('button', { name: 'Enable desktop notifications' }));
    expect(fake.requests).toHaveLength(1);
    expect(screen.queryByRole('button', { name: 'Enable desktop notifications' })).toBeNull();
    expect(screen.getByText('Desktop notifications on')).toBeTruthy();
    await click(screen.getByRole('tab', { name: /Connections/ }));

    // One alert: after the grouping second, one notification worded by noticeText.
    await act(async () => {
      t.raise(alert({ id: 'n1', kind: 'new-process', severity: 'medium', at: Date.now(), message: 'fetcher opened its first network socket' }));
      vi.advanceTimersByTime(999);
    });
    expect(fake.shown).toHaveLength(0);
    await act(async () => {
      vi.advanceTimersByTime(1);
    });
    expect(fake.shown).toHaveLength(1);
    expect(fake.shown[0]!.title).toBe('Portwatch: New process (medium)');
    expect(fake.shown[0]!.options?.body).toBe('fetcher opened its first network socket');

    // Low severity and acknowledged alerts do not notify.
    await act(async () => {
      t.raise(alert({ id: 'quiet', severity: 'low', at: Date.now() }));
      vi.advanceTimersByTime(5000);
    });
    expect(fake.shown).toHaveLength(1);

    // A click focuses the window and opens that alert.
    await act(async () => {
      fake.shown[0]!.onclick?.(new Event('click'));
      await settle();
    });
    expect(focus).toHaveBeenCalledTimes(1);
    expect(fake.shown[0]!.closed).toBe(true);
    expect(screen.getByRole('tab', { name: /Alerts/ }).getAttribute('aria-selected')).toBe('true');
    expect(row('n1').getAttribute('aria-selected')).toBe('true');

    // Several at once: one summary; its click opens the Alerts view.
    await click(screen.getByRole('tab', { name: /Connections/ }));
    await act(async () => {
      t.raise(alert({ id: 'n2', kind: 'new-listener', severity: 'high', at: Date.now() }));
      t.raise(alert({ id: 'n3', kind: 'new-listener', severity: 'medium', at: Date.now() }));
      t.raise(alert({ id: 'n4', kind: 'new-process', severity: 'medium', at: Date.now() }));
      vi.advanceTimersByTime(2000);
    });
    expect(fake.shown).toHaveLength(2);
    expect(fake.shown[1]!.title).toBe('Portwatch: 3 new alerts');
    expect(fake.shown[1]!.options?.body).toBe('2 new listeners, 1 new process');
    expect(fake.shown[1]!.options?.requireInteraction).toBe(true);
    await act(async () => {
      fake.shown[1]!.onclick?.(new Event('click'));
      await settle();
    });
    expect(screen.getByRole('tab', { name: /Alerts/ }).getAttribute('aria-selected')).toBe('true');
  });

  it('a denied or missing Notification API hides the button; Electron gets no page notifier at all', async () => {
    const denied = fakeNotificationClass('denied');
    await mount(undefined, (s) => createPageNotifier(s.alerts, { Notification: denied.N }));
    await openAlertsTab();
    expect(screen.queryByRole('button', { name: 'Enable desktop notifications' })).toBeNull();
    cleanup();
    notifier?.dispose();
    store?.dispose();

    await mount(undefined, (s) => createPageNotifier(s.alerts, { Notification: undefined }));
    await openAlertsTab();
    expect(screen.queryByRole('button', { name: 'Enable desktop notifications' })).toBeNull();

    const alertsStore = { onEvent: () => () => {}, requestOpen: () => {} };
    const electronWindow = { portwatch: fakeTransport(fullState([])).api, Notification: fakeNotificationClass('granted').N };
    expect(pageNotifier(alertsStore, electronWindow)).toBeNull();
    const browserWindow = { Notification: fakeNotificationClass('granted').N };
    const n = pageNotifier(alertsStore, browserWindow);
    expect(n?.permission()).toBe('granted');
    n?.dispose();
    expect(pageNotifier(alertsStore, {})?.permission()).toBe('unsupported');
  });
});

describe('alerts grouped by program and kind, searchable', () => {
  const loopback = (port: number, i: number) =>
    alert({
      id: `lo-${port}`,
      severity: 'low',
      at: NOW - 5_000 - i * 1000,
      process: python,
      pid: 4242,
      sockets: [{ ...listener(port, '127.0.0.1', 4242, 'python3'), process: python }],
      message: `New listener: python3 listens on 127.0.0.1:${port} (TCP) — reachable from this machine only (pid 4242, /usr/bin/python3.12, user ada)`,
      rule: { kind: 'listener', exe: '/usr/bin/python3.12', port, protocol: 'tcp' },
    });
  const thirteen = () => Array.from({ length: 13 }, (_, i) => loopback(8001 + i, i));
  const group = () => document.querySelector<HTMLElement>('[role="row"][data-group]');

  it('thirteen loopback listeners of one python3 (and its listener on all interfaces) are one row with a count, expandable, leading with the ports', async () => {
    await mount((t) => t.alerts.push(...thirteen()));
    await openAlertsTab();
    const g = group()!;
    // The same program and kind as 'py' (python3 on 0.0.0.0:8000): one group of 14, as bad as its worst.
    expect(g.dataset.count).toBe('14');
    expect(g.dataset.group).toBe('new-listener|/usr/bin/python3.12');
    expect(g.dataset.kind).toBe('new-listener');
    expect(g.className).toContain('sev-danger');
    expect(g.getAttribute('aria-expanded')).toBe('false');
    expect(within(g).getAllByRole('gridcell')[2]!.textContent).toMatch(/^python3\s*14 new listeners: 8000, 8001, 8002/);
    expect(g.textContent).toContain('14 new');
    expect(rowIds()).toEqual(['scan', 'fetch']);
    await click(within(g).getByRole('button', { name: /Expand 14 alerts/ }));
    expect(rowIds().filter((id) => id!.startsWith('lo-'))).toHaveLength(13);
    expect(row('lo-8001').getAttribute('aria-level')).toBe('2');
    expect(row('lo-8001').dataset.severity).toBe('low');
    await click(within(g).getByRole('button', { name: /Collapse 14 alerts/ }));
    expect(rowIds()).toEqual(['scan', 'fetch']);
  });

  it('A on a group acknowledges every alert in it; its detail offers the same', async () => {
    const t = await mount((f) => f.alerts.push(...thirteen()));
    await openAlertsTab();
    await act(async () => {
      fireEvent.mouseDown(group()!);
      await settle();
    });
    const d = detail();
    expect(within(d).getByRole('note').textContent).toContain('14 new listeners');
    expect(within(d).getByRole('button', { name: /Acknowledge all 14/ })).toBeTruthy();
    await act(async () => {
      fireEvent.keyDown(window, { key: 'a' });
      await settle();
    });
    await act(settle);
    expect(t.alerts.filter((a) => (a.id.startsWith('lo-') || a.id === 'py') && a.acknowledgedAt === null)).toEqual([]);
    expect(t.alerts.filter((a) => a.acknowledgedAt === null).map((a) => a.id).sort()).toEqual(['fetch', 'scan']);
    expect(group()).toBeNull(); // acknowledged ones leave the default list
  });

  it('the search finds alerts by program, port or address; Ctrl+F focuses it in the Alerts view', async () => {
    await mount((t) => t.alerts.push(...thirteen()));
    await openAlertsTab();
    const search = screen.getByRole('searchbox', { name: 'Search alerts' });
    await act(async () => {
      fireEvent.keyDown(window, { key: 'f', ctrlKey: true });
    });
    expect(document.activeElement).toBe(search);
    await act(async () => {
      fireEvent.change(search, { target: { value: '8005' } });
      await settle();
    });
    expect(rowIds()).toEqual(['lo-8005']);
    await act(async () => {
      fireEvent.change(search, { target: { value: 'fetcher' } });
      await settle();
    });
    expect(rowIds()).toEqual(['fetch']);
    await act(async () => {
      fireEvent.keyDown(search, { key: 'Escape' });
      await settle();
    });
    expect(group()).not.toBeNull();
    expect(rowIds()).toEqual(['scan', 'fetch']);
  });

  it('while the page has lost Portwatch it does not say "Alerts are on"', async () => {
    const t = await mount();
    await openAlertsTab();
    expect(screen.getByText(/Alerts are on\./)).toBeTruthy();
    await act(async () => {
      t.setConnection('lost');
      await settle();
    });
    expect(screen.queryByText(/Alerts are on\./)).toBeNull();
    expect(document.querySelector('.learning-line.offline')!.textContent).toContain('Offline:');
  });

  it('with no alert open, the list takes the whole width: no empty detail column', async () => {
    await mount();
    await openAlertsTab();
    expect(screen.queryByRole('complementary')).toBeNull();
  });
});
