// `portwatch serve` as a user runs it: the real command in a real process, stopped with Ctrl+C.
// bin/portwatch.js runs the compiled CLI: tests/global-setup.ts builds it from this source first.
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { createServer, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import readline from 'node:readline';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { main } from '../../src/cli/main.js';
import { LinuxProcSource } from '../../src/core/sources/linux-proc.js';
import { stopChild } from '../helpers/children.js';
import { removeDataDirs, tempDataDir } from '../helpers/data-dirs.js';

const root = fileURLToPath(new URL('../..', import.meta.url));
const bin = join(root, 'bin', 'portwatch.js');
const children = new Set<ChildProcess>();

afterAll(async () => {
  await Promise.all([...children].map(stopChild));
  removeDataDirs();
});

function portwatch(args: string[]): { child: ChildProcess; lines: AsyncIterator<string>; exited: Promise<{ code: number | null; stderr: string }> } {
  const child = spawn(process.execPath, [bin, ...args], { cwd: root, stdio: ['ignore', 'pipe', 'pipe'] });
  children.add(child);
  let stderr = '';
  child.stderr!.on('data', (c: Buffer) => (stderr += c.toString()));
  const exited = new Promise<{ code: number | null; stderr: string }>((resolve) => child.once('close', (code) => resolve({ code, stderr })));
  const lines = readline.createInterface({ input: child.stdout! })[Symbol.asyncIterator]();
  return { child, lines, exited };
}

describe('portwatch serve', () => {
  it('prints its URL, serves the UI there, and stops cleanly on Ctrl+C', async () => {
    const { child, lines, exited } = portwatch(['serve', '--port', '0', '--no-open', '--interval', '500', '--data-dir', tempDataDir('serve')]);
    const first = await lines.next();
    const match = /^Portwatch is serving on (http:\/\/127\.0\.0\.1:(\d+)\/\?token=[\w-]{32})$/.exec(String(first.value));
    expect(match, String(first.value)).not.toBeNull();
    const [, url, port] = match!;

    const page = await fetch(url!);
    expect(page.status).toBe(200);
    expect(page.headers.get('content-security-policy')).toContain(`ws://127.0.0.1:${port}`);
    expect(await page.text()).toContain('<div id="root">');
    // Without the token the page still loads (a reload asks that way); its WebSocket is refused.
    expect((await fetch(`http://127.0.0.1:${port}/`)).status).toBe(200);

    child.kill('SIGINT');
    const { code, stderr } = await exited;
    expect(stderr).toBe('');
    expect(code).toBe(0);
  });

  it('refuses a bad port as a usage error', async () => {
    const { code, stderr } = await portwatch(['serve', '--port', '99999']).exited;
    expect(code).toBe(2);
    expect(stderr.trim().split('\n')).toHaveLength(1);
    expect(stderr).toMatch(/99999.*not a port/);
  });

  it('says in one line when the port is taken, and suggests --port 0', async () => {
    const busy: Server = createServer();
    await new Promise<void>((resolve) => busy.listen(0, '127.0.0.1', resolve));
    const port = (busy.address() as { port: number }).port;
    try {
      const { code, stderr } = await portwatch(['serve', '--port', String(port), '--no-open', '--data-dir', tempDataDir('serve')]).exited;
      expect(code).toBe(1);
      expect(stderr.trim().split('\n')).toHaveLength(1);
      expect(stderr).toMatch(new RegExp(`port ${port} .*already in use.*--port 0`));
    } finally {
      busy.close();
    }
  });

  it('serve --metrics exposes the same metrics beside the UI, as host "serve"', async () => {
    const { child, lines, exited } = portwatch(['serve', '--port', '0', '--no-open', '--no-alerts', '--metrics', '0']);
    let url = '';
    for (let i = 0; i < 3 && url === ''; i++) url = /^Prometheus metrics at (http:\/\/127\.0\.0\.1:\d+\/metrics)$/.exec(String((await lines.next()).value))?.[1] ?? '';
    expect(url).not.toBe('');
    const text = await (await fetch(url)).text();
    expect(text).toMatch(/^portwatch_engine_info\{host="serve",/m);
    expect(text).toMatch(/^portwatch_listening_ports\{port="\d+",protocol="tcp",process="[^"]+",exposure="loopback"\} 1$/m);
    child.kill('SIGINT');
    expect((await exited).code).toBe(0);
  });
});

describe('serve, in process', () => {
  it('says the UI is not built, in one line, and exits 1', async () => {
    const empty = mkdtempSync(join(tmpdir(), 'portwatch-no-ui-'));
    let err = '';
    const code = await main(['serve', '--port', '0', '--no-open'], { out: () => {}, err: (t) => (err += t), rendererDir: empty, source: () => new LinuxProcSource() });
    rmSync(empty, { recursive: true });
    expect(code).toBe(1);
    expect(err).toMatch(/^portwatch: the UI is not built .*run npm run build\n$/);
  });

  it('opens the browser at the URL unless told not to', async () => {
    let stop: () => void = () => {};
    const interrupted = new Promise<void>((resolve) => (stop = resolve));
    const opened: string[] = [];
    const pages: Array<{ path: string; html: string; mode: number; dirMode: number }> = [];
    let out = '';
    const running = main(['serve', '--port', '0', '--interval', '1000', '--no-alerts'], {
      out: (t) => {
        out += t;
        if (t.startsWith('Portwatch is serving')) setTimeout(stop, 0);
      },
      err: () => {},
      interrupted,
      source: () => new LinuxProcSource(),
      openPage: (path) => {
        opened.push(path);
        pages.push({ path, html: readFileSync(path, 'utf8'), mode: statSync(path).mode & 0o777, dirMode: statSync(dirname(path)).mode & 0o777 });
      },
    });
    expect(await running).toBe(0);
    expect(opened).toHaveLength(1);
    // The opener gets a private page that sends the browser on, never the URL with its token.
    const url = /serving on (\S+)/.exec(out)![1]!;
    expect(opened[0]).not.toContain(new URL(url).searchParams.get('token'));
    expect(pages[0]).toMatchObject({ mode: 0o600, dirMode: 0o700 });
    expect(pages[0]!.html).toContain(`<meta http-equiv="refresh" content="0;url=${url}">`);
    expect(existsSync(opened[0]!)).toBe(false); // removed when serve stops
  });

  it('serves the alert requests from the data folder it is given, and closes the engine on Ctrl+C', async () => {
    const dir = tempDataDir('serve');
    let stop: () => void = () => {};
    const interrupted = new Promise<void>((resolve) => (stop = resolve));
    let url = '';
    let err = '';
    const running = main(['serve', '--port', '0', '--no-open', '--interval', '500', '--learn', '0', '--data-dir', dir], {
      out: (t) => {
        const m = /serving on (\S+)/.exec(t);
        if (m) url = m[1]!;
      },
      err: (t) => (err += t),
      interrupted,
      source: () => new LinuxProcSource(),
    });
    while (url === '') await new Promise((r) => setTimeout(r, 20));
    const { port, searchParams } = new URL(url);
    const ws = new WebSocket(`ws://127.0.0.1:${port}/ws?token=${searchParams.get('token')}`);
    await new Promise((resolve, reject) => ws.once('open', resolve).once('error', reject));
    const reply = new Promise<unknown>((resolve) =>
      ws.on('message', (data) => {
        const m = JSON.parse(String(data)) as { type: string; id?: number };
        if (m.type === 'result' && m.id === 1) resolve(m);
      }),
    );
    ws.send(JSON.stringify({ id: 1, method: 'getAlertStatus', args: [] }));
    expect(await reply).toMatchObject({ ok: true, value: { learning: false, warnings: [] } });
    ws.close();
    stop();
    expect(await running).toBe(0);
    expect(err).toBe('');
    expect(existsSync(join(dir, 'trust.json'))).toBe(true);
  });
});
