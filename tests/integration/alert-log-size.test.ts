// A huge alert log (generated: 120 MB of unacknowledged alerts, and a 2 MB line with no end) read by
// the real command: its memory stays bounded (peak RSS read from /proc while it runs), the newest
// alerts are listed, and rotation carries a capped part forward instead of the whole log.
import { spawn } from 'node:child_process';
import { closeSync, openSync, readFileSync, statSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { DEFAULT_MAX_LOG_BYTES } from '../../src/core/store/alert-log.js';
import type { Alert } from '../../src/shared/alerts.js';
import { ROOT } from '../helpers/cli.js';
import { removeDataDirs, tempDataDir } from '../helpers/data-dirs.js';

afterAll(removeDataDirs);

const LOG_BYTES = 120 * 1024 * 1024;

/** Writes alerts.jsonl of about `bytes`, every alert unacknowledged; returns the newest alert's id and exe. */
function writeBigLog(dir: string, bytes: number): { count: number; newest: string; newestExe: string } {
  const fd = openSync(join(dir, 'alerts.jsonl'), 'w', 0o600);
  let written = 0;
  let count = 0;
  let newest = '';
  const pad = 'x'.repeat(700);
  try {
    while (written < bytes) {
      const lines: string[] = [];
      for (let i = 0; i < 1000; i++, count++) {
        newest = `big-${count}`;
        const alert: Alert = {
          id: newest,
          kind: 'new-process',
          severity: 'medium',
          message: `program ${count} ${pad}`,
          at: 1_700_000_000_000 + count,
          pid: 1000 + (count % 30000),
          process: { pid: 1000 + (count % 30000), name: 'big', exe: `/opt/big/${count}`, cmdline: 'big', user: 'root', uid: 0, ppid: 1, startedAt: 1_700_000_000_000 },
          sockets: [],
          acknowledgedAt: null,
          snoozedUntil: null,
          subject: `new-process|/opt/big/${count}`,
          rule: null,
        };
        lines.push(JSON.stringify({ type: 'raised', alert }));
      }
      // One line in the middle with no sense and no end for 2 MB: skipped without being held whole.
      if (count === 50_000) lines.push('{"type":"raised","alert":' + 'z'.repeat(2 * 1024 * 1024));
      const text = lines.join('\n') + '\n';
      written += writeSync(fd, text);
    }
  } finally {
    closeSync(fd);
  }
  return { count, newest, newestExe: `/opt/big/${count - 1}` };
}

/** Runs the command, sampling its peak resident memory (VmHWM) from /proc until it exits. */
function runMeasured(args: string[]): Promise<{ code: number | null; stdout: string; stderr: string; peakKb: number }> {
  const child = spawn(process.execPath, ['--import', 'tsx', 'src/cli/index.ts', ...args], { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  let peakKb = 0;
  child.stdout!.on('data', (d: Buffer) => (stdout += d));
  child.stderr!.on('data', (d: Buffer) => (stderr += d));
  const timer = setInterval(() => {
    try {
      const m = /^VmHWM:\s+(\d+) kB$/m.exec(readFileSync(`/proc/${child.pid}/status`, 'utf8'));
      if (m) peakKb = Math.max(peakKb, Number(m[1]));
    } catch {
      // gone between two samples
    }
  }, 25);
  return new Promise((resolve) =>
    child.once('close', (code) => {
      clearInterval(timer);
      resolve({ code, stdout, stderr, peakKb });
    }),
  );
}

describe('a 120 MB alert log', () => {
  it('is read streamed: `alerts` and `trust` stay within bounded memory, and rotation carries a capped part', { timeout: 300_000 }, async () => {
    const dir = tempDataDir('big-log');
    const { count, newest, newestExe } = writeBigLog(dir, LOG_BYTES);
    expect(statSync(join(dir, 'alerts.jsonl')).size).toBeGreaterThan(LOG_BYTES);

    const listed = await runMeasured(['alerts', '--json', '--limit', '3', '--data-dir', dir]);
    expect(listed.code, listed.stderr).toBe(0);
    const { alerts, status } = JSON.parse(listed.stdout) as { alerts: Alert[]; status: { warnings: string[] } };
    expect(alerts[0]!.id).toBe(newest);
    expect(status.warnings).toEqual([expect.stringMatching(/^1 damaged line was skipped/)]);
    // The file is 120 MB; holding it (or all its alerts) would take several times that.
    expect(listed.peakKb).toBeLessThan(300 * 1024);

    // trust appends (an acknowledgement): the log rotates, carrying subjects and the newest unacknowledged only.
    const trusted = await runMeasured(['trust', '--exe', newestExe, '--data-dir', dir]);
    expect(trusted.code, trusted.stderr).toBe(0);
    expect(trusted.stdout).toContain('1 alert acknowledged');
    expect(trusted.peakKb).toBeLessThan(300 * 1024);
    const rotated = statSync(join(dir, 'alerts.1.jsonl')).size;
    expect(rotated).toBeGreaterThan(LOG_BYTES);
    const current = statSync(join(dir, 'alerts.jsonl')).size;
    expect(current).toBeLessThan(2 * DEFAULT_MAX_LOG_BYTES);
    console.log(`big log: ${count} alerts in ${(rotated / 1048576).toFixed(0)} MB; alerts peak ${(listed.peakKb / 1024).toFixed(0)} MB, trust peak ${(trusted.peakKb / 1024).toFixed(0)} MB; carried ${(current / 1048576).toFixed(1)} MB`);

    const again = await runMeasured(['alerts', '--json', '--limit', '1', '--data-dir', dir]);
    expect((JSON.parse(again.stdout) as { alerts: Alert[] }).alerts[0]!.id).toBe(`big-${count - 2}`);
  });
});
