// Desktop notifications from the page, in the browser mode only: the Web Notification API, fed with new
// alerts (and watched-port events, one per port at most every 2 s) through the same NotifyPolicy the Electron host uses (grouping, rate limits, severity floor),
// worded by the same noticeText. A click focuses the window and opens the alert (or, for a summary,
// the Alerts view) through the alerts store's open request — the same road the Electron host's
// "open-alert" takes. In Electron the main process notifies: the page must not notify twice.
//
// Permission is asked only from a user gesture (the "Enable desktop notifications" button): browsers
// ignore or penalise a page that asks unprompted.
import type { Alert, AlertEvent } from '../../shared/alerts.js';
import type { Unsubscribe } from '../../shared/api.js';
import { NotifyPolicy, noticeText, type Notice, type NotifyPolicyOptions } from '../../shared/notify-policy.js';
import { PortNoticeLimit, watchedPortText, type WatchedPortEvent } from '../../shared/ports.js';
import type { AlertsStore } from './alerts-store.js';

/** The bits of a Web Notification the page uses. */
export interface NotificationLike {
  onclick: ((ev: Event) => unknown) | null;
  close(): void;
}

/** The bits of the Notification constructor the page uses: tests hand in a fake class. */
export interface NotificationClass {
  new (title: string, options?: NotificationOptions): NotificationLike;
  readonly permission: NotificationPermission;
  requestPermission(): Promise<NotificationPermission>;
}

export type PagePermission = NotificationPermission | 'unsupported';

export interface PageNotifier {
  /** As the browser says now; 'unsupported' where there is no Notification API. */
  permission(): PagePermission;
  /** Hears permission changes made through requestPermission(). */
  subscribe(listener: () => void): Unsubscribe;
  /** Call from a click: browsers refuse (or remember a refusal for) prompts nobody asked for. */
  requestPermission(): Promise<PagePermission>;
  dispose(): void;
}

export interface PageNotifierOptions {
  /** The Notification constructor; undefined where the browser has none. */
  Notification: NotificationClass | undefined;
  /** Brings the page to the front on a click; default window.focus(). */
  focus?: () => void;
  now?: () => number;
  policy?: Partial<NotifyPolicyOptions>;
  /** Watched-port events (the API's onWatchedPort): each becomes a notification, rate-limited by PortNoticeLimit. */
  onWatchedPort?: (listener: (event: WatchedPortEvent) => void) => Unsubscribe;
}

/** Shown notifications kept, so a click still finds its handler; beyond this the oldest is let go. */
const LIVE_LIMIT = 20;

export function createPageNotifier(alerts: Pick<AlertsStore, 'onEvent' | 'requestOpen'>, options: PageNotifierOptions): PageNotifier {
  const N = options.Notification;
  const now = options.now ?? (() => Date.now());
  const focus = options.focus ?? (() => window.focus());
  const policy = new NotifyPolicy<Alert>(options.policy);
  const listeners = new Set<() => void>();
  const live: NotificationLike[] = [];
  let timer: ReturnType<typeof setTimeout> | null = null;
  let disposed = false;

  const permission = (): PagePermission => {
    if (N === undefined) return 'unsupported';
    try {
      return N.permission;
    } catch {
      return 'unsupported';
    }
  };

  function schedule(): void {
    if (timer !== null) clearTimeout(timer);
    timer = null;
    const at = policy.nextAt();
    if (at === null || disposed) return;
    timer = setTimeout(flush, Math.max(0, at - now()));
  }

  function flush(): void {
    timer = null;
    const notice = policy.take(now());
    if (notice !== null) show(notice);
    schedule();
  }

  /** Shows one page notification; a click focuses the page, closes it and runs onClick. */
  function display(title: string, init: NotificationOptions, onClick?: () => void): void {
    let n: NotificationLike;
    try {
      n = new N!(`Portwatch: ${title}`, init);
    } catch (e) {
      // Chrome on Android and some embedded browsers refuse the constructor: nothing to show then.
      console.error(`portwatch: could not show a notification: ${e instanceof Error ? e.message : String(e)}`);
      return;
    }
    live.push(n);
    if (live.length > LIVE_LIMIT) live.shift();
    n.onclick = (ev) => {
      ev.preventDefault?.();
      focus();
      n.close();
      const at = live.indexOf(n);
      if (at >= 0) live.splice(at, 1);
      onClick?.();
    };
  }

  function show(notice: Notice<Alert>): void {
    if (N === undefined || permission() !== 'granted') return;
    const { title, body } = noticeText(notice);
    display(
      title,
      {
        body,
        // A later notice about the same alert replaces this one instead of stacking.
        tag: notice.type === 'single' ? `portwatch-alert-${notice.alert.id}` : 'portwatch-alerts',
        requireInteraction: (notice.type === 'single' ? notice.alert.severity : notice.severity) === 'high',
      },
      () => alerts.requestOpen(notice.type === 'single' ? notice.alert.id : null),
    );
  }

  const portLimit = new PortNoticeLimit();
  const offPorts =
    options.onWatchedPort?.((event) => {
      if (disposed || N === undefined || permission() !== 'granted' || !portLimit.take(event.port, event.change, now())) return;
      const { title, body } = watchedPortText(event);
      display(title, { body, tag: `portwatch-port-${event.port}` });
    }) ?? (() => {});

  const unsubscribe = alerts.onEvent((event: AlertEvent) => {
    if (disposed || event.type !== 'alert') return;
    // Offered only while notifications can show: a page that may not notify does not pile them up.
    if (permission() !== 'granted') return;
    if (policy.offer(event.alert, now())) schedule();
  });

  return {
    permission,
    subscribe(listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
    async requestPermission() {
      if (N === undefined) return 'unsupported';
      let answer: PagePermission;
      try {
        answer = await N.requestPermission();
      } catch {
        answer = permission();
      }
      for (const l of [...listeners]) l();
      return answer;
    },
    dispose() {
      disposed = true;
      unsubscribe();
      offPorts();
      if (timer !== null) clearTimeout(timer);
      timer = null;
      policy.clear();
      listeners.clear();
      live.length = 0;
    },
  };
}

/**
 * The page's notifier where the page should notify: the browser mode (no `window.portwatch`). Null in
 * Electron, whose main process shows the notifications.
 */
export function pageNotifier(
  alerts: Pick<AlertsStore, 'onEvent' | 'requestOpen'>,
  win: Pick<Window, 'portwatch'> & { Notification?: unknown } = window,
  onWatchedPort?: PageNotifierOptions['onWatchedPort'],
): PageNotifier | null {
  if (win.portwatch) return null;
  const N = typeof win.Notification === 'function' ? (win.Notification as unknown as NotificationClass) : undefined;
  return createPageNotifier(alerts, { Notification: N, ...(onWatchedPort ? { onWatchedPort } : {}) });
}
