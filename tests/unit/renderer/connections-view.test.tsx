// @vitest-environment happy-dom
import { act, fireEvent, screen, within } from '@testing-library/react';
import { describe, expect, it } from 'vitest';
import { delta, listener, proc, sock, elementsSizedLikeAWindow } from './fixtures.js';
import { appUnderTest, grid, socketRows } from './app-under-test.js';

elementsSizedLikeAWindow();

const app = appUnderTest();

const web = sock({ localPort: 51000, remoteAddress: '142.250.74.46', remotePort: 443, pid: 311, process: proc(311, 'firefox') });
const api = listener(3000, '0.0.0.0', 520, 'node');
const db = listener(5432, '127.0.0.1', 812, 'postgres');
const client = sock({ localPort: 52000, remoteAddress: '127.0.0.1', remotePort: 3000, pid: 777, process: proc(777, 'curl') });

const mount = (sockets = [web, api, db, client]) => app.mount(sockets);
const rows = () => socketRows();

describe('Connections table', () => {
  it('shows a row per socket with protocol, endpoints, state, process, pid and user', async () => {
    await mount();
    expect(rows()).toHaveLength(4);
    const row = rows().find((r) => r.textContent?.includes('firefox'))!;
    const cells = within(row).getAllByRole('gridcell').map((c) => c.textContent);
    // Names as netstat shows them: 443 reads as https (no names store here: no host, no owner yet).
    expect(cells.slice(0, 8)).toEqual(['tcp4', '127.0.0.1:51000', '142.250.74.46:https', '—', 'ESTABLISHED', 'firefox', '311', 'ada']);
    expect(screen.getByRole('tab', { name: /Connections/ }).textContent).toContain('4');
  });

  it('filters with the filter language as the user types, and Escape clears it', async () => {
    await mount();
    const box = screen.getByLabelText('Filter');
    await act(async () => {
      fireEvent.change(box, { target: { value: 'port:3000' } });
    });
    expect(rows().map((r) => within(r).getAllByRole('gridcell')[5]!.textContent).sort()).toEqual(['curl', 'node']);
    await act(async () => {
      fireEvent.change(box, { target: { value: 'port:3000 state:listen' } });
    });
    expect(rows()).toHaveLength(1);
    await act(async () => {
      fireEvent.change(box, { target: { value: 'nothing-matches-this' } });
    });
    expect(rows()).toHaveLength(0);
    expect(screen.getByText(/No sockets match/)).toBeTruthy();
    await act(async () => {
      fireEvent.keyDown(box, { key: 'Escape' });
    });
    expect((box as HTMLInputElement).value).toBe('');
    expect(rows()).toHaveLength(4);
  });

  it('sorts by a clicked header, both ways, and says so with aria-sort', async () => {
    await mount();
    const header = screen.getByRole('columnheader', { name: /PID/ });
    expect(header.getAttribute('aria-sort')).toBe('none');
    await act(async () => {
      fireEvent.click(within(header).getByRole('button'));
    });
    expect(header.getAttribute('aria-sort')).toBe('ascending');
    const pids = () => rows().map((r) => Number(within(r).getAllByRole('gridcell')[6]!.textContent));
    expect(pids()).toEqual([311, 520, 777, 812]);
    await act(async () => {
      fireEvent.click(within(header).getByRole('button'));
    });
    expect(header.getAttribute('aria-sort')).toBe('descending');
    expect(pids()).toEqual([812, 777, 520, 311]);
  });

  it('marks new rows and closing rows as deltas arrive', async () => {
    const t = await mount();
    const extra = sock({ localPort: 53000, pid: 900, process: proc(900, 'ssh') });
    await act(async () => {
      t.emitDelta(delta(2, { added: [extra], removed: [web.id] }));
    });
    expect(rows().find((r) => r.textContent?.includes('ssh'))?.getAttribute('data-flag')).toBe('new');
    expect(rows().find((r) => r.textContent?.includes('firefox'))?.getAttribute('data-flag')).toBe('closing');
  });

  it('selects a row and shows its process in the detail panel; arrows move the selection', async () => {
    await mount();
    const first = rows()[0]!;
    await act(async () => {
      fireEvent.mouseDown(first);
    });
    expect(first.getAttribute('aria-selected')).toBe('true');
    const details = screen.getByRole('complementary', { name: 'Details' });
    const name = within(first).getAllByRole('gridcell')[5]!.textContent!;
    expect(within(details).getByRole('heading', { level: 2 }).textContent).toBe(name);
    await act(async () => {
      fireEvent.keyDown(window, { key: 'ArrowDown' });
    });
    expect(rows()[1]!.getAttribute('aria-selected')).toBe('true');
  });

  it('groups by process with a count per group, and folds a group away', async () => {
    const second = sock({ localPort: 51001, remoteAddress: '142.250.74.47', remotePort: 443, pid: 311, process: proc(311, 'firefox') });
    await mount([web, second, api]);
    await act(async () => {
      fireEvent.click(screen.getByRole('button', { name: 'Group by process' }));
    });
    const groups = within(grid()).getAllByRole('row').filter((r) => r.classList.contains('group'));
    expect(groups.map((g) => g.textContent)).toEqual([expect.stringMatching(/^▾firefoxpid 311ada2$/), expect.stringMatching(/^▾nodepid 520ada1$/)]);
    await act(async () => {
      fireEvent.click(within(groups[0]!).getByRole('button'));
    });
    expect(rows()).toHaveLength(1);
  });

  it('says it is reading the socket tables until the first state arrives', async () => {
    await app.mount([web], (t) => {
      t.gate = new Promise(() => {});
    });
    expect(screen.getAllByText('Reading the socket tables…').length).toBeGreaterThan(0);
  });
});
