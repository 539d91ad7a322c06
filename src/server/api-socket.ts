// The contract over WebSocket: each text frame from the page is a request { id, method, args }
// answered by one result; every engine event is pushed to every page. ApiService checks the
// method and its arguments, exactly as it does for Electron IPC.
//
// A page that stops reading must not grow the server: each page has a bounded send buffer, and all
// pages together another (past either the page is cut off: it reconnects and fetches the state anew),
// at most one full state on its way to it
// (more state requests meanwhile are answered 'busy', not serialised again), a bounded number of
// requests in progress, and a heartbeat that ends a page gone silent. The number of pages is capped.
import type { RawData, WebSocket } from 'ws';
import type { WsServerMessage } from '../shared/api.js';
import { toApiError, type ApiErrorCode } from '../shared/api-errors.js';
import { unknownRequest, type ServiceListener } from '../core/service.js';
import { isRequestName, wsClientMessage } from '../shared/api.js';
import type { RequestName } from '../shared/channels.js';

/**
 * What carries the contract behind the pages: this process's ApiService, or an EngineClient attached
 * to an agent (which checks the arguments on its side).
 */
export interface ContractHost {
  /** client: who asks, for the per-client rate limits of ApiService (an agent applies its own). */
  call(method: RequestName, args: readonly unknown[], client?: string): Promise<unknown>;
  subscribe(listener: ServiceListener): () => void;
}
import { MAX_BUFFERED_BYTES, RequestBudget } from './request-budget.js';
import { cutFurthestBehind } from './send-budget.js';

/** Requests are a few hundred bytes; anything near this is not our page talking. */
export const MAX_MESSAGE_BYTES = 64 * 1024;
/** Pages open at once; a tab per monitor is plenty. */
export const MAX_CLIENTS = 32;
/** A page that answers no ping for this long is gone. */
export const HEARTBEAT_MS = 30_000;

const CLOSE_GOING_AWAY = 1001;

interface ClientState {
  id: string;
  budget: RequestBudget;
  alive: boolean;
}

let nextClient = 0;

export class ApiSocketHub {
  private readonly clients = new Map<WebSocket, ClientState>();
  private readonly unsubscribe: () => void;
  private readonly heartbeat: NodeJS.Timeout;

  constructor(private readonly service: ContractHost) {
    // One subscription for all pages; each event is serialised once, into one buffer every page shares.
    this.unsubscribe = service.subscribe((event, payload) => {
      const data = Buffer.from(JSON.stringify({ type: 'event', event, payload } satisfies WsServerMessage));
      for (const ws of this.clients.keys()) send(ws, data);
      this.withinBudget();
    });
    this.heartbeat = setInterval(() => this.beat(), HEARTBEAT_MS);
    this.heartbeat.unref();
  }

  get size(): number {
    return this.clients.size;
  }

  /** Whether one more page may connect. */
  get full(): boolean {
    return this.clients.size >= MAX_CLIENTS;
  }

  add(ws: WebSocket): void {
    const state: ClientState = { id: `ws-${++nextClient}`, budget: new RequestBudget('page'), alive: true };
    this.clients.set(ws, state);
    ws.on('close', () => this.clients.delete(ws));
    // Errors (an oversized frame, a reset connection) close the socket; they must not end the server.
    ws.on('error', () => {});
    ws.on('pong', () => (state.alive = true));
    ws.on('message', (data, isBinary) => void this.answer(ws, state, data, isBinary));
  }

  /** All pages together hold at most MAX_TOTAL_BUFFERED_BYTES: past it, those furthest behind are cut off. */
  private withinBudget(): void {
    cutFurthestBehind(this.clients, (ws) => (ws.readyState === ws.OPEN ? ws.bufferedAmount : 0), (ws) => ws.terminate());
  }

  private beat(): void {
    for (const [ws, state] of this.clients) {
      if (!state.alive) {
        ws.terminate();
        continue;
      }
      state.alive = false;
      ws.ping();
    }
  }

  private async answer(ws: WebSocket, state: ClientState, data: RawData, isBinary: boolean): Promise<void> {
    const fail = (id: number, error: string, code: ApiErrorCode = 'bad-request') => reply(ws, { type: 'result', id, ok: false, error, code });
    if (isBinary) return fail(-1, 'requests are JSON text: {"id", "method", "args"}');
    let raw: unknown;
    try {
      raw = JSON.parse(rawText(data));
    } catch {
      return fail(-1, 'a request must be JSON: {"id", "method", "args"}');
    }
    const parsed = wsClientMessage.safeParse(raw);
    if (!parsed.success) {
      const issue = parsed.error.issues[0];
      const where = issue && issue.path.length > 0 ? `${issue.path.join('.')}: ` : '';
      return fail(idOf(raw), `a request is {"id", "method", "args"}: ${where}${issue?.message ?? 'invalid'}`);
    }
    const { id, method, args } = parsed.data;
    const busy = state.budget.start(method);
    if (busy !== null) return fail(id, busy, 'busy');
    let flushed = Promise.resolve();
    try {
      // Checked here too: a host attached to an agent passes requests on before anything checks them.
      if (!isRequestName(method)) throw unknownRequest(method);
      const value = await this.service.call(method, args, state.id);
      flushed = reply(ws, { type: 'result', id, ok: true, value });
      this.withinBudget();
    } catch (e) {
      const error = toApiError(e);
      void fail(id, error.message, error.code);
    } finally {
      state.budget.done(method, flushed);
    }
  }

  /** Says goodbye to every page; a page that does not answer within graceMs is cut off. */
  async close(graceMs = 1000): Promise<void> {
    this.unsubscribe();
    clearInterval(this.heartbeat);
    const open = [...this.clients.keys()];
    await Promise.all(
      open.map(
        (ws) =>
          new Promise<void>((resolve) => {
            if (ws.readyState === ws.CLOSED) return resolve();
            const timer = setTimeout(() => ws.terminate(), graceMs);
            ws.once('close', () => {
              clearTimeout(timer);
              resolve();
            });
            ws.close(CLOSE_GOING_AWAY, 'Portwatch is shutting down');
          }),
      ),
    );
  }
}

/** Resolves once the message is handed to the kernel (or will never be). */
function reply(ws: WebSocket, message: WsServerMessage): Promise<void> {
  return send(ws, Buffer.from(JSON.stringify(message)));
}

function send(ws: WebSocket, data: Buffer): Promise<void> {
  if (ws.readyState !== ws.OPEN) return Promise.resolve();
  if (ws.bufferedAmount > 0 && ws.bufferedAmount + data.length > MAX_BUFFERED_BYTES) {
    // Not close(): its goodbye would queue behind what the page does not read, and the buffer with it.
    ws.terminate();
    return Promise.resolve();
  }
  return new Promise((resolve) => ws.send(data, { binary: false }, () => resolve()));
}

function rawText(data: RawData): string {
  if (Buffer.isBuffer(data)) return data.toString('utf8');
  if (Array.isArray(data)) return Buffer.concat(data).toString('utf8');
  return Buffer.from(data).toString('utf8');
}

/** The request id when the message carried a usable one, so the page can fail the right call. */
function idOf(raw: unknown): number {
  if (typeof raw === 'object' && raw !== null && 'id' in raw) {
    const { id } = raw as { id: unknown };
    if (typeof id === 'number' && Number.isInteger(id) && id >= 0) return id;
  }
  return -1;
}
