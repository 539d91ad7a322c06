// A host's side of an engine elsewhere (see engine-protocol.ts): the desktop app's engine in its
// utility process, or a running agent over its Unix socket (agent-connection.ts). It forks the
// engine (or connects), opens it, carries requests to it by id with a timeout each, and hands its events to whoever subscribes —
// with the same call/subscribe shape as ApiService, so the IPC door does not know the engine is
// elsewhere. When the process dies the pending requests fail at once, the window hears it as a
// status with the reason, and the engine is started again, a bounded number of times within a
// window, with its seqs continuing past the last one forwarded (a view sees a gap and reloads) and
// the interval and pause the user had.
import { ApiError } from '../shared/api-errors.js';
import type { EventName, EventPayloads } from '../shared/api.js';
import type { RequestName } from '../shared/channels.js';
import type { MonitorStatus } from '../shared/status.js';
import type { EngineWarning } from './engine.js';
import {
  ENGINE_PROTOCOL_VERSION,
  engineMessageSchema,
  eventPayloadSchemas,
  protocolProblem,
  type EngineConfig,
  type EngineMessage,
  type EngineSummary,
  type HostMessage,
} from './engine-protocol.js';
import { MAX_GRACE_MS } from './process-control.js';

/** What main needs of the engine's process; Electron's UtilityProcess has it all. */
export interface EngineProcess {
  readonly pid: number | undefined;
  postMessage(message: HostMessage): void;
  on(event: 'message', listener: (message: unknown) => void): this;
  on(event: 'exit', listener: (code: number) => void): this;
  kill(): boolean;
}

export type ClientListener = <E extends EventName>(event: E, payload: EventPayloads[E]) => void;

/** Where the engine is in its life, as the window and the tray say it. */
export type EngineState =
  | { phase: 'starting' }
  | { phase: 'running'; pid: number }
  | { phase: 'restarting'; reason: string; attempt: number }
  | { phase: 'failed'; reason: string }
  | { phase: 'closed' };

export interface EngineClientOptions {
  fork: () => EngineProcess;
  config: Omit<EngineConfig, 'seqBase' | 'paused'>;
  /** Restarts allowed within restartWindowMs before the client gives up. */
  maxRestarts?: number;
  restartWindowMs?: number;
  /** The first wait before a restart; it doubles with each restart in the window. */
  restartDelayMs?: number;
  /** How long opening may take (the first poll included, at most), and any request. */
  openTimeoutMs?: number;
  requestTimeoutMs?: number;
  /** How long close() waits for the engine to write what is pending before it kills the process. */
  closeTimeoutMs?: number;
  /** Requests waiting at once; more are refused. */
  maxPending?: number;
  /** Where malformed messages and the engine's death are told; default stderr. */
  log?: (line: string) => void;
}

/** The engine is not there to answer (starting, restarting, gone, silent): the page hears it as 'failed'. */
export class EngineUnavailableError extends ApiError {
  constructor(message: string) {
    super(message, 'failed');
  }
}

interface Pending {
  resolve: (value: unknown) => void;
  reject: (error: Error) => void;
  timer: NodeJS.Timeout;
}

export class EngineClient {
  private readonly options: Required<Omit<EngineClientOptions, 'fork' | 'config'>>;
  private process: EngineProcess | null = null;
  private phase: EngineState = { phase: 'starting' };
  private readonly listeners = new Set<ClientListener>();
  private readonly summaryListeners = new Set<(summary: EngineSummary) => void>();
  private readonly warningListeners = new Set<(warning: EngineWarning) => void>();
  private readonly stateListeners = new Set<(state: EngineState) => void>();
  private readonly pending = new Map<number, Pending>();
  private nextId = 1;
  private lastStatus: MonitorStatus | null = null;
  private lastSummary: EngineSummary | null = null;
  private lastSeq = 0;
  /** What the user set, carried into a restarted engine. */
  private controls: { intervalMs: number; paused: boolean; reverseDns?: boolean };
  private everRan = false;
  private readonly crashes: number[] = [];
  private restartTimer: NodeJS.Timeout | null = null;
  private opened: { resolve: () => void; reject: (e: Error) => void; timer: NodeJS.Timeout } | null = null;
  private closing: Promise<void> | null = null;
  private readonly warned = new Set<string>();
  private info: { pid: number; dataDir: string | null; alerts: boolean; watchedPorts: boolean } | null = null;

  constructor(private readonly spec: EngineClientOptions) {
    this.controls = { intervalMs: spec.config.intervalMs, paused: false };
    this.options = {
      maxRestarts: spec.maxRestarts ?? 3,
      restartWindowMs: spec.restartWindowMs ?? 10 * 60_000,
      restartDelayMs: spec.restartDelayMs ?? 500,
      openTimeoutMs: spec.openTimeoutMs ?? 30_000,
      requestTimeoutMs: spec.requestTimeoutMs ?? 15_000,
      closeTimeoutMs: spec.closeTimeoutMs ?? 3_000,
      maxPending: spec.maxPending ?? 256,
      log: spec.log ?? ((line) => console.error(line)),
    };
  }

  /** Forks and opens the engine; rejects when the first one cannot open (the app cannot run). */
  start(): Promise<void> {
    return this.launch();
  }

  state(): EngineState {
    return this.phase;
  }

  /** The engine process's pid while it runs. */
  get pid(): number | null {
    return this.info?.pid ?? null;
  }

  /** What the engine opened with: its data folder, and whether alerts and watched ports are on. */
  get opening(): { dataDir: string | null; alerts: boolean; watchedPorts: boolean } | null {
    return this.info === null ? null : { dataDir: this.info.dataDir, alerts: this.info.alerts, watchedPorts: this.info.watchedPorts };
  }

  /** The latest summary (null before the first poll). */
  summary(): EngineSummary | null {
    return this.lastSummary;
  }

  /** A request of the contract; the engine checks its arguments. */
  call(method: RequestName, args: readonly unknown[]): Promise<unknown> {
    const process = this.process;
    if (process === null || this.phase.phase !== 'running') return Promise.reject(new EngineUnavailableError(this.unavailableText()));
    if (this.pending.size >= this.options.maxPending) return Promise.reject(new EngineUnavailableError('too many requests are waiting for the Portwatch engine'));
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      const timeoutMs = method === 'endProcess' ? MAX_GRACE_MS + this.options.requestTimeoutMs : this.options.requestTimeoutMs;
      const timer = setTimeout(() => {
        this.pending.delete(id);
        reject(new EngineUnavailableError(`the Portwatch engine did not answer ${method} within ${duration(timeoutMs)}`));
      }, timeoutMs);
      this.pending.set(id, { resolve, reject, timer });
      try {
        process.postMessage({ type: 'request', id, method, args: [...args] });
      } catch (e) {
        clearTimeout(timer);
        this.pending.delete(id);
        reject(new EngineUnavailableError(`could not reach the Portwatch engine: ${e instanceof Error ? e.message : String(e)}`));
      }
    });
  }

  /** The contract's events, as ApiService.subscribe gives them (plus the status said while the engine is down). */
  subscribe(listener: ClientListener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  onSummary(listener: (summary: EngineSummary) => void): () => void {
    this.summaryListeners.add(listener);
    return () => this.summaryListeners.delete(listener);
  }

  /** Each warning once for the life of the app (a restarted engine says the same ones again). */
  onWarning(listener: (warning: EngineWarning) => void): () => void {
    this.warningListeners.add(listener);
    return () => this.warningListeners.delete(listener);
  }

  onState(listener: (state: EngineState) => void): () => void {
    this.stateListeners.add(listener);
    return () => this.stateListeners.delete(listener);
  }

  /** Asks the engine to write what is pending and end; kills it if it has not within closeTimeoutMs. */
  close(): Promise<void> {
    this.closing ??= this.shutDown();
    return this.closing;
  }

  // ---- life of one process ----

  private launch(): Promise<void> {
    // A restart stays 'restarting' (with its reason) until the new engine is ready.
    if (this.phase.phase !== 'restarting') this.setState({ phase: 'starting' });
    let child: EngineProcess;
    try {
      child = this.spec.fork();
    } catch (e) {
      const reason = `could not start the Portwatch engine: ${e instanceof Error ? e.message : String(e)}`;
      // A restart that cannot even fork ends the restarts: say so where the user looks.
      this.setState({ phase: 'failed', reason });
      if (this.everRan) this.sayDown('stopped', reason);
      return Promise.reject(new Error(reason));
    }
    this.process = child;
    const ready = new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.opened = null;
        reject(new Error(`the Portwatch engine did not open within ${duration(this.options.openTimeoutMs)}`));
        child.kill();
      }, this.options.openTimeoutMs);
      this.opened = { resolve, reject, timer };
    });
    child.on('message', (message) => {
      if (this.process === child) this.receive(message);
    });
    child.on('exit', (code) => {
      if (this.process === child) this.exited(code);
    });
    child.postMessage({
      type: 'open',
      version: ENGINE_PROTOCOL_VERSION,
      config: {
        ...this.spec.config,
        // A restarted engine keeps what the user set, and numbers its deltas past what was forwarded.
        intervalMs: this.controls.intervalMs,
        paused: this.controls.paused,
        ...(this.controls.reverseDns !== undefined ? { reverseDns: this.controls.reverseDns } : {}),
        seqBase: this.lastSeq === 0 ? 0 : this.lastSeq + 1,
      },
    });
    return ready;
  }

  private receive(raw: unknown): void {
    const parsed = engineMessageSchema.safeParse(raw);
    if (!parsed.success) {
      this.options.log(`portwatch: ignored a malformed message from the engine (${protocolProblem(parsed.error)})`);
      return;
    }
    const message: EngineMessage = parsed.data;
    switch (message.type) {
      case 'ready': {
        this.info = { pid: message.pid, dataDir: message.dataDir, alerts: message.alerts, watchedPorts: message.watchedPorts };
        this.everRan = true;
        const opened = this.opened;
        this.opened = null;
        if (opened !== null) clearTimeout(opened.timer);
        this.setState({ phase: 'running', pid: message.pid });
        opened?.resolve();
        return;
      }
      case 'failed': {
        const opened = this.opened;
        this.opened = null;
        if (opened !== null) {
          clearTimeout(opened.timer);
          opened.reject(new Error(`the Portwatch engine could not open: ${message.message}`));
        }
        return;
      }
      case 'result':
      case 'failure': {
        const waiting = this.pending.get(message.id);
        if (waiting === undefined) return; // timed out already
        this.pending.delete(message.id);
        clearTimeout(waiting.timer);
        if (message.type === 'result') waiting.resolve(message.value);
        // Rebuilt as the contract's error, so the IPC door passes the code on to the page.
        else waiting.reject(new ApiError(message.message, message.code));
        return;
      }
      case 'event': {
        const checked = eventPayloadSchemas[message.event].safeParse(message.payload);
        if (!checked.success) {
          this.options.log(`portwatch: ignored a malformed ${message.event} event from the engine (${protocolProblem(checked.error)})`);
          return;
        }
        // The payload as it came (a loose check passes unknown fields on to the page untouched).
        const payload = message.payload as EventPayloads[typeof message.event];
        if (message.event === 'delta') this.lastSeq = Math.max(this.lastSeq, (payload as EventPayloads['delta']).seq);
        if (message.event === 'status') {
          const status = payload as MonitorStatus;
          this.lastStatus = status;
          this.lastSeq = Math.max(this.lastSeq, status.seq);
          if (status.state === 'running' || status.state === 'paused') this.controls = { ...this.controls, intervalMs: status.intervalMs, paused: status.state === 'paused' };
        }
        // The reverse-DNS switch (privacy) survives a restart as the user left it.
        if (message.event === 'names') this.controls = { ...this.controls, reverseDns: (payload as EventPayloads['names']).reverseDns };
        this.emit(message.event, payload);
        return;
      }
      case 'warning':
        this.warn(message.warning);
        return;
      case 'summary':
        this.lastSummary = message.summary;
        this.lastSeq = Math.max(this.lastSeq, message.summary.status.seq);
        for (const l of this.summaryListeners) safely(() => l(message.summary));
        return;
      case 'closed':
        return;
    }
  }

  private exited(code: number): void {
    this.process = null;
    this.info = null;
    const closing = this.closing !== null;
    const reason = closing ? 'Portwatch is quitting' : `the Portwatch engine stopped unexpectedly (exit code ${code})`;
    this.failPending(reason);
    const opened = this.opened;
    this.opened = null;
    if (opened !== null) {
      clearTimeout(opened.timer);
      opened.reject(new Error(reason));
    }
    if (closing) {
      this.setState({ phase: 'closed' });
      return;
    }
    // Before the first engine ever ran, start() has failed: the app says so and ends; nothing to restart.
    if (!this.everRan) {
      this.setState({ phase: 'failed', reason });
      return;
    }
    this.options.log(`portwatch: ${reason}`);
    const now = Date.now();
    this.crashes.push(now);
    while (this.crashes.length > 0 && now - this.crashes[0]! > this.options.restartWindowMs) this.crashes.shift();
    const attempt = this.crashes.length;
    if (attempt > this.options.maxRestarts) {
      const failed = `${reason}, ${attempt} times in ${Math.round(this.options.restartWindowMs / 60_000)} minutes; Portwatch stopped restarting it. Quit Portwatch and start it again.`;
      this.setState({ phase: 'failed', reason: failed });
      this.sayDown('stopped', failed);
      return;
    }
    const restarting = `${reason}; restarting it (attempt ${attempt} of ${this.options.maxRestarts})`;
    this.setState({ phase: 'restarting', reason: restarting, attempt });
    this.sayDown('backing-off', restarting);
    this.restartTimer = setTimeout(() => {
      this.restartTimer = null;
      if (this.closing !== null) return;
      this.launch().catch((e: unknown) => this.options.log(`portwatch: ${e instanceof Error ? e.message : String(e)}`));
    }, this.options.restartDelayMs * 2 ** (attempt - 1));
  }

  /** The window's status line and the tray say the engine is down, in the status they already read. */
  private sayDown(state: MonitorStatus['state'], error: string): void {
    const base: MonitorStatus = this.lastStatus ?? {
      state,
      intervalMs: this.spec.config.intervalMs,
      seq: this.lastSeq,
      source: 'engine',
      sockets: 0,
      lastPoll: null,
      warnings: null,
      error: null,
      consecutiveFailures: 0,
    };
    const status: MonitorStatus = { ...base, state, error, consecutiveFailures: base.consecutiveFailures + 1 };
    this.lastStatus = status;
    this.emit('status', status);
    const summary: EngineSummary = {
      status,
      counts: this.lastSummary?.counts ?? { connections: 0, listeners: 0, processes: 0 },
      unacknowledged: this.lastSummary?.unacknowledged ?? 0,
      // Nothing is measured while the engine is down.
      traffic: null,
      latest: this.lastSummary?.latest ?? [],
    };
    for (const l of this.summaryListeners) safely(() => l(summary));
  }

  private async shutDown(): Promise<void> {
    if (this.restartTimer !== null) clearTimeout(this.restartTimer);
    this.restartTimer = null;
    const child = this.process;
    if (child === null) {
      this.setState({ phase: 'closed' });
      return;
    }
    const exited = new Promise<void>((resolve) => child.on('exit', () => resolve()));
    try {
      child.postMessage({ type: 'close' });
    } catch {
      // already going: the exit below settles it
    }
    let timer: NodeJS.Timeout | undefined;
    const late = new Promise<'late'>((resolve) => (timer = setTimeout(() => resolve('late'), this.options.closeTimeoutMs)));
    if ((await Promise.race([exited, late])) === 'late') {
      this.options.log(`portwatch: the engine did not close within ${this.options.closeTimeoutMs} ms; ending it`);
      child.kill();
      await exited;
    }
    clearTimeout(timer);
  }

  private failPending(reason: string): void {
    for (const [id, waiting] of this.pending) {
      clearTimeout(waiting.timer);
      waiting.reject(new EngineUnavailableError(reason));
      this.pending.delete(id);
    }
  }

  private unavailableText(): string {
    switch (this.phase.phase) {
      case 'starting':
        return 'the Portwatch engine is starting';
      case 'restarting':
      case 'failed':
        return this.phase.reason;
      case 'closed':
        return 'Portwatch is quitting';
      case 'running':
        return 'the Portwatch engine is not reachable';
    }
  }

  private warn(warning: EngineWarning): void {
    if (this.warned.has(warning.message)) return;
    this.warned.add(warning.message);
    for (const l of this.warningListeners) safely(() => l(warning));
  }

  private emit<E extends EventName>(event: E, payload: EventPayloads[E]): void {
    for (const l of this.listeners) safely(() => l(event, payload));
  }

  private setState(state: EngineState): void {
    this.phase = state;
    for (const l of this.stateListeners) safely(() => l(state));
  }
}

function duration(ms: number): string {
  return ms < 1000 ? `${ms} ms` : `${Math.round(ms / 1000)} s`;
}

/** A faulty listener must not keep the others from hearing it. */
function safely(run: () => void): void {
  try {
    run();
  } catch (e) {
    console.error(`portwatch: a listener failed: ${e instanceof Error ? e.message : String(e)}`);
  }
}
