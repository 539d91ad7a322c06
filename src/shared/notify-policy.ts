// When a new alert becomes a desktop notification, and which one. Pure and clock-free (the caller
// passes `now`), so the Electron notifier and the browser's Web Notification code share it.
//
// The policy (DEFAULT_NOTIFY_POLICY):
// - Only alerts of severity medium or above notify (minSeverity; 'low' can be configured in).
//   Acknowledged, snoozed and already-offered alerts never do.
// - Grouping: the first alert opens a batch that closes 1 s later (groupWindowMs, fixed from the
//   first alert, so a steady stream still comes out every second). A batch of one alert is shown as
//   that alert; a batch of several as ONE summary ("3 new alerts: 2 new listeners, 1 new process").
// - Rate limits: at most one notification per key every 2 s (perKeyIntervalMs; the key is the alert
//   kind for a single alert, 'summary' for a summary), and at most 5 notifications in any rolling
//   60 s (maxPerWindow / windowMs). A batch that may not show yet is held, not dropped: alerts that
//   arrive meanwhile join it, and it comes out (as a summary, if it grew) once the limit allows.
import { ALERT_KINDS, isActive, severityRank, type Alert, type AlertKind, type Severity } from './alerts.js';

export type NotifiableAlert = Pick<Alert, 'id' | 'kind' | 'severity' | 'message' | 'at' | 'acknowledgedAt' | 'snoozedUntil'>;

export interface NotifyPolicyOptions {
  minSeverity: Severity;
  groupWindowMs: number;
  perKeyIntervalMs: number;
  maxPerWindow: number;
  windowMs: number;
}

export const DEFAULT_NOTIFY_POLICY: Readonly<NotifyPolicyOptions> = {
  minSeverity: 'medium',
  groupWindowMs: 1_000,
  perKeyIntervalMs: 2_000,
  maxPerWindow: 5,
  windowMs: 60_000,
};

export interface KindCount {
  kind: AlertKind;
  count: number;
}

export type Notice<A extends NotifiableAlert = NotifiableAlert> =
  | { type: 'single'; alert: A }
  /** byKind: most frequent first; severity: the highest among them. */
  | { type: 'summary'; count: number; byKind: KindCount[]; severity: Severity };

/** How many offered ids are remembered, so the same alert offered twice notifies once. */
const SEEN_LIMIT = 1_000;

export class NotifyPolicy<A extends NotifiableAlert = NotifiableAlert> {
  readonly options: Readonly<NotifyPolicyOptions>;
  private first: A | null = null;
  private count = 0;
  private byKind = new Map<AlertKind, number>();
  private severity: Severity = 'low';
  /** When the open batch closes; meaningful while count > 0. */
  private batchClosesAt = 0;
  /** Times of the notifications shown within the last windowMs, oldest first. */
  private shown: number[] = [];
  private lastByKey = new Map<string, number>();
  private seen = new Set<string>();

  constructor(options: Partial<NotifyPolicyOptions> = {}) {
    this.options = { ...DEFAULT_NOTIFY_POLICY, ...options };
  }

  /** Takes a new alert into the batch; false when it will never notify (too low, handled, seen). */
  offer(alert: A, now: number): boolean {
    if (severityRank(alert.severity) < severityRank(this.options.minSeverity)) return false;
    if (!isActive(alert, now)) return false;
    if (this.seen.has(alert.id)) return false;
    this.seen.add(alert.id);
    if (this.seen.size > SEEN_LIMIT) this.seen.delete(this.seen.values().next().value!);

    if (this.count === 0) {
      this.first = alert;
      this.batchClosesAt = now + this.options.groupWindowMs;
    }
    this.count++;
    this.byKind.set(alert.kind, (this.byKind.get(alert.kind) ?? 0) + 1);
    if (severityRank(alert.severity) > severityRank(this.severity)) this.severity = alert.severity;
    return true;
  }

  /** When take() will next have something to show; null when nothing waits. */
  nextAt(): number | null {
    if (this.count === 0) return null;
    let at = this.batchClosesAt;
    const { maxPerWindow, windowMs, perKeyIntervalMs } = this.options;
    // The rolling window has room once the oldest of the last maxPerWindow notifications leaves it.
    if (this.shown.length >= maxPerWindow) at = Math.max(at, this.shown[this.shown.length - maxPerWindow]! + windowMs);
    const last = this.lastByKey.get(this.key());
    if (last !== undefined) at = Math.max(at, last + perKeyIntervalMs);
    return at;
  }

  /** The notification to show now, if one is due; the batch it came from is then done. */
  take(now: number): Notice<A> | null {
    this.shown = this.shown.filter((t) => t > now - this.options.windowMs);
    const at = this.nextAt();
    if (at === null || now < at) return null;

    const notice: Notice<A> =
      this.count === 1
        ? { type: 'single', alert: this.first! }
        : {
            type: 'summary',
            count: this.count,
            byKind: [...this.byKind]
              .map(([kind, count]) => ({ kind, count }))
              .sort((a, b) => b.count - a.count || kindOrder(a.kind) - kindOrder(b.kind)),
            severity: this.severity,
          };
    this.shown.push(now);
    if (this.shown.length > this.options.maxPerWindow) this.shown.shift();
    this.lastByKey.set(this.key(), now);
    this.first = null;
    this.count = 0;
    this.byKind = new Map();
    this.severity = 'low';
    return notice;
  }

  /** Alerts waiting in the open batch. */
  pending(): number {
    return this.count;
  }

  /** Drops the waiting batch (the rate limits and seen ids stay). */
  clear(): void {
    this.first = null;
    this.count = 0;
    this.byKind = new Map();
    this.severity = 'low';
  }

  private key(): string {
    return this.count === 1 ? this.first!.kind : 'summary';
  }
}

function kindOrder(kind: AlertKind): number {
  const i = ALERT_KINDS.indexOf(kind);
  return i < 0 ? ALERT_KINDS.length : i;
}

const KIND_LABELS: Partial<Record<string, readonly [one: string, many: string]>> = {
  'new-process': ['new process', 'new processes'],
  'new-listener': ['new listener', 'new listeners'],
  inbound: ['inbound connection', 'inbound connections'],
  'new-destination': ['new destination', 'new destinations'],
  'suspicious-exe': ['suspicious executable', 'suspicious executables'],
  'port-scan': ['port scan', 'port scans'],
};

/** "new listener", "2 new listeners". */
export function kindLabel(kind: AlertKind, count = 1): string {
  const [one, many] = KIND_LABELS[kind] ?? [kind.replace(/-/g, ' '), `${kind.replace(/-/g, ' ')} alerts`];
  return count === 1 ? one : many;
}

export function severityLabel(severity: Severity): string {
  return severity[0]!.toUpperCase() + severity.slice(1);
}

/** The words of a notice: the same for a desktop and a Web Notification. */
export function noticeText(notice: Notice): { title: string; body: string } {
  if (notice.type === 'single') {
    const label = kindLabel(notice.alert.kind);
    return { title: `${label[0]!.toUpperCase()}${label.slice(1)} (${notice.alert.severity})`, body: notice.alert.message };
  }
  return {
    title: `${notice.count} new alerts`,
    body: notice.byKind.map(({ kind, count }) => `${count} ${kindLabel(kind, count)}`).join(', '),
  };
}

/** One line: "3 new alerts: 2 new listeners, 1 new process". */
export function noticeLine(notice: Notice): string {
  const { title, body } = noticeText(notice);
  return `${title}: ${body}`;
}
