// @vitest-environment happy-dom
// The socket views as a TCPView user checks them: one meaning of each count everywhere, a selection
// that belongs to the view that made it, a detail column only while something is selected, honest
// ages and state names, and columns that can be hidden, resized and moved — and stay so.
import { act, fireEvent, screen, within } from '@testing-library/react';
import { describe, expect, it, vi } from 'vitest';
import { VIEW_COMMITTED_EVENT } from '../../../src/renderer/src/commit-marks.js';
import { type StoreOptions } from '../../../src/renderer/src/store.js';
import { delta, listener, proc, settle, sock, type FakeTransport, elementsSizedLikeAWindow } from './fixtures.js';
import { appUnderTest, grid, socketRows } from './app-under-test.js';
import type { PortLookup } from '../../../src/shared/api.js';

elementsSizedLikeAWindow();

const app = appUnderTest();

const START = 1_700_000_000_000;
const web = sock({ localPort: 51000, remoteAddress: '142.250.74.46', remotePort: 443, pid: 311, process: proc(311, 'firefox', { startedAt: START - 30 * 86_400_000 }), firstSeen: START });
const api = listener(3000, '0.0.0.0', 520, 'node');
const mdns = { ...listener(5353, '0.0.0.0', 1201, 'avahi-daemon', 'udp'), firstSeen: START + 60_000 };
const client = sock({ localPort: 52000, remoteAddress: '127.0.0.1', remotePort: 3000, pid: 777, process: proc(777, 'curl'), firstSeen: START + 120_000 });
const SOCKETS = [web, api, mdns, client];

const mount = (sockets = SOCKETS, setup: (t: FakeTransport) => void = () => {}, options: StoreOptions = {}) => app.mount(sockets, setup, options);
const rows = socketRows;
const shown = () => document.querySelector('.toolbar .shown')!.textContent!.replace(/\s+/g, ' ').trim();
const tab = (name: RegExp) => screen.getByRole('tab', { name });
const details = () => screen.queryByRole('complementary', { name: 'Details' });
const headers = (name = 'Connections') => within(grid(name)).getAllByRole('columnheader').map((h) => h.getAttribute('data-column')).filter((c) => c !== null);

async function click(el: Element) {
  await act(async () => {
    fireEvent.click(el);
    await settle();
  });
}

async function select(row: Element) {
  await act(async () => {
    fireEvent.mouseDown(row);
  });
}

describe('counts: one meaning everywhere (live sockets; closing rows are on show, counted apart)', () => {
  it('the first paint with rows says their count, never "0 sockets"', async () => {
    const seen: string[] = [];
    const onCommit = (e: Event) => {
      if ((e as CustomEvent<{ rows: number }>).detail.rows > 0) seen.push(shown());
    };
    document.addEventListener(VIEW_COMMITTED_EVENT, onCommit);
    try {
      await mount();
    } finally {
      document.removeEventListener(VIEW_COMMITTED_EVENT, onCommit);
    }
    expect(seen.length).toBeGreaterThan(0);
    expect(seen.every((s) => s === '4 sockets')).toBe(true);
  });

  it('during a mass close the tab, the toolbar and the filter agree, and "N of M" never has N > M', async () => {
    // Closing rows linger for as long as the test runs, however slow the machine (no race with a timer).
    const t = await mount(SOCKETS, () => {}, { closingMs: 600_000 });
    await act(async () => {
      t.emitDelta(delta(2, { removed: [web.id, client.id, mdns.id] }));
    });
    expect(rows()).toHaveLength(4); // the closing rows stay on show for a moment
    expect(tab(/Connections/).textContent).toContain('1');
    expect(shown()).toBe('1 sockets · 3 closing');
    await act(async () => {
      fireEvent.change(screen.getByLabelText('Filter'), { target: { value: 'tcp' } });
      await settle();
    });
    expect(shown()).toBe('1 of 1 match “tcp” · 2 closing');
  });

  it('the Listening tab and its toolbar say the same number', async () => {
    await mount();
    await click(tab(/Listening/));
    expect(tab(/Listening/).textContent).toContain('2');
    expect(shown()).toBe('2 listening');
    expect(rows('Listening ports')).toHaveLength(2);
  });
});

describe('selection belongs to the view that made it', () => {
  it('Connections and Listening each keep their own, and the detail shows only the current view’s', async () => {
    await mount();
    const curl = rows().find((r) => r.textContent?.includes('curl'))!;
    await select(curl);
    expect(within(details()!).getByRole('heading', { level: 2 }).textContent).toBe('curl');

    await click(tab(/Listening/));
    expect(details()).toBeNull(); // nothing selected here yet: no detail column at all
    await select(rows('Listening ports').find((r) => r.textContent?.includes('node'))!);
    expect(within(details()!).getByRole('heading', { level: 2 }).textContent).toBe('node');

    await click(tab(/Connections/));
    expect(within(details()!).getByRole('heading', { level: 2 }).textContent).toBe('curl');
  });

  it('a port lookup’s selection lasts as long as the lookup', async () => {
    const lookup = (port: number, holders: typeof SOCKETS): PortLookup => ({ port, holders, clients: [], verdicts: [], processes: [] });
    await mount(SOCKETS, (t) => {
      t.lookups.set(3000, lookup(3000, [api]));
      t.lookups.set(5353, lookup(5353, [mdns]));
    });
    await click(tab(/Ports/));
    const box = screen.getByRole('textbox', { name: 'Port' });
    await act(async () => {
      fireEvent.change(box, { target: { value: '3000' } });
      fireEvent.submit(box.closest('form')!);
      await settle();
    });
    await select(rows('Sockets on port 3000')[0]!);
    expect(within(details()!).getByRole('heading', { level: 2 }).textContent).toBe('node');
    await act(async () => {
      fireEvent.change(box, { target: { value: '5353' } });
      fireEvent.submit(box.closest('form')!);
      await settle();
    });
    expect(details()).toBeNull();
  });

  it('closing the detail collapses its column; nothing selected, no empty column', async () => {
    await mount();
    expect(details()).toBeNull();
    await select(rows()[0]!);
    expect(details()).not.toBeNull();
    await click(within(details()!).getByRole('button', { name: 'Close details' }));
    expect(details()).toBeNull();
  });
});

describe('what the cells say', () => {
  it('a UDP socket with no peer is BOUND in the table; the detail keeps the raw UNCONN', async () => {
    await mount();
    const row = rows().find((r) => r.textContent?.includes('avahi-daemon'))!;
    expect(within(row).getByText('BOUND')).toBeTruthy();
    expect(row.textContent).not.toContain('UNCONN');
    await select(row);
    expect(details()!.textContent).toContain('BOUND (UNCONN: a UDP socket bound to the port, with no peer)');
  });

  it('a socket already open when Portwatch started reads "≥", one it saw open reads its age', async () => {
    await mount();
    const age = (name: string) => {
      const row = rows().find((r) => r.textContent?.includes(name))!;
      return within(row).getAllByRole('gridcell').find((c) => c.classList.contains('c-age'))!;
    };
    // firefox was there at the first poll (the earliest firstSeen); curl came two minutes later.
    expect(age('firefox').textContent).toMatch(/^≥ /);
    expect(age('firefox').querySelector('[title]')!.getAttribute('title')).toContain('Already open when Portwatch started watching');
    expect(age('curl').textContent).not.toMatch(/≥/);
  });
});

describe('columns: hide, resize, move — and they stay', () => {
  it('right-click the header, untick a column: it goes, and stays gone after a reload', async () => {
    await mount();
    expect(headers()).toContain('user');
    await act(async () => {
      fireEvent.contextMenu(within(grid()).getAllByRole('columnheader')[0]!);
    });
    const menu = screen.getByRole('menu', { name: 'Columns of Connections' });
    const user = within(menu).getByRole('menuitemcheckbox', { name: /User/ });
    expect(user.getAttribute('aria-checked')).toBe('true');
    // Process cannot be hidden: the table would not say whose the sockets are.
    expect(within(menu).getByRole('menuitemcheckbox', { name: /Process/ }).getAttribute('aria-disabled')).toBe('true');
    await click(user);
    expect(headers()).not.toContain('user');
    expect(within(rows()[0]!).getAllByRole('gridcell').some((c) => c.classList.contains('c-user'))).toBe(false);
    await act(async () => {
      await new Promise((r) => setTimeout(r, 400)); // saved once the layout rests
    });
    app.unmount();
    await mount();
    expect(headers()).not.toContain('user');
    expect(headers()).toContain('pid');
  });

  it('the keyboard resizes a column from its edge; double-click gives its width back', async () => {
    await mount();
    const edge = within(grid()).getByRole('separator', { name: 'Resize Process' });
    const before = Number(edge.getAttribute('aria-valuenow'));
    await act(async () => {
      fireEvent.keyDown(edge, { key: 'ArrowRight' });
      fireEvent.keyDown(edge, { key: 'ArrowRight' });
    });
    expect(Number(within(grid()).getByRole('separator', { name: 'Resize Process' }).getAttribute('aria-valuenow'))).toBe(before + 20);
    expect(grid().style.getPropertyValue('--cols')).toContain(`${before + 20}px`);
    await act(async () => {
      fireEvent.doubleClick(within(grid()).getByRole('separator', { name: 'Resize Process' }));
    });
    expect(Number(within(grid()).getByRole('separator', { name: 'Resize Process' }).getAttribute('aria-valuenow'))).toBe(before);
  });

  it('dragging a header onto another moves the column there, cells and all', async () => {
    await mount();
    const header = (id: string) => within(grid()).getAllByRole('columnheader').find((h) => h.getAttribute('data-column') === id)!;
    const dataTransfer = { effectAllowed: '', setData: () => {}, getData: () => '' };
    await act(async () => {
      fireEvent.dragStart(within(header('process')).getByRole('button'), { dataTransfer });
    });
    await act(async () => {
      fireEvent.dragOver(header('local'), { dataTransfer, clientX: 0 });
    });
    await act(async () => {
      fireEvent.drop(header('local'), { dataTransfer });
    });
    expect(headers().slice(0, 3)).toEqual(['proto', 'process', 'local']);
    const cells = within(rows()[0]!).getAllByRole('gridcell').map((c) => [...c.classList].find((k) => k.startsWith('c-') && k !== 'c-endpoint'));
    expect(cells.slice(0, 3)).toEqual(['c-proto', 'c-process', 'c-local']);
  });

  it('“Reset columns” brings back the default order, widths and sort', async () => {
    await mount();
    await act(async () => {
      fireEvent.contextMenu(within(grid()).getAllByRole('columnheader')[0]!);
    });
    await click(within(screen.getByRole('menu')).getByRole('menuitemcheckbox', { name: /Proto/ }));
    expect(headers()).not.toContain('proto');
    await click(within(screen.getByRole('menu')).getByRole('menuitem', { name: /Reset columns/ }));
    expect(headers()[0]).toBe('proto');
  });
});

describe('copying rows (TCPView’s Copy)', () => {
  async function withClipboard(body: (writeText: ReturnType<typeof vi.fn>) => Promise<void>) {
    const writeText = vi.fn(async (_text: string) => {});
    Object.defineProperty(navigator, 'clipboard', { configurable: true, value: { writeText } });
    try {
      await body(writeText);
    } finally {
      delete (navigator as { clipboard?: unknown }).clipboard;
    }
  }
  const rowOf = (pid: number) => rows().find((r) => r.querySelector('.c-pid')?.textContent === String(pid))!;

  it('"Copy row" copies the row as shown, tab-separated; the remote address has its own item', async () => {
    await withClipboard(async (writeText) => {
      await mount();
      await act(async () => {
        fireEvent.contextMenu(rowOf(311), { clientX: 200, clientY: 200 });
      });
      const menu = screen.getByRole('menu');
      await click(within(menu).getByRole('menuitem', { name: /Copy row/ }));
      const shown = within(rowOf(311)).getAllByRole('gridcell').map((c) => c.textContent);
      expect(writeText).toHaveBeenLastCalledWith(shown.join('\t'));
      expect(shown).toContain('firefox');
      expect(screen.getByText('Copied the row')).toBeTruthy();
      await act(async () => {
        fireEvent.contextMenu(rowOf(311), { clientX: 200, clientY: 200 });
      });
      await click(within(screen.getByRole('menu')).getByRole('menuitem', { name: /Copy remote address/ }));
      expect(writeText).toHaveBeenLastCalledWith('142.250.74.46:443');
      // A listener has no peer: no such item.
      await act(async () => {
        fireEvent.contextMenu(rowOf(520), { clientX: 200, clientY: 200 });
      });
      expect(within(screen.getByRole('menu')).queryByRole('menuitem', { name: /Copy remote address/ })).toBeNull();
    });
  });

  it('Ctrl+C copies the selected row, but not while the filter box has the focus', async () => {
    await withClipboard(async (writeText) => {
      await mount();
      await select(rowOf(777));
      await act(async () => {
        fireEvent.keyDown(window, { key: 'c', ctrlKey: true });
        await settle();
      });
      expect(writeText).toHaveBeenCalledTimes(1);
      expect(writeText.mock.calls[0]![0]).toContain('curl');
      const box = screen.getByRole('searchbox', { name: 'Filter' });
      box.focus();
      await act(async () => {
        fireEvent.keyDown(box, { key: 'c', ctrlKey: true });
        await settle();
      });
      expect(writeText).toHaveBeenCalledTimes(1);
    });
  });
});

