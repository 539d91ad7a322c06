import { appendFileSync, existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { ALERT_LOG_FILE, AlertLog } from '../../../../src/core/store/alert-log.js';
import { isActive } from '../../../../src/shared/alerts.js';
import type { Alert } from '../../../../src/shared/alerts.js';
import { removeDataDirs, tempDataDir } from '../../../helpers/data-dirs.js';

afterAll(removeDataDirs);

let n = 0;
function alert(more: Partial<Alert> = {}): Alert {
  n++;
  return {
    id: `id-${n}`,
    kind: 'new-listener',
    severity: 'medium',
    message: `python3 listens on 127.0.0.1:${8000 + n} (TCP)`,
    at: 1_700_000_000_000 + n,
    pid: 4242,
    process: null,
    sockets: [],
    acknowledgedAt: null,
    snoozedUntil: null,
    subject: `new-listener|/usr/bin/python3|tcp|${8000 + n}|local`,
    rule: { kind: 'listener', exe: '/usr/bin/python3', port: 8000 + n, protocol: 'tcp' },
    ...more,
  };
}

describe('the alert log', () => {
  it('is JSON lines of events, and replays to the same alerts, acknowledgements and snoozes', async () => {
    const dir = tempDataDir('log');
    const { log } = await AlertLog.open(dir);
    const a = alert();
    const b = alert({ kind: 'new-process', severity: 'high' });
    log.append(a);
    log.append(b);
    log.acknowledge(a.id, 1_700_000_100_000);
    log.snooze(b.id, 1_800_000_000_000);
    await log.flush();
    const lines = readFileSync(join(dir, ALERT_LOG_FILE), 'utf8').trim().split('\n').map((l) => JSON.parse(l));
    expect(lines.map((l) => l.type)).toEqual(['raised', 'raised', 'acknowledged', 'snoozed']);
    expect(lines[2]).toEqual({ type: 'acknowledged', id: a.id, at: 1_700_000_100_000 });
    expect(lines[3]).toEqual({ type: 'snoozed', id: b.id, until: 1_800_000_000_000 });

    const { log: again, warnings } = await AlertLog.open(dir);
    expect(warnings).toEqual([]);
    expect(again.get(a.id)?.acknowledgedAt).toBe(1_700_000_100_000);
    expect(again.get(b.id)?.snoozedUntil).toBe(1_800_000_000_000);
    expect(again.hasRaised(a.subject!)).toBe(true);
    expect(again.list().map((x) => x.id)).toEqual([b.id, a.id]); // newest first
    expect(again.list({ kinds: ['new-process'] }).map((x) => x.id)).toEqual([b.id]);
    expect(again.list({ severities: ['medium'] }).map((x) => x.id)).toEqual([a.id]);
    expect(again.list({ unacknowledged: true }).map((x) => x.id)).toEqual([b.id]);
    expect(again.list({ limit: 1 })).toHaveLength(1);
    expect(isActive(again.get(b.id)!, 1_799_999_999_999)).toBe(false);
    expect(isActive(again.get(b.id)!, 1_800_000_000_000)).toBe(true);
  });

  it('a torn last line (a crash mid-write) is skipped and reported; what follows is whole', async () => {
    const dir = tempDataDir('log');
    const { log } = await AlertLog.open(dir);
    const a = alert();
    log.append(a);
    await log.flush();
    const full = JSON.stringify({ type: 'raised', alert: alert() });
    appendFileSync(join(dir, ALERT_LOG_FILE), full.slice(0, full.length / 2));

    const { log: again, warnings } = await AlertLog.open(dir);
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toContain('was cut short, probably by a crash');
    expect(again.list().map((x) => x.id)).toEqual([a.id]);
    const c = alert();
    again.append(c);
    again.acknowledge(a.id, 5);
    await again.flush();

    const third = await AlertLog.open(dir);
    expect(third.warnings).toHaveLength(1); // the torn fragment is still its own (skipped) line, not glued to the next
    expect(third.warnings[0]).toContain('1 damaged line was skipped');
    expect(third.log.list().map((x) => x.id)).toEqual([c.id, a.id]);
    expect(third.log.get(a.id)?.acknowledgedAt).toBe(5);
  });

  it('acknowledgement survives reopening', async () => {
    const dir = tempDataDir('log');
    const { log } = await AlertLog.open(dir);
    const a = alert();
    log.append(a);
    log.acknowledge(a.id, 123);
    await log.flush();
    expect((await AlertLog.open(dir)).log.get(a.id)?.acknowledgedAt).toBe(123);
  });

  it('rotates past its size, keeps N old files, and carries unacknowledged alerts and raised subjects forward', async () => {
    const dir = tempDataDir('log');
    const { log } = await AlertLog.open(dir, { maxBytes: 4000, keep: 2 });
    const open = alert({ message: 'still open' });
    log.append(open);
    const acked: Alert[] = [];
    for (let i = 0; i < 60; i++) {
      const a = alert({ message: 'x'.repeat(200) });
      log.append(a);
      log.acknowledge(a.id, 1);
      acked.push(a);
      await log.flush();
    }
    expect(existsSync(join(dir, 'alerts.1.jsonl'))).toBe(true);
    expect(existsSync(join(dir, 'alerts.2.jsonl'))).toBe(true);
    expect(existsSync(join(dir, 'alerts.3.jsonl'))).toBe(false);
    // The current file no longer holds the early acknowledged alerts, only what had to be carried.
    const current = readFileSync(join(dir, ALERT_LOG_FILE), 'utf8');
    expect(current).not.toContain(`"id":"${acked[0]!.id}"`);
    expect(current.split('\n')[0]).toMatch(/^\{"type":"subjects"/);

    const { log: again, warnings } = await AlertLog.open(dir, { maxBytes: 4000, keep: 2 });
    expect(warnings).toEqual([]);
    expect(again.get(open.id)?.message).toBe('still open');
    expect(again.list({ unacknowledged: true }).map((a) => a.id)).toEqual([open.id]);
    // Acknowledged alerts rotated out are still remembered as raised: they do not alert again.
    for (const a of acked) expect(again.hasRaised(a.subject!)).toBe(true);
  });

  it('forgetting subjects lets them alert again, across reopening', async () => {
    const dir = tempDataDir('log');
    const { log } = await AlertLog.open(dir);
    const a = alert();
    log.append(a);
    log.forget([a.subject!]);
    await log.flush();
    expect((await AlertLog.open(dir)).log.hasRaised(a.subject!)).toBe(false);
  });

  it('damaged lines in the middle are skipped and counted', async () => {
    const dir = tempDataDir('log');
    const good = JSON.stringify({ type: 'raised', alert: alert() });
    writeFileSync(join(dir, ALERT_LOG_FILE), `${good}\nnot json\n{"type":"raised","alert":{"id":1}}\n${good.replace('id-', 'other-')}\n`);
    const { log, warnings } = await AlertLog.open(dir);
    expect(warnings).toEqual([`2 damaged lines were skipped in the alert log (${join(dir, ALERT_LOG_FILE)}); the rest was read.`]);
    expect(log.count).toBe(2);
  });
});
