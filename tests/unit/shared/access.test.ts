import { describe, expect, it } from 'vitest';
import { accessRefusal, isAction, narrowest, REQUEST_KINDS } from '../../../src/shared/access.js';
import { REQUEST_NAMES } from '../../../src/shared/channels.js';
import { describeEngine, type EngineIdentity } from '../../../src/shared/status.js';

describe('request access', () => {
  it('puts every request of the contract on one side', () => {
    expect(Object.keys(REQUEST_KINDS).sort()).toEqual([...REQUEST_NAMES].sort());
  });

  it('counts what changes the engine, the machine or saved files as actions', () => {
    for (const m of ['endProcess', 'trust', 'untrust', 'startLearning', 'setWatchedPorts', 'pause', 'setInterval', 'acknowledgeAlert'] as const) expect(isAction(m)).toBe(true);
    for (const m of ['getState', 'getConflicts', 'lookupPort', 'listAlerts', 'getTrustState', 'getWatchedPorts'] as const) expect(isAction(m)).toBe(false);
  });

  it('refuses actions to read-only clients only', () => {
    expect(accessRefusal('read-only', 'endProcess')).toMatch(/endProcess is an action, and this connection may only watch/);
    expect(accessRefusal('read-only', 'getState')).toBeNull();
    expect(accessRefusal('full', 'endProcess')).toBeNull();
    expect(narrowest('full', 'read-only')).toBe('read-only');
    expect(narrowest('full', 'full')).toBe('full');
  });
});

describe('describeEngine', () => {
  const base: EngineIdentity = { host: 'agent', pid: 10, user: 'root', uid: 0, rights: 'root', access: 'full' };
  it('says which engine and what it sees', () => {
    expect(describeEngine(base)).toBe('agent as root: every process visible');
    expect(describeEngine({ ...base, user: 'portwatch', uid: 990, rights: 'capabilities', access: 'read-only' })).toBe(
      'agent as portwatch with capabilities: every process visible · watch only',
    );
    expect(describeEngine({ ...base, host: 'app', user: null, uid: 1000, rights: 'user' })).toBe("this app's engine as uid 1000: other users' processes not named");
  });
});
