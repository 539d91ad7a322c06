// The engine's side of engine-protocol.ts, for a process that runs nothing else (Electron's utility
// process): waits for 'open', opens the engine (openEngine), answers each request through ApiService
// (which checks its arguments), and pushes the contract's events, the warnings and the tray summary
// to the host. 'close' writes what is pending and ends the process.
import { toApiError } from '../shared/api-errors.js';
import type { ServiceListener } from './service.js';
import { openEngine, type Engine, type EngineOptions } from './engine.js';
import {
  ENGINE_EVENTS,
  hostMessageSchema,
  protocolProblem,
  type EngineEventName,
  type EngineMessage,
  type EngineSummary,
  type HostMessage,
} from './engine-protocol.js';
import type { Socket } from '../shared/model.js';

/** How the engine talks to its host: Electron's parentPort, or any channel that carries clones. */
export interface EnginePort {
  postMessage(message: EngineMessage): void;
  onMessage(listener: (message: unknown) => void): void;
}

export interface ServeEngineOptions {
  /** Ends the process once closed (or when it cannot open); tests pass their own. */
  exit: (code: number) => void;
  /** Opens the engine; tests pin the source here. Default openEngine. */
  open?: (options: EngineOptions) => Promise<Engine>;
  /** The tray summary goes out at most this often while nothing but counts change. */
  summaryMs?: number;
  /** Where the process says what it ignored; default stderr. */
  log?: (line: string) => void;
}

/** The newest alerts the summary carries (the tray shows five). */
const SUMMARY_ALERTS = 5;

export function countSockets(sockets: Iterable<Socket>): EngineSummary['counts'] {
  let connections = 0;
  let listeners = 0;
  const pids = new Set<number>();
  for (const s of sockets) {
    if (s.listening) listeners++;
    else connections++;
    if (s.pid !== null) pids.add(s.pid);
  }
  return { connections, listeners, processes: pids.size };
}

export function summarize(engine: Engine): EngineSummary {
  const latest = engine.alerts?.list({ limit: SUMMARY_ALERTS, unacknowledged: true }) ?? [];
  return {
    status: engine.monitor.getStatus(),
    counts: countSockets(engine.monitor.getState().snapshot.sockets),
    unacknowledged: engine.alerts?.status().unacknowledged ?? 0,
    latest: latest.map(({ id, at, severity, message, acknowledgedAt }) => ({ id, at, severity, message, acknowledgedAt })),
  };
}

export function serveEngine(port: EnginePort, options: ServeEngineOptions): void {
  const open = options.open ?? openEngine;
  const summaryMs = options.summaryMs ?? 1_000;
  const log = options.log ?? ((line: string) => console.error(line));
  let engine: Engine | null = null;
  let opening = false;
  let closing = false;

  const send = (message: EngineMessage) => {
    try {
      port.postMessage(message);
    } catch (e) {
      // A value that cannot be cloned is a bug here, not the host's: say so, keep running.
      log(`portwatch engine: could not send a ${message.type} message: ${e instanceof Error ? e.message : String(e)}`);
    }
  };

  let summaryTimer: NodeJS.Timeout | null = null;
  let summarizedAt = -Infinity;
  let shownState: string | null = null;
  const sendSummary = () => {
    if (summaryTimer !== null) clearTimeout(summaryTimer);
    summaryTimer = null;
    if (engine === null || closing) return;
    summarizedAt = Date.now();
    const summary = summarize(engine);
    shownState = summary.status.state;
    send({ type: 'summary', summary });
  };
  /** Counts follow at most once a period; a state change (paused, failing) and new alerts show at once. */
  const scheduleSummary = (now: boolean) => {
    if (now) return sendSummary();
    if (summaryTimer !== null) return;
    summaryTimer = setTimeout(sendSummary, Math.max(0, summarizedAt + summaryMs - Date.now()));
  };

  const start = async (config: Extract<HostMessage, { type: 'open' }>['config']) => {
    opening = true;
    let opened: Engine;
    try {
      opened = await open({
        dataDir: config.dataDir,
        intervalMs: config.intervalMs,
        paused: config.paused,
        seqBase: config.seqBase,
        alerts: config.alerts,
        watchedPorts: config.watchedPorts,
        ...(config.reverseDns !== undefined ? { names: { reverseDns: config.reverseDns } } : {}),
      });
    } catch (e) {
      send({ type: 'failed', message: e instanceof Error ? e.message : String(e) });
      options.exit(1);
      return;
    }
    engine = opened;
    const forward: ServiceListener = (event, payload) => {
      if ((ENGINE_EVENTS as readonly string[]).includes(event)) send({ type: 'event', event: event as EngineEventName, payload });
    };
    opened.service.subscribe(forward);
    for (const warning of opened.warnings) send({ type: 'warning', warning });
    opened.onWarning((warning) => send({ type: 'warning', warning }));
    opened.monitor.subscribe((e) => scheduleSummary(e.type === 'status' && e.status.state !== shownState));
    opened.alerts?.subscribe((e) => scheduleSummary(e.type !== 'status'));
    // Ready once the first poll is in: a window (or one whose engine was restarted) never reads an
    // empty table that the next delta would fill as if every socket were new.
    await opened.start();
    send({ type: 'ready', pid: process.pid, dataDir: opened.dataDir, alerts: opened.alerts !== null, watchedPorts: opened.watchedPorts !== null });
    sendSummary();
  };

  const answer = async (request: Extract<HostMessage, { type: 'request' }>) => {
    if (engine === null) {
      send({ type: 'failure', id: request.id, message: 'the Portwatch engine is not open yet', code: 'failed' });
      return;
    }
    try {
      const value = await engine.service.call(request.method, request.args);
      send({ type: 'result', id: request.id, value });
    } catch (e) {
      // The contract's code travels beside the words; anything without one is 'failed'.
      const error = toApiError(e);
      send({ type: 'failure', id: request.id, message: error.message, code: error.code });
    }
  };

  const close = async () => {
    if (closing) return;
    closing = true;
    if (summaryTimer !== null) clearTimeout(summaryTimer);
    await engine?.close();
    send({ type: 'closed' });
    options.exit(0);
  };

  port.onMessage((raw) => {
    const parsed = hostMessageSchema.safeParse(raw);
    if (!parsed.success) {
      // Nothing to answer: an envelope that does not parse has no id to trust.
      log(`portwatch engine: ignored a malformed message (${protocolProblem(parsed.error)})`);
      return;
    }
    const message = parsed.data;
    switch (message.type) {
      case 'open':
        if (opening) log('portwatch engine: ignored a second open');
        else void start(message.config);
        return;
      case 'request':
        void answer(message);
        return;
      case 'close':
        void close();
        return;
    }
  });
}
