// The tray with electron faked: icon per state (drawn once), tooltip counts, the menu and its clicks,
// and no menu rebuild when nothing in it changed. The icons' pixels and PNG bytes are checked for real.
import { crc32 as zlibCrc32, inflateSync } from 'node:zlib';
import { beforeEach, describe, expect, it, vi, type Mock } from 'vitest';
import type { Tray } from 'electron';
import { crc32, encodePng, ICON_COLORS, ICON_STATES, iconPng, renderIcon, TRAY_SIZES } from '../../../src/main/icons.js';
import { countSockets } from '../../../src/core/engine-process.js';
import {
  iconState,
  LATEST_ALERTS,
  menuModel,
  tooltipText,
  TrayService,
  truncate,
  type TrayServiceDeps,
  type TrayView,
} from '../../../src/main/tray.js';
import type { Alert } from '../../../src/shared/alerts.js';
import type { Socket } from '../../../src/shared/model.js';
import type { MonitorStatus } from '../../../src/shared/status.js';
import { FakeMenu, FakeNativeImage, FakeTray, nativeImage } from './fake-electron.js';
import { WAIT } from '../../helpers/wait.js';

vi.mock('electron', async () => (await import('./fake-electron.js')).electronModule);

function status(state: MonitorStatus['state'] = 'running'): MonitorStatus {
  return { state, intervalMs: 1000, seq: 1, source: 'linux-proc', sockets: 431, lastPoll: null, warnings: null, error: null, consecutiveFailures: 0, traffic: null, scope: null };
}

let alertSeq = 0;
function alert(overrides: Partial<Alert> = {}): Alert {
  alertSeq++;
  return {
    id: `a${alertSeq}`,
    kind: 'new-listener',
    severity: 'medium',
    message: `python3 (pid 4242) listens on 0.0.0.0:${8000 + alertSeq}`,
    at: 1_700_000_000_000 + alertSeq * 1000,
    pid: 4242,
    process: null,
    sockets: [],
    acknowledgedAt: null,
    snoozedUntil: null,
    ...overrides,
  };
}

function view(overrides: Partial<TrayView> = {}): TrayView {
  return { status: status(), counts: { connections: 412, listeners: 19, processes: 37 }, unacknowledged: 0, latest: [], ...overrides };
}

type Callbacks = Pick<TrayServiceDeps, 'onOpen' | 'onPause' | 'onResume' | 'onQuit' | 'onOpenAlert'>;
let deps: { [K in keyof Callbacks]: Mock<Callbacks[K]> };

beforeEach(() => {
  deps = { onOpen: vi.fn(), onPause: vi.fn(), onResume: vi.fn(), onQuit: vi.fn(), onOpenAlert: vi.fn() };
});

function start(more: Partial<TrayServiceDeps> = {}): { service: TrayService; tray: FakeTray } {
  let tray: FakeTray | null = null;
  const service = new TrayService({
    ...deps,
    createTray: (image) => (tray = new FakeTray(image)) as unknown as Tray,
    openOnClick: true,
    ...more,
  });
  return { service, tray: tray! };
}

const menuOf = (tray: FakeTray) => tray.menu!;

describe('TrayService: icon and tooltip', () => {
  it('starts with the normal icon, a plain tooltip and the full menu', () => {
    const { service, tray } = start();
    expect(service.iconState()).toBe('normal');
    expect(tray.image).toBe(service.icon('normal'));
    expect(tray.tooltip).toBe('Portwatch');
    expect(menuOf(tray).labels()).toEqual(['Open Portwatch', '-', 'Pause monitoring', 'Latest alerts', '-', 'Quit Portwatch']);
  });

  it('goes normal → alert → paused → normal, drawing each state once and reusing it', () => {
    const drawn: string[] = [];
    const { service, tray } = start({ createIcon: (state) => (drawn.push(state), new FakeNativeImage(Buffer.from(state)) as never) });
    const normal = tray.image;

    service.update(view({ unacknowledged: 2, latest: [alert()] }));
    expect(service.iconState()).toBe('alert');
    const alertImage = tray.image;
    expect(alertImage).not.toBe(normal);

    service.update(view({ status: status('paused') }));
    expect(service.iconState()).toBe('paused');
    const paused = tray.image;

    service.update(view());
    expect(tray.image).toBe(normal);
    service.update(view({ unacknowledged: 1 }));
    expect(tray.image).toBe(alertImage);
    service.update(view({ status: status('paused') }));
    expect(tray.image).toBe(paused);

    expect(drawn).toEqual(['normal', 'alert', 'paused']);
    expect(new Set([normal, alertImage, paused]).size).toBe(3);
    // An unchanged state sets nothing.
    const calls = tray.calls.setImage;
    service.update(view({ status: status('paused') }));
    expect(tray.calls.setImage).toBe(calls);
  });

  it('uses the same nativeImage instance per state, built from 1× and 2× PNGs', () => {
    const before = nativeImage.created.length;
    const { service, tray } = start();
    service.update(view({ unacknowledged: 1 }));
    service.update(view());
    service.update(view({ unacknowledged: 3 }));
    expect(nativeImage.created.length - before).toBe(2);
    expect(service.icon('alert')).toBe(tray.image);
    expect(service.icon('normal')).toBe(service.icon('normal'));

    const image = tray.image as FakeNativeImage;
    expect(image.getScaleFactors()).toEqual([1, 2]);
    expect(pngSize(image.representations.get(1)!)).toEqual({ width: 16, height: 16 });
    expect(pngSize(image.representations.get(2)!)).toEqual({ width: 32, height: 32 });
  });

  it('says the live counts in the tooltip, and the engine state when it is not simply running', () => {
    const { service, tray } = start();
    service.update(view({ unacknowledged: 2 }));
    expect(tray.tooltip).toBe('Portwatch — 412 connections, 19 listening, 37 processes, 2 new alerts');
    service.update(view({ counts: { connections: 1, listeners: 0, processes: 1 }, unacknowledged: 1 }));
    expect(tray.tooltip).toBe('Portwatch — 1 connection, 0 listening, 1 process, 1 new alert');
    service.update(view({ status: status('paused') }));
    expect(tray.tooltip).toBe('Portwatch (paused) — 412 connections, 19 listening, 37 processes, no new alerts');
    service.update(view({ status: status('backing-off') }));
    expect(tray.tooltip).toMatch(/^Portwatch \(cannot read sockets\) — /);

    const calls = tray.calls.setToolTip;
    service.update(view({ status: status('backing-off') }));
    expect(tray.calls.setToolTip).toBe(calls);
  });

  it('says the total rate on a second line while it is measured and running; not while paused or down', () => {
    const { service, tray } = start();
    service.update(view({ traffic: { sendRate: 1_234_000, receiveRate: 350_000, basis: 'interfaces' } }));
    expect(tray.tooltip).toBe('Portwatch — 412 connections, 19 listening, 37 processes, no new alerts\nNetwork ↑ 1.2 MB/s ↓ 350 kB/s');
    service.update(view({ traffic: { sendRate: 0, receiveRate: 999, basis: 'connections' } }));
    expect(tray.tooltip).toBe('Portwatch — 412 connections, 19 listening, 37 processes, no new alerts\nConnections ↑ 0 B/s ↓ 999 B/s');
    service.update(view({ status: status('paused'), traffic: { sendRate: 5, receiveRate: 5, basis: 'interfaces' } }));
    expect(tray.tooltip).toBe('Portwatch (paused) — 412 connections, 19 listening, 37 processes, no new alerts');
    service.update(view({ traffic: null }));
    expect(tray.tooltip).toBe('Portwatch — 412 connections, 19 listening, 37 processes, no new alerts');
    service.update(view({ problem: 'the engine stopped', traffic: { sendRate: 5, receiveRate: 5, basis: 'interfaces' } }));
    expect(tray.tooltip).toBe('Portwatch — the engine stopped');
    // Short enough for Windows, which cuts a tooltip at 127 characters, even at the largest counts.
    const big = tooltipText(view({ counts: { connections: 99_999, listeners: 9_999, processes: 9_999 }, unacknowledged: 9_999, traffic: { sendRate: 999e12, receiveRate: 999e12, basis: 'interfaces' } }));
    expect(big.length).toBeLessThanOrEqual(127);
  });

  it('opens the window on a click on the icon where that is the convention', () => {
    const { tray } = start();
    tray.emit('click');
    expect(deps.onOpen).toHaveBeenCalledTimes(1);
    const { tray: mac } = start({ openOnClick: false });
    mac.emit('click');
    expect(deps.onOpen).toHaveBeenCalledTimes(1);
  });

  it('destroys the tray, and ignores updates after', () => {
    const { service, tray } = start();
    service.destroy();
    expect(tray.isDestroyed()).toBe(true);
    service.update(view({ unacknowledged: 5 }));
    expect(tray.calls.setImage).toBe(0);
    service.destroy();
  });
});

describe('TrayService: menu', () => {
  it('routes Open, Pause, Resume and Quit', () => {
    const { service, tray } = start();
    menuOf(tray).click('open');
    expect(deps.onOpen).toHaveBeenCalledTimes(1);
    menuOf(tray).click('pause');
    expect(deps.onPause).toHaveBeenCalledTimes(1);
    expect(menuOf(tray).item('resume')).toBeUndefined();

    service.update(view({ status: status('paused') }));
    expect(menuOf(tray).labels()).toContain('Resume monitoring');
    expect(menuOf(tray).item('pause')).toBeUndefined();
    menuOf(tray).click('resume');
    expect(deps.onResume).toHaveBeenCalledTimes(1);

    menuOf(tray).click('quit');
    expect(deps.onQuit).toHaveBeenCalledTimes(1);
    expect(deps.onPause).toHaveBeenCalledTimes(1);
  });

  it('lists no alerts as one disabled item', () => {
    const { tray } = start();
    const submenu = menuOf(tray).item('latest-alerts')!.submenu!;
    expect(submenu).toEqual([{ id: 'no-alerts', label: 'No new alerts', enabled: false }]);
    expect(() => menuOf(tray).click('no-alerts')).toThrow(/disabled/);
  });

  it(`lists the ${LATEST_ALERTS} newest unacknowledged alerts, severity first, message cut; a click opens that alert`, () => {
    const { service, tray } = start();
    const alerts = [
      alert({ severity: 'high', message: 'nc (pid 7) listens on 0.0.0.0:4444 & accepts from anywhere — a very long message that goes on' }),
      alert({ acknowledgedAt: Date.now() }),
      ...Array.from({ length: 6 }, () => alert()),
    ];
    service.update(view({ unacknowledged: 7, latest: alerts }));
    const submenu = menuOf(tray).item('latest-alerts')!.submenu!;
    expect(submenu).toHaveLength(LATEST_ALERTS);
    // Newest first: the last raised leads; the acknowledged one and the oldest unacknowledged fall out.
    const newest = alerts.at(-1)!;
    expect(submenu[0]).toMatchObject({ id: `alert:${newest.id}`, label: `Medium: ${newest.message}` });
    expect(submenu.map((i) => i.id)).not.toContain(`alert:${alerts[1]!.id}`);
    expect(submenu.map((i) => i.id)).not.toContain(`alert:${alerts[0]!.id}`);

    menuOf(tray).click(`alert:${alerts[4]!.id}`);
    expect(deps.onOpenAlert).toHaveBeenCalledWith(alerts[4]!.id);

    // The high one, once it is among the newest: severity, the message cut, & kept literal.
    service.update(view({ unacknowledged: 1, latest: [alerts[0]!] }));
    const [only] = menuOf(tray).item('latest-alerts')!.submenu!;
    expect(only!.label).toMatch(/^High: nc \(pid 7\) listens on 0\.0\.0\.0:4444 && accepts from anywhere.*…$/);
    expect([...only!.label!.replace('&&', '&')].length).toBeLessThanOrEqual('High: '.length + 60);
  });

  it('is rebuilt only when something in it changed', () => {
    const { service, tray } = start();
    const a = alert();
    service.update(view({ unacknowledged: 1, latest: [a] }));
    const built = FakeMenu.built;
    const set = tray.calls.setContextMenu;
    const menu = tray.menu;

    // Counts and tooltip move every second; the menu stays.
    service.update(view({ counts: { connections: 500, listeners: 20, processes: 40 }, unacknowledged: 1, latest: [a] }));
    service.update(view({ status: { ...status(), seq: 99, sockets: 520 }, unacknowledged: 1, latest: [{ ...a }] }));
    expect(FakeMenu.built).toBe(built);
    expect(tray.calls.setContextMenu).toBe(set);
    expect(tray.menu).toBe(menu);

    service.update(view({ unacknowledged: 2, latest: [a, alert()] }));
    expect(FakeMenu.built).toBe(built + 1);
    service.update(view({ status: status('paused'), unacknowledged: 2, latest: [a] }));
    expect(FakeMenu.built).toBe(built + 2);
    expect(tray.calls.setContextMenu).toBe(set + 2);
  });

  it('offers Start at login as a checkbox when a login item is given, and shows what the system says', () => {
    let on = false;
    const set = vi.fn((value: boolean) => void (on = value));
    const { service, tray } = start({ loginItem: { get: () => on, set } });
    expect(menuOf(tray).labels()).toEqual(['Open Portwatch', '-', 'Pause monitoring', 'Latest alerts', '-', 'Start at login', '-', 'Quit Portwatch']);
    expect(menuOf(tray).item('start-at-login')).toMatchObject({ type: 'checkbox', checked: false });

    menuOf(tray).click('start-at-login');
    expect(set).toHaveBeenCalledWith(true);
    expect(menuOf(tray).item('start-at-login')!.checked).toBe(true);
    service.update(view());
    expect(menuOf(tray).item('start-at-login')!.checked).toBe(true);

    // A system that refuses: the checkbox shows the truth.
    set.mockImplementationOnce(() => {
      throw new Error('denied');
    });
    const error = vi.spyOn(console, 'error').mockImplementation(() => {});
    menuOf(tray).click('start-at-login');
    expect(error).toHaveBeenCalledWith(expect.stringMatching(/start at login: denied/));
    error.mockRestore();
    expect(menuOf(tray).item('start-at-login')!.checked).toBe(true);
    menuOf(tray).click('start-at-login');
    expect(set).toHaveBeenLastCalledWith(false);
    expect(menuOf(tray).item('start-at-login')!.checked).toBe(false);
  });

  it('two clicks while the first change is still being written end where the second asked: off', async () => {
    let on = false;
    const pending: Array<() => void> = [];
    // Like the XDG entry: the value lands, then the write finishes (fsync) a while later.
    const set = vi.fn((value: boolean) => new Promise<void>((resolve) => pending.push(() => ((on = value), resolve()))));
    const { tray } = start({ loginItem: { get: () => on, set } });
    menuOf(tray).click('start-at-login');
    menuOf(tray).click('start-at-login');
    // The second waits for the first, then asks for the opposite of what the first asked.
    expect(set.mock.calls).toEqual([[true]]);
    pending.shift()!();
    await vi.waitFor(() => expect(set.mock.calls).toEqual([[true], [false]]), WAIT);
    pending.shift()!();
    await vi.waitFor(() => expect(menuOf(tray).item('start-at-login')!.checked).toBe(false), WAIT);
    expect(on).toBe(false);
  });

  it('uses the real Tray when no factory is given', () => {
    const before = FakeTray.created.length;
    const service = new TrayService({ ...deps });
    expect(FakeTray.created).toHaveLength(before + 1);
    expect(FakeTray.created.at(-1)!.image).toBe(service.icon('normal'));
  });
});

describe('tray helpers', () => {
  it('icon state: alerts waiting outrank paused; stopped looks paused', () => {
    expect(iconState({ status: status('running'), unacknowledged: 0 })).toBe('normal');
    expect(iconState({ status: status('backing-off'), unacknowledged: 0 })).toBe('normal');
    expect(iconState({ status: status('paused'), unacknowledged: 0 })).toBe('paused');
    expect(iconState({ status: status('stopped'), unacknowledged: 0 })).toBe('paused');
    expect(iconState({ status: status('paused'), unacknowledged: 1 })).toBe('alert');
  });

  it('counts connections, listeners and distinct processes', () => {
    const s = (listening: boolean, pid: number | null) => ({ listening, pid }) as Socket;
    expect(countSockets([s(true, 1), s(false, 1), s(false, 2), s(false, null), s(true, null)])).toEqual({ connections: 3, listeners: 2, processes: 2 });
    expect(countSockets([])).toEqual({ connections: 0, listeners: 0, processes: 0 });
  });

  it('cuts to the first line and a length, by characters', () => {
    expect(truncate('short', 10)).toBe('short');
    expect(truncate('a  b\tc\nsecond line', 10)).toBe('a b c');
    expect(truncate('0123456789abc', 10)).toBe('012345678…');
    expect(truncate('😀'.repeat(12), 10)).toBe(`${'😀'.repeat(9)}…`);
  });

  it('menu model and tooltip are plain functions of the view', () => {
    expect(menuModel(view(), null)).toEqual({ paused: false, alerts: [], startAtLogin: null });
    expect(tooltipText(view({ unacknowledged: 0 }))).toBe('Portwatch — 412 connections, 19 listening, 37 processes, no new alerts');
  });
});

describe('tray icons', () => {
  const pixel = (rgba: Uint8Array, size: number, x: number, y: number) => [...rgba.subarray((y * size + x) * 4, (y * size + x) * 4 + 4)];

  it('draws an eye in blue, a red-orange dot for alerts, grey for paused', () => {
    for (const { size } of TRAY_SIZES) {
      const normal = renderIcon('normal', size);
      const alerted = renderIcon('alert', size);
      const paused = renderIcon('paused', size);
      const c = Math.floor(size / 2);
      // The pupil.
      expect(pixel(normal, size, c, c)).toEqual([...ICON_COLORS.eye, 255]);
      // The corners stay transparent, except where the alert dot sits (top right).
      expect(pixel(normal, size, 0, 0)[3]).toBe(0);
      expect(pixel(normal, size, size - 1, size - 1)[3]).toBe(0);
      const dot = [Math.round(size * 0.78), Math.round(size * 0.22)] as const;
      expect(pixel(alerted, size, dot[0], dot[1])).toEqual([...ICON_COLORS.alert, 255]);
      expect(pixel(normal, size, dot[0], dot[1])).not.toEqual([...ICON_COLORS.alert, 255]);
      // Paused has no colour at all: every painted pixel is the grey.
      for (let i = 0; i < paused.length; i += 4) {
        if (paused[i + 3]! > 0) expect([paused[i], paused[i + 1], paused[i + 2]]).toEqual([...ICON_COLORS.paused]);
      }
      // The pause sign's gap in the middle, the bars either side.
      expect(pixel(paused, size, c, c)[3]).toBe(0);
      expect(pixel(paused, size, Math.floor(size * 0.375), c)[3]).toBe(255);
      expect(pixel(paused, size, Math.floor(size * 0.625), c)[3]).toBe(255);
    }
  });

  it('encodes valid PNGs that decode back to the same pixels', () => {
    for (const state of ICON_STATES) {
      for (const size of [16, 32]) {
        const png = iconPng(state, size);
        expect([...png.subarray(0, 8)]).toEqual([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
        const chunks = readChunks(png);
        expect(chunks.map((c) => c.type)).toEqual(['IHDR', 'IDAT', 'IEND']);
        for (const c of chunks) expect(c.crcOk).toBe(true);
        expect([...chunks[0]!.data.subarray(8)]).toEqual([8, 6, 0, 0, 0]);
        const raw = inflateSync(chunks[1]!.data);
        const rgba = renderIcon(state, size);
        for (let y = 0; y < size; y++) {
          expect(raw[y * (size * 4 + 1)]).toBe(0);
          expect(raw.subarray(y * (size * 4 + 1) + 1, (y + 1) * (size * 4 + 1))).toEqual(Buffer.from(rgba.subarray(y * size * 4, (y + 1) * size * 4)));
        }
      }
    }
  });

  it('computes CRC-32 as zlib does, and refuses wrong sizes', () => {
    for (const text of ['', 'IEND', 'The quick brown fox jumps over the lazy dog']) expect(crc32(Buffer.from(text))).toBe(zlibCrc32(Buffer.from(text)));
    expect(() => encodePng(2, 2, new Uint8Array(15))).toThrow(RangeError);
    expect(() => renderIcon('normal', 0)).toThrow(RangeError);
  });
});

function readChunks(png: Buffer): Array<{ type: string; data: Buffer; crcOk: boolean }> {
  const chunks = [];
  for (let o = 8; o < png.length; ) {
    const length = png.readUInt32BE(o);
    const type = png.toString('latin1', o + 4, o + 8);
    const data = png.subarray(o + 8, o + 8 + length);
    const crcOk = png.readUInt32BE(o + 8 + length) === zlibCrc32(png.subarray(o + 4, o + 8 + length));
    chunks.push({ type, data, crcOk });
    o += 12 + length;
  }
  return chunks;
}

function pngSize(png: Buffer): { width: number; height: number } {
  return { width: png.readUInt32BE(16), height: png.readUInt32BE(20) };
}
