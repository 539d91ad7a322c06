// settings.json in the data folder: what the user chose that is neither a trust rule nor an alert —
// the watched ports and how much history is kept. Read with loadJsonFile (an unreadable file is kept
// aside with a warning and defaults are used), written atomically, one write at a time in call order,
// each under the lock on settings.json (file-lock.ts) that every Portwatch sharing the folder takes.
// A write reads the file again under that lock and changes only its own field, so two Portwatches
// setting different things do not undo each other. A setting never changed is not written (its
// default may change with a release).
import { join } from 'node:path';
import { z } from 'zod';
import type { HistoryRetention } from '../../shared/history.js';
import { DEFAULT_HISTORY_RETENTION, historyRetentionSchema } from '../../shared/history.js';
import { MAX_WATCHED_PORTS } from '../../shared/ports.js';
import { DEFAULT_WATCHED_PORTS } from '../analysis/watched-ports.js';
import { loadJsonFile, removeStaleTemps, writeFileAtomic } from './atomic-file.js';
import { ensureDataDir } from './data-dir.js';
import { withFileLock } from './file-lock.js';
import { readPrivateFile } from './private-files.js';

export const SETTINGS_FILE = 'settings.json';
export const SETTINGS_VERSION = 1;

export interface Settings {
  watchedPorts: number[];
  /** Absent until the user sets it: DEFAULT_HISTORY_RETENTION. */
  historyRetention?: HistoryRetention;
}

const settingsFileSchema = z.object({
  version: z.literal(SETTINGS_VERSION),
  watchedPorts: z
    .array(z.number().int().min(1).max(65535))
    .max(MAX_WATCHED_PORTS)
    .refine((ports) => new Set(ports).size === ports.length, 'a port is listed more than once'),
  // Added after version 1 shipped: optional, so files written before it read as they are.
  historyRetention: historyRetentionSchema.optional(),
});

function settingsOf(file: z.infer<typeof settingsFileSchema>): Settings {
  return { watchedPorts: [...file.watchedPorts], ...(file.historyRetention ? { historyRetention: { ...file.historyRetention } } : {}) };
}

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
    const store = new SettingsStore(path, settingsOf(loaded.value), readOnly);
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
    await this.save({ watchedPorts: parsed.data });
    return this.watchedPorts;
  }

  get historyRetention(): HistoryRetention {
    return { ...(this.value.historyRetention ?? DEFAULT_HISTORY_RETENTION) };
  }

  /** Sets how much history is kept (RangeError for a bad value, nothing changed); resolves once on disk. */
  async setHistoryRetention(retention: HistoryRetention): Promise<HistoryRetention> {
    const parsed = historyRetentionSchema.safeParse(retention);
    if (!parsed.success) throw new RangeError(`bad history retention: ${parsed.error.issues[0]?.message ?? 'invalid'}`);
    this.value = { ...this.value, historyRetention: parsed.data };
    await this.save({ historyRetention: parsed.data });
    return this.historyRetention;
  }

  /** The retention as settings.json holds it now (another Portwatch, or `portwatch retention`, may have set it). */
  async reloadHistoryRetention(): Promise<HistoryRetention> {
    const onDisk = await this.readCurrent();
    if (onDisk !== null) this.value = { ...this.value, historyRetention: onDisk.historyRetention ?? { ...DEFAULT_HISTORY_RETENTION } };
    return this.historyRetention;
  }

  /** Writes one field over what the file holds now (another Portwatch may have changed the rest). */
  private save(change: Partial<Settings>): Promise<void> {
    if (this.readOnly !== null) return Promise.reject(new Error(`Portwatch will not overwrite ${this.path}: ${this.readOnly}`));
    const run = this.chain.then(() =>
      withFileLock(this.path, async () => {
        const onDisk = await this.readCurrent();
        const next = { ...(onDisk ?? this.value), ...change };
        await writeFileAtomic(this.path, JSON.stringify({ version: SETTINGS_VERSION, ...next }, null, 2) + '\n');
        this.value = { ...this.value, ...next };
      }),
    );
    this.chain = run.catch(() => {});
    return run;
  }

  /** settings.json as it is now; null when it is missing or not readable (then this store's own values are written). */
  private async readCurrent(): Promise<Settings | null> {
    try {
      const text = await readPrivateFile(this.path);
      if (text === null) return null;
      const parsed = settingsFileSchema.safeParse(JSON.parse(text));
      return parsed.success ? settingsOf(parsed.data) : null;
    } catch {
      return null;
    }
  }

  /** Resolves once every write so far is done. */
  flush(): Promise<void> {
    return this.chain;
  }
}
