// Why a request failed, as a code beside the words: a view branches on the code and shows the words.
// Both transports carry it: the WebSocket's failed result has a `code` field; Electron's invoke keeps
// only the text of a handler's error ("Error invoking remote method 'portwatch:x': <name>: <message>"),
// so there the code travels in the error's name, ApiError[code], and errorCode() reads it back.

export const API_ERROR_CODES = [
  /** The method is not a request of the contract. */
  'unknown-request',
  /** The message itself is malformed (not JSON, not {id, method, args}). */
  'bad-request',
  /** The arguments fail the request's schema, or the engine finds them out of range (an unknown alert id). */
  'bad-arguments',
  /** This host runs no alert engine. */
  'alerts-disabled',
  /** This host runs no watched-ports watcher. */
  'watched-ports-disabled',
  /** This host keeps no history (no data folder, or it cannot be written). */
  'history-disabled',
  /** Not allowed: a sender that is not our page, a process Portwatch does not show, pid 1, Portwatch itself. */
  'refused',
  /** The pid now belongs to another process than the one shown. */
  'reused',
  /** The OS denied it (another user's process): more rights are needed. */
  'not-permitted',
  /** Not possible on this system. */
  'unsupported',
  /** Too many actions that cannot be undone (ending processes, trusting, re-learning) too quickly: try again shortly. */
  'rate-limited',
  /** This page already has as many requests (or a full state) on the way as it may: wait for them. */
  'busy',
  /** Anything else (a disk error, a bug): the words say what. */
  'failed',
] as const;
export type ApiErrorCode = (typeof API_ERROR_CODES)[number];

export function isApiErrorCode(value: unknown): value is ApiErrorCode {
  return typeof value === 'string' && (API_ERROR_CODES as readonly string[]).includes(value);
}

/** A failed request, with its code; the message is said to the user as it is. */
export class ApiError extends Error {
  readonly code: ApiErrorCode;
  constructor(message: string, code: ApiErrorCode = 'failed') {
    super(message);
    this.code = code;
    // Electron's invoke keeps "name: message" only: the code rides in the name.
    this.name = `ApiError[${code}]`;
  }
}

/** Any error as an ApiError: its own code when it has one, 'failed' otherwise; the message unchanged. */
export function toApiError(e: unknown): ApiError {
  if (e instanceof ApiError) return e;
  return new ApiError(e instanceof Error ? e.message : String(e), 'failed');
}

const CODE_IN_TEXT = /\bApiError\[([a-z-]+)\]: /;

/** The code of a failed request: an error's own code, or the one Electron's invoke kept in the text; else 'failed'. */
export function errorCode(e: unknown): ApiErrorCode {
  if (typeof e === 'object' && e !== null && 'code' in e && isApiErrorCode(e.code)) return e.code;
  const text = e instanceof Error ? `${e.name}: ${e.message}` : String(e);
  const code = CODE_IN_TEXT.exec(text)?.[1];
  return isApiErrorCode(code) ? code : 'failed';
}
