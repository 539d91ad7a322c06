// The host side of the API contract: every request from any transport passes through call(), which
// checks the method and its arguments before the engine sees them. Hosts only carry messages.
import type { AlertFilter, TrustRule } from '../shared/alerts.js';
import { ApiError } from '../shared/api-errors.js';
import type { EventName, EventPayloads, FullState } from '../shared/api.js';
import { isRequestName, RATE_LIMITED_REQUESTS, requestSchemas } from '../shared/api.js';
import type { CloseConnectionRequest, CloseConnectionResult } from '../shared/close-connection.js';
import { parseEndpoint, whyNotClosable } from '../shared/close-connection.js';
import type { Conflict } from '../shared/conflicts.js';
import type { HistoryQuery, HistoryResult, HistoryRetention } from '../shared/history.js';
import { DEFAULT_HISTORY_RETENTION, retentionLimits } from '../shared/history.js';
import type { Family } from '../shared/model.js';
import type { NamesState } from '../shared/names.js';
import type { EndProcessRequest, EndProcessResult, PortLookup } from '../shared/ports.js';
import { ephemeralPortRange, findConflicts, localhostOrder } from './analysis/find-conflicts.js';
import { lookupPort } from './analysis/ports.js';
import { closeConnection } from './close-connection.js';
import { ownSocketInodes } from './own-sockets.js';
import type { HistoryLog } from './store/history-log.js';
import type { SettingsStore } from './store/settings.js';
import type { AlertEngine } from './alert-engine.js';
import type { Monitor } from './monitor.js';
import type { NameService } from './names/name-service.js';
import type { WatchedPortsWatcher } from './watched-ports-watcher.js';
import { endProcess, formatStartTime, ProcessControlError, readCwd } from './process-control.js';
import { RateLimiter, type RateLimitOptions } from './rate-limit.js';

export { ApiError } from '../shared/api-errors.js';

export type ServiceListener = <E extends EventName>(event: E, payload: EventPayloads[E]) => void;

/** What the service asks of the alert engine (AlertEngine has it all). */
export type AlertBackend = Pick<
  AlertEngine,
  | 'subscribe'
  | 'list'
  | 'status'
  | 'explain'
  | 'acknowledge'
  | 'acknowledgeAll'
  | 'snooze'
  | 'trust'
  | 'untrust'
  | 'setWatchClosely'
  | 'trustState'
  | 'startLearning'
  | 'stopLearning'
>;

/** What the service asks of the names (NameService has it all). */
export type NamesBackend = Pick<NameService, 'state' | 'setReverseDns' | 'subscribe'>;

/** What the service asks of the watched-ports watcher (WatchedPortsWatcher has it all). */
export type WatchedPortsBackend = Pick<WatchedPortsWatcher, 'getWatchedPorts' | 'setWatchedPorts' | 'subscribe'>;

export interface ServiceOptions {
  /**
   * The watched-ports watcher behind getWatchedPorts/setWatchedPorts, whose events subscribe()
   * forwards as 'watched-port'. Without one those requests answer that watched ports are not enabled.
   */
  watchedPorts?: WatchedPortsBackend | null;
  /**
   * The alert engine behind the alert and trust requests, and whose events subscribe() forwards as
   * 'alert'. Without one those requests answer that alerts are not enabled in this host.
   */
  alerts?: AlertBackend | null;
  /** Looked-up names of remote addresses, whose updates subscribe() forwards as 'names'. */
  names?: NamesBackend | null;
  /** The history behind queryHistory and its retention; without one those answer that history is not kept. */
  history?: Pick<HistoryLog, 'query' | 'setRetention'> | null;
  /** settings.json, where the history's retention is kept; without it a retention set lasts this run only. */
  settings?: Pick<SettingsStore, 'historyRetention' | 'setHistoryRetention'> | null;
  /** Closes a connection (tests may count the calls); by default core/close-connection.ts. */
  closeConnection?: (local: string, remote: string) => Promise<CloseConnectionResult>;
  /** The OS facts the port tools read; tests may pin them. */
  localhostOrder?: () => Promise<Family[]>;
  readCwd?: (pid: number) => string | null;
  endProcess?: (request: EndProcessRequest) => Promise<EndProcessResult>;
  /** Limits of the requests that cannot be undone; default DEFAULT_RATE_LIMIT. */
  rateLimit?: RateLimitOptions;
}

/** The answer to a method that is not a request of the contract, wherever it is caught. */
export function unknownRequest(method: unknown): ApiError {
  return new ApiError(`unknown request ${JSON.stringify(String(method)).slice(0, 80)}`, 'unknown-request');
}

export const ALERTS_DISABLED = 'alerts are not enabled in this host';
export const WATCHED_PORTS_DISABLED = 'watched ports are not enabled in this host';
export const HISTORY_DISABLED = 'no history is kept in this host (it needs a data folder it can write)';

/** A listener that closed this recently still makes its port a server port for "still busy". */
const RECENT_LISTENER_MS = 10 * 60_000;

export class ApiService {
  /** Listening TCP sockets by id → "tcp:PORT", and when each port last lost a listener. */
  private readonly listeners = new Map<string, string>();
  private readonly closedListeners = new Map<string, number>();
  private readonly ephemeralPorts = ephemeralPortRange();
  private readonly alerts: AlertBackend | null;
  private readonly rateLimit: RateLimiter;
  /** The history's retention as set this run, for a host without settings.json. */
  private retentionInMemory: HistoryRetention = { ...DEFAULT_HISTORY_RETENTION };

  constructor(
    private readonly monitor: Monitor,
    private readonly options: ServiceOptions = {},
  ) {
    this.alerts = options.alerts ?? null;
    this.rateLimit = new RateLimiter(options.rateLimit);
    for (const s of monitor.getState().snapshot.sockets) if (s.protocol === 'tcp' && s.state === 'LISTEN') this.listeners.set(s.id, `tcp:${s.localPort}`);
    monitor.subscribe((e) => {
      if (e.type !== 'delta') return;
      const { delta } = e;
      const closed = (id: string) => {
        const key = this.listeners.get(id);
        if (key === undefined) return;
        this.listeners.delete(id);
        this.closedListeners.set(key, delta.takenAt);
      };
      for (const id of delta.removed) closed(id);
      for (const s of [...delta.added, ...delta.changed]) {
        if (s.protocol === 'tcp' && s.state === 'LISTEN') this.listeners.set(s.id, `tcp:${s.localPort}`);
        else closed(s.id);
      }
    });
  }

  /**
   * One request. `client` names who asks (a WebSocket connection; the app's window when absent): the
   * requests that cannot be undone are limited in rate per client (RATE_LIMITED_REQUESTS).
   */
  async call(method: unknown, args: unknown, client = 'local'): Promise<unknown> {
    if (!isRequestName(method)) throw unknownRequest(method);
    if (RATE_LIMITED_REQUESTS.has(method) && !this.rateLimit.take(client)) {
      throw new ApiError(`too many ${method} requests in a short time; try again in ${this.rateLimit.waitSeconds(client)} s`, 'rate-limited');
    }
    const parsed = requestSchemas[method].safeParse(args);
    if (!parsed.success) {
      const issue = parsed.error.issues[0];
      throw new ApiError(`bad arguments for ${method}: ${issue ? `${issue.path.join('.') || 'args'}: ${issue.message}` : 'invalid'}`, 'bad-arguments');
    }
    const values = parsed.data as unknown[];
    switch (method) {
      case 'getState':
        return this.getState();
      case 'pause':
        this.monitor.pause();
        return undefined;
      case 'resume':
        this.monitor.resume();
        return undefined;
      case 'setInterval':
        this.monitor.setInterval(values[0] as number);
        return undefined;
      case 'getConflicts':
        return this.getConflicts();
      case 'lookupPort':
        return this.lookupPort(values[0] as number);
      case 'endProcess':
        return this.endProcess(values[0] as EndProcessRequest);
      case 'listAlerts':
        return this.withAlerts((a) => a.list((values[0] as AlertFilter | undefined) ?? {}));
      case 'getAlertStatus':
        return this.withAlerts((a) => a.status());
      case 'explainAlert':
        return this.withAlerts((a) => a.explain(values[0] as string));
      case 'acknowledgeAlert':
        return this.withAlerts((a) => a.acknowledge(values[0] as string));
      case 'acknowledgeAllAlerts':
        return this.withAlerts((a) => a.acknowledgeAll());
      case 'snoozeAlert':
        return this.withAlerts((a) => a.snooze(values[0] as string, values[1] as number));
      case 'trust':
        return this.withAlerts((a) => a.trust(values[0] as TrustRule));
      case 'untrust':
        return this.withAlerts((a) => a.untrust(values[0] as TrustRule));
      case 'setWatchClosely':
        return this.withAlerts((a) => a.setWatchClosely(values[0] as string, values[1] as boolean));
      case 'getTrustState':
        return this.withAlerts((a) => a.trustState());
      case 'startLearning': {
        const seconds = values[0] as number;
        return this.withAlerts((a) => (seconds === 0 ? a.stopLearning() : a.startLearning(seconds)));
      }
      case 'getWatchedPorts':
        return this.withWatched((w) => w.getWatchedPorts());
      case 'setWatchedPorts':
        return this.withWatched((w) => w.setWatchedPorts(values[0] as number[]));
      case 'getNames':
        return this.getNames();
      case 'setReverseDns':
        this.options.names?.setReverseDns(values[0] as boolean);
        return this.getNames();
      case 'queryHistory':
        return this.queryHistory((values[0] as HistoryQuery | undefined) ?? {});
      case 'closeConnection':
        return this.closeConnection(values[0] as CloseConnectionRequest);
      case 'getHistoryRetention':
        return this.getHistoryRetention();
      case 'setHistoryRetention':
        return this.setHistoryRetention(values[0] as HistoryRetention);
      default:
        return unhandled(method);
    }
  }

  /** Whether the alert and trust requests have an engine behind them. */
  get alertsEnabled(): boolean {
    return this.alerts !== null;
  }

  /**
   * Runs one alert request. The engine's RangeErrors (an unknown id, a value out of range) are the
   * caller's mistake, told in the engine's words; anything else (a disk error) passes as it is.
   */
  private async withAlerts<T>(run: (alerts: AlertBackend) => T | Promise<T>): Promise<T> {
    if (this.alerts === null) throw new ApiError(ALERTS_DISABLED, 'alerts-disabled');
    try {
      return await run(this.alerts);
    } catch (e) {
      if (e instanceof RangeError) throw new ApiError(e.message, 'bad-arguments');
      throw e;
    }
  }

  private async withWatched<T>(run: (watched: WatchedPortsBackend) => T | Promise<T>): Promise<T> {
    const watched = this.options.watchedPorts ?? null;
    if (watched === null) throw new ApiError(WATCHED_PORTS_DISABLED, 'watched-ports-disabled');
    try {
      return await run(watched);
    } catch (e) {
      if (e instanceof RangeError) throw new ApiError(e.message, 'bad-arguments');
      throw e;
    }
  }

  async queryHistory(query: HistoryQuery): Promise<HistoryResult> {
    const history = this.options.history ?? null;
    if (history === null) throw new ApiError(HISTORY_DISABLED, 'history-disabled');
    return history.query(query);
  }

  getHistoryRetention(): HistoryRetention {
    if ((this.options.history ?? null) === null) throw new ApiError(HISTORY_DISABLED, 'history-disabled');
    return this.options.settings?.historyRetention ?? { ...this.retentionInMemory };
  }

  /** Saves the retention (settings.json), then applies it: what it no longer keeps is removed now. */
  async setHistoryRetention(retention: HistoryRetention): Promise<HistoryRetention> {
    const history = this.options.history ?? null;
    if (history === null) throw new ApiError(HISTORY_DISABLED, 'history-disabled');
    const settings = this.options.settings ?? null;
    const saved = settings === null ? (this.retentionInMemory = { ...retention }) : await settings.setHistoryRetention(retention);
    await history.setRetention(retentionLimits(saved));
    return { ...saved };
  }

  /**
   * Only a connection the current state shows, and not one of Portwatch's own (the same rule as the
   * UI's and the CLI's): the page can close what it shows, not any pair of ends it makes up.
   */
  async closeConnection(request: CloseConnectionRequest): Promise<CloseConnectionResult> {
    const local = parseEndpoint(request.local)!;
    const remote = parseEndpoint(request.remote)!;
    const same = (a: string | null, b: string) => a !== null && a.toLowerCase() === b.toLowerCase();
    const shown = this.monitor
      .getState()
      .snapshot.sockets.find((s) => s.protocol === 'tcp' && s.localPort === local.port && s.remotePort === remote.port && same(s.localAddress, local.address) && same(s.remoteAddress, remote.address));
    if (shown === undefined) throw new ApiError(`Portwatch shows no TCP connection from ${request.local} to ${request.remote}; it only closes connections it shows`, 'refused');
    const own = shown.inode !== null && shown.inode !== 0 && ownSocketInodes().has(shown.inode);
    const why = own ? "this is one of Portwatch's own connections" : whyNotClosable(shown, process.pid);
    if (why !== null) throw new ApiError(`Not closing ${request.local} → ${request.remote}: ${why}`, 'refused');
    return (this.options.closeConnection ?? closeConnection)(request.local, request.remote);
  }

  /** The names known now; a host without names has none, and no lookups to turn on. */
  getNames(): NamesState {
    return this.options.names?.state() ?? { version: 0, reverseDns: false, addresses: {} };
  }

  /** FullState.traffic is measured while a subscriber (a host carrying events to a view) is attached. */
  getState(): FullState {
    const { seq, snapshot } = this.monitor.getState();
    return { seq, snapshot, status: this.monitor.getStatus(), traffic: this.monitor.getTraffic() };
  }

  async getConflicts(): Promise<Conflict[]> {
    const { snapshot } = this.monitor.getState();
    const now = snapshot.takenAt || Date.now();
    for (const [key, at] of this.closedListeners) if (now - at > RECENT_LISTENER_MS) this.closedListeners.delete(key);
    return findConflicts(snapshot.sockets, {
      localhostOrder: await (this.options.localhostOrder ?? localhostOrder)(),
      now,
      ephemeralPorts: this.ephemeralPorts,
      recentListeners: new Set(this.closedListeners.keys()),
    });
  }

  lookupPort(port: number): PortLookup {
    return lookupPort(this.monitor.getState().snapshot.sockets, port, this.options.readCwd ?? ((pid) => readCwd(pid)));
  }

  /**
   * Only a process that owns a socket in the current state, as it was shown (pid and start time):
   * the page can end what it shows, not any pid it makes up.
   */
  async endProcess(request: EndProcessRequest): Promise<EndProcessResult> {
    const owned = this.monitor.getState().snapshot.sockets.some((s) => s.pid === request.pid && s.process?.startedAt === request.startedAt);
    if (!owned) {
      throw new ApiError(`pid ${request.pid} (started ${formatStartTime(request.startedAt)}) owns no socket Portwatch shows; Portwatch only ends processes it shows`, 'refused');
    }
    try {
      return await (this.options.endProcess ?? endProcess)(request);
    } catch (e) {
      // The refusal's own code (refused, reused, not-permitted, unsupported) is the contract's.
      if (e instanceof ProcessControlError) throw new ApiError(e.message, e.code);
      throw e;
    }
  }

  /**
   * The monitor's deltas, traffic updates (each after the delta of its seq) and status, the alert
   * engine's events as 'alert', the watcher's as 'watched-port', the names' as 'names'. 'open-alert'
   * never comes from here: only the Electron host sends it (a tray or notification click).
   */
  subscribe(listener: ServiceListener): () => void {
    const offMonitor = this.monitor.subscribe((e) => {
      if (e.type === 'delta') listener('delta', e.delta);
      else listener('status', e.status);
    });
    const offTraffic = this.monitor.subscribeTraffic((update) => listener('traffic', update));
    const offAlerts = this.alerts?.subscribe((e) => listener('alert', e)) ?? (() => {});
    const offWatched = this.options.watchedPorts?.subscribe((e) => listener('watched-port', e.event)) ?? (() => {});
    const offNames = this.options.names?.subscribe((update) => listener('names', update)) ?? (() => {});
    return () => {
      offMonitor();
      offTraffic();
      offAlerts();
      offWatched();
      offNames();
    };
  }
}

/** Every request must have its case above: a new one in the contract fails to compile here. */
function unhandled(method: never): never {
  throw new ApiError(`request ${String(method)} has no handler in this host`, 'unknown-request');
}
