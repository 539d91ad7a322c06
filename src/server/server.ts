// Browser mode: serves the built renderer and carries the API contract over one WebSocket, on
// 127.0.0.1 only. Three locks on the door: a random token (in the URL the user opens), the Host
// header (against DNS rebinding) and, for the WebSocket, the Origin header (against other pages).
//
// Beyond the locks: connections without a request are timed out and capped (connection-limits.ts),
// pages are capped and cannot make the server buffer without end (api-socket.ts), and no file is
// served through a symbolic link.
//
// Token and files: the WebSocket, which carries every byte of data and every action, needs the token;
// the files do not. index.html and /assets/ are what Vite built — the same for every user, no data in
// them — and a page on another origin cannot read them anyway (no CORS headers; the Host check stops
// rebinding). The page takes the token out of its address at once and keeps it in the tab's
// sessionStorage (renderer api/transport.ts), so a reload asks for index.html without it and must
// still get the page; a tab with no token gets a page that says how to open it.
import { constants, existsSync, realpathSync } from 'node:fs';
import { open, realpath } from 'node:fs/promises';
import { createServer, STATUS_CODES, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Duplex } from 'node:stream';
import { join, resolve } from 'node:path';
import { WebSocketServer } from 'ws';
import { ApiSocketHub, MAX_CLIENTS, MAX_MESSAGE_BYTES, type ContractHost } from './api-socket.js';
import { limitConnections } from './connection-limits.js';
import { hostAllowed, LOOPBACK, newToken, originAllowed, securityHeaders, tokenMatches } from './guards.js';
import { resolveStaticFile } from './static-files.js';

import { DEFAULT_PORT } from './default-port.js';

export { DEFAULT_PORT };
export const WS_PATH = '/ws';

export interface ServerOptions {
  /** The engine in this process (ApiService), or an agent's through an EngineClient. */
  service: ContractHost;
  /** 0 picks a free port. */
  port?: number;
  /** Only '127.0.0.1' is accepted: the option exists so a caller asking for more is refused loudly. */
  host?: string;
  /** The built renderer: index.html and assets/. */
  rendererDir: string;
  /** A fixed token (tests); by default a fresh random one per start. */
  token?: string;
}

export interface RunningServer {
  /** What the user opens: http://127.0.0.1:PORT/?token=TOKEN */
  url: string;
  token: string;
  port: number;
  close(): Promise<void>;
}

/** The UI has not been built into rendererDir. */
export class UiNotBuiltError extends Error {
  override name = 'UiNotBuiltError';
}

export async function startServer(options: ServerOptions): Promise<RunningServer> {
  const host = options.host ?? LOOPBACK;
  if (host !== LOOPBACK) {
    throw new Error(`browser mode listens on ${LOOPBACK} only; refusing to listen on ${host}`);
  }
  const wanted = options.port ?? DEFAULT_PORT;
  if (!Number.isInteger(wanted) || wanted < 0 || wanted > 65535) throw new RangeError(`'${wanted}' is not a port (0-65535)`);
  const token = options.token ?? newToken();
  if (!/^[\w-]{16,}$/.test(token)) throw new Error('the token must be at least 16 characters of A-Z, a-z, 0-9, _ and -');
  if (!existsSync(join(resolve(options.rendererDir), 'index.html'))) {
    throw new UiNotBuiltError(`the UI is not built (${join(resolve(options.rendererDir), 'index.html')} is missing); run npm run build`);
  }
  // The folder as it really is: below it, a path that resolves elsewhere went through a link.
  const rendererDir = realpathSync(resolve(options.rendererDir));

  const server = createServer();
  limitConnections(server);
  await listen(server, wanted, host);
  const port = (server.address() as AddressInfo).port;
  const headers = securityHeaders(port);
  const wss = new WebSocketServer({ noServer: true, maxPayload: MAX_MESSAGE_BYTES });
  const hub = new ApiSocketHub(options.service);

  server.on('request', (req: IncomingMessage, res: ServerResponse) => {
    const refuse = (status: number, message: string) => {
      res.writeHead(status, { ...headers, 'Content-Type': 'text/plain; charset=utf-8', 'Cache-Control': 'no-store', 'Content-Length': Buffer.byteLength(message) });
      res.end(req.method === 'HEAD' ? undefined : message);
    };
    if (!hostAllowed(req.headers.host, port)) return refuse(403, 'Forbidden: this server answers to 127.0.0.1 and localhost only.\n');
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      res.setHeader('Allow', 'GET, HEAD');
      return refuse(405, 'Method not allowed.\n');
    }
    const { path } = splitUrl(req.url);
    const file = path === null ? null : resolveStaticFile(rendererDir, path);
    if (file === null) return refuse(404, 'Not found.\n');
    readServed(file.path).then(
      (body) => {
        res.writeHead(200, { ...headers, 'Content-Type': file.contentType, 'Cache-Control': file.cacheControl, 'Content-Length': body.length });
        res.end(req.method === 'HEAD' ? undefined : body);
      },
      () => refuse(404, 'Not found.\n'), // missing, or a directory
    );
  });

  server.on('upgrade', (req: IncomingMessage, socket: Duplex, head: Buffer) => {
    const { path, query } = splitUrl(req.url);
    let refusal: [number, string] | null = null;
    if (!hostAllowed(req.headers.host, port)) refusal = [403, 'this server answers to 127.0.0.1 and localhost only'];
    else if (path !== WS_PATH) refusal = [404, 'not found'];
    else if (!originAllowed(req.headers.origin, port)) refusal = [403, 'cross-origin WebSocket refused'];
    else if (!tokenMatches(query.get('token'), token)) refusal = [403, 'missing or wrong token'];
    else if (hub.full) refusal = [503, `${MAX_CLIENTS} pages are open already; close one`];
    if (refusal) return refuseUpgrade(socket, ...refusal);
    wss.handleUpgrade(req, socket, head, (ws) => hub.add(ws));
  });

  return {
    url: `http://${LOOPBACK}:${port}/?token=${token}`,
    token,
    port,
    async close() {
      await hub.close();
      wss.close();
      await new Promise<void>((done) => {
        server.close(() => done());
        server.closeAllConnections(); // idle keep-alive connections would hold close() open
      });
    },
  };
}

/**
 * A file of the built UI, never through a symbolic link (a link planted among the assets would
 * serve any file this user may read): the path must be its own real path, and is opened O_NOFOLLOW.
 */
async function readServed(path: string): Promise<Buffer> {
  if ((await realpath(path)) !== path) throw new Error(`${path} is reached through a link`);
  const handle = await open(path, constants.O_RDONLY | (constants.O_NOFOLLOW ?? 0));
  try {
    if (!(await handle.stat()).isFile()) throw new Error(`${path} is not a file`);
    return await handle.readFile();
  } finally {
    await handle.close();
  }
}

function listen(server: Server, port: number, host: string): Promise<void> {
  return new Promise((done, fail) => {
    server.once('error', fail);
    server.listen({ port, host }, () => {
      server.off('error', fail);
      done();
    });
  });
}

/** The raw path (not normalised: the static resolver judges `..` itself) and the query. */
function splitUrl(url: string | undefined): { path: string | null; query: URLSearchParams } {
  // Only origin-form targets ("/..."); absolute-form is for proxies and we are none.
  if (url === undefined || !url.startsWith('/')) return { path: null, query: new URLSearchParams() };
  const q = url.indexOf('?');
  return q === -1 ? { path: url, query: new URLSearchParams() } : { path: url.slice(0, q), query: new URLSearchParams(url.slice(q + 1)) };
}

function refuseUpgrade(socket: Duplex, status: number, message: string): void {
  socket.on('error', () => socket.destroy());
  socket.once('finish', () => socket.destroy());
  socket.end(
    `HTTP/1.1 ${status} ${STATUS_CODES[status]}\r\nConnection: close\r\nContent-Type: text/plain; charset=utf-8\r\n` +
      `Content-Length: ${Buffer.byteLength(message)}\r\n\r\n${message}`,
  );
}
