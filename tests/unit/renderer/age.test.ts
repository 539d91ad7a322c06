// A socket's age, honestly: Portwatch knows when it first saw a socket, not when it was opened. A
// socket already open when Portwatch started is "≥" its time since then, unless its process's start
// bounds it closely enough to say its age.
import { describe, expect, it } from 'vitest';
import { readAge } from '../../../src/renderer/src/format.js';
import { stateLabel } from '../../../src/shared/model.js';
import { proc } from './fixtures.js';

const START = 1_700_000_000_000;
const MIN = 60_000;

describe('readAge', () => {
  it('a socket first seen after Portwatch started: its age, exactly', () => {
    const a = readAge({ firstSeen: START + 5 * MIN, process: null }, START + 17 * MIN, START);
    expect(a).toMatchObject({ text: '12m', exact: true, known: '12m old' });
  });

  it('one open before Portwatch started, with no process to bound it: at least the time since the start', () => {
    const a = readAge({ firstSeen: START, process: null }, START + 2 * MIN + 5000, START);
    expect(a).toMatchObject({ text: '≥ 2m', exact: false, known: 'at least 2m old' });
    expect(a.title).toContain('Already open when Portwatch started watching');
  });

  it('its process started long before: between the two, said as "≥"', () => {
    const a = readAge({ firstSeen: START, process: proc(1, 'sshd', { startedAt: START - 3 * 3_600_000 }) }, START + 2 * MIN, START);
    expect(a).toMatchObject({ text: '≥ 2m', exact: false, known: 'between 2m and 3h old' });
  });

  it('its process started just before Portwatch: the bounds agree, so that is its age', () => {
    const a = readAge({ firstSeen: START, process: proc(1, 'node', { startedAt: START - 10_000 }) }, START + 5 * MIN, START);
    expect(a).toMatchObject({ text: '5m', exact: true });
  });

  it('before the state is read there is no start to compare with', () => {
    expect(readAge({ firstSeen: START, process: null }, START + MIN, null)).toMatchObject({ text: '1m', exact: true });
  });
});

describe('stateLabel', () => {
  it('says BOUND for a UDP socket with no peer, and the kernel’s names otherwise', () => {
    expect(stateLabel({ state: 'UNCONN' })).toBe('BOUND');
    expect(stateLabel({ state: 'ESTABLISHED' })).toBe('ESTABLISHED');
    expect(stateLabel({ state: 'TIME_WAIT' })).toBe('TIME_WAIT');
  });
});
