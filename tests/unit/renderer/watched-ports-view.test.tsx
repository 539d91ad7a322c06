// @vitest-environment happy-dom
// The Ports view's "Watched ports" section: chips saying taken (by whom) or free from the live rows,
// add with validation, remove with ×, each change saved through setWatchedPorts; and the toast of a
// watched-port event.
import { act, fireEvent, screen, within } from '@testing-library/react';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { checkPortInput, holdersText } from '../../../src/renderer/src/components/watched-ports.js';
import { delta, listener, proc, settle, type FakeTransport } from './fixtures.js';
import { appUnderTest } from './app-under-test.js';

const app = appUnderTest();
afterEach(() => {
  vi.useRealTimers();
});

const node = listener(3000, '127.0.0.1', 520, 'node');

async function mount(setup: (t: FakeTransport) => void = () => {}) {
  const t = await app.mount([node], setup);
  await act(async () => {
    fireEvent.click(screen.getByRole('tab', { name: /Ports/ }));
    await settle();
  });
  return t;
}

const section = () => screen.getByRole('region', { name: 'Watched ports' });
const chip = (port: number) => section().querySelector<HTMLElement>(`li[data-port="${port}"]`);

async function add(text: string) {
  const box = within(section()).getByLabelText('Port to watch');
  await act(async () => {
    fireEvent.change(box, { target: { value: text } });
  });
  await act(async () => {
    fireEvent.submit(box.closest('form')!);
    await settle();
  });
}

describe('Watched ports section', () => {
  it('shows each watched port as a chip: taken by which process, or free', async () => {
    await mount();
    expect(chip(3000)!.dataset['state']).toBe('taken');
    expect(chip(3000)!.textContent).toContain('taken by node (pid 520)');
    expect(chip(5173)!.dataset['state']).toBe('free');
    expect(chip(5173)!.textContent).toContain('free');
  });

  it('follows the live rows: a chip turns taken when a listener arrives', async () => {
    const t = await mount();
    const vite = { ...listener(5173, '::1', 610, 'vite'), process: proc(610, 'vite') };
    await act(async () => {
      t.emitDelta(delta(2, { added: [vite] }));
      await settle();
    });
    expect(chip(5173)!.dataset['state']).toBe('taken');
    expect(chip(5173)!.textContent).toContain('taken by vite (pid 610)');
  });

  it('adds a valid port and saves the list; refuses a bad one with a message and saves nothing', async () => {
    const t = await mount();
    for (const [bad, message] of [
      ['0', /1 to 65535/],
      ['65536', /1 to 65535/],
      ['80a', /1 to 65535/],
      ['', /1 to 65535/],
      ['3000', /already watched/],
    ] as const) {
      await add(bad);
      expect(within(section()).getByRole('alert').textContent).toMatch(message);
      expect(within(section()).getByLabelText('Port to watch').getAttribute('aria-invalid')).toBe('true');
    }
    expect(t.watchedPortSaves).toEqual([]);
    await add(' 8443 ');
    expect(t.watchedPortSaves).toEqual([[3000, 5173, 8443]]);
    expect(chip(8443)).not.toBeNull();
    expect(within(section()).queryByRole('alert')).toBeNull();
    expect((within(section()).getByLabelText('Port to watch') as HTMLInputElement).value).toBe('');
  });

  it('removes a port with ×', async () => {
    const t = await mount();
    await act(async () => {
      fireEvent.click(within(section()).getByRole('button', { name: 'Stop watching port 3000' }));
      await settle();
    });
    expect(t.watchedPortSaves).toEqual([[5173]]);
    expect(chip(3000)).toBeNull();
  });

  it('shows the host refusing a list, and keeps the previous chips', async () => {
    const t = await mount((f) => {
      f.api.setWatchedPorts = () => Promise.reject(new Error('bad arguments for setWatchedPorts: 0: Too big'));
    });
    await add('9000');
    expect(within(section()).getByRole('alert').textContent).toMatch(/bad arguments for setWatchedPorts/);
    expect(chip(9000)).toBeNull();
    expect(t.watchedPortSaves).toEqual([]);
  });

  it('shows a watched-port event as a toast for a few seconds', async () => {
    const t = await mount();
    vi.useFakeTimers();
    await act(async () => {
      t.emitWatchedPort({ port: 5173, protocol: 'tcp', change: 'taken', address: '::1', pid: 610, process: proc(610, 'vite') });
    });
    const toast = document.querySelector<HTMLElement>('.toast[data-port="5173"]')!;
    expect(toast.textContent).toContain('Port 5173 taken');
    expect(toast.textContent).toContain('vite (pid 610) is listening on [::1]:5173');
    await act(async () => {
      vi.advanceTimersByTime(7000);
    });
    expect(document.querySelector('.toast')).toBeNull();
  });
});

describe('watched-port helpers', () => {
  it('words holders and checks typed ports', () => {
    expect(holdersText([])).toBe('free');
    expect(holdersText([{ pid: 1, name: 'a' }, { pid: null, name: 'pid' }])).toBe('taken by a (pid 1), a process Portwatch cannot see');
    expect(checkPortInput('22', [])).toEqual({ port: 22 });
    expect(checkPortInput('1e3', [])).toHaveProperty('error');
    expect(checkPortInput('5', Array.from({ length: 64 }, (_, i) => 100 + i))).toEqual({ error: 'At most 64 ports can be watched' });
  });
});
