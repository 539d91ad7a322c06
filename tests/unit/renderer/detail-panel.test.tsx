// @vitest-environment happy-dom
// The detail panel's Close connection… (TCPView's): the row menu's action and dialog, offered for a
// TCP connection, greyed with the reason when it cannot be closed, absent for listeners and UDP.
import { act, fireEvent, screen, within } from '@testing-library/react';
import { describe, expect, it } from 'vitest';
import type { Socket } from '../../../src/shared/model.js';
import { elementsSizedLikeAWindow, listener, proc, settle, sock } from './fixtures.js';
import { appUnderTest } from './app-under-test.js';

elementsSizedLikeAWindow();

const app = appUnderTest();

const psql = sock({ localPort: 51000, remoteAddress: '127.0.0.1', remotePort: 5432, pid: 77, process: proc(77, 'psql') });
const waiting = sock({ localPort: 51001, remoteAddress: '127.0.0.1', remotePort: 5432, state: 'TIME_WAIT', pid: null, process: null, inode: 0 });
const dns = sock({ protocol: 'udp', localPort: 51002, remoteAddress: '127.0.0.53', remotePort: 53, state: 'ESTABLISHED', pid: 78, process: proc(78, 'resolvectl') });
const pg = listener(5432, '127.0.0.1', 90, 'postgres');

const mount = (sockets: Socket[]) =>
  app.mount(sockets, (t) => {
    t.closeResult = { outcome: 'closed', connection: { family: 4, localAddress: '127.0.0.1', localPort: 51000, remoteAddress: '127.0.0.1', remotePort: 5432, state: 'ESTABLISHED' }, message: 'Closed 127.0.0.1:51000 ↔ 127.0.0.1:5432 (was ESTABLISHED).' };
  });

async function select(s: Socket) {
  const row = screen.getAllByRole('row').find((r) => r.getAttribute('data-id') === s.id)!;
  await act(async () => {
    fireEvent.mouseDown(row);
  });
  return screen.getByRole('complementary', { name: 'Details' });
}

describe('detail panel: Close connection…', () => {
  it('opens the same dialog as the row menu and sends the same request', async () => {
    const t = await mount([psql, pg]);
    const details = await select(psql);
    await act(async () => {
      fireEvent.click(within(details).getByRole('button', { name: 'Close connection…' }));
    });
    const dialog = screen.getByRole('dialog', { name: 'Close this connection?' });
    expect(dialog.textContent).toContain('TCP 127.0.0.1:51000 → 127.0.0.1:5432');
    await act(async () => {
      fireEvent.click(within(dialog).getByRole('button', { name: 'Close connection' }));
      await settle();
    });
    expect(t.closeCalls).toEqual([{ local: '127.0.0.1:51000', remote: '127.0.0.1:5432' }]);
    expect(within(dialog).getByRole('status').textContent).toContain('Closed 127.0.0.1:51000');
  });

  it('is greyed with the reason for a connection already closed, and absent for a listener or UDP', async () => {
    await mount([waiting, dns, pg]);
    let details = await select(waiting);
    const button = within(details).getByRole('button', { name: 'Close connection…' }) as HTMLButtonElement;
    expect(button.disabled).toBe(true);
    expect(details.textContent).toContain('the connection is already closed (TIME_WAIT)');
    details = await select(pg);
    expect(within(details).queryByRole('button', { name: 'Close connection…' })).toBeNull();
    details = await select(dns);
    expect(within(details).queryByRole('button', { name: 'Close connection…' })).toBeNull();
  });
});
