// The XDG autostart entry: where it goes, how its Exec line quotes a path (read back the way the
// Desktop Entry spec says a launcher reads it), and that turning it on and off writes and removes it.
import { existsSync, lstatSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { autostartPath, desktopEntry, execArgument, xdgLoginItem } from '../../../src/main/autostart.js';
import { removeDataDirs, tempDataDir } from '../../helpers/data-dirs.js';

afterAll(removeDataDirs);

/** A launcher's reading of one Exec argument: string escapes first, then the quoting rule, then %%. */
function readArgument(text: string): string {
  const unescaped = text.replace(/\\(.)/g, (_m, c: string) => ({ s: ' ', n: '\n', t: '\t', r: '\r', '\\': '\\' })[c] ?? `\\${c}`);
  const unquoted = unescaped.startsWith('"') && unescaped.endsWith('"') ? unescaped.slice(1, -1).replace(/\\(["`$\\])/g, '$1') : unescaped;
  return unquoted.replace(/%%/g, '%');
}

describe('autostart entry', () => {
  it('lives in $XDG_CONFIG_HOME/autostart, else ~/.config/autostart (a relative XDG_CONFIG_HOME is ignored)', () => {
    expect(autostartPath({ XDG_CONFIG_HOME: '/x/conf' }, '/home/u')).toBe('/x/conf/autostart/portwatch.desktop');
    expect(autostartPath({}, '/home/u')).toBe('/home/u/.config/autostart/portwatch.desktop');
    expect(autostartPath({ XDG_CONFIG_HOME: 'conf' }, '/home/u')).toBe('/home/u/.config/autostart/portwatch.desktop');
  });

  it('quotes what the spec reserves, and a launcher reads back exactly the path', () => {
    expect(execArgument('/opt/Portwatch/portwatch')).toBe('/opt/Portwatch/portwatch');
    for (const path of ['/home/a b/Portwatch.AppImage', '/opt/$HOME/`x`/"q"/p', '/opt/back\\slash/x', '/opt/100%/x', "/opt/it's/x", '']) {
      const quoted = execArgument(path);
      expect(readArgument(quoted), quoted).toBe(path);
    }
    expect(() => execArgument('/opt/new\nline')).toThrow(/control character/);
  });

  it('is a desktop entry that runs the app hidden', () => {
    const entry = desktopEntry(['/home/a b/Portwatch.AppImage', '--hidden']);
    expect(entry).toMatch(/^\[Desktop Entry\]\nType=Application\nName=Portwatch\n/);
    expect(entry).toContain('\nExec="/home/a b/Portwatch.AppImage" --hidden\n');
    expect(entry).toContain('\nX-GNOME-Autostart-enabled=true\n');
  });

  it('on writes it (creating the folder), off removes it, twice off is fine; a symlink in its place is replaced, not followed', async () => {
    const home = tempDataDir('autostart');
    const path = join(home, 'autostart', 'portwatch.desktop');
    const item = xdgLoginItem(path, ['/opt/Portwatch/portwatch', '--hidden']);
    expect(item.get()).toBe(false);
    await item.set(true);
    expect(item.get()).toBe(true);
    expect(readFileSync(path, 'utf8')).toContain('Exec=/opt/Portwatch/portwatch --hidden');
    expect(lstatSync(path).mode & 0o777).toBe(0o644);
    await item.set(false);
    expect(existsSync(path)).toBe(false);
    await item.set(false);

    const target = join(home, 'elsewhere');
    writeFileSync(target, 'keep me');
    symlinkSync(target, path);
    await item.set(true);
    expect(lstatSync(path).isSymbolicLink()).toBe(false);
    expect(readFileSync(target, 'utf8')).toBe('keep me');
  });
});
