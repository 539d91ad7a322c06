// @vitest-environment happy-dom
// Names in the page: the names store applies updates in version order (a gap or an engine restart
// reads the state again), the table shows services, host names and owners and updates only as
// names arrive, "Resolve addresses" shows raw numbers, "DNS lookups" asks the engine, and the
// filter's service:, host:, country: and scope: terms.
import { act, cleanup, fireEvent, render, screen, within } from '@testing-library/react';
import { afterEach, describe, expect, it } from 'vitest';
import { App } from '../../../src/renderer/src/components/app.js';
import { describeFilter, matchSocket, parseFilter } from '../../../src/shared/filter.js';
import { createNamesStore, type NamesStore } from '../../../src/renderer/src/names-store.js';
import { createStore, type Store } from '../../../src/renderer/src/store.js';
import type { AddressNames } from '../../../src/shared/names.js';
import type { Socket } from '../../../src/shared/model.js';
import { elementsSizedLikeAWindow, fakeTransport, fullState, listener, proc, settle, sock } from './fixtures.js';

elementsSizedLikeAWindow();

let store: Store | null = null;
let names: NamesStore | null = null;
afterEach(() => {
  cleanup();
  store?.dispose();
  names?.dispose();
  store = names = null;
  localStorage.clear();
});

const google: AddressNames = { host: 'lhr25s34-in-f14.1e100.net', country: 'US', asn: 15169, org: 'Google LLC' };
const web = sock({ localPort: 51000, remoteAddress: '142.250.74.46', remotePort: 443, pid: 311, process: proc(311, 'firefox') });
const ssh = listener(22, '0.0.0.0', 90, 'sshd');
const local = sock({ localPort: 52000, remoteAddress: '127.0.0.1', remotePort: 5432, pid: 777, process: proc(777, 'psql') });

function memoryStorage(): { getItem(k: string): string | null; setItem(k: string, v: string): void; data: Map<string, string> } {
  const data = new Map<string, string>();
  return { data, getItem: (k) => data.get(k) ?? null, setItem: (k, v) => void data.set(k, v) };
}

async function mount(sockets: Socket[] = [web, ssh, local]) {
  const t = fakeTransport(fullState(sockets));
  t.names = { version: 3, reverseDns: true, addresses: { '127.0.0.1': { host: 'localhost', country: null, asn: null, org: null } } };
  store = createStore(t);
  names = createNamesStore(t.api, (l) => t.onConnection(l), memoryStorage());
  render(<App store={store} names={names} />);
  await act(settle);
  return t;
}

const rowOf = (pid: number) => screen.getAllByRole('row').find((r) => within(r).queryAllByRole('gridcell').some((c) => c.textContent === String(pid)))!;
const cells = (pid: number) => within(rowOf(pid)).getAllByRole('gridcell').map((c) => c.textContent);

describe('names in the Connections table', () => {
  it('shows services, then host names and owners as updates arrive, and raw numbers when asked', async () => {
    const t = await mount();
    expect(cells(90).slice(1, 4)).toEqual(['0.0.0.0:ssh', '*', '—']);
    // A peer no public database answers for says what it is instead of a blank.
    expect(cells(777).slice(1, 4)).toEqual(['127.0.0.1:52000', 'localhost:postgresql', 'this machine (loopback)']);
    expect(cells(311).slice(2, 4)).toEqual(['142.250.74.46:https', '—']);
    // The class on hover.
    expect(within(rowOf(90)).getByText(':ssh').getAttribute('title')).toBe('ssh, 22/tcp: well-known port (0–1023)');

    await act(async () => t.emitNames({ version: 4, reverseDns: true, set: { '142.250.74.46': google }, forgotten: [] }));
    expect(cells(311).slice(2, 4)).toEqual(['lhr25s34-in-f14.1e100.net:https', 'USGoogle LLC']);
    expect(within(rowOf(311)).getByText('Google LLC').closest('[title]')!.getAttribute('title')).toBe('United States · AS15169 · Google LLC');

    fireEvent.click(screen.getByLabelText('Resolve addresses'));
    expect(cells(311).slice(2, 3)).toEqual(['142.250.74.46:443']);
    expect(cells(90).slice(1, 2)).toEqual(['0.0.0.0:22']);
    fireEvent.click(screen.getByLabelText('Resolve addresses'));
    expect(cells(311).slice(2, 3)).toEqual(['lhr25s34-in-f14.1e100.net:https']);
  });

  it('the detail says what the peer is: services, scope, host name, country and owner', async () => {
    const t = await mount();
    await act(async () => t.emitNames({ version: 4, reverseDns: true, set: { '142.250.74.46': google }, forgotten: [] }));
    await act(async () => {
      fireEvent.mouseDown(rowOf(311));
    });
    const details = screen.getByRole('complementary', { name: 'Details' });
    const field = (label: string) => within(details).getByText(label, { selector: 'dt' }).nextElementSibling!.textContent;
    expect(field('Remote')).toBe('142.250.74.46:443 · https');
    expect(field('Peer scope')).toBe('public');
    expect(field('Host name')).toBe('lhr25s34-in-f14.1e100.net');
    expect(field('Country')).toBe('United States (US)');
    expect(field('Owner')).toBe('AS15169 Google LLC');
    // A listener has no peer to explain.
    await act(async () => {
      fireEvent.mouseDown(rowOf(90));
    });
    expect(field('Local')).toBe('0.0.0.0:22 · ssh');
    expect(within(details).queryByText('Host name')).toBeNull();
    // With lookups off, the detail says why there is no host name.
    fireEvent.click(screen.getByLabelText('DNS lookups'));
    await act(settle);
    await act(async () => {
      fireEvent.mouseDown(rowOf(777));
    });
    expect(field('Host name')).toBe('localhost');
    await act(async () => t.emitNames({ version: t.names.version + 1, reverseDns: false, set: {}, forgotten: ['127.0.0.1'] }));
    expect(field('Host name')).toBe('not looked up (DNS lookups are off)');
  });

  it('a loopback, private or link-local peer says what it is where a public one has its country and owner', async () => {
    const lan = sock({ localPort: 53000, remoteAddress: '192.168.1.20', remotePort: 8080, pid: 501, process: proc(501, 'curl') });
    const link = sock({ family: 6, localAddress: 'fe80::1', localPort: 54000, remoteAddress: 'fe80::2', remotePort: 22, pid: 502, process: proc(502, 'ssh') });
    await mount([web, local, lan, link]);
    expect(cells(501)[3]).toBe('private network');
    expect(cells(502)[3]).toBe('link-local (this network link)');
    // A public peer whose owner is not known yet stays blank.
    expect(cells(311)[3]).toBe('—');
    const details = () => screen.getByRole('complementary', { name: 'Details' });
    const field = (label: string) => within(details()).getByText(label, { selector: 'dt' }).nextElementSibling!.textContent;
    await act(async () => {
      fireEvent.mouseDown(rowOf(777));
    });
    expect(field('Peer scope')).toBe('loopback');
    expect(field('Country · owner')).toBe('this machine (loopback) — not an internet address, so no country or owner');
    await act(async () => {
      fireEvent.mouseDown(rowOf(501));
    });
    expect(field('Country · owner')).toBe('private network — not an internet address, so no country or owner');
    await act(async () => {
      fireEvent.mouseDown(rowOf(311));
    });
    expect(within(details()).queryByText('Country · owner')).toBeNull();
  });

  it('"DNS lookups" asks the engine to stop, and shows what the engine says', async () => {
    const t = await mount();
    const box = screen.getByLabelText('DNS lookups') as HTMLInputElement;
    expect(box.checked).toBe(true);
    fireEvent.click(box);
    await act(settle);
    expect(t.reverseDnsCalls).toEqual([false]);
    expect((screen.getByLabelText('DNS lookups') as HTMLInputElement).checked).toBe(false);
  });
});

describe('names in the column system', () => {
  // Peers whose address order is not their owners' order; one has no owner yet.
  const peer = (pid: number, address: string) => sock({ localPort: 40_000 + pid, remoteAddress: address, remotePort: 443, pid, process: proc(pid, `app${pid}`) });
  const peers = [peer(401, '1.1.1.1'), peer(402, '8.8.8.8'), peer(403, '9.9.9.9'), peer(404, '200.1.1.1')];
  const owner = (org: string, country = 'US'): AddressNames => ({ host: null, country, asn: 64_500, org });
  const pidsInOrder = () =>
    within(screen.getByRole('grid', { name: 'Connections' }))
      .getAllByRole('row')
      .filter((r) => r.hasAttribute('data-id'))
      .map((r) => Number(r.querySelector('.c-pid')!.textContent));
  const sortBy = async (name: RegExp) => {
    await act(async () => {
      fireEvent.click(within(screen.getByRole('columnheader', { name })).getAllByRole('button')[0]!);
      await settle();
    });
  };

  it('Country · owner sorts by the owner’s name (not the address), and again as owners are looked up', async () => {
    const t = await mount(peers);
    await act(async () =>
      t.emitNames({ version: 4, reverseDns: true, set: { '1.1.1.1': owner('Zeta Networks', 'AU'), '8.8.8.8': owner('alpha LLC'), '9.9.9.9': owner('Mid Corp', 'CH') }, forgotten: [] }),
    );
    await sortBy(/Country · owner/);
    expect(screen.getByRole('columnheader', { name: /Country · owner/ }).getAttribute('aria-sort')).toBe('ascending');
    // alpha < Mid < Zeta, case folded; the peer with no owner last.
    expect(pidsInOrder()).toEqual([402, 403, 401, 404]);
    // 200.1.1.1's owner arrives: it takes its place by name at once.
    await act(async () => t.emitNames({ version: 5, reverseDns: true, set: { '200.1.1.1': owner('Beta SA', 'BR') }, forgotten: [] }));
    expect(pidsInOrder()).toEqual([402, 404, 403, 401]);
    await sortBy(/Country · owner/);
    expect(pidsInOrder()).toEqual([401, 403, 404, 402]);
  });

  it('Remote address sorts as it reads: host names by name with names on, addresses by number with them off', async () => {
    const t = await mount(peers);
    await act(async () =>
      t.emitNames({ version: 4, reverseDns: true, set: { '1.1.1.1': { ...owner('x'), host: 'one.one.one.one' }, '9.9.9.9': { ...owner('y'), host: 'dns9.quad9.net' } }, forgotten: [] }),
    );
    await sortBy(/Remote address/);
    // Peers with no name first (as their digits read), by address; then the names.
    expect(pidsInOrder()).toEqual([402, 404, 403, 401]);
    fireEvent.click(screen.getByLabelText('Resolve addresses'));
    await act(settle);
    expect(pidsInOrder()).toEqual([401, 402, 403, 404]);
  });

  it('a host: or country: filter in the table takes names in as they arrive', async () => {
    const t = await mount(peers);
    await act(async () => {
      fireEvent.change(screen.getByRole('searchbox', { name: 'Filter' }), { target: { value: 'country:ch' } });
    });
    expect(pidsInOrder()).toEqual([]);
    await act(async () => t.emitNames({ version: 4, reverseDns: true, set: { '9.9.9.9': owner('Quad9', 'CH') }, forgotten: [] }));
    expect(pidsInOrder()).toEqual([403]);
    expect(document.querySelector('.toolbar .shown')!.textContent).toContain('1 of 4');
  });

  it('Listening has a Service column: the port’s IANA name, sorted by name (ports with none last)', async () => {
    await mount([listener(5432, '127.0.0.1', 812, 'postgres'), listener(45999, '0.0.0.0', 813, 'mystery'), listener(22, '0.0.0.0', 90, 'sshd'), listener(80, '0.0.0.0', 91, 'nginx')]);
    await act(async () => {
      fireEvent.click(screen.getByRole('tab', { name: /Listening/ }));
    });
    const grid = screen.getByRole('grid', { name: 'Listening ports' });
    const services = () => within(grid).getAllByRole('row').filter((r) => r.hasAttribute('data-id')).map((r) => r.querySelector('.c-service')!.textContent);
    await act(async () => {
      fireEvent.click(within(within(grid).getByRole('columnheader', { name: /Service/ })).getAllByRole('button')[0]!);
      await settle();
    });
    expect(services()).toEqual(['http', 'postgresql', 'ssh', '—']);
    expect(within(grid).getByText('ssh').getAttribute('title')).toBe('ssh, 22/tcp: well-known port (0–1023)');
  });

  it('the owner column is one like the others: hidden from the header’s menu, and it stays hidden', async () => {
    await mount(peers);
    await act(async () => {
      fireEvent.contextMenu(screen.getByRole('columnheader', { name: /Country · owner/ }));
    });
    await act(async () => {
      fireEvent.click(within(screen.getByRole('menu', { name: 'Columns of Connections' })).getByRole('menuitemcheckbox', { name: /Country · owner/ }));
      await settle();
    });
    expect(screen.queryByRole('columnheader', { name: /Country · owner/ })).toBeNull();
    expect(document.querySelector('.c-owner')).toBeNull();
    await act(async () => {
      await new Promise((r) => setTimeout(r, 400)); // saved once the layout rests
    });
    cleanup();
    store?.dispose();
    names?.dispose();
    await mount(peers);
    expect(screen.queryByRole('columnheader', { name: /Country · owner/ })).toBeNull();
    expect(screen.getByRole('columnheader', { name: /Remote address/ })).toBeTruthy();
  });
});

describe('the names store', () => {
  it('applies updates in version order, reads the state again on a gap or an engine restart', async () => {
    const t = fakeTransport(fullState([]));
    t.names = { version: 5, reverseDns: true, addresses: {} };
    names = createNamesStore(t.api, (l) => t.onConnection(l), memoryStorage());
    await settle();
    expect(names.get('8.8.8.8')).toBeUndefined();
    t.emitNames({ version: 6, reverseDns: true, set: { '8.8.8.8': google }, forgotten: [] });
    expect(names.get('8.8.8.8')).toEqual(google);
    // Same version again: an engine that restarted (counting anew) — the state is read again.
    t.names = { version: 9, reverseDns: false, addresses: { '1.1.1.1': { ...google, host: null } } };
    t.emitNames({ version: 6, reverseDns: true, set: { '8.8.8.8': { ...google, host: 'stale' } }, forgotten: [] });
    await settle();
    expect(names.get('8.8.8.8')).toBeUndefined();
    expect(names.get('1.1.1.1')?.host).toBeNull();
    expect(names.reverseDns()).toBe(false);
    // A gap (11 after 9): read again.
    t.names = { ...t.names, version: 12, addresses: { '9.9.9.9': google } };
    t.emitNames({ version: 11, reverseDns: false, set: {}, forgotten: ['1.1.1.1'] });
    await settle();
    expect(names.get('9.9.9.9')).toEqual(google);
    // Forgotten addresses go.
    t.emitNames({ version: 13, reverseDns: false, set: {}, forgotten: ['9.9.9.9'] });
    expect(names.get('9.9.9.9')).toBeUndefined();
  });

  it('keeps the "Resolve addresses" choice', async () => {
    const t = fakeTransport(fullState([]));
    const storage = memoryStorage();
    names = createNamesStore(t.api, (l) => t.onConnection(l), storage);
    expect(names.resolve()).toBe(true);
    names.setResolve(false);
    names.dispose();
    names = createNamesStore(t.api, (l) => t.onConnection(l), storage);
    expect(names.resolve()).toBe(false);
  });
});

describe('filter terms for names', () => {
  const lookup = (key: string) => (key === '142.250.74.46' ? google : undefined);
  const all = [web, ssh, local];
  const matching = (text: string) => all.filter((s) => matchSocket(parseFilter(text), s, lookup));

  it('service: matches either port\'s service name', () => {
    expect(matching('service:ssh')).toEqual([ssh]);
    expect(matching('service:postgres')).toEqual([local]);
    expect(matching('service:http')).toEqual([web]); // https contains http
    expect(matching('-service:https')).toEqual([ssh, local]);
    // Free text finds service names too.
    expect(matching('postgresql')).toEqual([local]);
  });

  it('host: and country: read the looked-up names; scope: the peer\'s range (or the bind address)', () => {
    expect(matching('host:1e100')).toEqual([web]);
    expect(matching('country:us')).toEqual([web]);
    expect(matching('country:de')).toEqual([]);
    expect(matching('scope:public')).toEqual([web]);
    expect(matching('scope:loop')).toEqual([local]);
    expect(matching('scope:unspecified')).toEqual([ssh]);
    expect(all.filter((s) => matchSocket(parseFilter('host:1e100'), s))).toEqual([]); // no names yet
  });

  it('free text finds a peer by its host name, owner or country as well', () => {
    expect(matching('google')).toEqual([web]);
    expect(matching('1e100')).toEqual([web]);
    expect(matching('as15169')).toEqual([web]);
    expect(matching('-google')).toEqual([ssh, local]);
    expect(all.filter((s) => matchSocket(parseFilter('google'), s))).toEqual([]); // no names yet
  });

  it('says the terms in words, and reads a malformed value as free text', () => {
    expect(describeFilter(parseFilter('service:ssh -country:us scope:priv host:example'))).toBe('service “ssh” · not country US · private peer · host “example”');
    expect(parseFilter('country:usa').terms[0]).toMatchObject({ kind: 'text', text: 'country:usa' });
    expect(parseFilter('scope:nowhere').terms[0]).toMatchObject({ kind: 'text' });
  });
});
