// settings.json in the data folder: what the user chose that is neither a trust rule nor an alert —
// for now the watched ports. Read with loadJsonFile (an unreadable file is kept aside with a warning
// and defaults are used), written atomically, one write at a time in call order, each under the lock
// on settings.json (file-lock.ts) that every Portwatch sharing the folder takes.
import { join } from 'node:path';
import { z } from 'zod';
import { MAX_WATCHED_PORTS } from '../../shared/ports.js';
import { DEFAULT_WATCHED_PORTS } from '../analysis/watched-ports.js';
import { loadJsonFile, removeStaleTemps, writeFileAtomic } from './atomic-file.js';
import { ensureDataDir } from './data-dir.js';
import { withFileLock } from './file-lock.js';

export const SETTINGS_FILE = 'settings.json';
export const SETTINGS_VERSION = 1;

export interface Settings {
  watchedPorts: number[];
}

const settingsFileSchema = z.object({
  version: z.literal(SETTINGS_VERSION),
  watchedPorts: z
    .array(z.number().int().min(1).max(65535))
    .max(MAX_WATCHED_PORTS)
    .refine((ports) => new Set(ports).size === ports.length, 'a port is listed more than once'),
});

export function defaultSettings(): Settings {
  return { watchedPorts: [...DEFAULT_WATCHED_PORTS] };
}

export class SettingsStore {
  private chain: Promise<void> = Promise.resolve();

  private constructor(
    readonly path: string,
    private value: Settings,
    /** Why nothing is written over the file (it could not be moved aside, or is from a newer Portwatch); null when writable. */
    private readonly readOnly: string | null,
  ) {}

  /** Opens (creating the folder if needed) settings.json in dataDir; warnings are for the user. */
  static async open(dataDir: string): Promise<{ store: SettingsStore; warnings: string[] }> {
    await ensureDataDir(dataDir);
    const path = join(dataDir, SETTINGS_FILE);
    const loaded = await withFileLock(path, async () => {
      await removeStaleTemps(path);
      return loadJsonFile(path, settingsFileSchema, {
        what: 'settings',
        defaults: () => ({ version: SETTINGS_VERSION, ...defaultSettings() }) as z.infer<typeof settingsFileSchema>,
        version: SETTINGS_VERSION,
        consequence: `Portwatch started with the default settings (watched ports ${DEFAULT_WATCHED_PORTS.join(', ')}).`,
        newerConsequence: `Portwatch runs with the default settings (watched ports ${DEFAULT_WATCHED_PORTS.join(', ')}), and does not save changes to them.`,
      });
    });
    const readOnly = loaded.writable ? null : loaded.newer ? 'it was written by a newer Portwatch' : 'it could not be read nor moved aside';
    const store = new SettingsStore(path, { watchedPorts: [...loaded.value.watchedPorts] }, readOnly);
    return { store, warnings: loaded.warning === null ? [] : [loaded.warning] };
  }

  get watchedPorts(): number[] {
    return [...this.value.watchedPorts];
  }

  /** Replaces the watched ports (checked: 1–65535, at most 64, no duplicates); resolves once on disk. */
  async setWatchedPorts(ports: readonly number[]): Promise<number[]> {
    const parsed = settingsFileSchema.shape.watchedPorts.safeParse([...ports]);
    if (!parsed.success) throw new RangeError(`bad watched ports: ${parsed.error.issues[0]?.message ?? 'invalid'}`);
    this.value = { ...this.value, watchedPorts: parsed.data };
    await this.save();
    return this.watchedPorts;
  }

  private save(): Promise<void> {
    if (this.readOnly !== null) return Promise.reject(new Error(`Portwatch will not overwrite ${this.path}: ${this.readOnly}`));
    const data = JSON.stringify({ version: SETTINGS_VERSION, ...this.value }, null, 2) + '\n';
    const run = this.chain.then(() => withFileLock(this.path, () => writeFileAtomic(this.path, data)));
    this.chain = run.catch(() => {});
    return run;
  }

  /** Resolves once every write so far is done. */
  flush(): Promise<void> {
    return this.chain;
  }
}
