// The port conflicts the engine finds, kept for the views: fetched when the page has the state, and
// again after deltas that change something, at most once a second (every poll sends a delta, most of
// them empty, and the Ports tab's badge needs no more than that). The lookup on screen refreshes on
// the same beat.
import { createContext, useContext, useEffect, useState, useSyncExternalStore } from 'react';
import type { Conflict, ConflictSeverity, PortwatchApi, Unsubscribe } from '../../shared/api.js';
import { errorText } from './errors.js';
import type { Store } from './store.js';
import { worstSeverity } from '../../shared/conflicts.js';

export interface ConflictsSnapshot {
  /** False until the first answer. */
  loaded: boolean;
  conflicts: readonly Conflict[];
  /** The conflicts each socket is part of, by socket id. */
  bySocket: ReadonlyMap<string, readonly Conflict[]>;
  /** The worst severity among them; null when there are none. */
  worst: ConflictSeverity | null;
  /** The last fetch's failure, said plainly; the last good list stays on show. */
  error: string | null;
  /** Bumped after every fetch that answered, changed or not: what else is on screen may refresh too. */
  refreshes: number;
}

export interface ConflictWatcher {
  getSnapshot(): ConflictsSnapshot;
  subscribe(listener: () => void): Unsubscribe;
  /** Fetches now (still at most once per interval). */
  refresh(): void;
  dispose(): void;
}

export const EMPTY_CONFLICTS: ConflictsSnapshot = { loaded: false, conflicts: [], bySocket: new Map(), worst: null, error: null, refreshes: 0 };

function index(conflicts: readonly Conflict[]): Pick<ConflictsSnapshot, 'bySocket' | 'worst'> {
  const bySocket = new Map<string, Conflict[]>();
  for (const c of conflicts) {
    for (const s of c.sockets) {
      const list = bySocket.get(s.id);
      if (list) list.push(c);
      else bySocket.set(s.id, [c]);
    }
  }
  return { bySocket, worst: worstSeverity(conflicts) };
}

export function createConflictWatcher(
  api: Pick<PortwatchApi, 'getConflicts' | 'onDelta'>,
  store: Pick<Store, 'getSnapshot' | 'subscribe'>,
  options: { minIntervalMs?: number; now?: () => number } = {},
): ConflictWatcher {
  const minIntervalMs = options.minIntervalMs ?? 1000;
  const now = options.now ?? (() => Date.now());
  const listeners = new Set<() => void>();
  let snap = EMPTY_CONFLICTS;
  let lastText = '';
  let inFlight = false;
  let wanted = false;
  let lastAt = -Infinity;
  let timer: ReturnType<typeof setTimeout> | null = null;
  let disposed = false;
  let ready = false;

  function commit(next: ConflictsSnapshot): void {
    snap = next;
    for (const l of [...listeners]) l();
  }

  function schedule(): void {
    if (disposed || !ready) return;
    wanted = true;
    if (inFlight || timer !== null) return;
    const wait = lastAt + minIntervalMs - now();
    if (wait <= 0) fetchNow();
    else
      timer = setTimeout(() => {
        timer = null;
        if (wanted) fetchNow();
      }, wait);
  }

  function fetchNow(): void {
    wanted = false;
    inFlight = true;
    lastAt = now();
    api.getConflicts().then(
      (conflicts) => {
        inFlight = false;
        if (disposed) return;
        // The same list again keeps its objects, so nothing that shows it re-renders.
        const text = JSON.stringify(conflicts);
        if (text !== lastText || !snap.loaded || snap.error !== null) {
          lastText = text;
          commit({ loaded: true, conflicts, ...index(conflicts), error: null, refreshes: snap.refreshes + 1 });
        } else {
          commit({ ...snap, refreshes: snap.refreshes + 1 });
        }
        if (wanted) schedule();
      },
      (e: unknown) => {
        inFlight = false;
        if (disposed) return;
        commit({ ...snap, error: `Could not read the port conflicts: ${errorText(e)}` });
        if (wanted) schedule();
      },
    );
  }

  function onStore(): void {
    const { phase, connection } = store.getSnapshot();
    const nowReady = phase === 'ready' && connection === 'open';
    // On first load and after every reconnect: the engine may have moved on meanwhile.
    if (nowReady && !ready) {
      ready = true;
      schedule();
    } else if (!nowReady) {
      ready = false;
    }
  }

  const unsubs: Unsubscribe[] = [
    store.subscribe(onStore),
    api.onDelta((d) => {
      if (d.added.length > 0 || d.removed.length > 0 || d.changed.length > 0) schedule();
    }),
  ];
  onStore();

  return {
    getSnapshot: () => snap,
    subscribe(listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
    refresh: schedule,
    dispose() {
      disposed = true;
      if (timer !== null) clearTimeout(timer);
      for (const u of unsubs) u();
      listeners.clear();
    },
  };
}

export const ConflictsContext = createContext<ConflictWatcher | null>(null);

/** One watcher for the life of the store (StrictMode's double mount makes and drops a spare). */
export function useConflictWatcher(store: Store): ConflictWatcher | null {
  const [watcher, setWatcher] = useState<ConflictWatcher | null>(null);
  useEffect(() => {
    const w = createConflictWatcher(store.api, store);
    setWatcher(w);
    return () => {
      w.dispose();
      setWatcher(null);
    };
  }, [store]);
  return watcher;
}

const noSubscribe = () => () => {};
const emptySnapshot = () => EMPTY_CONFLICTS;

export function useConflicts(): ConflictsSnapshot {
  const watcher = useContext(ConflictsContext);
  return useSyncExternalStore(watcher?.subscribe ?? noSubscribe, watcher?.getSnapshot ?? emptySnapshot);
}

export function useRefreshConflicts(): () => void {
  const watcher = useContext(ConflictsContext);
  return () => watcher?.refresh();
}
