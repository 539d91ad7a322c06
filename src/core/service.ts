// The host side of the API contract: every request from any transport passes through call(), which
// checks the method and its arguments before the engine sees them. Hosts only carry messages.
import type { EventName, EventPayloads, FullState } from '../shared/api.js';
import { isRequestName, requestSchemas } from '../shared/api.js';
import type { Conflict } from '../shared/conflicts.js';
import type { Family } from '../shared/model.js';
import type { EndProcessRequest, EndProcessResult, PortLookup } from '../shared/ports.js';
import { ephemeralPortRange, findConflicts, localhostOrder } from './analysis/conflicts.js';
import { lookupPort } from './analysis/ports.js';
import type { Monitor } from './monitor.js';
import { endProcess, formatStartTime, readCwd } from './process-control.js';

export class ApiError extends Error {
  override name = 'ApiError';
}

export type ServiceListener = <E extends EventName>(event: E, payload: EventPayloads[E]) => void;

/** The OS facts the port tools read; tests may pin them. */
export interface ServiceOptions {
  localhostOrder?: () => Promise<Family[]>;
  readCwd?: (pid: number) => string | null;
  endProcess?: (request: EndProcessRequest) => Promise<EndProcessResult>;
}

/** A listener that closed this recently still makes its port a server port for "still busy". */
const RECENT_LISTENER_MS = 10 * 60_000;

export class ApiService {
  /** Listening TCP sockets by id → "tcp:PORT", and when each port last lost a listener. */
  private readonly listeners = new Map<string, string>();
  private readonly closedListeners = new Map<string, number>();
  private readonly ephemeralPorts = ephemeralPortRange();

  constructor(
    private readonly monitor: Monitor,
    private readonly options: ServiceOptions = {},
  ) {
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

  async call(method: unknown, args: unknown): Promise<unknown> {
    if (!isRequestName(method)) throw new ApiError(`unknown request ${JSON.stringify(String(method)).slice(0, 80)}`);
    const parsed = requestSchemas[method].safeParse(args);
    if (!parsed.success) {
      const issue = parsed.error.issues[0];
      throw new ApiError(`bad arguments for ${method}: ${issue ? `${issue.path.join('.') || 'args'}: ${issue.message}` : 'invalid'}`);
    }
    switch (method) {
      case 'getState':
        return this.getState();
      case 'pause':
        this.monitor.pause();
        return undefined;
      case 'resume':
        this.monitor.resume();
        return undefined;
      case 'setInterval': {
        const [ms] = parsed.data as [number];
        this.monitor.setInterval(ms);
        return undefined;
      }
      case 'getConflicts':
        return this.getConflicts();
      case 'lookupPort': {
        const [port] = parsed.data as [number];
        return this.lookupPort(port);
      }
      case 'endProcess': {
        const [request] = parsed.data as [EndProcessRequest];
        return this.endProcess(request);
      }
    }
  }

  getState(): FullState {
    const { seq, snapshot } = this.monitor.getState();
    return { seq, snapshot, status: this.monitor.getStatus() };
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
      throw new ApiError(`pid ${request.pid} (started ${formatStartTime(request.startedAt)}) owns no socket Portwatch shows; Portwatch only ends processes it shows`);
    }
    return (this.options.endProcess ?? endProcess)(request);
  }

  subscribe(listener: ServiceListener): () => void {
    return this.monitor.subscribe((e) => {
      if (e.type === 'delta') listener('delta', e.delta);
      else listener('status', e.status);
    });
  }
}
