// Desktop notifications for new alerts. What to show and when is NotifyPolicy's call (shared, pure,
// documented there); this class owns the timer that wakes it and the Electron Notifications it shows,
// and routes a click to the one alert, or to the Alerts view for a summary.
import type { NativeImage, Notification as ElectronNotification, NotificationConstructorOptions } from 'electron';
import { Notification } from 'electron';
import type { Alert } from '../shared/alerts.js';
import { NotifyPolicy, noticeText, type Notice, type NotifyPolicyOptions } from '../shared/notify-policy.js';
import { PortNoticeLimit, watchedPortText, type WatchedPortEvent } from '../shared/ports.js';


export interface AlertNotifierDeps {
  /** Factory hook for tests; by default an Electron Notification. */
  createNotification?: (options: NotificationConstructorOptions) => ElectronNotification;
  /** By default Notification.isSupported(); when false, notify() does nothing. */
  isSupported?: () => boolean;
  now?: () => number;
  onClickAlert(id: string): void;
  /** A summary stands for several alerts: its click opens the Alerts view. */
  onClickSummary(): void;
  /** A watched-port notification's click (default: nothing). */
  onClickPort?(port: number): void;
  policy?: Partial<NotifyPolicyOptions>;
  icon?: NativeImage;
}

/** Shown notifications kept referenced (see `live`); beyond this the oldest is let go. */
const LIVE_LIMIT = 50;

export class AlertNotifier {
  private readonly policy: NotifyPolicy<Alert>;
  private readonly create: (options: NotificationConstructorOptions) => ElectronNotification;
  private readonly isSupported: () => boolean;
  private readonly now: () => number;
  private timer: NodeJS.Timeout | null = null;
  /** Electron drops the click handler of a notification that gets garbage-collected: keep them. */
  private readonly live = new Set<ElectronNotification>();
  /** Warnings already shown: each is shown once for the life of the app. */
  private readonly warned = new Set<string>();
  private disposed = false;
  /** Watched-port notifications: their own rate limit (see PortNoticeLimit). */
  private readonly portLimit = new PortNoticeLimit();

  constructor(private readonly deps: AlertNotifierDeps) {
    this.policy = new NotifyPolicy(deps.policy);
    this.create = deps.createNotification ?? ((options) => new Notification(options));
    this.isSupported = deps.isSupported ?? (() => Notification.isSupported());
    this.now = deps.now ?? Date.now;
  }

  /** Offers a new alert; true when it will be (part of) a notification. */
  notify(alert: Alert): boolean {
    if (this.disposed || !this.isSupported()) return false;
    if (!this.policy.offer(alert, this.now())) return false;
    this.schedule();
    return true;
  }

  /**
   * Shows something the user must be told that is not an alert (a store kept aside as a backup, a
   * failed write), at once and once per message; a click opens the Alerts view, which lists them too.
   * True when shown.
   */
  warn(message: string): boolean {
    if (this.disposed || this.warned.has(message) || !this.isSupported()) return false;
    this.warned.add(message);
    return this.display({ title: 'Portwatch needs your attention', body: message, urgency: 'normal' }, () => this.deps.onClickSummary());
  }

  /**
   * Shows that a watched port was taken or freed, naming the process, unless the rate limit
   * (PortNoticeLimit: one per port and change per 2 s, six a minute) says not now. True when shown.
   */
  notifyPort(event: WatchedPortEvent): boolean {
    if (this.disposed || !this.isSupported()) return false;
    if (!this.portLimit.take(event.port, event.change, this.now())) return false;
    const { title, body } = watchedPortText(event);
    return this.display({ title, body, urgency: 'normal' }, () => this.deps.onClickPort?.(event.port));
  }

  /** Stops the timer and forgets what waits; shown notifications stay on screen. */
  dispose(): void {
    this.disposed = true;
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    this.policy.clear();
    this.live.clear();
  }

  private schedule(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    const at = this.policy.nextAt();
    if (at === null) return;
    this.timer = setTimeout(() => this.flush(), Math.max(0, at - this.now()));
    this.timer.unref?.();
  }

  private flush(): void {
    this.timer = null;
    const notice = this.policy.take(this.now());
    if (notice !== null) this.show(notice);
    this.schedule();
  }

  private show(notice: Notice<Alert>): void {
    const { title, body } = noticeText(notice);
    const severity = notice.type === 'single' ? notice.alert.severity : notice.severity;
    this.display({ title, body, urgency: severity === 'high' ? 'critical' : 'normal' }, () => {
      if (notice.type === 'single') this.deps.onClickAlert(notice.alert.id);
      else this.deps.onClickSummary();
    });
  }

  private display(options: NotificationConstructorOptions, onClick: () => void): boolean {
    if (this.deps.icon) options.icon = this.deps.icon;
    let n: ElectronNotification;
    try {
      n = this.create(options);
    } catch (e) {
      console.error(`portwatch: could not create a notification: ${e instanceof Error ? e.message : String(e)}`);
      return false;
    }
    this.live.add(n);
    if (this.live.size > LIVE_LIMIT) this.live.delete(this.live.values().next().value!);
    const forget = () => this.live.delete(n);
    n.on('click', () => {
      forget();
      onClick();
    });
    n.on('close', forget);
    n.on('failed', (_event, error) => {
      forget();
      console.error(`portwatch: a notification failed: ${error}`);
    });
    n.show();
    return true;
  }
}
