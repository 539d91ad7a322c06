// @vitest-environment happy-dom
import { act, fireEvent, screen, within } from '@testing-library/react';
import { describe, expect, it } from 'vitest';
import { EndProcessDialog, type EndTarget } from '../../../src/renderer/src/components/end-process-dialog.js';
import { listener, proc, settle, sock, type FakeTransport } from './fixtures.js';
import { appUnderTest } from './app-under-test.js';

const app = appUnderTest();

const STARTED = 1_700_000_123_000;
const nodeProc = proc(1234, 'node', { cmdline: 'node /srv/app/server.js --port 3000', startedAt: STARTED, user: 'ada' });
const v4 = { ...listener(3000, '127.0.0.1', 1234, 'node'), process: nodeProc };
const v6 = { ...listener(3000, '::1', 1234, 'node'), process: nodeProc };
const outgoing = sock({ localPort: 51000, remoteAddress: '10.0.0.9', remotePort: 5432, pid: 1234, process: nodeProc });
const other = listener(8080, '0.0.0.0', 99, 'nginx');

const target: EndTarget = { pid: 1234, name: 'node', user: 'ada', cmdline: nodeProc.cmdline, startedAt: STARTED, port: 3000 };

function open(t: Partial<EndTarget> = {}, setup: (f: FakeTransport) => void = () => {}) {
  return app.mountDialog([v4, v6, outgoing, other], (f) => {
    f.lookups.set(3000, {
      port: 3000,
      holders: [v4, v6],
      clients: [],
      verdicts: [],
      processes: [{ pid: 1234, name: 'node', cmdline: nodeProc.cmdline, user: 'ada', startedAt: STARTED, cwd: '/srv/app', role: 'listener' }],
    });
    setup(f);
  }, (onClose) => <EndProcessDialog target={{ ...target, ...t }} onClose={onClose} />);
}

describe('End process dialog', () => {
  it('names the process, pid, user, command line, working directory and the ports it listens on', async () => {
    const { dialog, f } = await open();
    expect(dialog.getAttribute('aria-modal')).toBe('true');
    expect(within(dialog).getByRole('heading').textContent).toBe('End node (pid 1234)?');
    const text = dialog.textContent ?? '';
    expect(text).toContain('node /srv/app/server.js --port 3000');
    expect(text).toContain('/srv/app');
    expect(text).toContain('ada');
    expect(text).toContain('tcp4 127.0.0.1:3000');
    expect(text).toContain('tcp6 [::1]:3000');
    expect(text).not.toContain('0.0.0.0:8080');
    // Its outgoing connection is said too: ending it closes that as well.
    expect(text).toContain('It also has 1 other connection open');
    expect(text).toContain('Portwatch sends SIGTERM, then SIGKILL if it is still running after the grace period');
    expect(f.lookupCalls).toEqual([3000]);
  });

  it('uses a working directory it was given without asking again', async () => {
    const { dialog, f } = await open({ cwd: '/home/ada/given' });
    expect(dialog.textContent).toContain('/home/ada/given');
    expect(f.lookupCalls).toEqual([]);
  });

  it('focuses Cancel, and Cancel closes without a request', async () => {
    const { onClose, f } = await open();
    const cancel = screen.getByRole('button', { name: 'Cancel' });
    expect(document.activeElement).toBe(cancel);
    fireEvent.click(cancel);
    expect(onClose).toHaveBeenCalledOnce();
    expect(f.endCalls).toEqual([]);
  });

  it('Escape cancels', async () => {
    const { onClose, dialog, f } = await open();
    fireEvent.keyDown(dialog, { key: 'Escape' });
    expect(onClose).toHaveBeenCalledOnce();
    expect(f.endCalls).toEqual([]);
  });

  it('keeps Tab inside the dialog', async () => {
    const { dialog } = await open();
    const end = within(dialog).getByRole('button', { name: 'End process' });
    end.focus();
    fireEvent.keyDown(end, { key: 'Tab' });
    expect(document.activeElement).toBe(within(dialog).getByLabelText('Grace period'));
    const grace = within(dialog).getByLabelText('Grace period');
    fireEvent.keyDown(grace, { key: 'Tab', shiftKey: true });
    expect(document.activeElement).toBe(end);
  });

  it('sends pid, start time and the grace period, and says the outcome', async () => {
    const { dialog, f } = await open({}, (t) => {
      t.endResult = { pid: 1234, name: 'node', outcome: 'terminated', signals: ['SIGTERM'], elapsedMs: 40, exited: true };
    });
    fireEvent.change(within(dialog).getByLabelText('Grace period'), { target: { value: '5' } });
    await act(async () => {
      fireEvent.click(within(dialog).getByRole('button', { name: 'End process' }));
      await settle();
    });
    expect(f.endCalls).toEqual([{ pid: 1234, startedAt: STARTED, graceMs: 5000 }]);
    expect(within(dialog).getByRole('status').textContent).toContain('node (pid 1234) ended');
    expect(within(dialog).getByRole('status').textContent).toContain('Sent SIGTERM; gone after 40 ms.');
    // No longer a question once it is answered.
    expect(within(dialog).getByRole('heading').textContent).toBe('node (pid 1234) has ended');
    expect(dialog.getAttribute('aria-labelledby')).toBe(within(dialog).getByRole('heading').id);
    expect(document.activeElement).toBe(within(dialog).getByRole('button', { name: 'Close' }));
    expect(within(dialog).queryByRole('button', { name: 'End process' })).toBeNull();
  });

  it('says when SIGTERM was not enough, and when it had already gone', async () => {
    const first = await open({}, (t) => {
      t.endResult = { pid: 1234, name: 'node', outcome: 'killed', signals: ['SIGTERM', 'SIGKILL'], elapsedMs: 3020, exited: true };
    });
    await act(async () => {
      fireEvent.click(within(first.dialog).getByRole('button', { name: 'End process' }));
      await settle();
    });
    expect(within(first.dialog).getByRole('status').textContent).toContain('node (pid 1234) did not stop on SIGTERM; killed after 3 s');
    app.unmount();
    const second = await open({}, (t) => {
      t.endResult = { pid: 1234, name: 'node', outcome: 'already-gone', signals: [], elapsedMs: 0, exited: true };
    });
    await act(async () => {
      fireEvent.click(within(second.dialog).getByRole('button', { name: 'End process' }));
      await settle();
    });
    expect(within(second.dialog).getByRole('status').textContent).toContain('node (pid 1234) was already gone');
    expect(within(second.dialog).getByRole('heading').textContent).toBe('node (pid 1234) had already exited');
  });

  it('shows the engine\'s refusal in its own words, without a stack or the IPC wrapping', async () => {
    const refusal = 'refusing to end pid 1234: it is now bash, started 2024-01-01T00:00:00.000Z, not the process started 2023-11-14T22:15:23.000Z; the pid was reused, nothing was signalled';
    const wrapped = new Error(`Error invoking remote method 'portwatch:endProcess': ApiError: ${refusal}`);
    wrapped.stack = `${wrapped.message}\n    at secret (/internal/file.js:1:1)`;
    const { dialog } = await open({}, (t) => {
      t.endResult = wrapped;
    });
    await act(async () => {
      fireEvent.click(within(dialog).getByRole('button', { name: 'End process' }));
      await settle();
    });
    expect(within(dialog).getByRole('alert').textContent).toBe(refusal);
    expect(dialog.textContent).not.toContain('at secret');
  });

  it('says "run with more rights" as the engine does', async () => {
    const { dialog } = await open({}, (t) => {
      t.endResult = new Error('not permitted to end pid 1234 (node); run Portwatch with more rights');
    });
    await act(async () => {
      fireEvent.click(within(dialog).getByRole('button', { name: 'End process' }));
      await settle();
    });
    expect(within(dialog).getByRole('alert').textContent).toBe('not permitted to end pid 1234 (node); run Portwatch with more rights');
  });

  it('will not send a grace period outside 0–60 s', async () => {
    const { dialog, f } = await open();
    const grace = within(dialog).getByLabelText('Grace period');
    const end = within(dialog).getByRole('button', { name: 'End process' }) as HTMLButtonElement;
    fireEvent.change(grace, { target: { value: '61' } });
    expect(end.disabled).toBe(true);
    expect(within(dialog).getByRole('alert').textContent).toContain('0 to 60 seconds');
    fireEvent.change(grace, { target: { value: '0' } });
    expect(end.disabled).toBe(false);
    await act(async () => {
      fireEvent.click(end);
      await settle();
    });
    expect(f.endCalls).toEqual([{ pid: 1234, startedAt: STARTED, graceMs: 0 }]);
  });

  it('will not end a process whose start time it does not know', async () => {
    const { dialog } = await open({ startedAt: null });
    expect((within(dialog).getByRole('button', { name: 'End process' }) as HTMLButtonElement).disabled).toBe(true);
    expect(dialog.textContent).toContain('cannot check that pid 1234 is still the same process');
  });
});
