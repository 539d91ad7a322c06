// Alerts as NDJSON, one object a line, for a log shipper (Loki's promtail, Vector, an OpenTelemetry
// collector): to stdout or appended to a file. The file is the user's: created 0600, never followed
// through a symlink, refused when it is not a regular file of ours. A reader that falls behind loses
// lines (counted, said once) rather than the agent's memory.
import { closeSync, constants, fstatSync, openSync } from 'node:fs';
import { createWriteStream, type WriteStream } from 'node:fs';
import type { Writable } from 'node:stream';
import type { AlertBackend } from '../core/service.js';
import type { Alert } from '../shared/alerts.js';
import { jsonText } from '../shared/printable.js';

/** Queued bytes beyond which lines are dropped, not buffered. */
const MAX_QUEUED_BYTES = 8 * 1024 * 1024;

/**
 * The line for one alert: the alert as the contract has it, with an ISO time first for log tools;
 * a process's chosen name cannot carry terminal controls to whoever tails the stream.
 */
export function alertLine(alert: Alert): string {
  return jsonText({ time: new Date(alert.at).toISOString(), type: 'alert', ...alert }) + '\n';
}

/** Opens FILE for appending as the user's own private file; throws one clear line. */
export function openAlertFile(path: string): WriteStream {
  let fd: number;
  try {
    fd = openSync(path, constants.O_WRONLY | constants.O_APPEND | constants.O_CREAT | constants.O_NOFOLLOW, 0o600);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === 'ELOOP') throw new Error(`${path} is a symbolic link; alerts are not written through links`, { cause: e });
    if (code === 'EACCES' || code === 'EPERM') throw new Error(`not allowed to write ${path}`, { cause: e });
    if (code === 'ENOENT') throw new Error(`the folder of ${path} does not exist`, { cause: e });
    if (code === 'EISDIR') throw new Error(`${path} is a folder`, { cause: e });
    throw new Error(`cannot open ${path}: ${(e as Error).message}`, { cause: e });
  }
  const stat = fstatSync(fd);
  const uid = typeof process.geteuid === 'function' ? process.geteuid() : null;
  if (!stat.isFile() || (uid !== null && stat.uid !== uid)) {
    closeSync(fd);
    throw new Error(`${path} is not a regular file of this user; alerts are not written there`);
  }
  return createWriteStream('', { fd, flags: 'a' });
}

export interface AlertStream {
  /** Lines dropped because the reader was too slow. */
  readonly dropped: number;
  /** Stops following; a file is flushed and closed. */
  close(): Promise<void>;
}

export function streamAlerts(alerts: Pick<AlertBackend, 'subscribe'>, out: Writable, options: { closeOut?: boolean; warn?: (line: string) => void } = {}): AlertStream {
  let dropped = 0;
  const stop = alerts.subscribe((e) => {
    if (e.type !== 'alert') return;
    if (out.writableLength > MAX_QUEUED_BYTES || out.destroyed) {
      if (dropped++ === 0) options.warn?.('the alert stream reader is too slow; alert lines are being dropped');
      return;
    }
    out.write(alertLine(e.alert));
  });
  out.on('error', (e) => options.warn?.(`the alert stream failed: ${e.message}`));
  return {
    get dropped() {
      return dropped;
    },
    close() {
      stop();
      if (!options.closeOut) return Promise.resolve();
      return new Promise<void>((resolve) => out.end(() => resolve()));
    },
  };
}
