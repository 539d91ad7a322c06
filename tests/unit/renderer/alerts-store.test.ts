// @vitest-environment happy-dom
import { describe, expect, it } from 'vitest';
import { ALERT_LIST_LIMIT, newestFirst, worstActive } from '../../../src/renderer/src/alerts-store.js';
import { ApiError, errorCode } from '../../../src/shared/api-errors.js';
import type { Store } from '../../../src/renderer/src/store.js';
import { alert, alertStatusOf, fakeTransport, fullState, settle, type FakeTransport, storesUnderTest } from './fixtures.js';

const createStore = storesUnderTest();

async function started(setup: (t: FakeTransport) => void = () => {}) {
  const t = fakeTransport(fullState([]));
  setup(t);
  const store = createStore(t);
  await settle();
  return { t, s: store };
}

const ids = (s: Store) => newestFirst(s.alerts.getSnapshot().alerts).map((a) => a.id);

describe('alerts store', () => {
  it('loads the newest alerts and the status when the page connects', async () => {
    const a1 = alert({ id: 'a1', at: 1 });
    const a2 = alert({ id: 'a2', at: 2 });
    const { t, s } = await started((t) => (t.alerts = [a1, a2]));
    const snap = s.alerts.getSnapshot();
    expect(snap.phase).toBe('ready');
    expect(ids(s)).toEqual(['a2', 'a1']);
    expect(snap.status?.unacknowledged).toBe(2);
    expect(t.alertCalls.find((c) => c.method === 'listAlerts')?.args).toEqual([{ limit: ALERT_LIST_LIMIT }]);
  });

  it('applies events: a new alert goes first, an update replaces by id, the status replaces the counts', async () => {
    const a1 = alert({ id: 'a1', at: 1 });
    const { t, s } = await started((t) => (t.alerts = [a1]));
    const map = s.alerts.getSnapshot().alerts;
    const v0 = s.alerts.getSnapshot().version;

    t.raise(alert({ id: 'a2', at: 2, severity: 'medium' }));
    expect(ids(s)).toEqual(['a2', 'a1']);
    expect(s.alerts.getSnapshot().status?.counts).toEqual({ low: 0, medium: 1, high: 1 });

    t.emitAlertEvent({ type: 'updated', alert: { ...a1, acknowledgedAt: 5 } });
    expect(s.alerts.getSnapshot().alerts.get('a1')?.acknowledgedAt).toBe(5);
    expect(ids(s)).toEqual(['a2', 'a1']);
    // The same Map, updated in place (no copy of the list per event); the version says it changed.
    expect(s.alerts.getSnapshot().alerts).toBe(map);
    expect(s.alerts.getSnapshot().version).toBeGreaterThan(v0);
    // No request per event.
    expect(t.alertCalls.filter((c) => c.method === 'listAlerts')).toHaveLength(1);

    // An update to an alert older than the page holds is not on screen.
    const before = s.alerts.getSnapshot().version;
    t.emitAlertEvent({ type: 'updated', alert: alert({ id: 'old', at: 0 }) });
    expect(s.alerts.getSnapshot().alerts.has('old')).toBe(false);
    expect(s.alerts.getSnapshot().version).toBe(before);
  });

  it('an alert event re-renders neither table: the socket snapshot does not change', async () => {
    const { t, s } = await started();
    const rowsSnap = s.getSnapshot();
    t.raise(alert({ id: 'x' }));
    expect(s.getSnapshot()).toBe(rowsSnap);
  });

  it('events that arrive while the list loads are applied on top of it', async () => {
    const a1 = alert({ id: 'a1', at: 1 });
    const t = fakeTransport(fullState([]));
    t.alerts = [a1];
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    const list = t.api.listAlerts;
    t.api.listAlerts = async (f) => {
      const answer = await list(f);
      await gate;
      return answer;
    };
    const store = createStore(t);
    await settle();
    expect(store.alerts.getSnapshot().phase).toBe('loading');
    t.emitAlertEvent({ type: 'alert', alert: alert({ id: 'a2', at: 2 }) });
    t.emitAlertEvent({ type: 'updated', alert: { ...a1, acknowledgedAt: 9 } });
    release();
    await settle();
    expect(ids(store)).toEqual(['a2', 'a1']);
    expect(store.alerts.getSnapshot().alerts.get('a1')?.acknowledgedAt).toBe(9);
  });

  it('a host without alerts: the view is told so, in the host’s words', async () => {
    const { s } = await started((t) => (t.alertsError = new ApiError('alerts are not enabled in this host', 'alerts-disabled')));
    const snap = s.alerts.getSnapshot();
    expect(snap.phase).toBe('disabled');
    expect(snap.problem).toBe('alerts are not enabled in this host');
    // Electron's invoke keeps only the text: the code rides in the error's name.
    expect(errorCode(new Error("Error invoking remote method 'portwatch:listAlerts': ApiError[alerts-disabled]: alerts are not enabled in this host"))).toBe('alerts-disabled');
    // Words alone decide nothing: a failure without the code is not "disabled".
    expect(errorCode(new Error('alerts are not enabled in this host'))).toBe('failed');
  });

  it('another failure is said plainly and read again after a reconnect', async () => {
    const { t, s } = await started((t) => (t.alertsError = new Error('Portwatch did not answer listAlerts within 30 s')));
    expect(s.alerts.getSnapshot().phase).toBe('loading');
    expect(s.alerts.getSnapshot().problem).toBe('Could not read the alerts: Portwatch did not answer listAlerts within 30 s');
    t.alertsError = null;
    t.alerts = [alert({ id: 'back' })];
    t.setConnection('lost');
    t.setConnection('open');
    await settle();
    expect(s.alerts.getSnapshot().phase).toBe('ready');
    expect(s.alerts.getSnapshot().problem).toBeNull();
    expect(ids(s)).toEqual(['back']);
  });

  it('reloads after a reconnect: what changed meanwhile is on screen', async () => {
    const a1 = alert({ id: 'a1', at: 1 });
    const { t, s } = await started((t) => (t.alerts = [a1]));
    t.setConnection('lost');
    t.alerts = [{ ...a1, acknowledgedAt: 3 }, alert({ id: 'a2', at: 2 })];
    t.setConnection('open');
    await settle();
    expect(ids(s)).toEqual(['a2', 'a1']);
    expect(s.alerts.getSnapshot().alerts.get('a1')?.acknowledgedAt).toBe(3);
    expect(t.alertCalls.filter((c) => c.method === 'listAlerts')).toHaveLength(2);
  });

  it('keeps an open-alert request from the host made before any view reads it', async () => {
    const { t, s } = await started();
    t.emitOpenAlert('a7');
    t.emitOpenAlert(null);
    expect(s.alerts.getSnapshot().open).toEqual({ id: null, nonce: 2 });
    s.alerts.requestOpen('a8');
    expect(s.alerts.getSnapshot().open).toEqual({ id: 'a8', nonce: 3 });
  });

  it('worstActive reads the counts', () => {
    expect(worstActive(alertStatusOf([], 0))).toBeNull();
    expect(worstActive(alertStatusOf([alert({ severity: 'medium' })], 0))).toBe('medium');
    expect(worstActive(alertStatusOf([alert({ severity: 'medium' }), alert({ severity: 'high' })], 0))).toBe('high');
    expect(worstActive(alertStatusOf([alert({ severity: 'high', acknowledgedAt: 1 })], 0))).toBeNull();
  });
});
