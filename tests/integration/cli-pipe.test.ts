// Output to a pipe is written as the reader takes it: the command's end of the pipe is blocking, so a
// slow reader holds the writer back instead of the writer queueing everything it has not taken
// (a 100,000-socket snapshot is 50 MB of text; queued, it cost the watcher 110 MB more).
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { liveCli } from '../helpers/cli.js';

const O_NONBLOCK = 0o4000;

describe('portwatch writing to a pipe', () => {
  it('writes stdout blocking, and a reader that goes away still ends it quietly', async () => {
    const live = liveCli(['watch', '--ndjson', '--no-alerts', '--interval', '250']);
    await live.until(/"type":"snapshot"/);
    const flags = /^flags:\s+([0-7]+)$/m.exec(readFileSync(`/proc/${live.child.pid}/fdinfo/1`, 'latin1'))?.[1];
    expect(flags).toBeDefined();
    expect(Number.parseInt(flags!, 8) & O_NONBLOCK).toBe(0);
    // The reader goes away: the next write fails with EPIPE and the command exits 0.
    live.child.stdout!.destroy();
    const code = await new Promise<number | null>((resolve) => live.child.once('close', resolve));
    expect(code).toBe(0);
  });
});
