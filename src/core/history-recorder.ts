// Turns the monitor's deltas into history: a connection is recorded once, when it closes (enters
// TIME_WAIT or CLOSE, or leaves the table without either), a listener when it goes; a connection
// that opened and closed between two polls comes from the kernel's TCP-destroy messages. The owner
// is the last one seen: a TIME_WAIT socket has none, the connection it was had one.
import type { HistoryEntry, HistoryKind } from '../shared/history.js';
import type { ProcessInfo, Socket } from '../shared/model.js';
import { socketId } from '../shared/model.js';
import type { AddressNames } from '../shared/names.js';
import { hasRemote, namesKey } from '../shared/names.js';
import type { Monitor, MonitorEvent } from './monitor.js';
import type { ClosedConnection } from './sources/source.js';

const FINISHED = new Set(['TIME_WAIT', 'CLOSE']);

export interface HistorySink {
  append(entries: readonly HistoryEntry[]): void;
}

export interface HistoryRecorderOptions {
  /** The peer's looked-up names at closing time (NameService.lookup). */
  names?: (key: string) => AddressNames | undefined;
  /**
   * Keep traffic measured for the bytes and the connections shorter than a poll (default false: they
   * are recorded while something else has it measured — a view, top, /metrics). Measuring from the
   * engine's start made the browser-mode page miss its deltas under load (e2e/connections.spec.ts),
   * so it stays opt-in until that is understood.
   */
  measureTraffic?: boolean;
}

interface Owner {
  pid: number | null;
  process: ProcessInfo | null;
  otherHolders: ProcessInfo[];
}

export class HistoryRecorder {
  /** Connections recorded at TIME_WAIT/CLOSE, so their removal is not recorded again (live sockets only). */
  private readonly recorded = new Set<string>();
  /**
   * The last owner of each live socket whose current version has none (a connection in TIME_WAIT).
   * A socket that has an owner is its own record of it, in the monitor's table: nothing is copied for
   * it, so a cold poll of 10,000 sockets costs nothing here.
   */
  private readonly lostOwners = new Map<string, Owner>();
  /**
   * Connections first seen already closed (TIME_WAIT: they lived less than a poll), by tuple: the
   * kernel's TCP-destroy message for them may come a poll later with the owner and final counts; they
   * are recorded then, or when they leave the table without one.
   */
  private readonly pending = new Map<string, Socket>();
  private readonly unsubscribe: () => void;
  private readonly releaseTraffic: () => void;

  constructor(
    monitor: Monitor,
    private readonly sink: HistorySink,
    private readonly options: HistoryRecorderOptions = {},
  ) {
    this.releaseTraffic = options.measureTraffic ? monitor.wantTraffic() : () => {};
    this.unsubscribe = monitor.subscribe((e) => this.onEvent(e));
  }

  close(): void {
    this.unsubscribe();
    this.releaseTraffic();
  }

  private onEvent(e: MonitorEvent): void {
    if (e.type !== 'delta') return;
    const { delta, previous } = e;
    const at = delta.takenAt;
    const out: HistoryEntry[] = [];
    for (const c of e.closed ?? []) {
      if (c.socket !== null || c.connection === undefined) continue;
      const key = tupleKey(c.connection);
      const seen = this.pending.get(key);
      this.pending.delete(key);
      out.push(this.shortLived(c, seen?.firstSeen ?? at));
    }
    for (const id of delta.removed) {
      const was = previous.get(id);
      const owner = this.lastOwner(id, was);
      this.lostOwners.delete(id);
      if (was !== undefined && this.pending.delete(tupleKey(was))) {
        out.push(this.entry(was, owner, was.firstSeen));
        this.recorded.delete(id);
        continue;
      }
      if (this.recorded.delete(id) || was === undefined) continue;
      out.push(this.entry(was, owner, at));
    }
    for (const s of delta.changed) {
      const owner = this.lastOwner(s.id, previous.get(s.id));
      if (!s.listening && FINISHED.has(s.state) && !this.recorded.has(s.id)) {
        this.recorded.add(s.id);
        out.push(this.entry(s, owner, at));
      } else if (!FINISHED.has(s.state)) this.recorded.delete(s.id); // the same 4-tuple connected again
      if (s.process !== null || owner === undefined) this.lostOwners.delete(s.id);
      else this.lostOwners.set(s.id, owner);
    }
    for (const s of delta.added) {
      // Seen first already closed: it opened and closed within a poll, and the dump caught its TIME_WAIT.
      if (!s.listening && FINISHED.has(s.state) && !this.recorded.has(s.id)) {
        this.recorded.add(s.id);
        const told = e.closed?.some((c) => c.socket === null && c.connection !== undefined && tupleKey(c.connection) === tupleKey(s));
        if (!told && s.protocol === 'tcp') this.pending.set(tupleKey(s), s);
        else if (!told) out.push(this.entry(s, undefined, at));
      }
    }
    this.sink.append(out);
  }

  /** The owner a socket last had: its version before this poll's, or the one that version had lost. */
  private lastOwner(id: string, before: Socket | undefined): Owner | undefined {
    return before !== undefined && before.process !== null ? before : this.lostOwners.get(id);
  }

  private entry(s: Socket, owner: Owner | undefined, closedAt: number): HistoryEntry {
    const kind: HistoryKind = s.listening ? 'listener' : 'connection';
    const who = s.process === null && owner !== undefined ? owner : s;
    return { ...s, pid: who.pid, process: who.process, otherHolders: who.otherHolders, kind, openedAt: s.firstSeen, closedAt, ...this.names(s) };
  }

  /** A connection that opened and closed between two polls: the kernel's ends and final counts, the listener's owner. */
  private shortLived(c: ClosedConnection, at: number): HistoryEntry {
    const k = c.connection!;
    const base = { ...k, inode: 0 };
    const s: Socket = {
      ...base,
      id: socketId(base),
      state: 'CLOSE',
      listening: false,
      pid: c.pid,
      process: c.owner,
      otherHolders: [],
      firstSeen: at,
      rttMs: null,
    };
    return { ...s, kind: 'connection', openedAt: at, closedAt: at, ...this.names(s) };
  }

  private names(s: Socket): Pick<HistoryEntry, 'remoteHost' | 'remoteCountry' | 'remoteAsn' | 'remoteOrg'> {
    const found = hasRemote(s) ? this.options.names?.(namesKey(s.remoteAddress!)) : undefined;
    return { remoteHost: found?.host ?? null, remoteCountry: found?.country ?? null, remoteAsn: found?.asn ?? null, remoteOrg: found?.org ?? null };
  }
}

function tupleKey(k: Pick<Socket, 'family' | 'localAddress' | 'localPort' | 'remoteAddress' | 'remotePort'>): string {
  return `${k.family} ${k.localAddress} ${k.localPort} ${k.remoteAddress ?? ''} ${k.remotePort ?? ''}`;
}
