// @vitest-environment happy-dom
import { act, fireEvent, within } from '@testing-library/react';
import { describe, expect, it } from 'vitest';
import { CloseConnectionDialog } from '../../../src/renderer/src/components/close-connection-dialog.js';
import { proc, settle, sock, type FakeTransport } from './fixtures.js';
import { appUnderTest } from './app-under-test.js';

const app = appUnderTest();

const conn = sock({ localAddress: '127.0.0.1', localPort: 51000, remoteAddress: '127.0.0.1', remotePort: 5432, pid: 77, process: proc(77, 'psql', { cmdline: 'psql -h 127.0.0.1 app' }) });

const open = (setup: (f: FakeTransport) => void = () => {}) => app.mountDialog([conn], setup, (onClose) => <CloseConnectionDialog socket={conn} onClose={onClose} />);

describe('Close connection dialog', () => {
  it('says which connection and which process, and focuses Cancel', async () => {
    const { dialog, f } = await open();
    expect(within(dialog).getByRole('heading').textContent).toBe('Close this connection?');
    expect(dialog.getAttribute('aria-modal')).toBe('true');
    const text = dialog.textContent ?? '';
    expect(text).toContain('TCP 127.0.0.1:51000 → 127.0.0.1:5432');
    expect(text).toContain('psql -h 127.0.0.1 app');
    expect(text).toContain('psql keeps running');
    expect(document.activeElement).toBe(within(dialog).getByRole('button', { name: 'Cancel' }));
    expect(f.closeCalls).toEqual([]);
  });

  it('Escape and Cancel close without a request; Tab stays inside', async () => {
    const { dialog, onClose, f } = await open();
    const closeButton = within(dialog).getByRole('button', { name: 'Close connection' });
    closeButton.focus();
    fireEvent.keyDown(closeButton, { key: 'Tab' });
    expect(document.activeElement).toBe(within(dialog).getByRole('button', { name: 'Cancel' }));
    fireEvent.keyDown(dialog, { key: 'Escape' });
    fireEvent.click(within(dialog).getByRole('button', { name: 'Cancel' }));
    expect(onClose).toHaveBeenCalledTimes(2);
    expect(f.closeCalls).toEqual([]);
  });

  it('sends the connection, says the outcome, and offers one Close', async () => {
    const { dialog, f, onClose } = await open((t) => {
      t.closeResult = {
        outcome: 'closed',
        connection: { family: 4, localAddress: '127.0.0.1', localPort: 51000, remoteAddress: '127.0.0.1', remotePort: 5432, state: 'ESTABLISHED' },
        message: 'Closed 1 connection.',
      };
    });
    await act(async () => {
      fireEvent.click(within(dialog).getByRole('button', { name: 'Close connection' }));
      await settle();
    });
    expect(f.closeCalls).toEqual([{ local: '127.0.0.1:51000', remote: '127.0.0.1:5432' }]);
    const status = within(dialog).getByRole('status');
    expect(status.textContent).toBe('Closed 1 connection.');
    expect(status.className).toBe('outcome ok');
    const close = within(dialog).getByRole('button', { name: 'Close' });
    expect(document.activeElement).toBe(close);
    expect(within(dialog).queryByRole('button', { name: 'Close connection' })).toBeNull();
    fireEvent.click(close);
    expect(onClose).toHaveBeenCalledOnce();
  });

  it("shows the engine's refusal in its words", async () => {
    const { dialog } = await open((t) => {
      t.closeResult = new Error("Error invoking remote method 'portwatch:closeConnection': ApiError: closing connections needs CAP_NET_ADMIN; run Portwatch as root");
    });
    await act(async () => {
      fireEvent.click(within(dialog).getByRole('button', { name: 'Close connection' }));
      await settle();
    });
    expect(within(dialog).getByRole('alert').textContent).toBe('closing connections needs CAP_NET_ADMIN; run Portwatch as root');
  });
});
