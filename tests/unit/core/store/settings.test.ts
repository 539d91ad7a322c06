// settings.json: defaults, a save that survives a reopen, a bad list refused, a corrupt file kept aside.
import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { DEFAULT_WATCHED_PORTS } from '../../../../src/core/analysis/watched-ports.js';
import { SETTINGS_FILE, SettingsStore } from '../../../../src/core/store/settings.js';
import { removeDataDirs, tempDataDir } from '../../../helpers/data-dirs.js';

afterAll(removeDataDirs);

describe('SettingsStore', () => {
  it('starts from the default watched ports without writing anything', async () => {
    const dir = tempDataDir('settings');
    const { store, warnings } = await SettingsStore.open(dir);
    expect(warnings).toEqual([]);
    expect(store.watchedPorts).toEqual([...DEFAULT_WATCHED_PORTS]);
    expect(existsSync(join(dir, SETTINGS_FILE))).toBe(false);
  });

  it('saves the watched ports atomically (version 1) and reads them back', async () => {
    const dir = tempDataDir('settings');
    const { store } = await SettingsStore.open(dir);
    await expect(store.setWatchedPorts([8080, 3000, 49152])).resolves.toEqual([8080, 3000, 49152]);
    expect(JSON.parse(readFileSync(join(dir, SETTINGS_FILE), 'utf8'))).toEqual({ version: 1, watchedPorts: [8080, 3000, 49152] });
    expect(readdirSync(dir).filter((n) => n.includes('.tmp-'))).toEqual([]);
    const again = await SettingsStore.open(dir);
    expect(again.store.watchedPorts).toEqual([8080, 3000, 49152]);
    await again.store.setWatchedPorts([]);
    expect((await SettingsStore.open(dir)).store.watchedPorts).toEqual([]);
  });

  it('refuses a bad list and keeps the saved one', async () => {
    const dir = tempDataDir('settings');
    const { store } = await SettingsStore.open(dir);
    await store.setWatchedPorts([5432]);
    for (const bad of [[0], [65536], [1.5], [3000, 3000], Array.from({ length: 65 }, (_, i) => i + 1)]) {
      await expect(store.setWatchedPorts(bad), JSON.stringify(bad)).rejects.toThrow(RangeError);
    }
    expect(store.watchedPorts).toEqual([5432]);
    expect((await SettingsStore.open(dir)).store.watchedPorts).toEqual([5432]);
  });

  it('keeps a corrupt file aside with a warning and starts from the defaults', async () => {
    const dir = tempDataDir('settings');
    const path = join(dir, SETTINGS_FILE);
    writeFileSync(path, '{"version":1,"watchedPorts":[3000,');
    const { store, warnings } = await SettingsStore.open(dir);
    expect(store.watchedPorts).toEqual([...DEFAULT_WATCHED_PORTS]);
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toMatch(/could not read its settings .*not valid JSON.*kept as .*settings\.json\.corrupt-/);
    const aside = readdirSync(dir).filter((n) => n.startsWith('settings.json.corrupt-'));
    expect(aside).toHaveLength(1);
    expect(readFileSync(join(dir, aside[0]!), 'utf8')).toBe('{"version":1,"watchedPorts":[3000,');
    // An invalid list (a port out of range) is kept aside too.
    writeFileSync(path, JSON.stringify({ version: 1, watchedPorts: [70000] }));
    const second = await SettingsStore.open(dir);
    expect(second.warnings[0]).toMatch(/watchedPorts/);
    expect(second.store.watchedPorts).toEqual([...DEFAULT_WATCHED_PORTS]);
  });
});
