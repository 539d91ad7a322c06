// What every `portwatch` command pays before it does anything: the modules it loads. The server's
// WebSocket library, prom-client and systeminformation cost ~250 ms of CPU to load between them, and
// only `serve`/`agent`, `--metrics` and non-Linux machines use them: they load when used.
import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const MAIN = fileURLToPath(new URL('../../dist/node/cli/main.js', import.meta.url));

/** The npm packages (CommonJS, so in require's cache) a fresh process holds after running `args`. */
function packagesLoaded(args: string[]): string[] {
  const script = `
    import { createRequire } from 'node:module';
    const { main } = await import(${JSON.stringify(MAIN)});
    await main(${JSON.stringify(args)}, { out: () => {}, err: () => {} });
    const names = new Set();
    for (const path of Object.keys(createRequire(import.meta.url).cache)) {
      const m = /node_modules\\/((?:@[^/]+\\/)?[^/]+)\\//.exec(path);
      if (m) names.add(m[1]);
    }
    console.log(JSON.stringify([...names].sort()));`;
  return JSON.parse(execFileSync(process.execPath, ['--input-type=module', '-e', script], { encoding: 'utf8', env: { ...process.env, PORTWATCH_DNS_SERVER: 'off' } })) as string[];
}

describe('starting the portwatch command', () => {
  it('loads the server, metrics and systeminformation libraries only for the commands that use them', () => {
    for (const args of [['--help'], ['who', '--help'], ['serve', '--help'], ['ip', '--no-dns', '127.0.0.1']]) {
      const loaded = packagesLoaded(args);
      expect(loaded, args.join(' ')).toContain('commander');
      for (const heavy of ['ws', 'prom-client', 'systeminformation']) expect(loaded, `${args.join(' ')} loaded ${heavy}`).not.toContain(heavy);
    }
  });
});
