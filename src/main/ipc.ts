// The one door between the page and the engine. Every request passes the same sender check (our
// window, its main frame, our page) and then ApiService.call, which checks the arguments; a failure
// leaves as an ApiError, whose code the page reads from its name (shared/api-errors.ts); events go
// out to our window only, and only while it is alive. Nothing is queued: a page that starts late
// asks for the full state and applies deltas after its seq.
import type { BrowserWindow, IpcMain, IpcMainInvokeEvent } from 'electron';
import type { ServiceListener } from '../core/service.js';
import { ApiError, toApiError } from '../shared/api-errors.js';
import { channel, REQUEST_NAMES, type RequestName } from '../shared/channels.js';
import { isOurPage } from './page.js';

export interface BindIpcOptions {
  ipcMain: Pick<IpcMain, 'handle' | 'removeHandler'>;
  /** The contract's requests and events: ApiService, or the engine process behind EngineClient. */
  service: ContractService;
  window: BrowserWindow;
  /** Our page's URL (see page.ts): file:// of the built index.html, or the dev server. */
  pageUrl: string;
}

export interface ContractService {
  call(method: RequestName, args: unknown[]): Promise<unknown>;
  subscribe(listener: ServiceListener): () => void;
}

/** A message from somewhere other than our page; the code 'refused' reaches the page with it. */
export class RefusedError extends ApiError {
  constructor(reason: string) {
    super(`refused: ${reason}`, 'refused');
  }
}

/** Binds every request of the contract and forwards every event; the result undoes both. */
export function bindIpc({ ipcMain, service, window, pageUrl }: BindIpcOptions): () => void {
  // Read once: a destroyed window throws on any property access.
  const webContentsId = window.webContents.id;
  const alive = () => !window.isDestroyed() && !window.webContents.isDestroyed();

  const checkSender = (event: IpcMainInvokeEvent): void => {
    if (!alive()) throw new RefusedError('the Portwatch window is gone');
    if (event.sender.id !== webContentsId) throw new RefusedError(`sender ${event.sender.id} is not the Portwatch window`);
    const frame = event.senderFrame;
    if (frame === null) throw new RefusedError('the sending frame is gone');
    const main = event.sender.mainFrame;
    const isMainFrame = frame === main || (frame.parent === null && frame.processId === main.processId && frame.routingId === main.routingId);
    if (!isMainFrame) throw new RefusedError('only the main frame may call');
    if (!isOurPage(frame.url, pageUrl)) throw new RefusedError(`${JSON.stringify(frame.url.slice(0, 120))} is not the Portwatch page`);
  };

  const bound: string[] = [];
  for (const name of REQUEST_NAMES) {
    const requestChannel = channel.request(name);
    ipcMain.handle(requestChannel, async (event, ...args: unknown[]) => {
      try {
        checkSender(event);
        return await service.call(name, args);
      } catch (e) {
        // Every failure carries a code: Electron sends the page "name: message", and the name says it.
        throw toApiError(e);
      }
    });
    bound.push(requestChannel);
  }

  const unsubscribe = service.subscribe((event, payload) => {
    if (alive()) window.webContents.send(channel.event(event), payload);
  });

  let done = false;
  const unbind = () => {
    if (done) return;
    done = true;
    unsubscribe();
    for (const c of bound) ipcMain.removeHandler(c);
    if (!window.isDestroyed()) window.off('closed', unbind);
  };
  window.once('closed', unbind);
  return unbind;
}
