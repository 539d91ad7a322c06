import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';
import './styles/index.css';
import { pickTransport, type Transport } from './api/transport.js';
import { App } from './components/app.js';
import { pageNotifier } from './notifications.js';
import { createNamesStore } from './names-store.js';
import { createStore } from './store.js';

const root = createRoot(document.getElementById('root')!);

let transport: Transport | null = null;
let problem: string | null = null;
try {
  transport = pickTransport();
} catch (e) {
  problem = e instanceof Error ? e.message : String(e);
}

if (transport) {
  const store = createStore(transport);
  const names = createNamesStore(transport.api, (l) => transport!.onConnection(l));
  // The browser mode notifies from the page; in Electron the main process does (null here).
  const notifier = pageNotifier(store.alerts, window, (l) => store.api.onWatchedPort(l));
  root.render(
    <StrictMode>
      <App store={store} notifier={notifier} names={names} />
    </StrictMode>,
  );
} else {
  root.render(
    <div className="fatal" role="alert">
      <h1>Portwatch</h1>
      <p>{problem}</p>
    </div>,
  );
}
