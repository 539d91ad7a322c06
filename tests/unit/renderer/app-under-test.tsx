// The whole page for a renderer test: a scripted engine (fixtures.ts), its store and <App /> rendered
// and settled — or one dialog over its store, with a button behind it to hand focus back to. After
// each test the page is unmounted and the store disposed. Call at the top of a file.
import { act, cleanup, render, screen, within } from '@testing-library/react';
import type { ReactNode } from 'react';
import { afterEach, vi, type Mock } from 'vitest';
import { App } from '../../../src/renderer/src/components/app.js';
import { StoreContext } from '../../../src/renderer/src/hooks.js';
import { createStore, type Store, type StoreOptions } from '../../../src/renderer/src/store.js';
import type { FullState } from '../../../src/shared/api.js';
import type { Socket } from '../../../src/shared/model.js';
import { fakeTransport, fullState, settle, type FakeTransport } from './fixtures.js';

export interface AppUnderTest {
  /** Renders the page over these sockets (or this full state); setup scripts the engine first. */
  mount(state: Socket[] | FullState, setup?: (t: FakeTransport) => void, options?: StoreOptions): Promise<FakeTransport>;
  /** The mounted page's store. */
  store(): Store;
  /** Closes the page and its store, keeping what it saved (localStorage): a reload is a mount() after it. */
  unmount(): void;
  /** Renders one dialog (given its onClose) over a store of these sockets instead of the page. */
  mountDialog(state: Socket[], setup: (t: FakeTransport) => void, dialog: (onClose: () => void) => ReactNode): Promise<{ f: FakeTransport; onClose: Mock<() => void>; dialog: HTMLElement }>;
}

export function appUnderTest(): AppUnderTest {
  let store: Store | null = null;
  const unmount = () => {
    cleanup();
    store?.dispose();
    store = null;
  };
  afterEach(() => {
    unmount();
    localStorage.clear();
  });
  return {
    unmount,
    async mount(state, setup = () => {}, options = {}) {
      const t = fakeTransport(Array.isArray(state) ? fullState(state) : state);
      setup(t);
      store = createStore(t, options);
      render(<App store={store} />);
      await act(settle);
      return t;
    },
    async mountDialog(state, setup, dialog) {
      const f = fakeTransport(fullState(state));
      setup(f);
      store = createStore(f);
      await act(settle);
      const onClose = vi.fn<() => void>();
      render(
        <StoreContext.Provider value={store}>
          <button type="button">behind</button>
          {dialog(onClose)}
        </StoreContext.Provider>,
      );
      await act(settle);
      return { f, onClose, dialog: screen.getByRole('dialog') };
    },
    store() {
      if (store === null) throw new Error('mount() first');
      return store;
    },
  };
}

/** A socket grid of the page (Connections unless named). */
export const grid = (name = 'Connections') => screen.getByRole('grid', { name });

/** The grid's socket rows (not group headings). */
export const socketRows = (name = 'Connections') =>
  within(grid(name))
    .queryAllByRole('row')
    .filter((r) => r.hasAttribute('data-id'));
