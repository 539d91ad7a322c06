// The Linux source against real sockets held by real child processes, and against `ss`. This file runs
// in a network namespace of its own (vitest.config.ts): "a quiet poll reads no fd" needs a socket
// table that only this test changes.
import { execFileSync } from 'node:child_process';
import readline from 'node:readline';
import { afterAll, describe, expect, it } from 'vitest';
import { Monitor } from '../../src/core/monitor.js';
import { LinuxProcSource } from '../../src/core/sources/linux-proc.js';
import type { Socket } from '../../src/shared/model.js';
import { namedNode, startHolder, stopAll } from '../helpers/children.js';

afterAll(stopAll);

const find = (sockets: Socket[], pred: (s: Socket) => boolean) => sockets.filter(pred);

describe('LinuxProcSource with real sockets', () => {
  it.each([
    ['netlink', true],
    ['/proc/net', false],
  ])('reading %s, finds TCP listeners on 127.0.0.1 and ::1, bound UDP, an established pair and connected UDP, with the owner', async (_, netlink) => {
    const holder = await startHolder([
      { name: 'l4', kind: 'tcp-listen', host: '127.0.0.1' },
      { name: 'l6', kind: 'tcp-listen', host: '::1' },
      { name: 'c4', kind: 'tcp-connect', to: 'l4' },
      { name: 'u4', kind: 'udp-bind', host: '127.0.0.1' },
      { name: 'u6', kind: 'udp-bind', host: '::1' },
      { name: 'uc', kind: 'udp-connect', to: 'u4' },
    ]);
    const { endpoints: e, pid } = holder;
    const source = new LinuxProcSource({ netlink });
    expect(source.tables).toBe(netlink ? 'netlink' : 'proc');
    const { sockets } = await source.sample();
    const mine = sockets.filter((s) => s.pid === pid);
    for (const s of mine) {
      expect(s.process?.name).toBe('pw-holder');
      expect(s.process?.pid).toBe(pid);
      expect(s.process?.ppid).toBe(process.pid);
      expect(s.process?.exe).toBe(process.execPath);
      expect(s.process?.cmdline).toContain('holder.mjs');
      expect(s.process?.uid).toBe(process.getuid!());
      expect(s.process?.startedAt).toBeGreaterThan(Date.now() - 120_000);
    }
    const one = (pred: (s: Socket) => boolean) => {
      const hits = find(mine, pred);
      expect(hits).toHaveLength(1);
      return hits[0]!;
    };
    expect(one((s) => s.protocol === 'tcp' && s.listening && s.localPort === e.l4!.port)).toMatchObject({
      family: 4, localAddress: '127.0.0.1', state: 'LISTEN', remoteAddress: null, remotePort: null,
    });
    expect(one((s) => s.protocol === 'tcp' && s.listening && s.localPort === e.l6!.port)).toMatchObject({
      family: 6, localAddress: '::1', state: 'LISTEN',
    });
    // Both ends of the established pair belong to the child.
    expect(one((s) => s.protocol === 'tcp' && s.localPort === e.c4!.port)).toMatchObject({
      state: 'ESTABLISHED', remoteAddress: '127.0.0.1', remotePort: e.l4!.port, listening: false,
    });
    expect(one((s) => s.protocol === 'tcp' && s.localPort === e.l4!.port && s.remotePort === e.c4!.port)).toMatchObject({
      state: 'ESTABLISHED',
    });
    expect(one((s) => s.protocol === 'udp' && s.localPort === e.u4!.port)).toMatchObject({
      family: 4, state: 'UNCONN', listening: true, remoteAddress: null,
    });
    expect(one((s) => s.protocol === 'udp' && s.localPort === e.u6!.port)).toMatchObject({
      family: 6, localAddress: '::1', state: 'UNCONN', listening: true,
    });
    expect(one((s) => s.protocol === 'udp' && s.localPort === e.uc!.port)).toMatchObject({
      state: 'ESTABLISHED', listening: false, remoteAddress: '127.0.0.1', remotePort: e.u4!.port,
    });
    await holder.exit();
  });

  it('shows closed sockets as removed within two polls, and new ones as added', async () => {
    const holder = await startHolder([
      { name: 'l', kind: 'tcp-listen', host: '127.0.0.1' },
      { name: 'u', kind: 'udp-bind', host: '127.0.0.1' },
    ]);
    const monitor = new Monitor({ source: new LinuxProcSource(), intervalMs: 250 });
    await monitor.pollOnce();
    const before = monitor.getState().snapshot.sockets.filter((s) => s.pid === holder.pid);
    const listener = before.find((s) => s.listening && s.protocol === 'tcp')!;
    const udp = before.find((s) => s.protocol === 'udp')!;
    expect(listener).toBeDefined();
    expect(udp).toBeDefined();

    await holder.close('l');
    await holder.close('u');
    const removed = new Set<string>();
    for (let i = 0; i < 2 && removed.size < 2; i++) {
      const delta = (await monitor.pollOnce())!;
      for (const id of delta.removed) removed.add(id);
    }
    expect(removed).toContain(listener.id);
    expect(removed).toContain(udp.id);

    const late = await startHolder([{ name: 'l2', kind: 'tcp-listen', host: '::1' }]);
    const delta = (await monitor.pollOnce())!;
    const added = delta.added.find((s) => s.pid === late.pid && s.localPort === late.endpoints.l2!.port);
    expect(added).toMatchObject({ family: 6, state: 'LISTEN', process: { name: 'pw-holder' } });
    expect(added!.firstSeen).toBe(delta.takenAt);
    await late.exit();
    await holder.exit();
  });

  it('keeps what it learned: a warm poll walks no fd it read before, a new socket costs a few fd reads', async () => {
    const holder = await startHolder([{ name: 'l', kind: 'tcp-listen', host: '127.0.0.1' }]);
    const source = new LinuxProcSource();
    source.sampleSync();
    const cold = source.lastStats;
    expect(cold.fdLinksRead).toBeGreaterThan(0);
    // Sockets owned by nobody we can find are retried once; after that a quiet poll reads only the fds
    // of processes started since (other tests run beside this one: exactly none is asserted by the
    // unit tests on a staged procfs).
    source.sampleSync();
    source.sampleSync();
    const warm = source.lastStats;
    expect(warm.fdLinksRead).toBeLessThan(cold.fdLinksRead / 2);
    expect(warm.changes).toBeLessThan(cold.changes / 2);

    const late = await startHolder([{ name: 'l2', kind: 'tcp-listen', host: '127.0.0.1' }]);
    const sample = source.sampleSync();
    expect(sample.sockets.find((s) => s.localPort === late.endpoints.l2!.port)?.pid).toBe(late.pid);
    // The new process is looked at first; the rest of the machine is not walked again.
    expect(source.lastStats.fdLinksRead).toBeLessThan(cold.fdLinksRead);
    await late.exit();
    await holder.exit();
  });

  it('does not credit a socket to a dead process: a child that inherits it takes over', async () => {
    // A parent opens a listener, forks a child that inherits the fd, then exits.
    const script = `
      const net = require('node:net'); const { spawn } = require('node:child_process');
      
      const srv = net.createServer().listen(0, '127.0.0.1', () => {
        const child = spawn(process.env.HEIR, ['-e', "setInterval(()=>{}, 1000)"], { stdio: ['ignore', 'ignore', 'ignore', srv._handle.fd], detached: true });
        console.log(JSON.stringify({ port: srv.address().port, child: child.pid }));
        child.unref();
        setTimeout(() => process.exit(0), 1500);
      });`;
    const { spawn } = await import('node:child_process');
    const parent = spawn(namedNode('pw-parent'), ['-e', script], {
      stdio: ['ignore', 'pipe', 'inherit'],
      env: { ...process.env, HEIR: namedNode('pw-heir') },
    });
    // Created now: the parent may exit (after 1.5 s) before the first sample below is done.
    const parentExited = new Promise((r) => parent.once('exit', r));
    const info = await new Promise<{ port: number; child: number }>((resolve) =>
      readline.createInterface({ input: parent.stdout! }).once('line', (line) => resolve(JSON.parse(line))),
    );
    try {
      const source = new LinuxProcSource();
      const first = source.sampleSync().sockets.find((s) => s.localPort === info.port && s.listening)!;
      expect([parent.pid, info.child]).toContain(first.pid);
      await parentExited;
      const after = source.sampleSync().sockets.find((s) => s.localPort === info.port && s.listening)!;
      expect(after.pid).toBe(info.child);
      expect(after.process?.name).toBe('pw-heir');
    } finally {
      try {
        process.kill(info.child, 'SIGKILL');
      } catch {
        // already gone
      }
    }
  });
});

describe('agreement with ss', () => {
  it('attributes every socket ss attributes to the same process', async () => {
    const holder = await startHolder([
      { name: 'l', kind: 'tcp-listen', host: '::' },
      { name: 'c', kind: 'tcp-connect', to: 'l' },
      { name: 'u', kind: 'udp-bind', host: '127.0.0.1' },
    ]);
    const ss = () => {
      const out = execFileSync('ss', ['-tuanpeH'], { encoding: 'utf8', maxBuffer: 256 * 1024 * 1024 });
      const byInode = new Map<number, { pids: number[]; line: string }>();
      for (const line of out.split('\n')) {
        const ino = /\bino:(\d+)/.exec(line);
        if (!ino || ino[1] === '0') continue;
        const pids = [...line.matchAll(/pid=(\d+)/g)].map((m) => Number(m[1]));
        if (pids.length > 0) byInode.set(Number(ino[1]), { pids, line });
      }
      return byInode;
    };
    const before = ss();
    const { sockets } = await new LinuxProcSource().sample();
    const after = ss();
    const ours = new Map(sockets.filter((s) => s.inode).map((s) => [s.inode!, s]));
    let compared = 0;
    for (const [inode, { pids, line }] of before) {
      if (!after.has(inode)) continue; // came and went between the reads
      const s = ours.get(inode);
      expect(s, `ss saw ${line}`).toBeDefined();
      // A socket can change hands between the reads (a fork, an exit): any holder ss saw either time.
      const holders = [...pids, ...after.get(inode)!.pids];
      expect(holders, `ss: ${line}\nus: ${JSON.stringify(s)}`).toContain(s!.pid);
      expect(line).toContain(`:${s!.localPort} `);
      compared++;
    }
    expect(compared).toBeGreaterThanOrEqual(4);
    await holder.exit();
  });
});
