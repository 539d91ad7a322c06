// The looked-up names of remote addresses (reverse DNS, offline country and owner), kept apart from
// the socket rows: a names update re-renders only the cells that show a name for that address, never
// a row, and never makes a socket look changed. Loaded with getNames() when the page connects (and
// after a reconnect or a gap), then kept current by 'names' updates applied in version order.
//
// It also holds the view's "Resolve addresses" choice (TCPView's): show host names, or raw
// addresses. That is the page's own display preference, kept in localStorage; whether the engine
// asks DNS at all is the engine's switch (setReverseDns), for privacy.
import type { PortwatchApi, Unsubscribe } from '../../shared/api.js';
import type { AddressNames, NamesState, NamesUpdate } from '../../shared/names.js';
import type { ConnectionListener } from './api/types.js';

export interface NamesStore {
  /** The names of an address (its namesKey), or undefined while none are known. */
  get(key: string): AddressNames | undefined;
  /** Bumped on every change (names, the switch, the display choice). */
  version(): number;
  /** Whether the engine asks DNS for host names. */
  reverseDns(): boolean;
  /** Whether views show host names (true) or raw addresses. */
  resolve(): boolean;
  setResolve(on: boolean): void;
  /** Asks the engine to turn reverse DNS on or off. */
  setReverseDns(on: boolean): Promise<void>;
  /** Called when an address's names change; key null: everything may have changed. */
  subscribe(listener: (key: string | null) => void): Unsubscribe;
  dispose(): void;
}

const RESOLVE_KEY = 'portwatch.resolveAddresses';
const MAX_BUFFERED = 500;

interface Storage {
  getItem(key: string): string | null;
  setItem(key: string, value: string): void;
}

function pageStorage(): Storage | null {
  try {
    return typeof localStorage === 'undefined' ? null : localStorage;
  } catch {
    return null; // storage denied (a sandboxed page): the choice lasts for this page only
  }
}

export function createNamesStore(
  api: Pick<PortwatchApi, 'getNames' | 'setReverseDns' | 'onNames'>,
  onConnection: (listener: ConnectionListener) => Unsubscribe,
  storage: Storage | null = pageStorage(),
): NamesStore {
  let addresses = new Map<string, AddressNames>();
  let version = 0;
  let namesVersion = -1; // the engine's; -1 until the first state arrives
  let reverseDns = false;
  let resolve = storage?.getItem(RESOLVE_KEY) !== 'false';
  let buffer: NamesUpdate[] = [];
  let fetching = false;
  let disposed = false;
  const listeners = new Set<(key: string | null) => void>();

  const tell = (key: string | null) => {
    version++;
    for (const l of [...listeners]) l(key);
  };

  function apply(update: NamesUpdate): void {
    namesVersion = update.version;
    const switchMoved = update.reverseDns !== reverseDns;
    reverseDns = update.reverseDns;
    for (const key of update.forgotten) addresses.delete(key);
    for (const [key, names] of Object.entries(update.set)) addresses.set(key, names);
    if (switchMoved || update.forgotten.length > 0) tell(null);
    else for (const key of Object.keys(update.set)) tell(key);
  }

  function load(state: NamesState): void {
    addresses = new Map(Object.entries(state.addresses));
    namesVersion = state.version;
    reverseDns = state.reverseDns;
    const pending = buffer.filter((u) => u.version > state.version).sort((a, b) => a.version - b.version);
    buffer = [];
    tell(null);
    for (const u of pending) onUpdate(u);
  }

  function refetch(): void {
    if (fetching || disposed) return;
    fetching = true;
    api.getNames().then(
      (state) => {
        fetching = false;
        if (!disposed) load(state);
      },
      () => {
        // A host that cannot say (gone, reconnecting): names stay as they were; 'open' asks again.
        fetching = false;
      },
    );
  }

  function onUpdate(update: NamesUpdate): void {
    if (disposed) return;
    if (fetching || namesVersion < 0) {
      if (buffer.length >= MAX_BUFFERED) buffer.shift();
      buffer.push(update);
      return;
    }
    // An older version than ours: the engine restarted and counts from 1 again.
    if (update.version <= namesVersion) {
      buffer.push(update);
      refetch();
      return;
    }
    if (update.version !== namesVersion + 1) {
      buffer.push(update);
      refetch();
      return;
    }
    apply(update);
  }

  const unsubs = [
    api.onNames(onUpdate),
    onConnection((state) => {
      if (state === 'open') refetch();
    }),
  ];

  return {
    get: (key) => addresses.get(key),
    version: () => version,
    reverseDns: () => reverseDns,
    resolve: () => resolve,
    setResolve(on) {
      if (on === resolve) return;
      resolve = on;
      storage?.setItem(RESOLVE_KEY, String(on));
      tell(null);
    },
    async setReverseDns(on) {
      const state = await api.setReverseDns(on);
      if (!disposed) load(state);
    },
    subscribe(listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
    dispose() {
      disposed = true;
      for (const u of unsubs) u();
      listeners.clear();
    },
  };
}
