import { describe, expect, it } from 'vitest';
import { defaultDataDir, resolveDataDir } from '../../../../src/core/store/data-dir.js';

describe('the data directory', () => {
  it('is where Electron puts userData for an app named Portwatch, per platform', () => {
    expect(defaultDataDir({}, 'linux', '/home/ada')).toBe('/home/ada/.config/Portwatch');
    expect(defaultDataDir({ XDG_CONFIG_HOME: '/xdg' }, 'linux', '/home/ada')).toBe('/xdg/Portwatch');
    expect(defaultDataDir({ XDG_CONFIG_HOME: 'relative' }, 'linux', '/home/ada')).toBe('/home/ada/.config/Portwatch');
    expect(defaultDataDir({}, 'darwin', '/Users/ada')).toBe('/Users/ada/Library/Application Support/Portwatch');
    expect(defaultDataDir({ APPDATA: 'C:\\Users\\ada\\AppData\\Roaming' }, 'win32', 'C:\\Users\\ada')).toMatch(/AppData.Roaming.Portwatch$/);
  });

  it('an explicit folder wins, then PORTWATCH_DATA_DIR, then the default', () => {
    expect(resolveDataDir('/srv/pw', { PORTWATCH_DATA_DIR: '/env' })).toBe('/srv/pw');
    expect(resolveDataDir(null, { PORTWATCH_DATA_DIR: '/env' })).toBe('/env');
    expect(resolveDataDir(undefined, { XDG_CONFIG_HOME: '/xdg' })).toBe(process.platform === 'linux' ? '/xdg/Portwatch' : defaultDataDir({ XDG_CONFIG_HOME: '/xdg' }));
  });
});
