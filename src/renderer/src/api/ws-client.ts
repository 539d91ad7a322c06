// The browser mode's side of the contract: PortwatchApi over one WebSocket. Requests are
// { id, method, args } answered by { type: 'result', id, ok, value | error }; events arrive as
// { type: 'event', event, payload }. The socket reconnects by itself with backoff; whoever holds the
// store hears 'lost' and 'open' and fetches the full state again after a reconnect.
import type { AlertEvent } from '../../../shared/alerts.js';
import { ApiError, isApiErrorCode } from '../../../shared/api-errors.js';
import type { PortwatchApi, Unsubscribe, WsServerMessage } from '../../../shared/api.js';
import type { RequestName } from '../../../shared/channels.js';
import type { Delta } from '../../../shared/model.js';
import type { NamesUpdate } from '../../../shared/names.js';
import type { TrafficUpdate } from '../../../shared/traffic.js';
import type { WatchedPortEvent } from '../../../shared/ports.js';
import type { MonitorStatus } from '../../../shared/status.js';
import type { ConnectionListener, ConnectionState, Transport } from './types.js';

/** The bits of the DOM WebSocket this client uses, so tests can hand it a fake. */
export interface SocketLike {
  readonly readyState: number;
  onopen: ((ev: unknown) => void) | null;
  onclose: ((ev: { code: number; reason: string }) => void) | null;
  onerror: ((ev: unknown) => void) | null;
  onmessage: ((ev: { data: unknown }) => void) | null;
  send(text: string): void;
  close(code?: number, reason?: string): void;
}

export interface WsClientOptions {
  url: string;
  createSocket?: (url: string) => SocketLike;
  /** First retry delay; doubles per failure up to maxBackoffMs. */
  minBackoffMs?: number;
  maxBackoffMs?: number;
  /** A request with no answer within this long fails (the server may have gone quiet). */
  requestTimeoutMs?: number;
}

const OPEN = 1;
/** Beyond the grace period, how long an endProcess answer may take (SIGKILL and the wait for the exit). */
const END_PROCESS_MARGIN_MS = 15_000;

export class NotConnectedError extends Error {
  override name = 'NotConnectedError';
}

interface Pending {
  resolve: (value: unknown) => void;
  reject: (error: Error) => void;
  timer: ReturnType<typeof setTimeout>;
}

export class WsClient implements Transport {
  readonly kind = 'browser' as const;
  readonly api: PortwatchApi;
  private socket: SocketLike | null = null;
  private state: ConnectionState = 'connecting';
  private nextId = 1;
  private readonly pending = new Map<number, Pending>();
  private readonly deltaListeners = new Set<(d: Delta) => void>();
  private readonly statusListeners = new Set<(s: MonitorStatus) => void>();
  private readonly alertListeners = new Set<(e: AlertEvent) => void>();
  private readonly watchedPortListeners = new Set<(e: WatchedPortEvent) => void>();
  private readonly namesListeners = new Set<(u: NamesUpdate) => void>();
  private readonly trafficListeners = new Set<(u: TrafficUpdate) => void>();
  private readonly connectionListeners = new Set<ConnectionListener>();
  private retryTimer: ReturnType<typeof setTimeout> | null = null;
  private failures = 0;
  private closed = false;
  private readonly createSocket: (url: string) => SocketLike;
  private readonly minBackoffMs: number;
  private readonly maxBackoffMs: number;
  private readonly requestTimeoutMs: number;

  constructor(private readonly options: WsClientOptions) {
    this.createSocket = options.createSocket ?? ((url) => new WebSocket(url) as unknown as SocketLike);
    this.minBackoffMs = options.minBackoffMs ?? 250;
    this.maxBackoffMs = options.maxBackoffMs ?? 5000;
    this.requestTimeoutMs = options.requestTimeoutMs ?? 30_000;
    const call = <T>(method: RequestName, args: unknown[] = [], timeoutMs?: number) => this.request(method, args, timeoutMs) as Promise<T>;
    this.api = {
      getState: () => call('getState'),
      pause: () => call('pause'),
      resume: () => call('resume'),
      setInterval: (ms) => call('setInterval', [ms]),
      getConflicts: () => call('getConflicts'),
      lookupPort: (port) => call('lookupPort', [port]),
      // The engine waits out the grace period, then up to a few seconds after SIGKILL: give it that long.
      endProcess: (request) => call('endProcess', [request], Math.max(this.requestTimeoutMs, (request.graceMs ?? 3000) + END_PROCESS_MARGIN_MS)),
      onDelta: (listener) => subscribe(this.deltaListeners, listener),
      onStatus: (listener) => subscribe(this.statusListeners, listener),
      listAlerts: (filter) => call('listAlerts', filter === undefined ? [] : [filter]),
      getAlertStatus: () => call('getAlertStatus'),
      explainAlert: (id) => call('explainAlert', [id]),
      acknowledgeAlert: (id) => call('acknowledgeAlert', [id]),
      acknowledgeAllAlerts: () => call('acknowledgeAllAlerts'),
      snoozeAlert: (id, ms) => call('snoozeAlert', [id, ms]),
      trust: (rule) => call('trust', [rule]),
      untrust: (rule) => call('untrust', [rule]),
      setWatchClosely: (exe, on) => call('setWatchClosely', [exe, on]),
      getTrustState: () => call('getTrustState'),
      startLearning: (seconds) => call('startLearning', [seconds]),
      onAlert: (listener) => subscribe(this.alertListeners, listener),
      getWatchedPorts: () => call('getWatchedPorts'),
      setWatchedPorts: (ports) => call('setWatchedPorts', [ports]),
      onWatchedPort: (listener) => subscribe(this.watchedPortListeners, listener),
      getNames: () => call('getNames'),
      setReverseDns: (on) => call('setReverseDns', [on]),
      onNames: (listener) => subscribe(this.namesListeners, listener),
      onTraffic: (listener) => subscribe(this.trafficListeners, listener),
      queryHistory: (query) => call('queryHistory', query === undefined ? [] : [query]),
      closeConnection: (request) => call('closeConnection', [request]),
      getHistoryRetention: () => call('getHistoryRetention'),
      setHistoryRetention: (retention) => call('setHistoryRetention', [retention]),
      // Only the Electron host opens an alert from outside the page (a tray or notification click); in
      // the browser mode the page's own notifications do that without the transport.
      onOpenAlert: () => () => {},
    };
    this.connect();
  }

  get connection(): ConnectionState {
    return this.state;
  }

  onConnection(listener: ConnectionListener): Unsubscribe {
    this.connectionListeners.add(listener);
    listener(this.state);
    return () => this.connectionListeners.delete(listener);
  }

  close(): void {
    this.closed = true;
    if (this.retryTimer !== null) clearTimeout(this.retryTimer);
    this.socket?.close(1000, 'page closed');
    this.socket = null;
    this.failAll(new NotConnectedError('the page closed its connection'));
  }

  private setState(state: ConnectionState): void {
    if (this.state === state) return;
    this.state = state;
    for (const l of [...this.connectionListeners]) l(state);
  }

  private connect(): void {
    if (this.closed) return;
    let socket: SocketLike;
    try {
      socket = this.createSocket(this.options.url);
    } catch {
      this.scheduleRetry();
      return;
    }
    this.socket = socket;
    socket.onopen = () => {
      if (this.socket !== socket) return;
      this.failures = 0;
      this.setState('open');
    };
    socket.onmessage = (ev) => {
      if (this.socket === socket && typeof ev.data === 'string') this.receive(ev.data);
    };
    socket.onerror = () => {
      // A close event always follows; retrying is decided there.
    };
    socket.onclose = () => {
      if (this.socket !== socket) return;
      this.socket = null;
      this.failAll(new NotConnectedError('lost the connection to Portwatch'));
      if (this.closed) return;
      this.setState('lost');
      this.scheduleRetry();
    };
  }

  private scheduleRetry(): void {
    if (this.closed || this.retryTimer !== null) return;
    const base = Math.min(this.maxBackoffMs, this.minBackoffMs * 2 ** this.failures);
    this.failures++;
    // Jitter keeps several tabs from knocking in step after a restart.
    const delay = base / 2 + Math.random() * (base / 2);
    this.retryTimer = setTimeout(() => {
      this.retryTimer = null;
      this.connect();
    }, delay);
  }

  private request(method: RequestName, args: unknown[], timeoutMs = this.requestTimeoutMs): Promise<unknown> {
    const socket = this.socket;
    if (socket === null || socket.readyState !== OPEN) {
      return Promise.reject(new NotConnectedError('not connected to Portwatch'));
    }
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.pending.delete(id);
        reject(new Error(`Portwatch did not answer ${method} within ${Math.round(timeoutMs / 1000)} s`));
      }, timeoutMs);
      this.pending.set(id, { resolve, reject, timer });
      socket.send(JSON.stringify({ id, method, args }));
    });
  }

  private receive(text: string): void {
    let message: WsServerMessage;
    try {
      message = JSON.parse(text) as WsServerMessage;
    } catch {
      return;
    }
    if (message.type === 'event') {
      if (message.event === 'delta') for (const l of [...this.deltaListeners]) l(message.payload as Delta);
      else if (message.event === 'status') for (const l of [...this.statusListeners]) l(message.payload as MonitorStatus);
      else if (message.event === 'alert') for (const l of [...this.alertListeners]) l(message.payload as AlertEvent);
      else if (message.event === 'watched-port') for (const l of [...this.watchedPortListeners]) l(message.payload as WatchedPortEvent);
      else if (message.event === 'names') for (const l of [...this.namesListeners]) l(message.payload as NamesUpdate);
      else if (message.event === 'traffic') for (const l of [...this.trafficListeners]) l(message.payload as TrafficUpdate);
      return;
    }
    if (message.type === 'result') {
      const pending = this.pending.get(message.id);
      if (!pending) return;
      this.pending.delete(message.id);
      clearTimeout(pending.timer);
      if (message.ok) pending.resolve(message.value);
      else pending.reject(new ApiError(message.error, isApiErrorCode(message.code) ? message.code : 'failed'));
    }
  }

  private failAll(error: Error): void {
    for (const p of this.pending.values()) {
      clearTimeout(p.timer);
      p.reject(error);
    }
    this.pending.clear();
  }
}

function subscribe<T>(set: Set<T>, listener: T): Unsubscribe {
  set.add(listener);
  return () => set.delete(listener);
}
