// Small hooks shared by the views: the store, the alerts, a shared clock for ages, and the OS colour scheme.
import { createContext, useContext, useEffect, useMemo, useRef, useState, useSyncExternalStore, type RefObject } from 'react';
import type { AlertsSnapshot, OpenRequest } from './alerts-store.js';
import type { PagePermission, PageNotifier } from './notifications.js';
import type { Store, StoreSnapshot } from './store.js';
import type { TrafficSnapshot } from './traffic-store.js';
import type { SocketTraffic } from '../../shared/traffic.js';

export const StoreContext = createContext<Store | null>(null);

export function useStore(): Store {
  const store = useContext(StoreContext);
  if (store === null) throw new Error('useStore outside <StoreContext.Provider>');
  return store;
}

export function useSnapshot(): StoreSnapshot {
  const store = useStore();
  return useSyncExternalStore(store.subscribe, store.getSnapshot);
}

export function useAlerts(): AlertsSnapshot {
  const { alerts } = useStore();
  return useSyncExternalStore(alerts.subscribe, alerts.getSnapshot);
}

/** The last "open this alert" request alone: an alert event does not re-render whoever only reads this. */
export function useOpenAlertRequest(): OpenRequest | null {
  const { alerts } = useStore();
  return useSyncExternalStore(alerts.subscribe, () => alerts.getSnapshot().open);
}

/** The page's own notifier: present in the browser mode only (Electron's main process notifies). */
export const NotifierContext = createContext<PageNotifier | null>(null);

export function useNotifier(): PageNotifier | null {
  return useContext(NotifierContext);
}

const noSubscribe = () => () => {};

/** The Notification permission as the browser says it now; null without a page notifier (Electron). */
export function useNotificationPermission(): PagePermission | null {
  const notifier = useNotifier();
  return useSyncExternalStore(notifier?.subscribe ?? noSubscribe, () => notifier?.permission() ?? null);
}

// One timer for every age cell on screen: each cell subscribes, so a tick re-renders the ages and
// nothing else.
const clockListeners = new Set<() => void>();
let clockNow = Date.now();
let clockTimer: ReturnType<typeof setInterval> | null = null;

function subscribeClock(listener: () => void): () => void {
  clockListeners.add(listener);
  if (clockTimer === null) {
    clockNow = Date.now();
    clockTimer = setInterval(() => {
      clockNow = Date.now();
      for (const l of [...clockListeners]) l();
    }, 1000);
  }
  return () => {
    clockListeners.delete(listener);
    if (clockListeners.size === 0 && clockTimer !== null) {
      clearInterval(clockTimer);
      clockTimer = null;
    }
  };
}

export function useNow(): number {
  return useSyncExternalStore(subscribeClock, () => clockNow);
}

const darkQuery = '(prefers-color-scheme: dark)';

function subscribeScheme(listener: () => void): () => void {
  if (typeof matchMedia !== 'function') return () => {};
  const mq = matchMedia(darkQuery);
  mq.addEventListener('change', listener);
  return () => mq.removeEventListener('change', listener);
}

export function useDarkScheme(): boolean {
  return useSyncExternalStore(subscribeScheme, () => typeof matchMedia === 'function' && matchMedia(darkQuery).matches);
}

/** `value`, but changing at most once per `ms`: for things that need not move with every delta. */
export function useThrottledValue<T>(value: T, ms: number): T {
  const [shown, setShown] = useState(value);
  const last = useRef(0);
  useEffect(() => {
    const wait = last.current + ms - Date.now();
    const show = () => {
      last.current = Date.now();
      setShown(value);
    };
    if (wait <= 0) {
      show();
      return;
    }
    const timer = setTimeout(show, wait);
    return () => clearTimeout(timer);
  }, [value, ms]);
  return shown;
}

/** The traffic the page holds (rates per process, interface, the total): its own store, its own renders. */
export function useTraffic(): TrafficSnapshot {
  const { traffic } = useStore();
  return useSyncExternalStore(traffic.subscribe, traffic.getSnapshot);
}

const noTraffic = { counters: (_id: string): SocketTraffic | undefined => undefined, version: 0 };
const never = () => () => {};

/**
 * The traffic counters by socket id for a sort, with a version that moves with the updates — at most
 * once a second — only while `live` (a sort reads them); otherwise an update costs the tables nothing.
 */
export function useTrafficLookup(live: boolean): { counters: (id: string) => SocketTraffic | undefined; version: number } {
  const { traffic } = useStore();
  const version = useThrottledValue(useSyncExternalStore(live ? traffic.subscribe : never, () => (live ? traffic.getSnapshot().version : 0)), 1000);
  return useMemo(() => (live ? { counters: traffic.counters, version } : noTraffic), [live, traffic, version]);
}

/** The width of an element, followed as it resizes. */
export function useWidth(ref: RefObject<HTMLElement | null>): number {
  const [width, setWidth] = useState(0);
  useEffect(() => {
    const el = ref.current;
    if (el === null) return;
    const measure = () => setWidth(Math.floor(el.clientWidth));
    measure();
    if (typeof ResizeObserver === 'undefined') return;
    const observer = new ResizeObserver(measure);
    observer.observe(el);
    return () => observer.disconnect();
  }, [ref]);
  return width;
}
