// The watched ports: the user's list (saved by the host in settings.json) as chips, each saying whether
// the port is taken now and by which process, or free; × removes one, the box adds one. Whether a port
// is taken is read from the live rows the store already holds, so a chip turns as soon as a delta
// arrives. The host tells when a watched port is taken or freed ('watched-port' events): WatchedPortToasts
// shows each as a short-lived toast in the page.
import { useCallback, useEffect, useMemo, useRef, useState, type FormEvent } from 'react';
import { MAX_WATCHED_PORTS, type WatchedPortEvent } from '../../../shared/api.js';
import { watchedPortText } from '../../../shared/ports.js';
import { errorText } from '../errors.js';
import { useSnapshot, useStore } from '../hooks.js';

interface Holder {
  pid: number | null;
  name: string;
}

/** "taken by node (pid 12)", "taken by node (pid 12), python3 (pid 40)", or "free". */
export function holdersText(holders: readonly Holder[]): string {
  if (holders.length === 0) return 'free';
  return `taken by ${holders.map((h) => (h.pid === null ? 'a process Portwatch cannot see' : `${h.name} (pid ${h.pid})`)).join(', ')}`;
}

/** A port typed by the user: a whole number 1–65535 not yet in the list, or why not. */
export function checkPortInput(text: string, ports: readonly number[]): { port: number } | { error: string } {
  const t = text.trim();
  if (!/^\d+$/.test(t)) return { error: 'A port is a whole number from 1 to 65535' };
  const port = Number(t);
  if (port < 1 || port > 65535) return { error: 'A port is a whole number from 1 to 65535' };
  if (ports.includes(port)) return { error: `Port ${port} is already watched` };
  if (ports.length >= MAX_WATCHED_PORTS) return { error: `At most ${MAX_WATCHED_PORTS} ports can be watched` };
  return { port };
}

export function WatchedPortsSection() {
  const store = useStore();
  const snap = useSnapshot();
  const [ports, setPorts] = useState<number[] | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [input, setInput] = useState('');
  const [inputError, setInputError] = useState<string | null>(null);
  const asked = useRef(0);
  const connected = snap.connection === 'open';

  useEffect(() => {
    if (!connected) return;
    const id = ++asked.current;
    store.api.getWatchedPorts().then(
      (list) => {
        if (id !== asked.current) return;
        setPorts(list);
        setError(null);
      },
      (e: unknown) => id === asked.current && setError(errorText(e)),
    );
  }, [store, connected]);

  const save = useCallback(
    (next: number[]) => {
      const id = ++asked.current;
      const before = ports;
      setPorts(next);
      store.api.setWatchedPorts(next).then(
        (saved) => {
          if (id !== asked.current) return;
          setPorts(saved);
          setError(null);
        },
        (e: unknown) => {
          if (id !== asked.current) return;
          setPorts(before);
          setError(errorText(e));
        },
      );
    },
    [store, ports],
  );

  // Listeners on the watched ports, from the live rows (closing rows are already gone for this purpose).
  const { rows, rowsVersion } = snap;
  const holders = useMemo(() => {
    const out = new Map<number, Holder[]>();
    if (ports === null) return out;
    const watched = new Set(ports);
    for (const row of rows.values()) {
      const s = row.socket;
      if (row.flag === 'closing' || !s.listening || !watched.has(s.localPort)) continue;
      if (s.protocol === 'tcp' && s.state !== 'LISTEN') continue;
      let list = out.get(s.localPort);
      if (list === undefined) out.set(s.localPort, (list = []));
      if (!list.some((h) => h.pid === s.pid)) list.push({ pid: s.pid, name: s.process?.name ?? 'pid' });
    }
    return out;
    // rows is updated in place; rowsVersion says when.
  }, [rows, rowsVersion, ports]);

  const onSubmit = (e: FormEvent) => {
    e.preventDefault();
    if (ports === null) return;
    const checked = checkPortInput(input, ports);
    if ('error' in checked) {
      setInputError(checked.error);
      return;
    }
    setInputError(null);
    setInput('');
    save([...ports, checked.port]);
  };

  return (
    <section className="ports-section watched" aria-label="Watched ports">
      <header className="section-head">
        <h2>Watched ports</h2>
        {ports !== null && <span className="count-pill">{ports.length}</span>}
        <span className="section-sub">A notification when a listener takes or frees one of these</span>
      </header>
      {error !== null && (
        <p className="notice error inline" role="alert">
          {error}
        </p>
      )}
      {ports === null && error === null && (
        <p className="empty-line">
          <span className="spinner" aria-hidden="true" /> Loading the watched ports…
        </p>
      )}
      {ports !== null && (
        <div className="watch-row">
          <ul className="watch-chips" aria-label="Watched port list">
            {ports.length === 0 && <li className="dim">No port is watched.</li>}
            {ports.map((port) => {
              const on = holders.get(port) ?? [];
              const text = holdersText(on);
              return (
                <li key={port} className={`watch-chip ${on.length > 0 ? 'taken' : 'free'}`} data-port={port} data-state={on.length > 0 ? 'taken' : 'free'} title={`Port ${port}: ${text}`}>
                  <span className="watch-port mono">{port}</span>
                  <span className="watch-state">{text}</span>
                  <button type="button" className="watch-remove" aria-label={`Stop watching port ${port}`} title={`Stop watching port ${port}`} onClick={() => save(ports.filter((p) => p !== port))}>
                    ×
                  </button>
                </li>
              );
            })}
          </ul>
          <form className="watch-add" onSubmit={onSubmit} aria-label="Watch a port">
            <input
              type="text"
              inputMode="numeric"
              className="watch-input mono"
              placeholder="Add port…"
              aria-label="Port to watch"
              aria-invalid={inputError !== null}
              value={input}
              maxLength={6}
              onChange={(e) => {
                setInput(e.target.value);
                setInputError(null);
              }}
            />
            <button type="submit" className="button small">
              Watch
            </button>
            {inputError !== null && (
              <span className="watch-error" role="alert">
                {inputError}
              </span>
            )}
          </form>
        </div>
      )}
    </section>
  );
}

interface Toast {
  id: number;
  event: WatchedPortEvent;
}

const TOAST_MS = 6_000;
const MAX_TOASTS = 4;

/** Watched-port events as toasts at the page's corner, each for a few seconds; the newest last. */
export function WatchedPortToasts() {
  const store = useStore();
  const [toasts, setToasts] = useState<Toast[]>([]);
  const next = useRef(0);
  useEffect(() => {
    const timers = new Set<ReturnType<typeof setTimeout>>();
    const off = store.api.onWatchedPort((event) => {
      const id = ++next.current;
      setToasts((list) => [...list, { id, event }].slice(-MAX_TOASTS));
      const timer = setTimeout(() => {
        timers.delete(timer);
        setToasts((list) => list.filter((t) => t.id !== id));
      }, TOAST_MS);
      timers.add(timer);
    });
    return () => {
      off();
      for (const t of timers) clearTimeout(t);
    };
  }, [store]);
  return (
    <div className="toasts" role="status" aria-live="polite">
      {toasts.map(({ id, event }) => {
        const { title, body } = watchedPortText(event);
        return (
          <div key={id} className={`toast port-${event.change}`} data-port={event.port}>
            <strong className="toast-title">{title}</strong>
            <span className="toast-body">{body}</span>
            <button type="button" className="toast-close" aria-label="Dismiss" onClick={() => setToasts((list) => list.filter((t) => t.id !== id))}>
              ×
            </button>
          </div>
        );
      })}
    </div>
  );
}
