// Temporary data directories for the trust store and the alert log, removed when the test file ends.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const made: string[] = [];

export function tempDataDir(label = 'data'): string {
  const dir = mkdtempSync(join(tmpdir(), `portwatch-${label}-`));
  made.push(dir);
  return dir;
}

/** Call from afterAll. */
export function removeDataDirs(): void {
  for (const dir of made.splice(0)) rmSync(dir, { recursive: true, force: true });
}
