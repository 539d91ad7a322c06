// What `trust --exe` means, as a Little Snitch user expects of a program rule: everything the program
// does is trusted, its new listeners included. Real programs (private links of node) listen while a
// real `watch` runs; the trusted one raises nothing, an untrusted twin does. And the API refuses an
// executable that is not a full path, as the command line does.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Alert } from '../../src/shared/alerts.js';
import { runCli, spawnCli } from '../helpers/cli.js';
import { removeDataDirs, tempDataDir } from '../helpers/data-dirs.js';
import { cleanUpExeHolders, privateNode, startHolderWith } from '../helpers/exe-holders.js';
import { ApiClient, ensureUiBuilt, startServe, stopAllServes } from '../helpers/serve.js';

beforeAll(ensureUiBuilt);

afterAll(async () => {
  await stopAllServes();
  await cleanUpExeHolders();
  removeDataDirs();
});

type Line = { type: 'snapshot' | 'delta' | 'alert' | 'warning'; alert?: Alert; added?: Array<{ pid: number | null }> };

describe('an executable rule', () => {
  it('covers the program’s new listeners (and its process): no alert for it, while an untrusted twin alerts', async () => {
    const dir = tempDataDir('exe-rule');
    const trusted = privateNode('pw-trusted-srv');
    const stranger = privateNode('pw-stranger-srv');
    const rule = await runCli(['trust', '--exe', trusted, '--data-dir', dir]);
    expect(rule).toMatchObject({ code: 0, stdout: `Trusted: ${trusted}.\n` });

    const child = spawnCli(['watch', '--ndjson', '--learn', '0', '--interval', '250', '--data-dir', dir]);
    const lines: Line[] = [];
    let buffer = '';
    let wake = () => {};
    child.stdout!.on('data', (d: Buffer) => {
      buffer += d;
      let nl;
      while ((nl = buffer.indexOf('\n')) >= 0) {
        lines.push(JSON.parse(buffer.slice(0, nl)) as Line);
        buffer = buffer.slice(nl + 1);
      }
      wake();
    });
    const until = async (pred: () => boolean) => {
      while (!pred()) await new Promise<void>((r) => (wake = r));
    };
    try {
      await until(() => lines.some((l) => l.type === 'snapshot'));
      // On all interfaces: the loudest kind of new listener.
      const a = await startHolderWith(trusted, [{ name: 'l', kind: 'tcp-listen', host: '0.0.0.0' }]);
      const b = await startHolderWith(stranger, [{ name: 'l', kind: 'tcp-listen', host: '0.0.0.0' }]);
      const alertsOf = (pid: number) => lines.filter((l) => l.type === 'alert' && l.alert!.pid === pid).map((l) => l.alert!.kind);
      // The untrusted twin's alerts arrive with the poll that saw both: by then the trusted one was judged too.
      await until(() => alertsOf(b.pid).includes('new-listener'));
      await until(() => lines.some((l) => l.type === 'delta' && l.added!.some((s) => s.pid === a.pid)));
      expect(alertsOf(a.pid)).toEqual([]);
      expect(alertsOf(b.pid).sort()).toEqual(['new-listener', 'new-process']);
    } finally {
      child.kill('SIGINT');
      await new Promise((r) => child.once('close', r));
    }
  });
});

describe('the API checks an executable as the command line does', () => {
  it('a rule or a "watch closely" naming a program by anything but a full path (or name:COMM) is refused', async () => {
    const dir = tempDataDir('api-exe');
    const served = await startServe(['--no-open', '--learn', '0', '--data-dir', dir]);
    const client = await ApiClient.open(served);
    for (const exe of ['python3', './evil', 'tmp/evil', '']) {
      const answer = await client.call('trust', [{ kind: 'executable', exe }]);
      expect(answer, exe).toMatchObject({ ok: false, code: 'bad-arguments' });
    }
    expect(await client.call('trust', [{ kind: 'listener', exe: 'nc', port: 4444, protocol: 'tcp' }])).toMatchObject({ ok: false, code: 'bad-arguments' });
    expect(await client.call('setWatchClosely', ['curl', true])).toMatchObject({ ok: false, code: 'bad-arguments' });
    expect(await client.call('trust', [{ kind: 'executable', exe: '/usr/bin/python3' }])).toMatchObject({ ok: true });
    expect(await client.call('trust', [{ kind: 'executable', exe: 'name:secretd' }])).toMatchObject({ ok: true });
    const state = (await client.call('getTrustState')) as { value: { rules: Array<{ exe: string }> } };
    expect(state.value.rules.map((r) => r.exe).sort()).toEqual(['/usr/bin/python3', 'name:secretd']);
    client.close();
    expect(await served.stop()).toBe(0);
  });
});
