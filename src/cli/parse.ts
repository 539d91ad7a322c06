// Command-line values: each parser turns one argument into a value or throws commander's
// InvalidArgumentError, whose message becomes the one line the user reads.
import { InvalidArgumentError } from 'commander';
import { parseDnsServer } from '../core/names/reverse-dns.js';
import { MAX_GRACE_MS } from '../core/process-control.js';
import { normaliseHost, parseIPv4, parseIPv6 } from '../shared/address.js';
import { MAX_ALERT_LIMIT, MAX_LEARN_SECONDS } from '../shared/alerts.js';
import { MAX_INTERVAL_MS, MIN_INTERVAL_MS } from '../shared/status.js';
import { isProgramKey } from '../shared/trust-rules.js';

export function parsePort(value: string): number {
  if (!/^\d+$/.test(value) || Number(value) > 65535) {
    throw new InvalidArgumentError(`'${value}' is not a port (0-65535)`);
  }
  return Number(value);
}

/** Whole milliseconds written as digits, like ports: "1e3", "0x100" and "250.4" are not intervals. */
export function parseInterval(value: string): number {
  if (!/^\d+$/.test(value)) {
    throw new InvalidArgumentError(`'${value}' is not a whole number of milliseconds`);
  }
  const n = Number(value);
  if (n < MIN_INTERVAL_MS || n > MAX_INTERVAL_MS) {
    throw new InvalidArgumentError(`the interval must be between ${MIN_INTERVAL_MS} and ${MAX_INTERVAL_MS} ms`);
  }
  return n;
}

export function parsePid(value: string): number {
  if (!/^\d+$/.test(value) || Number(value) < 1 || Number(value) > 2 ** 31 - 1) {
    throw new InvalidArgumentError(`'${value}' is not a process id`);
  }
  return Number(value);
}

export function parseGrace(value: string): number {
  if (!/^\d+$/.test(value) || Number(value) > MAX_GRACE_MS) {
    throw new InvalidArgumentError(`'${value}' is not a grace period (0-${MAX_GRACE_MS} ms)`);
  }
  return Number(value);
}

export function parseCount(value: string): number {
  if (!/^\d+$/.test(value) || Number(value) < 1) {
    throw new InvalidArgumentError(`'${value}' is not a positive whole number`);
  }
  return Number(value);
}

/** How many alerts to list: 1 to what the engine answers in one go. */
export function parseLimit(value: string): number {
  if (!/^\d+$/.test(value) || Number(value) < 1 || Number(value) > MAX_ALERT_LIMIT) {
    throw new InvalidArgumentError(`'${value}' is not a number of alerts (1-${MAX_ALERT_LIMIT})`);
  }
  return Number(value);
}

/** A folder named on the command line; an empty name would silently mean "the default". */
export function parseDataDir(value: string): string {
  if (value.trim() === '') throw new InvalidArgumentError('the data folder must be named (an empty --data-dir is not the default folder)');
  return value;
}

export function parseLearn(value: string): number {
  const n = Number(value);
  if (value.trim() === '' || !Number.isFinite(n) || n < 0 || n > MAX_LEARN_SECONDS) {
    throw new InvalidArgumentError(`'${value}' is not a number of seconds (0-${MAX_LEARN_SECONDS}; 0 alerts from the first poll)`);
  }
  return n;
}

/** An executable as the engine knows it: a full path, or name:COMM where the path was hidden. */
export function parseExe(value: string): string {
  if (!isProgramKey(value)) {
    throw new InvalidArgumentError(`'${value}' is not a full path; executables are trusted by path (e.g. /usr/bin/python3), or name:COMM where the path is hidden`);
  }
  return value;
}

export interface ListenerRule {
  exe: string;
  port: number;
  protocol: 'tcp' | 'udp';
}

/** PATH:PORT, PATH:PORT/tcp or PATH:PORT/udp (the path may itself hold colons: the last one counts). */
export function parseListenerRule(value: string): ListenerRule {
  const m = /^(.+):(\d{1,5})(?:\/(tcp|udp))?$/.exec(value);
  if (m === null || Number(m[2]) > 65535) throw new InvalidArgumentError(`'${value}' is not PATH:PORT/tcp or PATH:PORT/udp`);
  return { exe: parseExe(m[1]!), port: Number(m[2]), protocol: (m[3] ?? 'tcp') as 'tcp' | 'udp' };
}

/** --dns-server: an IP address with an optional port ("127.0.0.1:5353", "[::1]:53"). */
export function parseDnsServerArg(value: string): string {
  const server = parseDnsServer(value);
  if (server === null) throw new InvalidArgumentError(`'${value}' is not a DNS server (an IP address, optionally :PORT)`);
  return server;
}

/** An IPv4 or IPv6 address (any valid text form), in canonical text. */
export function parseAddress(value: string): string {
  if (parseIPv4(value) === null && parseIPv6(value) === null) throw new InvalidArgumentError(`'${value}' is not an IP address`);
  return normaliseHost(value);
}

export interface ListenAddress {
  host: string;
  port: number;
}

/** --metrics: PORT (on 127.0.0.1), HOST:PORT or [IPv6]:PORT; the host an IP address, never a name to resolve. */
export function parseListenAddress(value: string): ListenAddress {
  const m = /^(?:(\[[0-9a-fA-F:.]+\]|[0-9.]+|localhost)?:)?(\d{1,5})$/.exec(value);
  if (m === null || Number(m[2]) > 65535) throw new InvalidArgumentError(`'${value}' is not HOST:PORT (e.g. 127.0.0.1:9464, [::1]:9464, or a port alone for 127.0.0.1)`);
  let host = m[1] ?? '127.0.0.1';
  if (host === 'localhost') host = '127.0.0.1';
  if (host.startsWith('[')) host = host.slice(1, -1);
  if (parseIPv4(host) === null && parseIPv6(host) === null) throw new InvalidArgumentError(`'${value}' is not HOST:PORT: ${host} is not an IP address`);
  return { host, port: Number(m[2]) };
}

const UNITS: Record<string, number> = { s: 1000, m: 60_000, h: 3600_000, d: 86_400_000, w: 7 * 86_400_000 };

/**
 * --since/--until: a duration back from now ("90s", "15m", "2h", "7d", "1w") or a date and time
 * Date.parse reads ("2026-12-01", "2026-12-01T08:00"); epoch ms.
 */
export function parseWhen(value: string, now = Date.now()): number {
  const m = /^(\d{1,9})([smhdw])$/.exec(value.trim());
  if (m !== null) return now - Number(m[1]) * UNITS[m[2]!]!;
  const t = /^\d{4}-\d{2}-\d{2}/.test(value) ? Date.parse(value) : NaN;
  if (!Number.isFinite(t)) throw new InvalidArgumentError(`'${value}' is neither a duration (30s, 15m, 2h, 7d, 1w) nor a date (2026-12-01 or 2026-12-01T08:00)`);
  return t;
}

/** --limit for history listings: 1 to max. */
export function parseListLimit(max: number): (value: string) => number {
  return (value) => {
    if (!/^\d+$/.test(value) || Number(value) < 1 || Number(value) > max) throw new InvalidArgumentError(`'${value}' is not a limit (1-${max})`);
    return Number(value);
  };
}

/** A whole number (its range is the caller's rule, checked where the value is used). */
export function parseWholeNumber(what: string): (value: string) => number {
  return (value) => {
    if (!/^\d{1,9}$/.test(value)) throw new InvalidArgumentError(`'${value}' is not ${what} (a whole number)`);
    return Number(value);
  };
}
