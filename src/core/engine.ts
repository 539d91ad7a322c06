// The one composition root: opens the whole engine for a data folder — the socket source, the poll
// loop, the alert engine, the watched-ports watcher and the ApiService every request passes — and
// hands back its parts, what the user must be told, and close(). Every host uses it: the Electron
// engine process, `serve`, `watch` (and the agent to come), so they share one failure policy:
//
// - no data folder (dataDir null): nothing is read or written; no alerts; the watched ports are the
//   default list, kept in memory for this run.
// - a data folder that cannot be used (a file, no rights, read-only): the engine goes on without
//   alerts, the watched ports as above, and says so in one warning ('data-dir-unusable').
// - a folder that works but whose alert files cannot be opened: no alerts ('alerts-unavailable');
//   the same for settings.json ('settings-unavailable', watched ports in memory).
// - what the stores report as they open or run (a file kept aside, a failed write): 'store' warnings,
//   each told once, through onWarning as they come.
import { AlertEngine, type AlertEngineOptions } from './alert-engine.js';
import { HistoryRecorder } from './history-recorder.js';
import { Monitor } from './monitor.js';
import { dnsFromEnvironment } from './names/dns-environment.js';
import { NameService, type NameServiceOptions } from './names/name-service.js';
import { ApiService, type ServiceOptions } from './service.js';
import { createSource } from './sources/index.js';
import type { SocketSource } from './sources/source.js';
import { ensureDataDir } from './store/data-dir.js';
import { SettingsStore } from './store/settings.js';
import { retentionLimits } from '../shared/history.js';
import { engineIdentity } from './engine-identity.js';
import type { EngineIdentity } from '../shared/status.js';
import { HistoryLog, type HistoryLogOptions } from './store/history-log.js';
import { WatchedPortsWatcher } from './watched-ports-watcher.js';

export interface EngineOptions {
  /** The data folder (trust rules, alert log, settings.json); null keeps nothing on disk. */
  dataDir: string | null;
  /** Default: the fastest source this OS offers. */
  source?: SocketSource;
  intervalMs?: number;
  /** Start paused: a restarted engine keeps the state the user chose. */
  paused?: boolean;
  /** See MonitorOptions.seqBase. */
  seqBase?: number;
  /** The alert engine's options (its dataDir is the engine's); false runs without alerts. Default {}. */
  alerts?: Omit<AlertEngineOptions, 'dataDir'> | false;
  /** Follow watched ports (default true). */
  watchedPorts?: boolean;
  /**
   * Names of remote addresses (reverse DNS, offline owners); false runs without. Default: reverse DNS
   * as PORTWATCH_DNS_SERVER says (the system's resolver when unset).
   */
  names?: NameServiceOptions | false;
  /** History of closed connections and gone listeners (in DATA_DIR/history); false runs without. Default {}. */
  history?: (Omit<HistoryLogOptions, 'onError'> & { measureTraffic?: boolean }) | false;
  /** The OS facts the port tools read; tests may pin them. */
  service?: Omit<ServiceOptions, 'alerts' | 'watchedPorts' | 'names' | 'history' | 'settings'>;
  /** Which host runs this engine (the status says it, with the engine's rights). Default 'app'. */
  host?: EngineIdentity['host'];
}

export type EngineWarning =
  | { code: 'data-dir-unusable' | 'alerts-unavailable' | 'settings-unavailable'; dataDir: string; reason: string; message: string }
  | { code: 'store'; message: string };

export interface Engine {
  readonly dataDir: string | null;
  readonly monitor: Monitor;
  /** Null when alerts are off or could not be kept (see warnings). */
  readonly alerts: AlertEngine | null;
  /** Null only when watched ports are off; in memory when the data folder could not hold them. */
  readonly watchedPorts: WatchedPortsWatcher | null;
  /** Null only when names are off. */
  readonly names: NameService | null;
  /** Null when history is off or cannot be kept (see warnings). */
  readonly history: HistoryLog | null;
  /** settings.json (watched ports, history retention); null without a usable data folder. */
  readonly settings: SettingsStore | null;
  readonly service: ApiService;
  /** Everything told so far, oldest first. */
  readonly warnings: readonly EngineWarning[];
  /** Each new warning, once. */
  onWarning(listener: (warning: EngineWarning) => void): () => void;
  /** Starts polling; resolves after the first poll. */
  start(): Promise<void>;
  /** Stops polling and writes what is pending (alerts, acknowledgements, settings). Idempotent. */
  close(): Promise<void>;
}

/** What a failed open of the data folder means to the user. */
export function describeFolderError(e: unknown): string {
  switch ((e as NodeJS.ErrnoException | null)?.code) {
    case 'EEXIST':
    case 'ENOTDIR':
      return 'it, or a folder above it, is a file';
    case 'EACCES':
    case 'EPERM':
      return 'not allowed to write there';
    case 'EROFS':
      return 'it is on a read-only file system';
    case 'EUNSAFE':
      // Not ours, writable by others, or a link where a data file should be: its own words say which.
      return (e as Error).message;
    default:
      return e instanceof Error ? e.message : String(e);
  }
}

/**
 * The user's history retention (settings.json), followed as another Portwatch or `portwatch retention`
 * changes it; none where the host sets its own limits (tests) or has no settings.
 */
function userRetention(settings: SettingsStore | null, own: Omit<HistoryLogOptions, 'onError'>): Pick<HistoryLogOptions, 'maxAgeMs' | 'maxBytes' | 'retention'> {
  if (settings === null || own.maxAgeMs !== undefined || own.maxBytes !== undefined) return {};
  return { ...retentionLimits(settings.historyRetention), retention: async () => retentionLimits(await settings.reloadHistoryRetention()) };
}

export async function openEngine(options: EngineOptions): Promise<Engine> {
  const monitor = new Monitor({
    source: options.source ?? createSource(),
    ...(options.intervalMs !== undefined ? { intervalMs: options.intervalMs } : {}),
    ...(options.seqBase !== undefined ? { seqBase: options.seqBase } : {}),
    engine: engineIdentity(options.host ?? 'app'),
  });
  const warnings: EngineWarning[] = [];
  const listeners = new Set<(warning: EngineWarning) => void>();
  const told = new Set<string>();
  const warn = (warning: EngineWarning) => {
    if (told.has(warning.message)) return;
    told.add(warning.message);
    warnings.push(warning);
    for (const l of listeners) {
      try {
        l(warning);
      } catch {
        // A faulty listener must not keep the others from hearing it.
      }
    }
  };

  const { dataDir } = options;
  const wantsAlerts = options.alerts !== false;
  const wantsWatched = options.watchedPorts !== false;
  const wantsHistory = options.history !== false;
  let folderWorks = dataDir !== null;
  if (dataDir !== null && (wantsAlerts || wantsWatched || wantsHistory)) {
    try {
      await ensureDataDir(dataDir);
    } catch (e) {
      folderWorks = false;
      const reason = describeFolderError(e);
      warn({ code: 'data-dir-unusable', dataDir, reason, message: `cannot keep alerts or settings in ${dataDir}: ${reason}` });
    }
  }

  let alerts: AlertEngine | null = null;
  if (wantsAlerts && folderWorks && dataDir !== null) {
    try {
      alerts = await AlertEngine.open(monitor, { ...(options.alerts || {}), dataDir });
    } catch (e) {
      const reason = describeFolderError(e);
      warn({ code: 'alerts-unavailable', dataDir, reason, message: `cannot keep alerts in ${dataDir}: ${reason}` });
    }
  }

  // One store for settings.json: the watched ports and the history's retention are written through it.
  let settings: SettingsStore | null = null;
  let settingsWarnings: string[] = [];
  if ((wantsWatched || wantsHistory) && folderWorks && dataDir !== null) {
    try {
      ({ store: settings, warnings: settingsWarnings } = await SettingsStore.open(dataDir));
    } catch (e) {
      const reason = describeFolderError(e);
      warn({ code: 'settings-unavailable', dataDir, reason, message: `cannot keep settings in ${dataDir}: ${reason}` });
    }
  }

  let watchedPorts: WatchedPortsWatcher | null = null;
  if (wantsWatched) watchedPorts = settings === null ? WatchedPortsWatcher.inMemory(monitor) : WatchedPortsWatcher.over(monitor, settings, settingsWarnings);
  else for (const message of settingsWarnings) warn({ code: 'store', message });

  // The stores' own warnings, now and as they come (the alert engine only appends to its list).
  for (const message of watchedPorts?.warnings ?? []) warn({ code: 'store', message });
  if (alerts !== null) {
    const engine = alerts;
    const tell = (messages: readonly string[]) => {
      for (const message of messages) warn({ code: 'store', message });
    };
    tell(engine.status().warnings);
    engine.subscribe((e) => {
      if (e.type === 'status') tell(e.status.warnings);
    });
  }

  let names: NameService | null = null;
  if (options.names !== false) {
    const given = options.names ?? {};
    let fromEnvironment: NameServiceOptions;
    try {
      const choice = dnsFromEnvironment();
      fromEnvironment = choice.reverseDns ? { reverseDns: true, ...(choice.servers ? { dns: { servers: choice.servers } } : {}) } : { reverseDns: false };
    } catch (e) {
      warn({ code: 'store', message: `${e instanceof Error ? e.message : String(e)}; reverse DNS is off` });
      fromEnvironment = { reverseDns: false };
    }
    names = new NameService(monitor, { ...fromEnvironment, ...given, dns: { ...fromEnvironment.dns, ...given.dns } });
  }

  let history: HistoryLog | null = null;
  if (wantsHistory && folderWorks && dataDir !== null) {
    try {
      history = await HistoryLog.open(dataDir, {
        ...userRetention(settings, options.history || {}),
        ...(options.history || {}),
        onError: (e) => warn({ code: 'store', message: `could not write history in ${dataDir}: ${describeFolderError(e)}` }),
      });
      for (const message of history.warnings) warn({ code: 'store', message });
    } catch (e) {
      warn({ code: 'store', message: `cannot keep history in ${dataDir}: ${describeFolderError(e)}; closed connections are not recorded` });
    }
  }
  const nameService = names;
  const measureTraffic = options.history !== false && options.history?.measureTraffic === true;
  const recorder =
    history === null ? null : new HistoryRecorder(monitor, history, { measureTraffic, ...(nameService ? { names: (key: string) => nameService.lookup(key) } : {}) });

  const service = new ApiService(monitor, { ...options.service, alerts, watchedPorts, names, history, settings });

  let closing: Promise<void> | null = null;
  return {
    dataDir,
    monitor,
    alerts,
    watchedPorts,
    names,
    history,
    settings,
    service,
    warnings,
    onWarning(listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
    async start() {
      // Paused engines still take one poll: the view starts from the machine as it is.
      await monitor.start();
      if (options.paused) monitor.pause();
    },
    close() {
      closing ??= (async () => {
        monitor.stop();
        names?.close();
        recorder?.close();
        await Promise.all([alerts?.close(), watchedPorts?.close(), history?.flush()]);
      })();
      return closing;
    },
  };
}
