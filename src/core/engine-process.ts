// The engine's side of engine-protocol.ts. serveEngine is for a process that runs nothing else
// (Electron's utility process): it waits for 'open', opens the engine (openEngine), and 'close'
// writes what is pending and ends the process. attachSession is the part every host shares, for one
// host of an engine already open (the agent has one per client on its Unix socket): it answers each
// request through ApiService (which checks its arguments), refuses actions to a read-only host, and
// pushes the contract's events, the warnings and the tray summary.
import { accessRefusal, type Access } from '../shared/access.js';
import { toApiError } from '../shared/api-errors.js';
import type { FullState } from '../shared/api.js';
import type { MonitorStatus } from '../shared/status.js';
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
import { totalRate } from '../shared/traffic.js';

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
    traffic: totalRate(engine.monitor.getTraffic()),
    latest: latest.map(({ id, at, severity, message, acknowledgedAt }) => ({ id, at, severity, message, acknowledgedAt })),
  };
}

export interface SessionOptions {
  /** What this host may do (default full); a read-only host is refused the actions (access.ts). */
  access?: Access;
  /** The tray summary goes out at most this often while nothing but counts change. */
  summaryMs?: number;
  /** Who this host is, for ApiService's per-client rate limits (an agent's clients each their own). */
  client?: string;
}

export interface EngineSession {
  /** Says the engine is ready (after its first poll) and sends the first summary. */
  ready(): void;
  answer(request: Extract<HostMessage, { type: 'request' }>): Promise<void>;
  /** Stops sending; the engine runs on. */
  detach(): void;
}

/** The status as this host may read it: the engine's identity carries the host's access. */
function statusFor(status: MonitorStatus, access: Access): MonitorStatus {
  return status.engine && status.engine.access !== access ? { ...status, engine: { ...status.engine, access } } : status;
}

/** One host of an open engine: events, warnings and summaries to send, requests answered. */
export function attachSession(engine: Engine, send: (message: EngineMessage) => void, options: SessionOptions = {}): EngineSession {
  const access = options.access ?? 'full';
  const summaryMs = options.summaryMs ?? 1_000;
  let detached = false;
  const post = (message: EngineMessage) => {
    if (!detached) send(message);
  };

  let summaryTimer: NodeJS.Timeout | null = null;
  let summarizedAt = -Infinity;
  let shownState: string | null = null;
  let started = false;
  const sendSummary = () => {
    if (summaryTimer !== null) clearTimeout(summaryTimer);
    summaryTimer = null;
    if (detached || !started) return;
    summarizedAt = Date.now();
    const summary = summarize(engine);
    shownState = summary.status.state;
    post({ type: 'summary', summary: { ...summary, status: statusFor(summary.status, access) } });
  };
  /** Counts follow at most once a period; a state change (paused, failing) and new alerts show at once. */
  const scheduleSummary = (now: boolean) => {
    if (now) return sendSummary();
    if (summaryTimer !== null) return;
    summaryTimer = setTimeout(sendSummary, Math.max(0, summarizedAt + summaryMs - Date.now()));
  };

  const forward: ServiceListener = (event, payload) => {
    if (!(ENGINE_EVENTS as readonly string[]).includes(event)) return;
    const value = event === 'status' ? statusFor(payload as MonitorStatus, access) : payload;
    post({ type: 'event', event: event as EngineEventName, payload: value });
  };
  const stops = [
    engine.service.subscribe(forward),
    engine.onWarning((warning) => post({ type: 'warning', warning })),
    engine.monitor.subscribe((e) => scheduleSummary(e.type === 'status' && e.status.state !== shownState)),
    engine.alerts?.subscribe((e) => scheduleSummary(e.type !== 'status')),
  ];
  for (const warning of engine.warnings) post({ type: 'warning', warning });

  return {
    ready() {
      started = true;
      post({ type: 'ready', pid: process.pid, dataDir: engine.dataDir, alerts: engine.alerts !== null, watchedPorts: engine.watchedPorts !== null });
      sendSummary();
    },
    async answer(request) {
      const refusal = accessRefusal(access, request.method);
      if (refusal !== null) return post({ type: 'failure', id: request.id, message: refusal, code: 'refused' });
      try {
        let value = await engine.service.call(request.method, request.args, options.client);
        if (request.method === 'getState') value = { ...(value as FullState), status: statusFor((value as FullState).status, access) };
        post({ type: 'result', id: request.id, value });
      } catch (e) {
        // The contract's code travels beside the words; anything without one is 'failed'.
        const error = toApiError(e);
        post({ type: 'failure', id: request.id, message: error.message, code: error.code });
      }
    },
    detach() {
      detached = true;
      if (summaryTimer !== null) clearTimeout(summaryTimer);
      for (const stop of stops) stop?.();
    },
  };
}

export function serveEngine(port: EnginePort, options: ServeEngineOptions): void {
  const open = options.open ?? openEngine;
  const log = options.log ?? ((line: string) => console.error(line));
  let engine: Engine | null = null;
  let session: EngineSession | null = null;
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
    session = attachSession(opened, send, options.summaryMs !== undefined ? { summaryMs: options.summaryMs } : {});
    // Ready once the first poll is in: a window (or one whose engine was restarted) never reads an
    // empty table that the next delta would fill as if every socket were new.
    await opened.start();
    if (!closing) session.ready();
  };

  const answer = async (request: Extract<HostMessage, { type: 'request' }>) => {
    if (session === null) {
      send({ type: 'failure', id: request.id, message: 'the Portwatch engine is not open yet', code: 'failed' });
      return;
    }
    await session.answer(request);
  };

  const close = async () => {
    if (closing) return;
    closing = true;
    session?.detach();
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
