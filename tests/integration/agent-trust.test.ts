// Who `portwatch serve --agent PATH` believes, performed: a process that answers like an agent (an
// engine 'ready', then whatever it likes) is put where a UI would look — in a folder every user may
// write to, behind a symbolic link, as a socket file of another user (made by that user, and a
// root-made file handed to it), and as a root-owned file whose listener is another user. Each is
// refused in one line, before a byte is sent to it; the same impostor in a folder of root's own is
// attached to (so the refusals are the checks', not a broken impostor's).
import { spawn, type ChildProcess } from 'node:child_process';
import { chmodSync, mkdirSync, mkdtempSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import readline from 'node:readline';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { stopChild } from '../helpers/children.js';
import { WAIT } from '../helpers/wait.js';

const root = fileURLToPath(new URL('../..', import.meta.url));
const bin = join(root, 'bin', 'portwatch.js');
const FAKE = fileURLToPath(new URL('../helpers/fake-agent.py', import.meta.url));
const NOBODY = 65534;
const children = new Set<ChildProcess>();
const dir = mkdtempSync(join(tmpdir(), 'portwatch-agent-trust-'));
// Other users must reach the folders below (the mode of each folder is what a test is about).
chmodSync(dir, 0o755);

afterAll(async () => {
  await Promise.all([...children].map(stopChild));
  rmSync(dir, { recursive: true, force: true });
});

interface Impostor {
  path: string;
  /** Connections it accepted and bytes it received so far. */
  report(): Promise<{ connections: number; bytes: number }>;
}

function folder(name: string, mode: number): string {
  const path = join(dir, name);
  mkdirSync(path);
  chmodSync(path, mode);
  return path;
}

/** The impostor on path (tests/helpers/fake-agent.py says what spec does). */
async function impostor(path: string, spec: { bindAs?: number; mode?: number; chown?: number; listenAs?: number } = {}): Promise<Impostor> {
  const child = spawn('python3', [FAKE, JSON.stringify({ path, ...spec })], { stdio: ['pipe', 'pipe', 'inherit'] });
  children.add(child);
  const lines = readline.createInterface({ input: child.stdout! })[Symbol.asyncIterator]();
  const first = await Promise.race([lines.next(), new Promise<never>((_, reject) => child.once('exit', (code) => reject(new Error(`impostor on ${path} exited (${code})`))))]);
  expect(first.value).toBe('ready');
  return {
    path,
    async report() {
      child.stdin!.write('report\n');
      return JSON.parse(String((await lines.next()).value)) as { connections: number; bytes: number };
    },
  };
}

/** `portwatch serve --agent path` as root, to its end (a refusal) or until it serves (then stopped). */
function serve(path: string): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const child = spawn(process.execPath, [bin, 'serve', '--port', '0', '--no-open', '--agent', path], { cwd: root, stdio: ['ignore', 'pipe', 'pipe'] });
  children.add(child);
  let stdout = '';
  let stderr = '';
  child.stdout!.on('data', (d: Buffer) => {
    stdout += d;
    if (stdout.includes('Portwatch is serving on')) child.kill('SIGTERM');
  });
  child.stderr!.on('data', (d: Buffer) => (stderr += d));
  return new Promise((resolve) => child.once('close', (code) => resolve({ code, stdout, stderr })));
}

const refusal = (why: string) => `portwatch: the Portwatch engine could not open: ${why}\n`;

describe('serve --agent PATH believes only an agent no other user could be', () => {
  it('attaches to the impostor when root made it in a folder of its own (the control)', async () => {
    const trusted = await impostor(join(folder('own', 0o755), 'agent.sock'));
    const run = await serve(trusted.path);
    expect(run.stdout).toContain('Portwatch is serving on');
    expect((await trusted.report()).bytes).toBeGreaterThan(0);
  });

  it('refuses a socket in a folder every user may write to, and one another user planted in a sticky one', async () => {
    const open = folder('open', 0o777);
    const planted = await impostor(join(open, 'agent.sock'));
    const run = await serve(planted.path);
    expect(run.code).toBe(1);
    expect(run.stderr).toBe(refusal(`refusing the agent socket ${planted.path}: its folder ${open} is writable by others, who could put their own socket there`));
    expect(await planted.report()).toEqual({ connections: 0, bytes: 0 });

    // As in /tmp: others cannot replace our entries, but may add their own; nobody's socket is refused.
    const sticky = folder('sticky', 0o1777);
    const nobodys = await impostor(join(sticky, 'agent.sock'), { bindAs: NOBODY });
    const second = await serve(nobodys.path);
    expect(second.code).toBe(1);
    expect(second.stderr).toBe(refusal(`refusing the agent socket ${nobodys.path}: it belongs to nobody (uid ${NOBODY}), not to this user or root`));
    expect(await nobodys.report()).toEqual({ connections: 0, bytes: 0 });
  });

  it('refuses a symbolic link, even to a socket it would trust', async () => {
    const trusted = await impostor(join(folder('linked', 0o755), 'agent.sock'));
    const link = join(folder('links', 0o755), 'agent.sock');
    symlinkSync(trusted.path, link);
    const run = await serve(link);
    expect(run.code).toBe(1);
    expect(run.stderr).toBe(refusal(`refusing the agent socket ${link}: it is a symbolic link (give the socket's own path)`));
    expect(await trusted.report()).toEqual({ connections: 0, bytes: 0 });
  });

  it("refuses a socket file of another user's in a folder of root's", async () => {
    const handed = await impostor(join(folder('handed', 0o755), 'agent.sock'), { chown: NOBODY });
    const run = await serve(handed.path);
    expect(run.code).toBe(1);
    expect(run.stderr).toBe(refusal(`refusing the agent socket ${handed.path}: it belongs to nobody (uid ${NOBODY}), not to this user or root`));
    expect(await handed.report()).toEqual({ connections: 0, bytes: 0 });
  });

  it('refuses, once connected, a listener the kernel says is another user, though the file is root’s', async () => {
    const listener = await impostor(join(folder('peer', 0o755), 'agent.sock'), { listenAs: NOBODY });
    const run = await serve(listener.path);
    expect(run.code).toBe(1);
    expect(run.stderr).toMatch(new RegExp(`^portwatch: the Portwatch engine could not open: refusing the agent at ${listener.path}: it is run by nobody \\(uid ${NOBODY}\\) \\(pid \\d+\\), not by this user or root\\n$`));
    // It was connected to (that is how its credentials are known; its accept may come after serve
    // has gone), and sent nothing.
    await expect.poll(() => listener.report(), WAIT).toEqual({ connections: 1, bytes: 0 });
  });
});
