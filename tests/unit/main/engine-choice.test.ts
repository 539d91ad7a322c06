import { describe, expect, it } from 'vitest';
import { SYSTEM_AGENT_SOCKET } from '../../../src/core/agent-path.js';
import { chooseEngine } from '../../../src/main/engine-choice.js';

const none = () => false;

describe('chooseEngine', () => {
  it('takes --agent PATH, --agent=PATH and PORTWATCH_AGENT; --no-agent and PORTWATCH_AGENT=off keep its own', () => {
    expect(chooseEngine(['electron', '.', '--agent', '/tmp/a.sock'], {}, '/d', none)).toEqual({ kind: 'agent', path: '/tmp/a.sock' });
    expect(chooseEngine(['electron', '.', '--agent=/tmp/b.sock'], {}, '/d', none)).toEqual({ kind: 'agent', path: '/tmp/b.sock' });
    expect(chooseEngine([], { PORTWATCH_AGENT: '/tmp/c.sock' }, '/d', none)).toEqual({ kind: 'agent', path: '/tmp/c.sock' });
    expect(chooseEngine(['--no-agent'], { PORTWATCH_AGENT: '/tmp/c.sock' }, '/d', () => true)).toEqual({ kind: 'own' });
    expect(chooseEngine([], { PORTWATCH_AGENT: 'off' }, '/d', () => true)).toEqual({ kind: 'own' });
  });

  it('uses an agent socket found at a well-known path, the system one first, and its own engine otherwise', () => {
    expect(chooseEngine([], {}, '/d', (p) => p === SYSTEM_AGENT_SOCKET)).toEqual({ kind: 'agent', path: SYSTEM_AGENT_SOCKET });
    expect(chooseEngine([], { XDG_RUNTIME_DIR: '/run/user/1000' }, '/d', (p) => p === '/run/user/1000/portwatch/agent.sock')).toEqual({
      kind: 'agent',
      path: '/run/user/1000/portwatch/agent.sock',
    });
    expect(chooseEngine([], {}, '/d', none)).toEqual({ kind: 'own' });
    // No data folder and no runtime folder: only absolute paths are looked at.
    expect(chooseEngine([], {}, null, (p) => p === 'agent.sock')).toEqual({ kind: 'own' });
  });
});
