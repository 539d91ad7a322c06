// @vitest-environment happy-dom
// The History view's retention: shown from the engine, set through the contract, bad numbers refused
// with the engine's own rule before anything is sent, and the engine's refusal said in its words.
import { act, cleanup, fireEvent, render, screen } from '@testing-library/react';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { HistoryRetentionControl } from '../../../src/renderer/src/components/history-retention.js';
import { StoreContext } from '../../../src/renderer/src/hooks.js';
import { createStore, type Store } from '../../../src/renderer/src/store.js';
import { fakeTransport, fullState, settle, type FakeTransport } from './fixtures.js';

let store: Store | null = null;
afterEach(() => {
  cleanup();
  store?.dispose();
  store = null;
});

async function mount(setup: (f: FakeTransport) => void = () => {}) {
  const f = fakeTransport(fullState([]));
  setup(f);
  store = createStore(f);
  const onChanged = vi.fn();
  render(
    <StoreContext.Provider value={store}>
      <HistoryRetentionControl onChanged={onChanged} />
    </StoreContext.Provider>,
  );
  await act(settle);
  return { f, onChanged };
}

async function setTo(days: string, megabytes: string) {
  fireEvent.change(screen.getByLabelText('Days to keep'), { target: { value: days } });
  fireEvent.change(screen.getByLabelText('Megabytes to keep'), { target: { value: megabytes } });
  await act(async () => {
    fireEvent.click(screen.getByRole('button', { name: 'Save' }));
    await settle();
  });
}

describe('history retention control', () => {
  it('shows what the engine keeps, and saves a new retention', async () => {
    const { f, onChanged } = await mount();
    const button = screen.getByRole('button', { name: 'Keeps 30 days · 200 MB' });
    fireEvent.click(button);
    expect((screen.getByLabelText('Days to keep') as HTMLInputElement).value).toBe('30');
    await setTo('7', '50');
    expect(f.retentionSaves).toEqual([{ maxAgeDays: 7, maxMegabytes: 50 }]);
    expect(onChanged).toHaveBeenCalledOnce();
    expect(screen.queryByRole('form')).toBeNull();
    expect(screen.getByRole('button', { name: 'Keeps 7 days · 50 MB' })).toBeTruthy();
  });

  it('refuses what the engine would refuse, before sending anything', async () => {
    const { f } = await mount();
    fireEvent.click(screen.getByRole('button', { name: /Keeps/ }));
    await setTo('0', '200');
    expect(screen.getByRole('alert').textContent).toBe('keep history at least 1 day');
    await setTo('1.5', '200');
    expect(screen.getByRole('alert').textContent).toBe('Days and megabytes are whole numbers');
    await setTo('7', '100001');
    expect(screen.getByRole('alert').textContent).toBe('keep at most 100000 MB of history');
    expect(f.retentionSaves).toEqual([]);
    // Escape closes the form and keeps the setting.
    fireEvent.keyDown(screen.getByLabelText('Days to keep'), { key: 'Escape' });
    expect(screen.getByRole('button', { name: 'Keeps 30 days · 200 MB' })).toBeTruthy();
  });

  it("says the engine's refusal in its words, and shows nothing where no history is kept", async () => {
    await mount((t) => {
      t.retention = new Error("Error invoking remote method 'portwatch:getHistoryRetention': ApiError: no history is kept in this host (it needs a data folder it can write)");
    });
    expect(screen.queryByRole('button', { name: /Keeps/ })).toBeNull();
    cleanup();
    store?.dispose();
    const { f } = await mount();
    fireEvent.click(screen.getByRole('button', { name: /Keeps/ }));
    f.retention = new Error('Portwatch will not overwrite /data/settings.json: it was written by a newer Portwatch');
    await setTo('7', '50');
    expect(screen.getByRole('alert').textContent).toBe('Portwatch will not overwrite /data/settings.json: it was written by a newer Portwatch');
  });
});
