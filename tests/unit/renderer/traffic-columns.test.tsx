// @vitest-environment happy-dom
// Traffic in the tables: the Connections table's rate and byte columns read the traffic store (a cell
// re-renders as its socket's counters move, no row changes), say n/a where the system gives no
// counters, and a sort by rate is redone as updates arrive; the Processes view lists processes by
// rate, says n/a for one with no counters, and takes the user to a process's connections.
import { act, fireEvent, screen, within } from '@testing-library/react';
import { describe, expect, it, vi } from 'vitest';
import { delta, elementsSizedLikeAWindow, fullState, proc, processTraffic, sock, trafficState, trafficUpdate } from './fixtures.js';
import { appUnderTest, grid, socketRows } from './app-under-test.js';

elementsSizedLikeAWindow();

const app = appUnderTest();

const a = sock({ localPort: 41000, pid: 311, process: proc(311, 'firefox'), bytesSent: 1000, bytesReceived: 2000, rttMs: 0.4 });
const b = sock({ localPort: 41001, pid: 777, process: proc(777, 'curl'), bytesSent: 10, bytesReceived: 20, rttMs: 12 });
const u = sock({ protocol: 'udp', localPort: 5353, remoteAddress: null, remotePort: null, state: 'UNCONN', listening: true, pid: 90, process: proc(90, 'avahi-daemon') });

const mount = () =>
  app.mount({
    ...fullState([a, b, u]),
    traffic: trafficState({ sockets: [[a.id, 1000, 2000, 0.4, 500, 0]], processes: [processTraffic(311, 'firefox', { sendRate: 500, bytesSent: 1000, bytesReceived: 2000 }), processTraffic(777, 'curl', { bytesSent: 10, bytesReceived: 20 })] }),
  });
const rows = () => socketRows();
const column = (name: string) => {
  const headers = within(grid()).getAllByRole('columnheader');
  return headers.findIndex((h) => h.textContent?.startsWith(name));
};
const cell = (id: string, name: string) => within(rows().find((r) => r.getAttribute('data-id') === id)!).getAllByRole('gridcell')[column(name)]!.textContent;

describe('traffic columns in Connections', () => {
  it('show rates and bytes from the traffic store, n/a without counters, and follow updates without touching a row', async () => {
    const t = await mount();
    expect([cell(a.id, '↑ Rate'), cell(a.id, '↓ Rate'), cell(a.id, 'Sent'), cell(a.id, 'Received')]).toEqual(['500 B/s', '0 B/s', '1.0 kB', '2.0 kB']);
    expect([cell(b.id, '↑ Rate'), cell(b.id, 'Sent')]).toEqual(['0 B/s', '10 B']);
    expect([cell(u.id, '↑ Rate'), cell(u.id, 'Sent'), cell(u.id, 'Received')]).toEqual(['n/a', 'n/a', 'n/a']);

    const rowB = app.store().getSnapshot().rows.get(b.id);
    act(() => {
      t.emitDelta(delta(2));
      t.emitTraffic(trafficUpdate(2, { sockets: [[b.id, 9010, 40_020, 11, 9000, 40_000]] }));
    });
    expect([cell(b.id, '↑ Rate'), cell(b.id, '↓ Rate'), cell(b.id, 'Sent'), cell(b.id, 'Received')]).toEqual(['9.0 kB/s', '40 kB/s', '9.0 kB', '40 kB']);
    expect(app.store().getSnapshot().rows.get(b.id)).toBe(rowB);
  });

  it('sorts by rate, and sorts again as updates arrive', async () => {
    const t = await mount();
    const header = within(grid()).getAllByRole('columnheader')[column('↑ Rate')]!;
    const order = () => rows().map((r) => r.getAttribute('data-id'));
    await act(async () => {
      fireEvent.click(within(header).getByRole('button'));
    });
    if (header.getAttribute('aria-sort') !== 'descending') {
      await act(async () => {
        fireEvent.click(within(header).getByRole('button'));
      });
    }
    expect(header.getAttribute('aria-sort')).toBe('descending');
    // n/a last whichever the direction.
    expect(order()).toEqual([a.id, b.id, u.id]);
    act(() => {
      t.emitDelta(delta(2));
      t.emitTraffic(trafficUpdate(2, { sockets: [[a.id, 1000, 2000, 0.4, 0, 0], [b.id, 90_010, 20, 11, 90_000, 0]] }));
    });
    await vi.waitFor(() => expect(order()).toEqual([b.id, a.id, u.id]), { timeout: 3000 });
  });
});

describe('the Processes view', () => {
  it('lists processes by rate, n/a where nothing is counted, and opens a process’s connections', async () => {
    await mount();
    await act(async () => {
      fireEvent.click(screen.getByRole('tab', { name: 'Processes' }));
    });
    const table = screen.getByRole('grid', { name: 'Processes' });
    const lines = within(table).getAllByRole('row').filter((r) => r.hasAttribute('data-pid'));
    expect(lines.map((r) => r.getAttribute('data-pid'))).toEqual(['311', '777', '90']);
    const cells = (r: HTMLElement) => within(r).getAllByRole('gridcell').map((c) => c.textContent);
    expect(cells(lines[0]!).slice(0, 2)).toEqual(['firefox', '311']);
    expect(cells(lines[0]!).slice(3, 7)).toEqual(['500 B/s', '0 B/s', '1.0 kB', '2.0 kB']);
    // avahi has a UDP socket only: no counters, said as n/a; its listener is counted.
    expect(cells(lines[2]!).slice(3, 7)).toEqual(['n/a', 'n/a', 'n/a', 'n/a']);
    expect(cells(lines[2]!)[8]).toBe('1');
    expect(document.querySelector('.toolbar .shown')?.textContent).toBe('3 processes');

    await act(async () => {
      fireEvent.click(within(lines[1]!).getByRole('button', { name: /Connections/ }));
    });
    expect((screen.getByLabelText('Filter') as HTMLInputElement).value).toBe('pid:777');
    expect(rows().map((r) => r.getAttribute('data-id'))).toEqual([b.id]);
  });
});
