// The /metrics listener: Prometheus text format for a scraper, nothing else. It defaults to
// 127.0.0.1; another address is the user's explicit choice (a fleet's Prometheus on the network).
// It serves counts and names of listeners, no tokens or data of the user's, so it has no token:
// Prometheus scrapes without one. Anyone local can therefore connect: idle connections are bounded
// and dropped oldest first (the browser-mode server's rule), never a cap that shuts the scraper out.
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Registry } from 'prom-client';
import { limitConnections } from './connection-limits.js';
import { LOOPBACK } from './guards.js';

export const METRICS_PATH = '/metrics';
export interface MetricsServerOptions {
  registry: Registry;
  /** Default 127.0.0.1. */
  host?: string;
  /** 0 picks a free port. */
  port: number;
}

export interface RunningMetricsServer {
  /** http://HOST:PORT/metrics */
  url: string;
  host: string;
  port: number;
  close(): Promise<void>;
}

export async function startMetricsServer(options: MetricsServerOptions): Promise<RunningMetricsServer> {
  const host = options.host ?? LOOPBACK;
  const server: Server = createServer();
  limitConnections(server);
  server.on('request', (req: IncomingMessage, res: ServerResponse) => void answer(options.registry, req, res));
  server.on('clientError', (_e, socket) => socket.destroy());
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen({ host, port: options.port }, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const address = server.address() as AddressInfo;
  const shown = address.family === 'IPv6' ? `[${address.address}]` : address.address;
  return {
    url: `http://${shown}:${address.port}${METRICS_PATH}`,
    host: address.address,
    port: address.port,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}

async function answer(registry: Registry, req: IncomingMessage, res: ServerResponse): Promise<void> {
  const reply = (status: number, type: string, body: string) => {
    res.writeHead(status, { 'Content-Type': type, 'Cache-Control': 'no-store', 'X-Content-Type-Options': 'nosniff', 'Content-Length': Buffer.byteLength(body) });
    res.end(req.method === 'HEAD' ? undefined : body);
  };
  if (req.method !== 'GET' && req.method !== 'HEAD') {
    res.setHeader('Allow', 'GET, HEAD');
    return reply(405, 'text/plain; charset=utf-8', 'Method not allowed.\n');
  }
  const path = (req.url ?? '').split('?')[0];
  if (path !== METRICS_PATH) return reply(404, 'text/plain; charset=utf-8', `Not found: Portwatch's metrics are at ${METRICS_PATH}.\n`);
  try {
    reply(200, registry.contentType, await registry.metrics());
  } catch (e) {
    reply(500, 'text/plain; charset=utf-8', `could not collect metrics: ${e instanceof Error ? e.message : String(e)}\n`);
  }
}
