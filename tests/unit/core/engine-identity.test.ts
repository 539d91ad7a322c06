import { spawnSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { CAP_DAC_READ_SEARCH, CAP_SYS_PTRACE, effectiveCapabilities, engineIdentity, hasCapability, readIdentityFacts } from '../../../src/core/engine-identity.js';

const status = (capEff: string) => `Name:\tnode\nUid:\t990\t990\t990\t990\nCapEff:\t${capEff}\n`;

describe('engineIdentity', () => {
  it('reads the effective capability set', () => {
    const caps = effectiveCapabilities(status('0000000000081004'))!;
    expect(hasCapability(caps, CAP_SYS_PTRACE)).toBe(true);
    expect(hasCapability(caps, CAP_DAC_READ_SEARCH)).toBe(true);
    expect(hasCapability(caps, 1)).toBe(false);
    expect(effectiveCapabilities('Name: x\n')).toBeNull();
  });

  it('tells root, capabilities and a plain user apart', () => {
    const facts = { pid: 5, uid: 990, user: 'portwatch', platform: 'linux' as const };
    expect(engineIdentity('agent', { ...facts, uid: 0, user: 'root', procStatus: status('000001ffffffffff') }).rights).toBe('root');
    expect(engineIdentity('agent', { ...facts, procStatus: status('0000000000081004') }).rights).toBe('capabilities');
    // CAP_SYS_PTRACE alone does not open another user's /proc/PID/fd folder.
    expect(engineIdentity('agent', { ...facts, procStatus: status('0000000000080000') }).rights).toBe('user');
    expect(engineIdentity('serve', { ...facts, procStatus: null })).toMatchObject({ host: 'serve', rights: 'unknown', access: 'full', pid: 5 });
  });

  it('sees this process as it is', () => {
    const facts = readIdentityFacts();
    expect(facts.pid).toBe(process.pid);
    expect(facts.uid).toBe(process.geteuid!());
    const id = spawnSync('id', ['-un'], { encoding: 'utf8' });
    expect(facts.user).toBe(id.stdout.trim());
  });
});
