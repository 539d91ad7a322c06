// Process names are bytes: real processes run from executables named in UTF-8 (нода, 日本), in bytes
// that are no UTF-8 at all (two names U+FFFD would make one), with a comm that holds ") " and spaces,
// and with a long UTF-8 name the kernel cuts in the middle of a character. Each must read as its own
// name — in the source's reading of /proc and in what `portwatch` prints — and the stat fields after
// the name must still parse.
import { spawn, type ChildProcess } from 'node:child_process';
import { chmodSync, copyFileSync, linkSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import readline from 'node:readline';
import { afterAll, describe, expect, it } from 'vitest';
import { describeProcess } from '../../src/core/process-control.js';
import { ProcClock, readProcessInfo, readProcStat, UserNames } from '../../src/core/sources/proc-process.js';
import { printable } from '../../src/shared/printable.js';
import { runCli } from '../helpers/cli.js';
import { stopChild } from '../helpers/children.js';

const dir = mkdtempSync(join(tmpdir(), 'portwatch-utf8-names-'));
const children = new Set<ChildProcess>();

afterAll(async () => {
  await Promise.all([...children].map(stopChild));
  rmSync(dir, { recursive: true, force: true });
});

// Listens on loopback, says where, and lives until its stdin closes. PW_COMM (hex) renames it as prctl would.
const PROGRAM = `
const fs = require('node:fs');
if (process.env.PW_COMM) fs.writeFileSync('/proc/self/comm', Buffer.from(process.env.PW_COMM, 'hex'));
const server = require('node:net').createServer().listen(0, '127.0.0.1', () => console.log(JSON.stringify({ pid: process.pid, port: server.address().port })));
process.stdin.on('end', () => process.exit(0)).resume();
`;

// Node cannot spawn a path that is not UTF-8; python's execv takes bytes, and keeps the pid.
const EXEC = 'import os, sys; p = bytes.fromhex(sys.argv[1]); os.execv(p, [p, "-e", sys.argv[2]])';

interface Named {
  pid: number;
  port: number;
  exe: Buffer;
}

/** A process running node from an executable whose file name is exactly these bytes. */
async function runAs(name: Buffer, comm?: Buffer): Promise<Named> {
  const exe = Buffer.concat([Buffer.from(`${dir}/`), name]);
  try {
    linkSync(process.execPath, exe);
  } catch {
    copyFileSync(process.execPath, exe);
    chmodSync(exe, 0o755);
  }
  const child = spawn('python3', ['-c', EXEC, exe.toString('hex'), PROGRAM], { stdio: ['pipe', 'pipe', 'inherit'], env: { ...process.env, PW_COMM: comm?.toString('hex') ?? '' } });
  children.add(child);
  const line = await new Promise<string>((resolve, reject) => {
    readline.createInterface({ input: child.stdout! }).once('line', resolve);
    child.once('exit', (code) => reject(new Error(`${name.toString('hex')} exited early (${code})`)));
  });
  return { ...(JSON.parse(line) as { pid: number; port: number }), exe };
}

const clock = new ProcClock('/proc');
const users = new UserNames();

function read(pid: number) {
  const stat = readProcStat('/proc', pid)!;
  return { stat, info: readProcessInfo('/proc', stat, clock, users)! };
}

describe('process names in UTF-8, and bytes that are not', () => {
  it('reads Cyrillic and CJK names as themselves, name and executable path', async () => {
    for (const name of ['нода', '日本']) {
      const p = await runAs(Buffer.from(name));
      const { stat, info } = read(p.pid);
      expect(stat.comm).toBe(name);
      expect(info.name).toBe(name);
      expect(info.exe).toBe(`${dir}/${name}`);
      expect(info.cmdline.startsWith(`${dir}/${name} -e`)).toBe(true);
      const who = await runCli(['who', String(p.port)]);
      expect(who.stdout).toContain(name);
      expect(who.stdout).not.toContain('\ufffd');
      const json = await runCli(['snapshot', '--json']);
      const sockets = (JSON.parse(json.stdout) as { sockets: Array<{ pid: number | null; process: { name: string; exe: string | null } | null }> }).sockets;
      expect(sockets.find((s) => s.pid === p.pid)?.process).toMatchObject({ name, exe: `${dir}/${name}` });
      // The kill prompt names it too (no answer on stdin: nothing is ended).
      const kill = await runCli(['kill', '--port', String(p.port)]);
      expect(kill.stdout + kill.stderr).toContain(name);
      expect(process.kill(p.pid, 0)).toBe(true);
    }
  });

  it('shows bytes that are not UTF-8 as \\xNN escapes, so two such names never collapse into one', async () => {
    const ff = await runAs(Buffer.from([0x61, 0xff, 0x62])); // a, 0xff, b
    const fe = await runAs(Buffer.from([0x61, 0xfe, 0x62]));
    // An overlong '/', a lone continuation byte and a CJK character cut short.
    const mixed = await runAs(Buffer.from([0x6d, 0xc0, 0xaf, 0x80, 0xe6, 0x97, 0x6e]));
    expect(read(ff.pid).info).toMatchObject({ name: 'a\\xffb', exe: `${dir}/a\\xffb` });
    expect(read(fe.pid).info).toMatchObject({ name: 'a\\xfeb', exe: `${dir}/a\\xfeb` });
    expect(read(mixed.pid).info.name).toBe('m\\xc0\\xaf\\x80\\xe6\\x97n');
    // The same names where a process is ended (the kill prompt and its identity check read stat too).
    expect(describeProcess(ff.pid)?.name).toBe('a\\xffb');
    expect(describeProcess(fe.pid)?.name).toBe('a\\xfeb');
    // What reaches a terminal: the escapes, never U+FFFD; the two stay two.
    for (const [p, shown] of [[ff, 'a\\xffb'], [fe, 'a\\xfeb']] as const) {
      const who = await runCli(['who', String(p.port)]);
      expect(who.stdout).toContain(shown);
      expect(who.stdout).not.toContain('\ufffd');
    }
  });

  it('parses stat right when the name holds ") " and spaces, and decodes the name after it', async () => {
    const comm = Buffer.from('x) R 1 (日本');
    const p = await runAs(Buffer.from('pw-comm-parens'), comm);
    const { stat, info } = read(p.pid);
    expect(stat.comm).toBe('x) R 1 (日本');
    expect(stat.pid).toBe(p.pid);
    // The fields after the name: the parent (python exec'd in place, so this test's process), and a
    // start after this process's own.
    expect(stat.ppid).toBe(process.pid);
    expect(stat.startTicks).toBeGreaterThanOrEqual(readProcStat('/proc', process.pid)!.startTicks);
    expect(info.name).toBe('x) R 1 (日本');
    expect(printable(info.name)).toBe(info.name);
  });

  it('finds the whole name when the kernel cut a long UTF-8 name in the middle of a character', async () => {
    // "нодаx-се" is 14 bytes; the kernel keeps 15, so the comm ends with half of "р".
    const name = 'нодаx-сервер-длинный';
    const p = await runAs(Buffer.from(name));
    const { stat, info } = read(p.pid);
    expect(stat.comm).toBe('нодаx-се\\xd1');
    expect(info.name).toBe(name);
  });
});
