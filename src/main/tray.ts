// The tray icon: one class owns it (after Signal-Desktop's SystemTrayService). It shows the engine's
// state at a glance (normal, alerts waiting, paused), live counts in the tooltip, and a menu to open
// the window, pause, jump to the latest alerts and quit. Icons are drawn once per state; the menu is
// rebuilt only when what it shows changed; a factory hook lets tests stand in for the real Tray.
import type { MenuItemConstructorOptions, NativeImage, Tray as ElectronTray } from 'electron';
import { Menu, Tray } from 'electron';
import type { EngineSummary } from '../core/engine-protocol.js';
import { severityLabel } from '../shared/notify-policy.js';
import type { MonitorStatus } from '../shared/status.js';
import { formatRate } from '../shared/units.js';
import { trayImage, type IconState } from './icons.js';

/** Sockets that are not listening, listening ones, and distinct owning processes. */
export type TrayCounts = EngineSummary['counts'];

/** What the tray shows of an alert. */
export type TrayAlert = EngineSummary['latest'][number];

export interface TrayView {
  status: MonitorStatus;
  counts: TrayCounts;
  unacknowledged: number;
  /** Recent alerts; the menu shows the newest unacknowledged ones. */
  latest: TrayAlert[];
  /** The machine's total rate; null (or absent) while none is measured. */
  traffic?: EngineSummary['traffic'];
  /** Said in the tooltip instead of the counts: the engine is down (restarting, or given up). */
  problem?: string | null;
}

export interface LoginItem {
  get(): boolean;
  /** May write a file (the XDG autostart entry): the menu shows the result once it is done. */
  set(on: boolean): void | Promise<void>;
}

export interface TrayServiceDeps {
  /** Factory hook: tests pass a fake; by default a real Electron Tray. */
  createTray?: (image: NativeImage) => ElectronTray;
  /** Draws one state's icon; called at most once per state. By default icons.ts's trayImage. */
  createIcon?: (state: IconState) => NativeImage;
  onOpen(): void;
  onPause(): void;
  onResume(): void;
  onQuit(): void;
  onOpenAlert(id: string): void;
  /** Offers "Start at login" when given. */
  loginItem?: LoginItem;
  /** A click on the icon opens the window; by default everywhere but macOS, where a click opens the menu. */
  openOnClick?: boolean;
}

/** How many alerts the "Latest alerts" submenu lists. */
export const LATEST_ALERTS = 5;
/** Longest problem in the tooltip (some desktops cut tooltips short). */
const TOOLTIP_PROBLEM_LENGTH = 120;
/** Longest alert message in the menu, in characters, before it is cut with an ellipsis. */
export const MENU_MESSAGE_LENGTH = 60;

/** Alerts waiting outrank paused: they happened, and the user has not seen them. */
export function iconState({ status, unacknowledged }: Pick<TrayView, 'status' | 'unacknowledged'>): IconState {
  if (unacknowledged > 0) return 'alert';
  return status.state === 'paused' || status.state === 'stopped' ? 'paused' : 'normal';
}

/**
 * "Portwatch — 412 connections, 19 listening, 37 processes, 2 new alerts", and on a second line the
 * total rate while it is measured and running: "Network ↑ 1.2 MB/s ↓ 350 kB/s" (short: Windows
 * cuts a tooltip at 127 characters).
 */
export function tooltipText({ status, counts, unacknowledged, problem, traffic }: Pick<TrayView, 'status' | 'counts' | 'unacknowledged' | 'problem' | 'traffic'>): string {
  if (problem) return `Portwatch — ${truncate(problem, TOOLTIP_PROBLEM_LENGTH)}`;
  const name = {
    running: 'Portwatch',
    paused: 'Portwatch (paused)',
    stopped: 'Portwatch (stopped)',
    'backing-off': 'Portwatch (cannot read sockets)',
  }[status.state];
  const alerts = unacknowledged === 0 ? 'no new alerts' : plural(unacknowledged, 'new alert', 'new alerts');
  const line = `${name} — ${plural(counts.connections, 'connection', 'connections')}, ${counts.listeners} listening, ${plural(counts.processes, 'process', 'processes')}, ${alerts}`;
  if (traffic == null || status.state !== 'running') return line;
  return `${line}\n${traffic.basis === 'interfaces' ? 'Network' : 'Connections'} ↑ ${formatRate(traffic.sendRate)} ↓ ${formatRate(traffic.receiveRate)}`;
}

/** What the menu shows, as plain data: equal models give equal menus. */
export interface TrayMenuModel {
  paused: boolean;
  alerts: Array<{ id: string; label: string }>;
  /** null when start at login is not offered. */
  startAtLogin: boolean | null;
}

export function menuModel(view: Pick<TrayView, 'status' | 'latest'>, startAtLogin: boolean | null): TrayMenuModel {
  const alerts = view.latest
    .filter((a) => a.acknowledgedAt === null)
    .sort((a, b) => b.at - a.at)
    .slice(0, LATEST_ALERTS)
    .map((a) => ({ id: a.id, label: `${severityLabel(a.severity)}: ${truncate(a.message, MENU_MESSAGE_LENGTH)}` }));
  return { paused: view.status.state === 'paused', alerts, startAtLogin };
}

export class TrayService {
  private readonly tray: ElectronTray;
  private readonly icons = new Map<IconState, NativeImage>();
  private readonly createIcon: (state: IconState) => NativeImage;
  private state: IconState = 'normal';
  private tooltip = 'Portwatch';
  private menuKey = '';
  private model: TrayMenuModel;
  private startAtLogin: boolean | null;
  /** A start-at-login change still being written, and what it asked for: the next click flips that. */
  private loginChange: { wanted: boolean; done: Promise<void> } | null = null;
  private destroyed = false;

  constructor(private readonly deps: TrayServiceDeps) {
    this.createIcon = deps.createIcon ?? trayImage;
    this.startAtLogin = this.readLoginItem();
    this.tray = (deps.createTray ?? ((image) => new Tray(image)))(this.icon('normal'));
    this.tray.setToolTip(this.tooltip);
    if (deps.openOnClick ?? process.platform !== 'darwin') this.tray.on('click', () => deps.onOpen());
    this.model = { paused: false, alerts: [], startAtLogin: this.startAtLogin };
    this.setMenu(this.model);
  }

  /** Shows a new state: the icon, tooltip and menu change only where they differ from what is shown. */
  update(view: TrayView): void {
    if (this.destroyed) return;
    const state = iconState(view);
    if (state !== this.state) {
      this.state = state;
      this.tray.setImage(this.icon(state));
    }
    const tooltip = tooltipText(view);
    if (tooltip !== this.tooltip) {
      this.tooltip = tooltip;
      this.tray.setToolTip(tooltip);
    }
    this.setMenu(menuModel(view, this.startAtLogin));
  }

  /** The icon shown now. */
  iconState(): IconState {
    return this.state;
  }

  /** One image per state, drawn the first time it is needed. */
  icon(state: IconState): NativeImage {
    let image = this.icons.get(state);
    if (image === undefined) {
      image = this.createIcon(state);
      this.icons.set(state, image);
    }
    return image;
  }

  destroy(): void {
    if (this.destroyed) return;
    this.destroyed = true;
    if (!this.tray.isDestroyed()) this.tray.destroy();
  }

  private setMenu(model: TrayMenuModel): void {
    const key = JSON.stringify(model);
    if (key === this.menuKey) return;
    this.menuKey = key;
    this.model = model;
    this.tray.setContextMenu(Menu.buildFromTemplate(this.template(model)));
  }

  private template(model: TrayMenuModel): MenuItemConstructorOptions[] {
    const { deps } = this;
    const items: MenuItemConstructorOptions[] = [
      { id: 'open', label: 'Open Portwatch', click: () => deps.onOpen() },
      { type: 'separator' },
      model.paused
        ? { id: 'resume', label: 'Resume monitoring', click: () => deps.onResume() }
        : { id: 'pause', label: 'Pause monitoring', click: () => deps.onPause() },
      {
        id: 'latest-alerts',
        label: 'Latest alerts',
        submenu:
          model.alerts.length === 0
            ? [{ id: 'no-alerts', label: 'No new alerts', enabled: false }]
            : model.alerts.map(({ id, label }) => ({ id: `alert:${id}`, label: menuLabel(label), click: () => deps.onOpenAlert(id) })),
      },
    ];
    if (model.startAtLogin !== null) {
      items.push(
        { type: 'separator' },
        { id: 'start-at-login', label: 'Start at login', type: 'checkbox', checked: model.startAtLogin, click: () => this.toggleLoginItem() },
      );
    }
    items.push({ type: 'separator' }, { id: 'quit', label: 'Quit Portwatch', click: () => deps.onQuit() });
    return items;
  }

  private toggleLoginItem(): void {
    const loginItem = this.deps.loginItem;
    if (loginItem === undefined || this.startAtLogin === null) return;
    const failed = (e: unknown) => console.error(`portwatch: could not change start at login: ${e instanceof Error ? e.message : String(e)}`);
    // Show what the system now says, which is not always what was asked. The checkbox flipped itself
    // when clicked, so the menu is rebuilt even when the answer did not change.
    const show = () => {
      this.startAtLogin = this.readLoginItem();
      this.menuKey = '';
      if (!this.destroyed) this.setMenu({ ...this.model, startAtLogin: this.startAtLogin });
    };
    // A click while the last change is still being written (an XDG entry is fsynced) flips what that
    // change asked for, not the state shown before it, and runs after it: the last click wins.
    const previous = this.loginChange;
    const wanted = !(previous?.wanted ?? this.startAtLogin);
    let done: void | Promise<void> = undefined;
    if (previous !== null) done = previous.done.then(() => loginItem.set(wanted));
    else {
      try {
        done = loginItem.set(wanted);
      } catch (e) {
        failed(e);
      }
    }
    if (!(done instanceof Promise)) return show();
    const change = {
      wanted,
      done: done.catch(failed).finally(() => {
        if (this.loginChange === change) this.loginChange = null;
        show();
      }),
    };
    this.loginChange = change;
  }

  private readLoginItem(): boolean | null {
    if (this.deps.loginItem === undefined) return null;
    try {
      return this.deps.loginItem.get();
    } catch {
      return false;
    }
  }
}

function plural(n: number, one: string, many: string): string {
  return `${n} ${n === 1 ? one : many}`;
}

/** The first line, whitespace collapsed, cut to max characters with an ellipsis. */
export function truncate(text: string, max: number): string {
  const line = text.split('\n', 1)[0]!.replace(/\s+/g, ' ').trim();
  const chars = [...line];
  return chars.length <= max ? line : `${chars.slice(0, max - 1).join('').trimEnd()}…`;
}

/** Menu labels treat & as a mnemonic marker on Windows and Linux; a message's own & must stay an &. */
function menuLabel(text: string): string {
  return text.replace(/&/g, '&&');
}
