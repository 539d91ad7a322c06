// What one client of a server may have in progress, whatever carries its requests (the browser
// page's WebSocket, a UI on the agent's Unix socket): a bounded number of requests being answered,
// and at most one full state on its way to it. A client that asks again and again without reading
// is answered 'busy' instead of having each answer built and buffered for it.

/** Requests of one client being answered at once (a trust waits for the disk). */
export const MAX_IN_FLIGHT = 16;
/**
 * A client this far behind (frozen tab, suspended laptop, or one that stopped reading) is cut off
 * rather than buffered without end: on reconnecting it fetches the full state, which costs less than
 * replaying every delta. A full state of 10,000 sockets is about 5 MB.
 */
export const MAX_BUFFERED_BYTES = 16 * 1024 * 1024;

export class RequestBudget {
  private inFlight = 0;
  /** A getState answer is written but not yet handed to the kernel. */
  private stateOnItsWay = false;

  /** @param who how the client is named in the answer ("page", "client") */
  constructor(private readonly who: string) {}

  /** Why the request must wait (answered 'busy'), or null: it may start, and counts until done(). */
  start(method: string): string | null {
    if (this.inFlight >= MAX_IN_FLIGHT) return `this ${this.who} already has ${MAX_IN_FLIGHT} requests being answered; wait for them`;
    const isState = method === 'getState';
    if (isState && this.stateOnItsWay) return `a full state is already on its way to this ${this.who}; wait for it`;
    this.inFlight++;
    if (isState) this.stateOnItsWay = true;
    return null;
  }

  /** The request is answered; a full state stays on its way until `flushed` resolves. */
  done(method: string, flushed: Promise<void>): void {
    this.inFlight--;
    if (method === 'getState') void flushed.then(() => (this.stateOnItsWay = false));
  }
}
