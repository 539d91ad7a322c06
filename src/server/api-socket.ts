// The contract over WebSocket: each text frame from the page is a request { id, method, args }
// answered by one result; every engine event is pushed to every page. ApiService checks the
// method and its arguments, exactly as it does for Electron IPC.
import type { RawData, WebSocket } from 'ws';
import type { WsServerMessage } from '../shared/api.js';
import { toApiError, type ApiErrorCode } from '../shared/api-errors.js';
import { wsClientMessage } from '../shared/api.js';
import type { ApiService } from '../core/service.js';

/** Requests are a few hundred bytes; anything near this is not our page talking. */
export const MAX_MESSAGE_BYTES = 64 * 1024;
/**
 * A page this far behind (frozen tab, suspended laptop) is closed rather than buffered without end:
 * on reconnecting it fetches the full state, which costs less than replaying every delta.
 */
export const MAX_BUFFERED_BYTES = 32 * 1024 * 1024;

const CLOSE_TRY_AGAIN_LATER = 1013;
const CLOSE_GOING_AWAY = 1001;

export class ApiSocketHub {
  private readonly clients = new Set<WebSocket>();
  private readonly unsubscribe: () => void;

  constructor(private readonly service: ApiService) {
    // One subscription for all pages; each event is serialised once, whatever the number of pages.
    this.unsubscribe = service.subscribe((event, payload) => {
      const text = JSON.stringify({ type: 'event', event, payload } satisfies WsServerMessage);
      for (const ws of this.clients) send(ws, text);
    });
  }

  get size(): number {
    return this.clients.size;
  }

  add(ws: WebSocket): void {
    this.clients.add(ws);
    ws.on('close', () => this.clients.delete(ws));
    // Errors (an oversized frame, a reset connection) close the socket; they must not end the server.
    ws.on('error', () => {});
    ws.on('message', (data, isBinary) => void this.answer(ws, data, isBinary));
  }

  private async answer(ws: WebSocket, data: RawData, isBinary: boolean): Promise<void> {
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
    try {
      const value = await this.service.call(method, args);
      reply(ws, { type: 'result', id, ok: true, value });
    } catch (e) {
      const error = toApiError(e);
      fail(id, error.message, error.code);
    }
  }

  /** Says goodbye to every page; a page that does not answer within graceMs is cut off. */
  async close(graceMs = 1000): Promise<void> {
    this.unsubscribe();
    const open = [...this.clients];
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

function reply(ws: WebSocket, message: WsServerMessage): void {
  send(ws, JSON.stringify(message));
}

function send(ws: WebSocket, text: string): void {
  if (ws.readyState !== ws.OPEN) return;
  if (ws.bufferedAmount > MAX_BUFFERED_BYTES) {
    ws.close(CLOSE_TRY_AGAIN_LATER, 'too far behind: reconnect and fetch the state again');
    return;
  }
  ws.send(text);
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
