// The notification policy with a fake clock (plain numbers): grouping, the per-kind and per-minute
// limits, holding instead of dropping, and the words shown.
import { describe, expect, it } from 'vitest';
import type { AlertKind, Severity } from '../../../src/shared/alerts.js';
import {
  DEFAULT_NOTIFY_POLICY,
  kindLabel,
  noticeLine,
  noticeText,
  NotifyPolicy,
  type NotifiableAlert,
  type Notice,
} from '../../../src/shared/notify-policy.js';

let seq = 0;
function alert(kind: AlertKind = 'new-listener', severity: Severity = 'medium', more: Partial<NotifiableAlert> = {}): NotifiableAlert {
  seq++;
  return { id: `a${seq}`, kind, severity, message: `alert ${seq}`, at: 0, acknowledgedAt: null, snoozedUntil: null, ...more };
}

/** Runs the policy like its host does: wake at nextAt(), take, repeat, until `until`. */
function drain(policy: NotifyPolicy, until: number): Array<{ at: number; notice: Notice }> {
  const out = [];
  for (let at = policy.nextAt(); at !== null && at <= until; at = policy.nextAt()) {
    const notice = policy.take(at);
    if (notice === null) throw new Error(`nothing to take at ${at}, though nextAt said so`);
    out.push({ at, notice });
  }
  return out;
}

describe('NotifyPolicy', () => {
  it('documents its defaults', () => {
    expect(DEFAULT_NOTIFY_POLICY).toEqual({ minSeverity: 'medium', groupWindowMs: 1000, perKeyIntervalMs: 2000, maxPerWindow: 5, windowMs: 60_000 });
  });

  it('holds the first alert for the group window, then gives it alone', () => {
    const p = new NotifyPolicy();
    const a = alert();
    expect(p.nextAt()).toBeNull();
    expect(p.offer(a, 10_000)).toBe(true);
    expect(p.nextAt()).toBe(11_000);
    expect(p.take(10_999)).toBeNull();
    expect(p.take(11_000)).toEqual({ type: 'single', alert: a });
    expect(p.nextAt()).toBeNull();
    expect(p.take(20_000)).toBeNull();
  });

  it('groups what arrives within the window into one summary; the window does not slide', () => {
    const p = new NotifyPolicy();
    p.offer(alert('new-listener'), 0);
    p.offer(alert('new-process', 'high'), 400);
    p.offer(alert('new-listener'), 999);
    expect(p.nextAt()).toBe(1000);
    const notice = p.take(1000)!;
    expect(notice).toEqual({
      type: 'summary',
      count: 3,
      byKind: [
        { kind: 'new-listener', count: 2 },
        { kind: 'new-process', count: 1 },
      ],
      severity: 'high',
    });
    expect(noticeLine(notice)).toBe('3 new alerts: 2 new listeners, 1 new process');
    // Alerts arriving after the batch closed start the next one.
    p.offer(alert('inbound'), 1000);
    expect(drain(p, 10_000)).toEqual([{ at: 2000, notice: { type: 'single', alert: expect.objectContaining({ kind: 'inbound' }) } }]);
  });

  it('orders kinds in a summary by count, then by the model order', () => {
    const p = new NotifyPolicy();
    for (const kind of ['port-scan', 'inbound', 'new-process', 'inbound'] as const) p.offer(alert(kind), 0);
    const notice = p.take(1000)!;
    expect(noticeText(notice)).toEqual({ title: '4 new alerts', body: '2 inbound connections, 1 new process, 1 port scan' });
  });

  it('shows one notification per key every 2 s, holding the next of the same kind', () => {
    const p = new NotifyPolicy();
    p.offer(alert('new-listener'), 0);
    expect(p.take(1000)?.type).toBe('single');
    p.offer(alert('new-listener'), 1500);
    expect(p.nextAt()).toBe(3000); // batch closes at 2500, the kind may show again at 3000
    expect(p.take(2500)).toBeNull();
    expect(p.take(3000)?.type).toBe('single');
    // Another kind is not held by it.
    p.offer(alert('new-process'), 3100);
    expect(p.nextAt()).toBe(4100);
    // Nor is a summary by a single of the same kind: the key is 'summary'.
    p.take(4100);
    p.offer(alert('new-process'), 4200);
    p.offer(alert('new-process'), 4300);
    expect(p.nextAt()).toBe(5200);
  });

  it('lets a held single grow into a summary instead of queueing', () => {
    const p = new NotifyPolicy();
    p.offer(alert('new-listener'), 0);
    p.take(1000);
    p.offer(alert('new-listener'), 1200);
    expect(p.nextAt()).toBe(3000);
    p.offer(alert('new-process'), 1300); // joins the open batch (closes at 2200): now a summary
    expect(p.nextAt()).toBe(2200);
    expect(p.take(2200)).toMatchObject({ type: 'summary', count: 2 });
  });

  it('shows at most 5 in any 60 s, then one summary of everything held when room comes', () => {
    const p = new NotifyPolicy();
    const shown: number[] = [];
    let offered = 0;
    let delivered = 0;
    for (let t = 0; t < 120_000; t += 2_500) {
      p.offer(alert(t % 5000 === 0 ? 'new-listener' : 'new-process'), t);
      offered++;
      for (const { at, notice } of drain(p, t + 2_499)) {
        shown.push(at);
        delivered += notice.type === 'summary' ? notice.count : 1;
      }
    }
    expect(shown.slice(0, 6)).toEqual([1000, 3500, 6000, 8500, 11_000, 61_000]);
    for (let i = 5; i < shown.length; i++) expect(shown[i]! - shown[i - 5]!).toBeGreaterThanOrEqual(60_000);
    // Nothing is lost: every alert offered was in a notification, or still waits.
    expect(delivered + p.pending()).toBe(offered);
    expect(drain(p, Infinity).length).toBeLessThanOrEqual(1);
  });

  it('ignores low severity by default, and acknowledged, snoozed or seen alerts always', () => {
    const p = new NotifyPolicy();
    expect(p.offer(alert('new-process', 'low'), 0)).toBe(false);
    expect(p.offer(alert('new-process', 'medium', { acknowledgedAt: 5 }), 0)).toBe(false);
    expect(p.offer(alert('new-process', 'medium', { snoozedUntil: 60_000 }), 0)).toBe(false);
    expect(p.offer(alert('new-process', 'medium', { snoozedUntil: 60_000 }), 60_001)).toBe(true);
    const a = alert();
    expect(p.offer(a, 0)).toBe(true);
    expect(p.offer({ ...a }, 10)).toBe(false);
    expect(p.pending()).toBe(2);

    const all = new NotifyPolicy({ minSeverity: 'low' });
    expect(all.offer(alert('new-process', 'low'), 0)).toBe(true);
    const high = new NotifyPolicy({ minSeverity: 'high' });
    expect(high.offer(alert('new-process', 'medium'), 0)).toBe(false);
  });

  it('clear drops the waiting batch only', () => {
    const p = new NotifyPolicy();
    const a = alert();
    p.offer(a, 0);
    p.clear();
    expect(p.nextAt()).toBeNull();
    expect(p.take(5000)).toBeNull();
    expect(p.offer(a, 6000)).toBe(false);
  });
});

describe('notice words', () => {
  it('names a single alert by kind and severity, with its message as the body', () => {
    expect(noticeText({ type: 'single', alert: alert('suspicious-exe', 'high', { message: '/tmp/x (pid 9) connects to 203.0.113.5:443' }) })).toEqual({
      title: 'Suspicious executable (high)',
      body: '/tmp/x (pid 9) connects to 203.0.113.5:443',
    });
  });

  it('pluralises kinds, and falls back to the kind name for one it does not know', () => {
    expect(kindLabel('new-process')).toBe('new process');
    expect(kindLabel('new-process', 2)).toBe('new processes');
    expect(kindLabel('port-scan', 3)).toBe('port scans');
    expect(kindLabel('odd-thing' as AlertKind, 2)).toBe('odd thing alerts');
  });
});
