// Full process names: the kernel cuts comm at 15 characters; the executable's or argv[0]'s name, or
// a process title, gives the whole one back.
import { afterEach, describe, expect, it } from 'vitest';
import { COMM_MAX, fullProcessName, ProcClock, readProcessInfo, readProcStat, UserNames } from '../../../../src/core/sources/proc-process.js';
import { startHolder, stopAll } from '../../../helpers/children.js';
import { spawn } from 'node:child_process';
import readline from 'node:readline';

afterEach(stopAll);

describe('fullProcessName', () => {
  it('keeps a comm shorter than the kernel limit as it is', () => {
    expect(fullProcessName('node', '/usr/bin/node', '/usr/bin/node')).toBe('node');
    expect(fullProcessName('short', '/opt/shortened-but-other', 'x')).toBe('short');
  });

  it("takes the executable's file name when the comm is its first 15 characters", () => {
    expect(fullProcessName('containerd-shim', '/usr/bin/containerd-shim-runc-v2', 'containerd-shim-runc-v2')).toBe('containerd-shim-runc-v2');
    expect(fullProcessName('gnome-terminal-', '/usr/libexec/gnome-terminal-server (deleted)', null)).toBe('gnome-terminal-server');
  });

  it("takes argv[0]'s file name (a link) or the whole argv[0] (a process title)", () => {
    expect(fullProcessName('pw-holder-with-', '/usr/bin/node', '/tmp/bin/pw-holder-with-a-long-name')).toBe('pw-holder-with-a-long-name');
    expect(fullProcessName('npm install @do', '/usr/bin/node', 'npm install @doyensec/electronegativity')).toBe('npm install @doyensec/electronegativity');
  });

  it('keeps the comm when nothing starts with it (a thread renamed itself)', () => {
    expect(fullProcessName('worker-pool-thr', '/usr/bin/python3.12', '/usr/bin/python3')).toBe('worker-pool-thr');
    expect(fullProcessName('exactly-fifteen', '/usr/bin/exactly-fifteen', 'exactly-fifteen')).toBe('exactly-fifteen');
  });
});

describe('readProcessInfo', () => {
  const clock = new ProcClock('/proc');
  const users = new UserNames();

  it('names a real process started through a long-named link in full', async () => {
    const title = 'pw-names-long-process-title';
    const holder = await startHolder([{ name: 'l', kind: 'tcp-listen', host: '127.0.0.1' }], title);
    const stat = readProcStat('/proc', holder.pid)!;
    expect(stat.comm).toBe(title.slice(0, COMM_MAX));
    expect(readProcessInfo('/proc', stat, clock, users)?.name).toBe(title);
    await holder.exit();
  });

  it("names a real process by its title when it set one (as npm does)", async () => {
    const title = 'pw-title install @scope/a-long-package-name';
    const child = spawn(process.execPath, ['-e', `process.title = ${JSON.stringify(title)}; console.log('ready'); setInterval(() => {}, 1000);`], { stdio: ['ignore', 'pipe', 'inherit'] });
    try {
      await new Promise<void>((resolve) => readline.createInterface({ input: child.stdout! }).once('line', () => resolve()));
      const stat = readProcStat('/proc', child.pid!)!;
      expect(stat.comm).toBe(title.slice(0, COMM_MAX));
      expect(readProcessInfo('/proc', stat, clock, users)?.name).toBe(title);
    } finally {
      child.kill();
    }
  });
});
