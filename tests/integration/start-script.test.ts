// `npm start` (scripts/start.js) for real, in a temp copy of the project: the real script, the
// electron package's real installer against loopback servers (the real download host is not
// reachable here, and tests never ask the machine's DNS), a stand-in Electron binary that says how
// it was started, and the real `portwatch serve` where it falls back to browser mode. Runs as an
// unprivileged user in a user namespace (uid 65534), as root, and where no user namespace can be made.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { createHash } from 'node:crypto';
import { chmodSync, copyFileSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { createServer as createHttpServer } from 'node:http';
import { createServer as createNetServer, type AddressInfo, type Server, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import readline from 'node:readline';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const root = fileURLToPath(new URL('../..', import.meta.url));
const work = mkdtempSync(join(tmpdir(), 'portwatch-start-'));
const children = new Set<ChildProcess>();
const servers = new Set<Server>();
const electronVersion = (JSON.parse(readFileSync(join(root, 'node_modules/electron/package.json'), 'utf8')) as { version: string }).version;
const SERVING = /^Portwatch is serving on http:\/\/127\.0\.0\.1:\d+\//;
const BROWSER_ARGS = ['--port', '0', '--no-open', '--no-alerts'];

const canUnshare = process.platform === 'linux' && spawnSync('unshare', ['--user', '--map-root-user', 'true']).status === 0;
const isRoot = process.getuid?.() === 0;

beforeAll(() => {
  if (!canUnshare) return;
  // The copy links to the built app and CLI: build them if this file runs on its own.
  const run = (args: string[]) => {
    const result = spawnSync(process.execPath, args, { cwd: root, encoding: 'utf8' });
    expect(result.status, result.stdout + result.stderr).toBe(0);
  };
  if (!existsSync(join(root, 'out/renderer/index.html'))) run([join(root, 'node_modules/electron-vite/bin/electron-vite.js'), 'build']);
  if (!existsSync(join(root, 'dist/node/cli/index.js'))) run([join(root, 'node_modules/typescript/bin/tsc'), '-p', 'tsconfig.node.json']);
});

afterAll(async () => {
  await Promise.all([...children].map(stop));
  held.forEach((socket) => socket.destroy());
  await Promise.all([...servers].map((server) => new Promise((resolve) => server.close(resolve))));
  rmSync(work, { recursive: true, force: true });
});

/**
 * Ends a run still going (a failed test) with SIGTERM, which start.js forwards to the host it started
 * in its own process group; SIGKILL only if that does not end it, as it would leave the host behind.
 */
async function stop(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  child.kill('SIGTERM');
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<'late'>((resolve) => (timer = setTimeout(() => resolve('late'), 10_000)));
  if ((await Promise.race([exited, late])) === 'late') child.kill('SIGKILL');
  clearTimeout(timer);
  await exited;
}

let copies = 0;
/** A project folder with the real start script, linked to the built app and CLI, and no sources (so nothing to build). */
function projectCopy(): string {
  const app = join(work, `app-${++copies}`);
  mkdirSync(join(app, 'scripts'), { recursive: true });
  mkdirSync(join(app, 'node_modules'));
  for (const file of ['start.js', 'electron-install-guard.cjs']) copyFileSync(join(root, 'scripts', file), join(app, 'scripts', file));
  for (const dir of ['out', 'bin', 'dist']) symlinkSync(join(root, dir), join(app, dir));
  return app;
}

/** The stand-in Electron binary: prints how it was started, then exits. */
const STAND_IN = '#!/bin/sh\necho "stand-in electron: $*"\n';

/** An installed runtime, as the electron package's installer leaves it. */
function installedRuntime(app: string): void {
  const pkg = join(app, 'node_modules', 'electron');
  mkdirSync(join(pkg, 'dist'), { recursive: true });
  copyFileSync(join(root, 'node_modules/electron/package.json'), join(pkg, 'package.json'));
  writeFileSync(join(pkg, 'dist', 'electron'), STAND_IN, { mode: 0o755 });
  writeFileSync(join(pkg, 'dist', 'chrome-sandbox'), '', { mode: 0o755 });
  writeFileSync(join(pkg, 'dist', 'version'), electronVersion);
  writeFileSync(join(pkg, 'path.txt'), 'electron');
}

/** The electron package as npm installs it (no runtime yet), its dependencies linked from ours. */
function electronPackage(app: string): void {
  const pkg = join(app, 'node_modules', 'electron');
  mkdirSync(pkg, { recursive: true });
  for (const file of ['package.json', 'index.js', 'install.js', 'cli.js', 'checksums.json']) copyFileSync(join(root, 'node_modules/electron', file), join(pkg, file));
  for (const scope of ['@electron', '@electron-internal']) symlinkSync(join(root, 'node_modules', scope), join(app, 'node_modules', scope));
}

/** Electron's release name for this machine, as @electron/get asks the mirror for it. */
function releaseZipName(): string {
  const arch = ({ arm: 'armv7l' } as Record<string, string>)[process.arch] ?? process.arch;
  return `electron-v${electronVersion}-linux-${arch}.zip`;
}

/** A release zip holding the stand-in binary, made with zip(1) so modes are kept as Electron's are. */
function releaseZip(): Buffer {
  const dir = mkdtempSync(join(work, 'zip-'));
  writeFileSync(join(dir, 'electron'), STAND_IN);
  chmodSync(join(dir, 'electron'), 0o755);
  writeFileSync(join(dir, 'chrome-sandbox'), '');
  writeFileSync(join(dir, 'version'), electronVersion);
  const zip = spawnSync('zip', ['-q', '-X', 'release.zip', 'electron', 'chrome-sandbox', 'version'], { cwd: dir, encoding: 'utf8' });
  expect(zip.status, `zip(1): ${zip.error?.message ?? zip.stderr}`).toBe(0);
  return readFileSync(join(dir, 'release.zip'));
}

async function listen(server: Server): Promise<string> {
  servers.add(server);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}/`;
}

/** A download mirror on loopback: answers from `files` by file name, 404 for anything else. */
async function mirror(files: Record<string, Buffer | string>): Promise<{ url: string; asked: string[] }> {
  const asked: string[] = [];
  const url = await listen(
    createHttpServer((req, res) => {
      const name = decodeURIComponent((req.url ?? '').split('?')[0]!.split('/').pop()!);
      asked.push(name);
      const body = files[name];
      if (body === undefined) res.writeHead(404).end();
      else res.writeHead(200, { 'content-length': Buffer.byteLength(body) }).end(body);
    }),
  );
  return { url, asked };
}

/** Connections held open by the hosts below, ended before their servers close. */
const held = new Set<Socket>();

/** A host that takes the connection and then drops it, or never answers at all. */
async function badHost(behaviour: 'drops' | 'silent'): Promise<string> {
  return listen(
    createNetServer((socket) => {
      held.add(socket);
      socket.on('close', () => held.delete(socket));
      if (behaviour === 'drops') socket.once('data', () => socket.destroy());
    }),
  );
}

type As = 'user' | 'root' | 'user-without-namespaces';

/** The command line that runs start.js as `as`, in a user namespace where the test cannot be that user itself. */
function command(app: string, as: As, args: string[]): [string, string[]] {
  const node = [process.execPath, join(app, 'scripts', 'start.js'), ...args];
  const unprivileged = ['unshare', '--user', '--map-user=65534', '--map-group=65534', '--'];
  if (as === 'root') return isRoot ? [node[0]!, node.slice(1)] : ['unshare', ['--user', '--map-root-user', '--', ...node]];
  if (as === 'user') return isRoot ? [unprivileged[0]!, [...unprivileged.slice(1), ...node]] : [node[0]!, node.slice(1)];
  // A namespace that may hold one more user namespace: the unprivileged user's, and then none.
  const script = 'echo 1 > /proc/sys/user/max_user_namespaces && exec "$@"';
  return ['unshare', ['--user', '--map-root-user', '--', 'sh', '-c', script, 'sh', ...unprivileged, ...node]];
}

interface Run {
  /** Lines of stdout so far. */
  lines: string[];
  /** Resolves with the lines up to and including the first that matches. */
  until(pattern: RegExp): Promise<string[]>;
  exited: Promise<{ code: number | null; stderr: string }>;
  child: ChildProcess;
}

function start(app: string, as: As, { args = [] as string[], env = {} as Record<string, string> } = {}): Run {
  const base = Object.fromEntries(
    Object.entries(process.env).filter(([key]) => !/^(DISPLAY|WAYLAND_DISPLAY|SUDO_USER|ELECTRON_.*|electron_.*|npm_config_electron_.*)$/i.test(key)),
  );
  const [file, argv] = command(app, as, args);
  const child = spawn(file, argv, { cwd: app, env: { ...base, DISPLAY: ':99', ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  children.add(child);
  const lines: string[] = [];
  const waiters: Array<{ pattern: RegExp; resolve: (lines: string[]) => void }> = [];
  let stderr = '';
  child.stderr!.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  readline.createInterface({ input: child.stdout! }).on('line', (line) => {
    lines.push(line);
    for (const waiter of [...waiters]) {
      if (waiter.pattern.test(line)) {
        waiters.splice(waiters.indexOf(waiter), 1);
        waiter.resolve([...lines]);
      }
    }
  });
  const exited = new Promise<{ code: number | null; stderr: string }>((resolve) => child.once('close', (code) => resolve({ code, stderr })));
  const until = (pattern: RegExp) =>
    new Promise<string[]>((resolve, reject) => {
      const seen = lines.findIndex((line) => pattern.test(line));
      if (seen !== -1) return resolve(lines.slice(0, seen + 1));
      waiters.push({ pattern, resolve });
      void exited.then(({ code, stderr: err }) => reject(new Error(`start.js exited (${code}) before ${pattern}:\n${lines.join('\n')}\n${err}`)));
    });
  return { lines, until, exited, child };
}

/** The command lines of a process's children, from /proc. */
function childCommandLines(pid: number): string[][] {
  const lines: string[][] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      // The parent pid is the second field after the command name, which is in parentheses.
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
      if (Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]) !== pid) continue;
      lines.push(readFileSync(`/proc/${entry}/cmdline`, 'utf8').split('\0').filter(Boolean));
    } catch {
      // gone meanwhile: not a child that still runs
    }
  }
  return lines;
}

/** Waits for browser mode to serve, stops it as Ctrl+C would, and returns what was printed before. */
async function servedInBrowser(run: Run): Promise<string[]> {
  const printed = await run.until(SERVING);
  run.child.kill('SIGINT');
  const { code, stderr } = await run.exited;
  expect(code, stderr).toBe(0);
  expect(stderr).toBe('');
  return printed.slice(0, -1);
}

describe.runIf(canUnshare)('npm start (scripts/start.js)', () => {
  it('launches an installed runtime with the project folder and the extra arguments', async () => {
    const app = projectCopy();
    installedRuntime(app);
    // The user may create user namespaces here, so Chromium sandboxes through them: a chrome-sandbox
    // without the setuid bit is no reason to refuse.
    const run = start(app, 'user', { args: ['--trace-warnings'] });
    const { code, stderr } = await run.exited;
    expect(code, stderr).toBe(0);
    expect(run.lines).toEqual(['stand-in electron: . --trace-warnings']);
  });

  it("installs a missing runtime with the electron package's own installer, then launches it", async () => {
    const app = projectCopy();
    electronPackage(app);
    const zip = releaseZip();
    const name = releaseZipName();
    const host = await mirror({ [name]: zip, 'SHASUMS256.txt': `${createHash('sha256').update(zip).digest('hex')} *${name}\n` });
    const run = start(app, 'user', {
      env: { ELECTRON_MIRROR: host.url, electron_use_remote_checksums: '1', electron_config_cache: mkdtempSync(join(work, 'cache-')) },
    });
    const { code, stderr } = await run.exited;
    expect(code, stderr).toBe(0);
    expect(run.lines).toEqual([`Downloading Electron's runtime (electron ${electronVersion} for linux-${process.arch}); this happens once…`, 'stand-in electron: .']);
    expect(host.asked).toContain(name);
    expect(readFileSync(join(app, 'node_modules/electron/path.txt'), 'utf8')).toBe('electron');
  });

  it("falls back to browser mode when the installer fails, with the installer's own error in one line", async () => {
    const app = projectCopy();
    electronPackage(app);
    const host = await mirror({});
    const run = start(app, 'user', { args: BROWSER_ARGS, env: { ELECTRON_MIRROR: host.url, electron_config_cache: mkdtempSync(join(work, 'cache-')) } });
    const printed = await servedInBrowser(run);
    expect(printed).toHaveLength(2);
    expect(printed[0]).toMatch(/^Downloading Electron's runtime/);
    const zipUrl = `${host.url}v${electronVersion}/${releaseZipName()}`.replaceAll('.', '\\.');
    expect(printed[1]).toMatch(new RegExp(`^Electron's runtime could not be installed \\(Response code 404 \\(Not Found\\) for ${zipUrl}\\); serving Portwatch in browser mode instead\\.$`));
    expect(existsSync(join(app, 'node_modules/electron/path.txt'))).toBe(false);
  });

  it('names the cause of a network failure, which the installer alone would not print', async () => {
    const app = projectCopy();
    electronPackage(app);
    const url = await badHost('drops');
    const run = start(app, 'user', { args: BROWSER_ARGS, env: { ELECTRON_MIRROR: url, electron_config_cache: mkdtempSync(join(work, 'cache-')) } });
    const printed = await servedInBrowser(run);
    expect(printed[1]).toBe("Electron's runtime could not be installed (fetch failed: other side closed); serving Portwatch in browser mode instead.");
  });

  it('gives up on a download host that does not answer, after the stall bound', async () => {
    const app = projectCopy();
    electronPackage(app);
    const url = await badHost('silent');
    const env = { ELECTRON_MIRROR: url, electron_config_cache: mkdtempSync(join(work, 'cache-')), PORTWATCH_ELECTRON_STALL_SECONDS: '1' };
    const printed = await servedInBrowser(start(app, 'user', { args: BROWSER_ARGS, env }));
    expect(printed[1]).toBe(
      `Electron's runtime could not be installed (no answer from ${new URL(url).host} within 1 s); serving Portwatch in browser mode instead.`,
    );
  });

  it('where no user namespace can be made and chrome-sandbox is not setuid root, says the command that fixes it, never a Chromium FATAL', async () => {
    const app = projectCopy();
    installedRuntime(app);
    const helper = join(app, 'node_modules/electron/dist/chrome-sandbox');
    const printed = await servedInBrowser(start(app, 'user-without-namespaces', { args: BROWSER_ARGS }));
    expect(printed).toEqual([
      "Electron's sandbox cannot start here: this system does not let you create user namespaces, and node_modules/electron/dist/chrome-sandbox is not owned by root with mode 4755.",
      `  Fix it once with:  sudo chown root:root '${helper}' && sudo chmod 4755 '${helper}'`,
      '  (or allow unprivileged user namespaces: see README, "Linux: the sandbox"). Serving Portwatch in browser mode meanwhile.',
    ]);
  });

  it('as root, serves in browser mode and says the better way, without downloading a runtime it would not run', async () => {
    const app = projectCopy();
    electronPackage(app);
    const host = await mirror({});
    // Without --no-open: as root it must not open a browser (which would run as root) but print the URL.
    const run = start(app, 'root', { args: ['--port', '0', '--no-alerts'], env: { ELECTRON_MIRROR: host.url } });
    await run.until(SERVING);
    expect(childCommandLines(run.child.pid!)).toEqual([[process.execPath, join(app, 'bin', 'portwatch.js'), 'serve', '--no-open', '--port', '0', '--no-alerts']]);
    const printed = await servedInBrowser(run);
    expect(printed[0]).toBe("Electron does not run as root: Chromium's sandbox refuses it. Serving Portwatch in browser mode instead: open the URL below in your own browser.");
    expect(printed.join('\n')).toContain('portwatch agent');
    expect(host.asked).toEqual([]);
  });

  it('without a graphical session, serves in browser mode and says so', async () => {
    const app = projectCopy();
    installedRuntime(app);
    const printed = await servedInBrowser(start(app, 'user', { args: BROWSER_ARGS, env: { DISPLAY: '' } }));
    expect(printed).toEqual(['No graphical session here (neither DISPLAY nor WAYLAND_DISPLAY is set); serving Portwatch in browser mode instead.']);
  });
});
