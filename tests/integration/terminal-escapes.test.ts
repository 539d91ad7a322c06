// Terminal escape injection, performed: real processes name themselves with terminal sequences (ESC
// "hide the rest", OSC "set the title", BEL), and every command that prints to a terminal is run
// against them. Not one control byte may come out; the name must still be there, escaped.
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { liveCli, runCli } from '../helpers/cli.js';
import { removeDataDirs, tempDataDir } from '../helpers/data-dirs.js';
import { startPyHolder, stopAllPy, type PyHolder } from '../helpers/py-holders.js';

/** 13 bytes, within comm's 15: ESC [8m (conceal), OSC 0 (window title) ended by BEL. */
const EVIL = '\x1b[8mhid\x1b]0;x\x07';
const SHOWN = '\\u{1b}[8mhid\\u{1b}]0;x\\u{7}';
// eslint-disable-next-line no-control-regex -- what must never reach the terminal
const CONTROL = /[\u0000-\u0008\u000b-\u001f\u007f-\u009f]/;

let first: PyHolder;
let second: PyHolder;
let port: number;

beforeAll(async () => {
  // Two processes sharing one port (SO_REUSEPORT): a conflict, so `conflicts` names them too.
  first = await startPyHolder([{ name: 'l', type: 'tcp', host: '127.0.0.1', reuseport: true }], { title: EVIL });
  port = first.endpoints.l!.port;
  second = await startPyHolder([{ name: 'l', type: 'tcp', host: '127.0.0.1', port, reuseport: true }], { title: EVIL });
});

afterAll(async () => {
  await stopAllPy();
  removeDataDirs();
});

function clean(text: string): void {
  const at = CONTROL.exec(text);
  expect(at === null ? null : JSON.stringify(text.slice(Math.max(0, at.index - 40), at.index + 20))).toBeNull();
}

describe('names chosen by a process reach the terminal escaped', () => {
  it('in snapshot, who (table, verdicts, processes), conflicts and the kill prompt', async () => {
    for (const args of [['snapshot'], ['who', String(port)], ['conflicts'], ['kill', '--port', String(port)], ['export', '--format', 'csv']]) {
      const { stdout, stderr } = await runCli(args);
      clean(stdout);
      clean(stderr);
      expect(stdout, args.join(' ')).toContain(SHOWN);
    }
    expect(first.isRunning() && second.isRunning()).toBe(true); // the prompt ended nothing
  });

  it('in JSON output as JSON escapes, the value intact', async () => {
    const { stdout } = await runCli(['snapshot', '--json']);
    clean(stdout);
    const { sockets } = JSON.parse(stdout) as { sockets: Array<{ pid: number | null; process: { name: string } | null }> };
    expect(sockets.find((s) => s.pid === first.pid)?.process?.name).toBe(EVIL);
    for (const format of ['json', 'ndjson']) {
      const exported = await runCli(['export', '--format', format]);
      clean(exported.stdout);
      type Row = { pid: number | null; process: { name: string } | null };
      const rows = format === 'json' ? (JSON.parse(exported.stdout) as { sockets: Row[] }).sockets : exported.stdout.trim().split('\n').map((l) => JSON.parse(l) as Row);
      expect(rows.find((s) => s.pid === first.pid)?.process?.name, format).toBe(EVIL);
    }
  });

  it('in watch lines and the alert lines it prints, and later in `alerts`', async () => {
    const dir = tempDataDir('escapes');
    const watch = liveCli(['watch', '--data-dir', dir, '--learn', '0', '--interval', '250']);
    let third: PyHolder | null = null;
    try {
      await watch.until(/^Watching /m);
      // One that appears while watching: a "+" line and a new-listener alert naming it.
      third = await startPyHolder([{ name: 'l', type: 'tcp', host: '127.0.0.1' }], { title: EVIL });
      const line = new RegExp(`\\+ .*:${third.endpoints.l!.port}\\b.*\\[${third.pid}\\]`);
      await watch.until(line);
      await watch.until(new RegExp(`! ALERT .*pid ${third.pid}`));
    } finally {
      await watch.stop();
      await third?.exit();
    }
    clean(watch.out());
    expect(watch.out()).toContain(SHOWN);
    const alerts = await runCli(['alerts', '--data-dir', dir]);
    clean(alerts.stdout);
    expect(alerts.stdout).toContain(SHOWN);
  });

  it("in the agent's NDJSON alert lines on stdout: C1 and bidi characters as JSON escapes too", { timeout: 60_000 }, async () => {
    // U+009B is CSI on its own; U+202E makes the rest of the line read backwards. JSON leaves both raw.
    const sly = '\u202egnp.exe\u009b2J';
    const agent = liveCli(['agent', '--alerts-ndjson', '-', '--data-dir', tempDataDir('escapes-agent'), '--learn', '0', '--interval', '250']);
    let holder: PyHolder | null = null;
    try {
      holder = await startPyHolder([{ name: 'l', type: 'tcp', host: '127.0.0.1' }], { title: sly });
      await agent.until(new RegExp(`"pid":${holder.pid}[,}]`));
    } finally {
      await agent.stop();
      await holder?.exit();
    }
    const line = agent.out().split('\n').find((l) => l !== '' && (JSON.parse(l) as { pid: number | null }).pid === holder!.pid)!;
    expect(line).not.toMatch(/[\u0080-\u009f\u202a-\u202e]/);
    expect(line).toContain('\\u009b');
    // The value is intact behind the escapes (comm's bytes as the engine reads them).
    expect((JSON.parse(line) as { process: { name: string } }).process.name).toMatch(/gnp\.exe.*\u009b2J$/);
  });

  it('in warnings that quote a damaged file', async () => {
    const dir = tempDataDir('escapes-file');
    // V8's JSON.parse quotes the bytes it stumbled on in its message: that message is in the warning.
    writeFileSync(join(dir, 'trust.json'), `${EVIL}\u0000\u009b2J{"version":1}`);
    const { stderr, code } = await runCli(['alerts', '--data-dir', dir]);
    expect(code).toBe(0);
    expect(stderr).toMatch(/could not read its trust store/);
    clean(stderr);
  });
});
