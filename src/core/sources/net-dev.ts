// Per-interface byte counters on Linux: /proc/net/dev, one line per interface of this network
// namespace ("  eth0: rxBytes rxPackets … txBytes …"). One small file per poll.
import { readFileSync } from 'node:fs';
import type { InterfaceCounters } from './source.js';

/** Parses /proc/net/dev text; lines that do not read as an interface are skipped. */
export function parseNetDev(text: string): InterfaceCounters[] {
  const out: InterfaceCounters[] = [];
  for (const line of text.split('\n')) {
    const colon = line.indexOf(':');
    if (colon < 0) continue;
    const name = line.slice(0, colon).trim();
    if (name === '' || name.includes('|')) continue;
    const fields = line.slice(colon + 1).trim().split(/\s+/);
    if (fields.length < 16) continue;
    const bytesReceived = Number(fields[0]);
    const bytesSent = Number(fields[8]);
    if (!Number.isFinite(bytesReceived) || !Number.isFinite(bytesSent)) continue;
    out.push({ name, bytesSent, bytesReceived });
  }
  return out;
}

/** The counters, or null where there is no /proc/net/dev. */
export function readNetDev(procRoot = '/proc'): InterfaceCounters[] | null {
  try {
    return parseNetDev(readFileSync(`${procRoot}/net/dev`, 'latin1'));
  } catch {
    return null;
  }
}
