// The host side of the API contract: every request from any transport passes through call(), which
// checks the method and its arguments before the engine sees them. Hosts only carry messages.
import type { EventName, EventPayloads, FullState } from '../shared/api.js';
import { isRequestName, requestSchemas } from '../shared/api.js';
import type { Monitor } from './monitor.js';

export class ApiError extends Error {
  override name = 'ApiError';
}

export type ServiceListener = <E extends EventName>(event: E, payload: EventPayloads[E]) => void;

export class ApiService {
  constructor(private readonly monitor: Monitor) {}

  async call(method: unknown, args: unknown): Promise<unknown> {
    if (!isRequestName(method)) throw new ApiError(`unknown request ${JSON.stringify(String(method)).slice(0, 80)}`);
    const parsed = requestSchemas[method].safeParse(args);
    if (!parsed.success) {
      const issue = parsed.error.issues[0];
      throw new ApiError(`bad arguments for ${method}: ${issue ? `${issue.path.join('.') || 'args'}: ${issue.message}` : 'invalid'}`);
    }
    switch (method) {
      case 'getState':
        return this.getState();
      case 'pause':
        this.monitor.pause();
        return undefined;
      case 'resume':
        this.monitor.resume();
        return undefined;
      case 'setInterval': {
        const [ms] = parsed.data as [number];
        this.monitor.setInterval(ms);
        return undefined;
      }
    }
  }

  getState(): FullState {
    const { seq, snapshot } = this.monitor.getState();
    return { seq, snapshot, status: this.monitor.getStatus() };
  }

  subscribe(listener: ServiceListener): () => void {
    return this.monitor.subscribe((e) => {
      if (e.type === 'delta') listener('delta', e.delta);
      else listener('status', e.status);
    });
  }
}
