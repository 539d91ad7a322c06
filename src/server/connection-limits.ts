// Connections that hold a file handle without being a page at work. Anyone on this machine can open
// TCP connections to the port, token or not: thousands left idle would use up the server's file
// handles and shut the real page out. So a connection must send a complete request head quickly, at
// most SILENT_LIMIT may be waiting to (past it the oldest is dropped), and at most IDLE_LIMIT kept-alive
// connections may sit between requests. A page's request arrives within milliseconds and is never
// among the oldest silent ones; a WebSocket, once the token let it in, leaves these counts.
import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import type { Socket } from 'node:net';

export const SILENT_LIMIT = 64;
export const IDLE_LIMIT = 128;
/** A connection that has not sent a whole request head by then is dropped. */
export const HEADERS_TIMEOUT_MS = 10_000;
/** A request (head and body) must be complete by then. */
export const REQUEST_TIMEOUT_MS = 20_000;

export function limitConnections(server: Server): void {
  const silent = new Set<Socket>();
  const idle = new Set<Socket>();
  const quiet = (socket: Socket) => {
    silent.delete(socket);
    idle.delete(socket);
  };
  server.headersTimeout = HEADERS_TIMEOUT_MS;
  server.requestTimeout = REQUEST_TIMEOUT_MS;
  server.keepAliveTimeout = 5_000;
  server.on('connection', (socket: Socket) => {
    silent.add(socket);
    socket.once('close', () => quiet(socket));
    // Node checks the head's timeout only every few seconds: a silent connection is timed here.
    socket.setTimeout(HEADERS_TIMEOUT_MS, () => {
      if (silent.has(socket)) socket.destroy();
    });
    evictOldest(silent, SILENT_LIMIT);
  });
  server.on('request', (req: IncomingMessage, res: ServerResponse) => {
    const socket = req.socket;
    quiet(socket);
    socket.setTimeout(0);
    res.once('finish', () => {
      if (socket.destroyed) return;
      idle.add(socket);
      evictOldest(idle, IDLE_LIMIT);
    });
  });
  server.on('upgrade', (req: IncomingMessage) => {
    quiet(req.socket);
    req.socket.setTimeout(0);
  });
}

function evictOldest(set: Set<Socket>, limit: number): void {
  while (set.size > limit) {
    const oldest = set.values().next().value!;
    set.delete(oldest);
    oldest.destroy();
  }
}
