// The window's preferences and the rules secureWebContents puts on every web contents.
import { beforeEach, describe, expect, it, vi } from 'vitest';
import type { WebContents } from 'electron';
import { rendererPage } from '../../../src/main/page.js';
import { BACKGROUND, createMainWindow, secureWebContents } from '../../../src/main/window.js';
import { defaultSession, fakeEvent, FakeBrowserWindow, FakeWebContents, nativeTheme, shell } from './fake-electron.js';

vi.mock('electron', async () => (await import('./fake-electron.js')).electronModule);

const page = rendererPage({ rendererDir: '/opt/portwatch/out/renderer', packaged: true });
const preload = '/opt/portwatch/out/preload/index.cjs';

function open(): FakeBrowserWindow {
  createMainWindow({ page, preload });
  return FakeBrowserWindow.created.at(-1)!;
}

beforeEach(() => {
  shell.openExternal.mockClear();
  nativeTheme.shouldUseDarkColors = true;
});

describe('the main window', () => {
  it('uses the secure web preferences, each one', () => {
    const prefs = open().options['webPreferences'];
    expect(prefs.contextIsolation).toBe(true);
    expect(prefs.sandbox).toBe(true);
    expect(prefs.nodeIntegration).toBe(false);
    expect(prefs.nodeIntegrationInWorker).toBe(false);
    expect(prefs.nodeIntegrationInSubFrames).toBe(false);
    expect(prefs.webSecurity).toBe(true);
    expect(prefs.allowRunningInsecureContent).toBe(false);
    expect(prefs.experimentalFeatures).toBe(false);
    expect(prefs.webviewTag).toBe(false);
    expect(prefs.spellcheck).toBe(false);
    expect(prefs.navigateOnDragDrop).toBe(false);
    expect(prefs.preload).toBe(preload);
    // Nothing that loosens them sneaks in.
    expect(prefs.enableBlinkFeatures).toBeUndefined();
    expect(prefs.disableBlinkFeatures).toBe('Auxclick');
    expect(prefs.additionalArguments).toBeUndefined();
  });

  it('is titled, sized, hidden until ready, and loads the built page from disk', async () => {
    const w = open();
    expect(w.options).toMatchObject({ title: 'Portwatch', show: false });
    expect(w.options['width']).toBeGreaterThanOrEqual(w.options['minWidth']);
    expect(w.options['height']).toBeGreaterThanOrEqual(w.options['minHeight']);
    expect(w.loaded).toEqual({ file: '/opt/portwatch/out/renderer/index.html' });
    expect(page.url).toBe('file:///opt/portwatch/out/renderer/index.html');
    expect(w.shown).toBe(0);
    w.emit('ready-to-show');
    expect(w.shown).toBe(1);
  });

  it('loads the dev server only when not packaged and only from loopback', () => {
    const dev = rendererPage({ rendererDir: '/x/out/renderer', devUrl: 'http://localhost:5173', packaged: false });
    expect(dev).toEqual({ url: 'http://localhost:5173/', file: null });
    createMainWindow({ page: dev, preload });
    expect(FakeBrowserWindow.created.at(-1)!.loaded).toEqual({ url: 'http://localhost:5173/' });
    expect(rendererPage({ rendererDir: '/x/out/renderer', devUrl: 'http://localhost:5173', packaged: true }).file).toBe('/x/out/renderer/index.html');
    expect(rendererPage({ rendererDir: '/x/out/renderer', devUrl: 'https://evil.example/', packaged: false }).file).toBe('/x/out/renderer/index.html');
  });

  it('paints the background of the current theme and follows it', () => {
    const dark = open();
    expect(dark.options['backgroundColor']).toBe(BACKGROUND.dark);
    nativeTheme.shouldUseDarkColors = false;
    expect(open().options['backgroundColor']).toBe(BACKGROUND.light);
    nativeTheme.emit('updated');
    expect(dark.background).toBe(BACKGROUND.light);
    dark.close();
    const listeners = nativeTheme.listenerCount('updated');
    open().close();
    expect(nativeTheme.listenerCount('updated')).toBe(listeners);
  });
});

describe('secureWebContents', () => {
  it('denies window.open, and only http(s) reaches the system browser', () => {
    const wc = open().webContents;
    const openWindow = (url: string) => wc.windowOpenHandler!({ url, frameName: '', features: '', disposition: 'new-window', referrer: { url: '', policy: 'default' } });
    for (const url of ['https://example.com/docs', 'http://example.com/']) {
      expect(openWindow(url)).toEqual({ action: 'deny' });
    }
    expect(shell.openExternal.mock.calls.map((c) => c[0])).toEqual(['https://example.com/docs', 'http://example.com/']);
    shell.openExternal.mockClear();
    for (const url of ['file:///etc/passwd', 'javascript:alert(1)', 'data:text/html,<b>x</b>', 'smb://host/share', 'ms-settings:', 'not a url', page.url]) {
      expect(openWindow(url)).toEqual({ action: 'deny' });
    }
    expect(shell.openExternal).not.toHaveBeenCalled();
  });

  it('keeps navigation on our page', () => {
    const wc = open().webContents;
    expect(wc.navigate('will-navigate', 'https://evil.example/')).toBe(true);
    expect(shell.openExternal).toHaveBeenCalledWith('https://evil.example/');
    shell.openExternal.mockClear();
    expect(wc.navigate('will-navigate', 'file:///etc/passwd')).toBe(true);
    expect(wc.navigate('will-navigate', 'file:///opt/portwatch/out/renderer/other.html')).toBe(true);
    expect(wc.navigate('will-navigate', 'javascript:alert(1)')).toBe(true);
    expect(shell.openExternal).not.toHaveBeenCalled();
    expect(wc.navigate('will-navigate', `${page.url}?view=listeners#top`)).toBe(false);
    expect(wc.navigate('will-redirect', 'https://evil.example/')).toBe(true);
    expect(wc.navigate('will-frame-navigate', 'https://evil.example/')).toBe(true);
    expect(wc.navigate('will-frame-navigate', page.url)).toBe(false);
    expect(shell.openExternal).not.toHaveBeenCalled();
  });

  it('refuses <webview>', () => {
    const wc = open().webContents;
    const event = fakeEvent({});
    wc.emit('will-attach-webview', event, {}, {});
    expect(event.defaultPrevented).toBe(true);
  });

  it('denies every permission request and check', () => {
    open();
    for (const permission of ['media', 'notifications', 'geolocation', 'openExternal', 'clipboard-read', 'fullscreen']) {
      const callback = vi.fn();
      defaultSession.permissionRequestHandler!(new FakeWebContents(), permission, callback, {});
      expect(callback).toHaveBeenCalledExactlyOnceWith(false);
      expect(defaultSession.permissionCheckHandler!(null, permission, 'file:///', {})).toBe(false);
    }
    expect(defaultSession.devicePermissionHandler!({ deviceType: 'usb', origin: 'file://' })).toBe(false);
  });

  it('sets the CSP header on our page, replacing any other, and leaves other responses alone', () => {
    open();
    const hook = defaultSession.headersReceived!;
    expect(hook.filter).toEqual({ urls: ['file://*/*'], types: ['mainFrame'] });
    const callback = vi.fn();
    hook.listener({ url: page.url, resourceType: 'mainFrame', responseHeaders: { 'content-security-policy': ['default-src *'], 'X-Other': ['1'] } }, callback);
    expect(callback).toHaveBeenCalledOnce();
    const { responseHeaders } = callback.mock.calls[0]![0];
    expect(Object.keys(responseHeaders)).toEqual(['X-Other', 'Content-Security-Policy']);
    const policy = new Map<string, string>(
      (responseHeaders['Content-Security-Policy'] as string[])[0]!.split(';').map((d) => {
        const [name, ...sources] = d.trim().split(/\s+/);
        return [name!, sources.join(' ')];
      }),
    );
    expect(Object.fromEntries(policy)).toEqual({
      'default-src': "'self'",
      'script-src': "'self'",
      'style-src': "'self' 'unsafe-inline'",
      'img-src': "'self' data:",
      'object-src': "'none'",
      'base-uri': "'none'",
      'frame-ancestors': "'none'",
      'form-action': "'none'",
    });
    const other = vi.fn();
    hook.listener({ url: 'file:///tmp/x.html', resourceType: 'mainFrame', responseHeaders: {} }, other);
    expect(other).toHaveBeenCalledExactlyOnceWith({});
  });

  it('applies its rules once however often it is called', () => {
    const wc = new FakeWebContents();
    secureWebContents(wc as unknown as WebContents, page);
    secureWebContents(wc as unknown as WebContents, page);
    expect(wc.listenerCount('will-navigate')).toBe(1);
    expect(wc.listenerCount('will-attach-webview')).toBe(1);
  });
});
