// The alerts the engine raised, kept for the Alerts view, its tab badge and the page's notifications.
// Loaded with listAlerts + getAlertStatus when the page connects (and again after a reconnect), then
// kept current by the 'alert' events: a new alert, an updated one (acknowledged, snoozed, back from a
// snooze) and the status (counts, learning, warnings). Each event costs O(1): alerts live in a Map
// in arrival order, oldest first (a new one is appended, an update replaced in place), and the view
// reads it newest first. The engine's own summary (status) gives the counts, so nothing is recounted.
//
// It also carries "open this alert" requests — from the Electron host (a tray or notification click)
// or from the page's own notifications — as a request the view takes when it is ready: one that
// arrives before React has mounted is not lost.
import type { Alert, AlertEvent, AlertStatus, Severity } from '../../shared/alerts.js';
import { SEVERITIES } from '../../shared/alerts.js';
import type { PortwatchApi, Unsubscribe } from '../../shared/api.js';
import type { ConnectionListener, ConnectionState } from './api/types.js';
import { errorCode } from '../../shared/api-errors.js';
import { errorText } from './errors.js';

/** How many alerts the page asks for when it loads. */
export const ALERT_LIST_LIMIT = 500;
/** How many it keeps as new ones arrive; beyond this the oldest is let go. */
const KEEP_LIMIT = 2_000;
/** Events kept while the list is loading (replayed on top of it). */
const MAX_BUFFERED_EVENTS = 2_000;

/** An "open this alert" request; nonce makes the same request twice two requests. */
export interface OpenRequest {
  /** null: just the Alerts view. */
  id: string | null;
  nonce: number;
}

export interface AlertsSnapshot {
  /** 'disabled': this host runs no alert engine (problem says so in the host's words). */
  phase: 'loading' | 'ready' | 'disabled';
  /** Why the alerts could not be read (the last good list stays on show); the host's words when disabled. */
  problem: string | null;
  /** By id, in arrival order (oldest first). Updated in place; version says when. */
  alerts: ReadonlyMap<string, Alert>;
  status: AlertStatus | null;
  /** Bumped on every change. */
  version: number;
  /** The last "open this alert" request, until a newer one replaces it. */
  open: OpenRequest | null;
}

export interface AlertsStore {
  getSnapshot(): AlertsSnapshot;
  subscribe(listener: () => void): Unsubscribe;
  /** Every alert event as it arrives, after the store has applied it (the page's notifier listens). */
  onEvent(listener: (event: AlertEvent) => void): Unsubscribe;
  /** Open an alert (or, with null, the Alerts view): what a notification click asks for. */
  requestOpen(id: string | null): void;
  /** An alert a request answered with (acknowledge, snooze): on screen now, before its event arrives. */
  put(alert: Alert): void;
  /** Reads the list and the status again. */
  reload(): void;
  dispose(): void;
}

/** The worst severity among the active alerts; null when none is active. */
export function worstActive(status: Pick<AlertStatus, 'counts'> | null): Severity | null {
  if (status === null) return null;
  return [...SEVERITIES].reverse().find((s) => status.counts[s] > 0) ?? null;
}

export function createAlertsStore(
  api: Pick<PortwatchApi, 'listAlerts' | 'getAlertStatus' | 'onAlert' | 'onOpenAlert'>,
  onConnection: (listener: ConnectionListener) => Unsubscribe,
): AlertsStore {
  const alerts = new Map<string, Alert>();
  const listeners = new Set<() => void>();
  const eventListeners = new Set<(e: AlertEvent) => void>();
  let snap: AlertsSnapshot = { phase: 'loading', problem: null, alerts, status: null, version: 0, open: null };
  let connection: ConnectionState = 'connecting';
  let loading = false;
  let generation = 0;
  let buffer: AlertEvent[] = [];
  let nonce = 0;
  let disposed = false;

  function commit(patch: Partial<AlertsSnapshot>): void {
    snap = { ...snap, ...patch, version: snap.version + 1 };
    for (const l of [...listeners]) l();
  }

  /** Applies one event to the Map; true when something on screen changed. */
  function apply(event: AlertEvent): boolean {
    switch (event.type) {
      case 'alert': {
        alerts.set(event.alert.id, event.alert);
        while (alerts.size > KEEP_LIMIT) alerts.delete(alerts.keys().next().value!);
        return true;
      }
      case 'updated': {
        // One older than the page holds is not on screen (the detail of a selected one asks by itself).
        if (!alerts.has(event.alert.id)) return false;
        alerts.set(event.alert.id, event.alert);
        return true;
      }
      case 'status':
        snap = { ...snap, status: event.status };
        return true;
    }
  }

  function onAlert(event: AlertEvent): void {
    if (disposed) return;
    if (loading) {
      if (buffer.length >= MAX_BUFFERED_EVENTS) buffer.shift();
      buffer.push(event);
    } else if (snap.phase === 'ready' && apply(event)) {
      commit({});
    }
    for (const l of [...eventListeners]) l(event);
  }

  function load(): void {
    if (disposed) return;
    const gen = ++generation;
    loading = true;
    buffer = [];
    Promise.all([api.listAlerts({ limit: ALERT_LIST_LIMIT }), api.getAlertStatus()]).then(
      ([list, status]) => {
        if (gen !== generation || disposed) return;
        loading = false;
        alerts.clear();
        // Newest first on the wire; the Map holds them oldest first so a new one is an append.
        for (let i = list.length - 1; i >= 0; i--) alerts.set(list[i]!.id, list[i]!);
        snap = { ...snap, phase: 'ready', problem: null, status };
        const replay = buffer;
        buffer = [];
        for (const e of replay) apply(e);
        commit({});
      },
      (e: unknown) => {
        if (gen !== generation || disposed) return;
        loading = false;
        buffer = [];
        const text = errorText(e);
        if (errorCode(e) === 'alerts-disabled') {
          alerts.clear();
          commit({ phase: 'disabled', problem: text, status: null });
          return;
        }
        // While the browser mode reconnects the failure is expected: 'open' loads again.
        if (connection !== 'open') return;
        commit({ problem: `Could not read the alerts: ${text}` });
      },
    );
  }

  const unsubs: Unsubscribe[] = [
    api.onAlert(onAlert),
    api.onOpenAlert((id) => {
      if (!disposed) commit({ open: { id, nonce: ++nonce } });
    }),
    onConnection((state) => {
      if (disposed) return;
      const wasOpen = connection === 'open';
      connection = state;
      if (state === 'open' && !wasOpen) load();
    }),
  ];

  return {
    getSnapshot: () => snap,
    subscribe(listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
    onEvent(listener) {
      eventListeners.add(listener);
      return () => eventListeners.delete(listener);
    },
    requestOpen(id) {
      if (!disposed) commit({ open: { id, nonce: ++nonce } });
    },
    put(alert) {
      if (disposed || snap.phase !== 'ready') return;
      const have = alerts.get(alert.id);
      // An event may have brought a newer state already.
      if (have === undefined || have === alert) return;
      alerts.set(alert.id, alert);
      commit({});
    },
    reload: load,
    dispose() {
      disposed = true;
      for (const u of unsubs) u();
      listeners.clear();
      eventListeners.clear();
    },
  };
}

/** The alerts newest first, as the view lists them. */
export function newestFirst(alerts: ReadonlyMap<string, Alert>): Alert[] {
  const out = [...alerts.values()];
  out.reverse();
  // Arrival order is time order, except for what a reload and the events around it interleave.
  out.sort((a, b) => b.at - a.at);
  return out;
}
