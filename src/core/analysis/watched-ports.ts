// Watched ports: the ports a developer cares about, and the moment a listener takes or frees one.
import type { Protocol, Socket } from '../../shared/model.js';
import type { WatchedPortEvent } from '../../shared/ports.js';

/** Dev servers, Vite, Django and friends, alternative HTTP, PostgreSQL, Redis. */
export const DEFAULT_WATCHED_PORTS: readonly number[] = [3000, 5173, 8000, 8080, 5432, 6379];

/** Listeners per "protocol port" on the watched ports, by owner (pid, or one unknown owner). */
function listenersOn(sockets: readonly Socket[], ports: ReadonlySet<number>): Map<string, Map<string, Socket>> {
  const out = new Map<string, Map<string, Socket>>();
  for (const s of sockets) {
    if (!s.listening || !ports.has(s.localPort)) continue;
    if (s.protocol === 'tcp' && s.state !== 'LISTEN') continue;
    const key = `${s.protocol} ${s.localPort}`;
    let owners = out.get(key);
    if (owners === undefined) out.set(key, (owners = new Map()));
    const owner = s.pid === null ? 'unknown' : `${s.pid} ${s.process?.startedAt ?? ''}`;
    if (!owners.has(owner)) owners.set(owner, s);
  }
  return out;
}

function event(key: string, change: WatchedPortEvent['change'], s: Socket): WatchedPortEvent {
  const [protocol, port] = key.split(' ') as [Protocol, string];
  return { port: Number(port), protocol, change, address: s.localAddress, pid: s.pid, process: s.process };
}

/**
 * What changed on the watched ports between two snapshots: "taken" when a port with no listener gets
 * one, or another process starts listening next to (or instead of) the old one; "freed" when the last
 * listener goes.
 */
export function watchedPortEvents(previous: readonly Socket[], next: readonly Socket[], ports: Iterable<number>): WatchedPortEvent[] {
  const watched = new Set(ports);
  if (watched.size === 0) return [];
  const before = listenersOn(previous, watched);
  const after = listenersOn(next, watched);
  const events: WatchedPortEvent[] = [];
  for (const [key, owners] of before) {
    if (!after.has(key)) events.push(event(key, 'freed', owners.values().next().value!));
  }
  for (const [key, owners] of after) {
    const old = before.get(key);
    for (const [owner, s] of owners) if (old === undefined || !old.has(owner)) events.push(event(key, 'taken', s));
  }
  return events.sort((a, b) => a.port - b.port || a.protocol.localeCompare(b.protocol) || (a.change === b.change ? 0 : a.change === 'freed' ? -1 : 1));
}

/** "port 3000 taken by node (pid 123)" / "port 3000 freed by node (pid 123)". */
export function describeWatchedPortEvent(e: WatchedPortEvent): string {
  const who = e.pid === null ? 'a process Portwatch cannot see' : `${e.process?.name ?? 'pid'} (pid ${e.pid})`;
  const proto = e.protocol === 'udp' ? ' (udp)' : '';
  return `port ${e.port}${proto} ${e.change === 'taken' ? 'taken by' : 'freed by'} ${who}`;
}
