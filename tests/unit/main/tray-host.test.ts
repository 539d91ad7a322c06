// The heuristic that says whether a tray icon can be seen (see src/main/tray-host.ts).
import { describe, expect, it } from 'vitest';
import { findTrayHost, parseAnswer } from '../../../src/main/tray-host.js';

const bus = (answer: boolean | null) => () => Promise.resolve(answer);

describe('findTrayHost', () => {
  it('macOS and Windows always have one', async () => {
    expect((await findTrayHost({ platform: 'darwin', statusNotifierWatcher: bus(false) })).available).toBe(true);
    expect((await findTrayHost({ platform: 'win32', statusNotifierWatcher: bus(false) })).available).toBe(true);
  });

  it('a StatusNotifierItem host on the bus is a tray, whatever the desktop', async () => {
    expect(await findTrayHost({ platform: 'linux', env: { XDG_CURRENT_DESKTOP: 'GNOME' }, statusNotifierWatcher: bus(true) })).toMatchObject({ available: true });
    expect(await findTrayHost({ platform: 'linux', env: { XDG_CURRENT_DESKTOP: 'KDE' }, statusNotifierWatcher: bus(true) })).toMatchObject({ available: true });
  });

  it('stock GNOME (no host on the bus) has none; nor has a Wayland session without a host', async () => {
    expect(await findTrayHost({ platform: 'linux', env: { XDG_CURRENT_DESKTOP: 'GNOME', XDG_SESSION_TYPE: 'x11' }, statusNotifierWatcher: bus(false) })).toMatchObject({ available: false, reason: expect.stringContaining('GNOME') });
    expect(await findTrayHost({ platform: 'linux', env: { XDG_CURRENT_DESKTOP: 'sway', XDG_SESSION_TYPE: 'wayland' }, statusNotifierWatcher: bus(false) })).toMatchObject({ available: false });
    // An X11 desktop without a host still has the old system tray Electron falls back to.
    expect(await findTrayHost({ platform: 'linux', env: { XDG_CURRENT_DESKTOP: 'LXDE', DISPLAY: ':0' }, statusNotifierWatcher: bus(false) })).toMatchObject({ available: true });
  });

  it('when the bus cannot be asked, the desktop name decides: plain GNOME no, Ubuntu GNOME yes', async () => {
    expect(await findTrayHost({ platform: 'linux', env: { XDG_CURRENT_DESKTOP: 'GNOME' }, statusNotifierWatcher: bus(null) })).toMatchObject({ available: false });
    expect(await findTrayHost({ platform: 'linux', env: { XDG_CURRENT_DESKTOP: 'ubuntu:GNOME' }, statusNotifierWatcher: bus(null) })).toMatchObject({ available: true });
    expect(await findTrayHost({ platform: 'linux', env: {}, statusNotifierWatcher: () => Promise.reject(new Error('boom')) })).toMatchObject({ available: true });
  });

  it('PORTWATCH_TRAY=on|off overrides the guess', async () => {
    expect(await findTrayHost({ platform: 'linux', env: { PORTWATCH_TRAY: 'on', XDG_CURRENT_DESKTOP: 'GNOME' }, statusNotifierWatcher: bus(false) })).toMatchObject({ available: true });
    expect(await findTrayHost({ platform: 'linux', env: { PORTWATCH_TRAY: 'off' }, statusNotifierWatcher: bus(true) })).toMatchObject({ available: false });
  });

  it('reads gdbus and dbus-send answers', () => {
    expect(parseAnswer('(true,)\n')).toBe(true);
    expect(parseAnswer('(false,)\n')).toBe(false);
    expect(parseAnswer('method return time=1 sender=org.freedesktop.DBus\n   boolean true\n')).toBe(true);
    expect(parseAnswer('garbage')).toBeNull();
  });
});
