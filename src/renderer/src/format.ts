// How values read on screen: short ages as TCPView shows them, endpoints, counts, times.
import type { Socket } from '../../shared/model.js';
import { formatHost } from '../../shared/model.js';
import type { AddressScope } from '../../shared/address.js';

/** "12s", "5m", "2h", "3d": the age of something first seen at `since`. */
export function formatAge(ms: number): string {
  const s = Math.max(0, Math.floor(ms / 1000));
  if (s < 60) return `${s}s`;
  const m = Math.floor(s / 60);
  if (m < 60) return `${m}m`;
  const h = Math.floor(m / 60);
  if (h < 24) return `${h}h`;
  return `${Math.floor(h / 24)}d`;
}

export interface AgeReading {
  /** "12s", "≥ 2m": what the cell shows. */
  text: string;
  /** False when the socket was already open when Portwatch started: `text` is then a lower bound. */
  exact: boolean;
  /** What is known of its age, in words ("at least 2m old", "between 2m and 52m old"). */
  known: string;
  /** Says how the age is known, for a tooltip. */
  title: string;
}

/**
 * How old a socket is, honestly. Portwatch knows when it first saw a socket; a socket seen in the first
 * poll (firstSeen at watchStart) was open before that, so its age is at least the time since, and at
 * most the age of its process (a socket cannot be older than the process that holds it). When both
 * bounds read the same, that is its age; otherwise "≥" the lower one.
 */
export function readAge(s: Pick<Socket, 'firstSeen' | 'process'>, now: number, watchStart: number | null): AgeReading {
  const lower = formatAge(now - s.firstSeen);
  if (watchStart === null || s.firstSeen > watchStart) return { text: lower, exact: true, known: `${lower} old`, title: `First seen ${formatDateTime(s.firstSeen)}` };
  const started = s.process?.startedAt ?? null;
  const since = `Already open when Portwatch started watching (${formatDateTime(watchStart)})`;
  if (started !== null && started <= s.firstSeen) {
    const upper = formatAge(now - started);
    const process = `its process started ${formatDateTime(started)}`;
    if (upper === lower) return { text: lower, exact: true, known: `${lower} old`, title: `${since}; ${process}` };
    const known = `between ${lower} and ${upper} old`;
    return { text: `≥ ${lower}`, exact: false, known, title: `${since}: ${known} (${process})` };
  }
  const known = `at least ${lower} old`;
  return { text: `≥ ${lower}`, exact: false, known, title: `${since}: ${known}` };
}

/** tcp4, tcp6, udp4, udp6 */
export function protoLabel(s: Pick<Socket, 'protocol' | 'family'>): string {
  return `${s.protocol}${s.family}`;
}

export function hostLabel(address: string | null): string {
  return address === null ? '*' : formatHost(address);
}

const counter = new Intl.NumberFormat('en-US');
export function formatCount(n: number): string {
  return counter.format(n);
}

export function formatDateTime(epochMs: number | null): string {
  if (epochMs === null) return '—';
  const d = new Date(epochMs);
  const pad = (n: number) => String(n).padStart(2, '0');
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())} ${pad(d.getHours())}:${pad(d.getMinutes())}:${pad(d.getSeconds())}`;
}

export function formatMs(ms: number): string {
  if (ms < 10) return `${ms.toFixed(1)} ms`;
  if (ms < 1000) return `${Math.round(ms)} ms`;
  return `${(ms / 1000).toFixed(1)} s`;
}

export const SCOPE_LABEL: Record<AddressScope, string> = {
  all: 'all interfaces',
  loopback: 'loopback only',
  'link-local': 'link-local',
  private: 'private network',
  public: 'public address',
};
