// @vitest-environment happy-dom
import { act, fireEvent, screen, within } from '@testing-library/react';
import { afterEach, describe, expect, it, vi } from 'vitest';
import type { Conflict, PortLookup } from '../../../src/shared/api.js';
import { socketId, type Socket } from '../../../src/shared/model.js';
import { parsePort } from '../../../src/renderer/src/components/app.js';
import { createConflictWatcher } from '../../../src/renderer/src/conflicts-store.js';
import { conflictTitle } from '../../../src/renderer/src/ports-text.js';
import { createStore } from '../../../src/renderer/src/store.js';
import { delta, fakeTransport, fullState, listener, proc, settle, sock, type FakeTransport, elementsSizedLikeAWindow } from './fixtures.js';
import { appUnderTest } from './app-under-test.js';

elementsSizedLikeAWindow();

const app = appUnderTest();
afterEach(() => {
  vi.useRealTimers();
});

const nodeV4 = listener(3000, '127.0.0.1', 520, 'node');
const viteV6 = { ...listener(3000, '::1', 610, 'vite'), process: proc(610, 'vite', { cmdline: 'node vite --port 3000' }) };
const avahi = { ...listener(5353, '0.0.0.0', 1201, 'avahi-daemon', 'udp'), process: proc(1201, 'avahi-daemon', { user: 'avahi', uid: 109 }) };
const rogueSocket = { ...listener(5353, '0.0.0.0', 4400, 'rogue', 'udp'), inode: 77_001, process: proc(4400, 'rogue', { user: 'nobody', uid: 65534 }) };
const rogue = { ...rogueSocket, id: socketId(rogueSocket) };
const nginx = listener(8080, '0.0.0.0', 1322, 'nginx');
const python = listener(8080, '127.0.0.1', 2990, 'python3');
const timeWait = sock({ localAddress: '127.0.0.1', localPort: 5000, remoteAddress: '127.0.0.1', remotePort: 51200, state: 'TIME_WAIT', pid: null, process: null, inode: 0 });
const client = sock({ localPort: 52000, remoteAddress: '127.0.0.1', remotePort: 3000, pid: 777, process: proc(777, 'curl') });
const SOCKETS = [nodeV4, viteV6, avahi, rogue, nginx, python, timeWait, client];

const CLEARS_BY = Date.now() + 45_000;

const CONFLICTS: Conflict[] = [
  {
    id: 'localhost-split tcp 3000',
    port: 3000,
    protocol: 'tcp',
    kind: 'localhost-split',
    severity: 'warning',
    summary: 'localhost:3000 (tcp) is split: reaches node (pid 520) over IPv4',
    explanation: 'Two processes share TCP port 3000 on the loopback, one per IP version: node (pid 520) on 127.0.0.1, and vite (pid 610) on [::1]. Stop one of them.',
    sockets: [nodeV4, viteV6],
    pids: [520, 610],
    localhostReaches: { family: 4, address: '127.0.0.1', boundAddress: '127.0.0.1', pid: 520, name: 'node' },
  },
  {
    id: 'still-busy tcp 5000',
    port: 5000,
    protocol: 'tcp',
    kind: 'still-busy',
    severity: 'info',
    summary: 'tcp 5000 has no listener but is still busy (1 in TIME_WAIT)',
    explanation: 'Nothing listens on TCP port 5000, but 1 socket still holds it: 1 in TIME_WAIT.',
    sockets: [timeWait],
    pids: [],
    clearsBy: CLEARS_BY,
  },
  {
    id: 'shared-port udp 5353 0.0.0.0',
    port: 5353,
    protocol: 'udp',
    kind: 'shared-port',
    severity: 'danger',
    summary: '0.0.0.0:5353 (udp) is shared by 2 processes of different users',
    explanation: '2 processes are bound to UDP 0.0.0.0:5353 at once. They run as different users (avahi and nobody).',
    sockets: [avahi, rogue],
    pids: [1201, 4400],
    possibleHijack: true,
  },
  {
    id: 'wildcard-specific tcp 8080 4',
    port: 8080,
    protocol: 'tcp',
    kind: 'wildcard-specific',
    severity: 'warning',
    summary: 'tcp 8080: nginx on 0.0.0.0:8080, python3 on 127.0.0.1:8080',
    explanation: 'On TCP port 8080, nginx (pid 1322) listens on every IPv4 address (0.0.0.0:8080), while python3 (pid 2990) is bound to 127.0.0.1:8080 only.',
    sockets: [nginx, python],
    pids: [1322, 2990],
  },
];

const LOOKUP_3000: PortLookup = {
  port: 3000,
  holders: [nodeV4, viteV6],
  clients: [client],
  verdicts: [
    { protocol: 'tcp', family: 4, address: '127.0.0.1', verdict: 'taken', takenBy: [{ pid: 520, name: 'node', boundAddress: '127.0.0.1' }], text: 'taken by node (pid 520)' },
    { protocol: 'tcp', family: 6, address: '::1', verdict: 'taken', takenBy: [{ pid: 610, name: 'vite', boundAddress: '::1' }], text: 'taken by vite (pid 610)' },
    { protocol: 'tcp', family: 4, address: '0.0.0.0', verdict: 'taken', takenBy: [{ pid: 520, name: 'node', boundAddress: '127.0.0.1' }], text: 'taken by node (pid 520) on 127.0.0.1' },
    { protocol: 'tcp', family: 6, address: '::', verdict: 'taken', takenBy: [{ pid: 610, name: 'vite', boundAddress: '::1' }], text: 'taken by vite (pid 610) on [::1]' },
    { protocol: 'udp', family: 4, address: '127.0.0.1', verdict: 'free', takenBy: [], text: 'free' },
    { protocol: 'udp', family: 6, address: '::1', verdict: 'free', takenBy: [], text: 'free' },
    { protocol: 'udp', family: 4, address: '0.0.0.0', verdict: 'free', takenBy: [], text: 'free' },
    { protocol: 'udp', family: 6, address: '::', verdict: 'free', takenBy: [], text: 'free' },
  ],
  processes: [
    { pid: 520, name: 'node', cmdline: 'node --serve', user: 'ada', startedAt: 1_700_000_000_000, cwd: '/home/ada/api', role: 'listener' },
    { pid: 610, name: 'vite', cmdline: 'node vite --port 3000', user: 'ada', startedAt: 1_700_000_000_000, cwd: null, role: 'listener' },
    { pid: 777, name: 'curl', cmdline: 'curl --serve', user: 'ada', startedAt: 1_700_000_000_000, cwd: '/tmp', role: 'client' },
  ],
};

async function mount(setup: (t: FakeTransport) => void = () => {}) {
  const t = await app.mount(SOCKETS, (f) => {
    f.conflicts = CONFLICTS;
    f.lookups.set(3000, LOOKUP_3000);
    setup(f);
  });
  await act(settle);
  return t;
}

async function openPorts() {
  await act(async () => {
    fireEvent.click(screen.getByRole('tab', { name: /Ports/ }));
  });
}

async function lookUp(text: string) {
  const box = screen.getByLabelText('Port');
  await act(async () => {
    fireEvent.change(box, { target: { value: text } });
  });
  await act(async () => {
    fireEvent.submit(box.closest('form')!);
    await settle();
  });
}

const card = (kind: string) => document.querySelector<HTMLElement>(`article[data-conflict="${kind}"]`)!;

describe('Ports view: conflicts', () => {
  it('counts the conflicts on the tab, coloured by the worst', async () => {
    await mount();
    const badge = within(screen.getByRole('tab', { name: /Ports/ })).getByTestId('conflict-count');
    expect(badge.textContent).toBe('4 conflicts');
    expect(badge.className).toContain('sev-danger');
  });

  it('shows a card per conflict, worst first, with a readable title, its severity and the explanation', async () => {
    await mount();
    await openPorts();
    const titles = [...document.querySelectorAll('article[data-conflict] h3')].map((h) => h.textContent);
    expect(titles).toEqual(['Port 5353 shared by 2 processes (UDP)', 'localhost split on port 3000 (TCP)', '0.0.0.0:8080 shadows 127.0.0.1:8080', 'Port 5000 still busy']);
    const split = card('localhost-split');
    expect(split.className).toContain('sev-warning');
    expect(split.textContent).toContain('Two processes share TCP port 3000 on the loopback');
    expect(split.textContent).toContain('localhost:3000 reaches node (pid 520)');
    expect(within(split).getAllByRole('row')).toHaveLength(3);
    expect(within(split).getByRole('button', { name: 'End vite (pid 610)…' })).toBeTruthy();
  });

  it('warns of a possible hijack prominently, and says when a still-busy port clears', async () => {
    // The clock stands 45 s before the port clears, however long the run took to get here.
    vi.useFakeTimers({ toFake: ['Date'] });
    vi.setSystemTime(CLEARS_BY - 45_000);
    await mount();
    await openPorts();
    const shared = card('shared-port');
    expect(shared.className).toContain('sev-danger');
    expect(within(shared).getByRole('note').textContent).toContain('Possible port hijack.');
    expect(card('still-busy').textContent).toMatch(/Clears by \d\d:\d\d:\d\d \(in 4\d s\)/);
    expect(card('localhost-split').querySelector('.hijack')).toBeNull();
  });

  it('says so when there is no conflict, and an engine failure plainly', async () => {
    await mount((t) => (t.conflicts = []));
    await openPorts();
    expect(screen.getByText(/No port conflicts/)).toBeTruthy();
    app.unmount();
    await mount((t) => (t.conflicts = new Error('Portwatch did not answer getConflicts within 30 s')));
    await openPorts();
    expect(screen.getByRole('alert').textContent).toBe('Could not read the port conflicts: Portwatch did not answer getConflicts within 30 s');
  });

  it('"Look up port" on a card runs the lookup; "End …" opens the dialog for that process', async () => {
    const t = await mount();
    await openPorts();
    await act(async () => {
      fireEvent.click(within(card('localhost-split')).getByRole('button', { name: 'Look up port 3000' }));
      await settle();
    });
    expect(t.lookupCalls).toContain(3000);
    expect(screen.getByRole('region', { name: 'Port 3000' })).toBeTruthy();
    await act(async () => {
      fireEvent.click(within(card('localhost-split')).getByRole('button', { name: 'End vite (pid 610)…' }));
      await settle();
    });
    expect(within(screen.getByRole('dialog')).getByRole('heading').textContent).toBe('End vite (pid 610)?');
  });

  it('marks listening rows that are part of a conflict', async () => {
    await mount();
    await act(async () => {
      fireEvent.click(screen.getByRole('tab', { name: /Listening/ }));
    });
    const rows = within(screen.getByRole('grid', { name: 'Listening ports' })).getAllByRole('row').filter((r) => r.hasAttribute('data-id'));
    const marked = rows.filter((r) => r.dataset.conflict);
    expect(marked.map((r) => r.dataset.conflict).sort()).toEqual(['localhost-split', 'localhost-split', 'shared-port', 'shared-port', 'wildcard-specific', 'wildcard-specific']);
    expect(rows.filter((r) => !r.dataset.conflict)).toHaveLength(0);
    expect(within(marked[0]!).getByRole('img').getAttribute('aria-label')).toMatch(/^Port conflict: /);
  });
});

describe('Ports view: lookup', () => {
  it('asks for the port typed, and shows a verdict per bind address', async () => {
    const t = await mount();
    await openPorts();
    await lookUp('3000');
    expect(t.lookupCalls).toEqual([3000]);
    const region = screen.getByRole('region', { name: 'Port 3000' });
    const table = within(region).getByRole('table', { name: 'Bind verdicts' });
    const row = (protocol: string, address: string) => table.querySelector(`tr[data-protocol="${protocol}"][data-address="${address}"]`)!;
    expect(row('tcp', '127.0.0.1').textContent).toContain('TAKEN by node (pid 520)');
    expect(row('tcp', '::1').textContent).toContain('TAKEN by vite (pid 610)');
    expect(row('tcp', '0.0.0.0').textContent).toContain('TAKEN by node (pid 520) on 127.0.0.1');
    expect(row('tcp', '0.0.0.0').querySelector('.verdict.taken')).toBeTruthy();
    // Nothing on UDP: one row says so, free.
    expect(row('udp', '*').textContent).toContain('FREE');
    expect(row('udp', '*').querySelector('.verdict.free')).toBeTruthy();
    expect(table.querySelectorAll('tr[data-protocol="udp"]')).toHaveLength(1);
  });

  it('lists the processes with role, command line and working directory, and every socket and client', async () => {
    await mount();
    await openPorts();
    await lookUp('3000');
    const region = screen.getByRole('region', { name: 'Port 3000' });
    const procs = within(region).getByRole('table', { name: 'Processes on port 3000' });
    const node = procs.querySelector('tr[data-pid="520"]')!;
    expect(node.textContent).toContain('listener');
    expect(node.textContent).toContain('node --serve');
    expect(node.textContent).toContain('/home/ada/api');
    expect(procs.querySelector('tr[data-pid="610"]')!.textContent).toContain('working directory not readable');
    expect(procs.querySelector('tr[data-pid="777"]')!.textContent).toContain('client');
    expect(within(region).getByRole('grid', { name: 'Sockets on port 3000' }).querySelectorAll('[role="row"][data-id]')).toHaveLength(2);
    expect(within(region).getByRole('grid', { name: 'Clients of port 3000' }).textContent).toContain('curl');
    await act(async () => {
      fireEvent.click(within(node as HTMLElement).getByRole('button', { name: 'End node (pid 520)…' }));
      await settle();
    });
    // The lookup knew the working directory: the dialog has it.
    expect(screen.getByRole('dialog').textContent).toContain('/home/ada/api');
  });

  it('refuses what is not a port, with a message and no request', async () => {
    const t = await mount();
    await openPorts();
    await lookUp('70000');
    expect(screen.getByText('A port is a number from 0 to 65535')).toBeTruthy();
    await lookUp('abc');
    expect(t.lookupCalls).toEqual([]);
    expect(parsePort(' :8080 ')).toBe(8080);
    expect(parsePort('65536')).toBeNull();
    expect(parsePort('0')).toBe(0);
  });
});

describe('Ports view: a busy port', () => {
  it('4,980 clients: counted per address and per program first, then listed in virtualised tables', async () => {
    const server = listener(18080, '0.0.0.0', 7700, 'api-server');
    const holders = [server];
    const clients: Socket[] = [];
    for (let i = 0; i < 4980; i++) {
      const owner = i % 3 === 0 ? proc(7802, 'node') : proc(7801, 'wrk');
      holders.push(sock({ localPort: 18080, remoteAddress: '127.0.0.1', remotePort: 30_000 + i, pid: 7700, process: proc(7700, 'api-server'), inode: 600_000 + i }));
      clients.push(sock({ localPort: 30_000 + i, remoteAddress: '127.0.0.1', remotePort: 18080, pid: owner.pid, process: owner, inode: 700_000 + i }));
    }
    await mount((t) =>
      t.lookups.set(18080, {
        port: 18080,
        holders,
        clients,
        verdicts: [],
        processes: [
          { pid: 7700, name: 'api-server', cmdline: 'api-server', user: 'ada', startedAt: 1, cwd: '/srv', role: 'listener' },
          { pid: 7801, name: 'wrk', cmdline: 'wrk', user: 'ada', startedAt: 1, cwd: '/home/ada', role: 'client' },
          { pid: 7802, name: 'node', cmdline: 'node', user: 'ada', startedAt: 1, cwd: '/home/ada', role: 'client' },
        ],
      }),
    );
    await openPorts();
    await lookUp('18080');
    const region = screen.getByRole('region', { name: 'Port 18080' });
    const byProgram = within(region).getByRole('table', { name: 'Clients on this machine, by program' });
    expect(within(byProgram).getAllByRole('row').slice(1).map((r) => r.textContent)).toEqual([
      expect.stringMatching(/^wrk · pid 78013,320.*ESTABLISHED 3,320$/),
      expect.stringMatching(/^node · pid 78021,660.*ESTABLISHED 1,660$/),
    ]);
    const byAddress = within(region).getByRole('table', { name: 'Connections to port 18080, by address' });
    expect(within(byAddress).getAllByRole('row')[1]!.textContent).toMatch(/^127\.0\.0\.14,980/);
    // Both lists say how many rows they hold and draw only what is in view.
    for (const name of ['Sockets on port 18080', 'Clients of port 18080']) {
      const list = within(region).getByRole('grid', { name });
      expect(Number(list.getAttribute('aria-rowcount'))).toBe(name.startsWith('Sockets') ? 4982 : 4981);
      const drawn = within(list).getAllByRole('row').filter((r) => r.hasAttribute('data-id'));
      expect(drawn.length).toBeGreaterThan(5);
      expect(drawn.length).toBeLessThan(60);
    }
    // The listener comes first (the engine's order), and a row selects like any other.
    const first = within(within(region).getByRole('grid', { name: 'Sockets on port 18080' })).getAllByRole('row').find((r) => r.hasAttribute('data-id'))!;
    expect(first.getAttribute('data-id')).toBe(server.id);
    await act(async () => {
      fireEvent.mouseDown(first);
    });
    expect(within(screen.getByRole('complementary', { name: 'Details' })).getByRole('heading', { level: 2 }).textContent).toBe('api-server');
  });
});

describe('Row menu', () => {
  async function rightClickListener(port: number) {
    await act(async () => {
      fireEvent.click(screen.getByRole('tab', { name: /Listening/ }));
    });
    const row = within(screen.getByRole('grid', { name: 'Listening ports' }))
      .getAllByRole('row')
      .find((r) => r.hasAttribute('data-id') && r.textContent?.includes(String(port)))!;
    await act(async () => {
      fireEvent.contextMenu(row, { clientX: 300, clientY: 200 });
    });
    return row;
  }

  /** Runs `body` with navigator.clipboard as given (happy-dom has one; a plain-http page may not). */
  async function withClipboard(clipboard: unknown, body: () => Promise<void>) {
    Object.defineProperty(navigator, 'clipboard', { configurable: true, value: clipboard });
    try {
      await body();
    } finally {
      delete (navigator as { clipboard?: unknown }).clipboard;
    }
  }

  it('opens on right-click with who / filter / end, focused on the first item; Escape closes it', async () => {
    await withClipboard(undefined, async () => {
      await mount();
      await rightClickListener(8080);
      const menu = screen.getByRole('menu');
      const items = within(menu).getAllByRole('menuitem');
      expect(items.map((i) => i.querySelector('.menu-label')?.textContent)).toEqual(['Who is on port 8080?', 'Filter to this process', 'End process…']);
      expect(document.activeElement).toBe(items[0]);
      fireEvent.keyDown(menu, { key: 'ArrowDown' });
      expect(document.activeElement).toBe(items[1]);
      fireEvent.keyDown(menu, { key: 'ArrowUp' });
      fireEvent.keyDown(menu, { key: 'ArrowUp' });
      expect(document.activeElement).toBe(items[2]);
      await act(async () => {
        fireEvent.keyDown(menu, { key: 'Escape' });
      });
      expect(screen.queryByRole('menu')).toBeNull();
    });
  });

  it('offers "Copy address" where the clipboard exists, and copies the local address', async () => {
    const writeText = vi.fn(async () => {});
    await withClipboard({ writeText }, async () => {
      await mount();
      await rightClickListener(8080);
      const copy = within(screen.getByRole('menu')).getByRole('menuitem', { name: /Copy address/ });
      await act(async () => {
        fireEvent.click(copy);
        await settle();
      });
      expect(writeText).toHaveBeenCalledWith(expect.stringMatching(/:8080$/));
      expect(screen.getByText(/^Copied .*:8080$/)).toBeTruthy();
    });
  });

  it('"Who is on port N?" switches to Ports with the lookup done', async () => {
    const t = await mount();
    await rightClickListener(3000);
    await act(async () => {
      fireEvent.click(within(screen.getByRole('menu')).getByRole('menuitem', { name: /Who is on port 3000/ }));
      await settle();
    });
    expect(screen.getByRole('tab', { name: /Ports/ }).getAttribute('aria-selected')).toBe('true');
    expect(t.lookupCalls).toEqual([3000]);
    expect((screen.getByLabelText('Port') as HTMLInputElement).value).toBe('3000');
    expect(screen.getByRole('region', { name: 'Port 3000' })).toBeTruthy();
  });

  it('"Filter to this process" filters by pid; Shift+F10 opens the menu for the selected row', async () => {
    await mount();
    await act(async () => {
      fireEvent.keyDown(window, { key: 'ArrowDown' });
    });
    await act(async () => {
      fireEvent.keyDown(window, { key: 'F10', shiftKey: true });
    });
    const menu = screen.getByRole('menu');
    await act(async () => {
      fireEvent.click(within(menu).getByRole('menuitem', { name: /Filter to this process/ }));
    });
    expect((screen.getByLabelText('Filter') as HTMLInputElement).value).toMatch(/^pid:\d+$/);
  });

  it('"End process…" opens the dialog for the row\'s process', async () => {
    await mount();
    await rightClickListener(8080);
    const menu = screen.getByRole('menu');
    const end = within(menu).getAllByRole('menuitem').find((i) => i.textContent?.startsWith('End process…'))!;
    await act(async () => {
      fireEvent.click(end);
      await settle();
    });
    expect(screen.queryByRole('menu')).toBeNull();
    const dialog = screen.getByRole('dialog');
    expect(within(dialog).getByRole('heading').textContent).toMatch(/^End (nginx \(pid 1322\)|python3 \(pid 2990\))\?$/);
  });
});

describe('conflict watcher', () => {
  it('fetches when the state is in, then after deltas that change something, at most once a second', async () => {
    vi.useFakeTimers();
    const t = fakeTransport(fullState([nodeV4]));
    t.conflicts = [CONFLICTS[0]!];
    const store = createStore(t);
    await settle();
    const watcher = createConflictWatcher(t.api, store);
    await settle();
    expect(t.conflictCalls).toBe(1);
    expect(watcher.getSnapshot().conflicts).toHaveLength(1);
    expect(watcher.getSnapshot().bySocket.get(nodeV4.id)?.map((c) => c.kind)).toEqual(['localhost-split']);
    // Empty deltas (every poll sends one) ask for nothing.
    t.emitDelta(delta(2));
    t.emitDelta(delta(3));
    vi.advanceTimersByTime(2000);
    await settle();
    expect(t.conflictCalls).toBe(1);
    // Changes: one fetch now, then one more a second later for all that came meanwhile.
    t.emitDelta(delta(4, { added: [viteV6] }));
    await settle();
    expect(t.conflictCalls).toBe(2);
    t.emitDelta(delta(5, { removed: [viteV6.id] }));
    t.emitDelta(delta(6, { added: [viteV6] }));
    await settle();
    expect(t.conflictCalls).toBe(2);
    vi.advanceTimersByTime(1000);
    await settle();
    expect(t.conflictCalls).toBe(3);
    const same = watcher.getSnapshot().conflicts;
    t.emitDelta(delta(7, { added: [python] }));
    vi.advanceTimersByTime(1000);
    await settle();
    // The same answer keeps the same objects.
    expect(watcher.getSnapshot().conflicts).toBe(same);
    watcher.dispose();
    store.dispose();
  });

  it('names each kind of conflict readably', () => {
    expect(CONFLICTS.map(conflictTitle)).toEqual([
      'localhost split on port 3000 (TCP)',
      'Port 5000 still busy',
      'Port 5353 shared by 2 processes (UDP)',
      '0.0.0.0:8080 shadows 127.0.0.1:8080',
    ]);
    expect(conflictTitle({ ...CONFLICTS[0]!, kind: 'dual-stack-split' })).toBe('IPv4 and IPv6 split on port 3000 (TCP)');
    expect(conflictTitle({ ...CONFLICTS[2]!, protocol: 'tcp', port: 8080 })).toBe('Port 8080 shared by 2 processes');
  });
});
