// The /metrics listener has no token (Prometheus scrapes without one), so anyone on this machine can
// connect to it. Idle connections held open by another local user must not shut the scraper out.
import { request } from 'node:http';
import net from 'node:net';
import { Gauge, Registry } from 'prom-client';
import { afterEach, describe, expect, it } from 'vitest';
import { startMetricsServer, type RunningMetricsServer } from '../../src/server/metrics-server.js';

const open: net.Socket[] = [];
let server: RunningMetricsServer | null = null;

afterEach(async () => {
  open.splice(0).forEach((s) => s.destroy());
  await server?.close();
  server = null;
});

function scrape(port: number): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, path: '/metrics', agent: false, timeout: 15_000 }, (res) => {
      let body = '';
      res.on('data', (d: Buffer) => (body += d));
      res.on('end', () => resolve({ status: res.statusCode!, body }));
    });
    req.on('timeout', () => req.destroy(new Error('no answer within 15 s')));
    req.on('error', reject);
    req.end();
  });
}

describe('the metrics listener', () => {
  it('still answers the scraper while another user holds 500 idle connections to it', { timeout: 60_000 }, async () => {
    const registry = new Registry();
    new Gauge({ name: 'up_probe', help: 'p', registers: [registry] }).set(1);
    server = await startMetricsServer({ registry, port: 0 });
    let closedByServer = 0;
    for (let i = 0; i < 500; i++) {
      const s = net.connect(server.port, '127.0.0.1');
      s.on('error', () => {});
      s.on('close', () => closedByServer++);
      open.push(s);
    }
    await Promise.all(open.map((s) => (s.connecting ? new Promise((r) => s.once('connect', r).once('close', r)) : null)));
    const { status, body } = await scrape(server.port);
    expect(status).toBe(200);
    expect(body).toMatch(/^up_probe 1$/m);
    // The silent ones beyond the limit were dropped, oldest first.
    expect(closedByServer).toBeGreaterThan(400);
  });
});
