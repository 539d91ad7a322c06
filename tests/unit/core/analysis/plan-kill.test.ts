import { describe, expect, it } from 'vitest';
import { notPermittedMessage, planKill } from '../../../../src/core/process-control.js';
import { proc, sock } from '../../../helpers/sockets.js';

const server = proc(100, 'node');
const worker = proc(101, 'node');
const client = proc(300, 'curl');
const bystander = proc(400, 'redis-server');

const sockets = [
  sock({ address: '127.0.0.1', port: 3000, owner: server }),
  sock({ address: '::1', port: 3000, owner: server }),
  sock({ protocol: 'udp', address: '0.0.0.0', port: 3000, owner: worker }),
  sock({ address: '127.0.0.1', port: 3000, remote: ['127.0.0.1', 51000], owner: server }),
  sock({ address: '127.0.0.1', port: 51000, remote: ['127.0.0.1', 3000], owner: client }),
  sock({ address: '127.0.0.1', port: 6379, owner: bystander }),
  sock({ address: '0.0.0.0', port: 3000, owner: null }),
];

describe('planKill', () => {
  it('lists each listening process once, never its clients or other ports', () => {
    const plan = planKill(sockets, { port: 3000 });
    expect(plan.map((t) => [t.pid, t.role, t.sockets.length])).toEqual([
      [100, 'listener', 2],
      [101, 'listener', 1],
    ]);
    expect(plan[0]).toMatchObject({ name: 'node', cmdline: 'node --serve', startedAt: server.startedAt, user: 'dev' });
  });

  it('adds client processes only when asked', () => {
    expect(planKill(sockets, { port: 3000, clients: true }).map((t) => [t.pid, t.role])).toEqual([
      [100, 'listener'],
      [101, 'listener'],
      [300, 'client'],
    ]);
  });

  it('is empty for a port nobody listens on', () => {
    expect(planKill(sockets, { port: 51000 })).toEqual([]);
  });
});

it('says EPERM the same way everywhere', () => {
  expect(notPermittedMessage(4242, 'postgres')).toBe('not permitted to end pid 4242 (postgres); run Portwatch with more rights');
  expect(notPermittedMessage(4242, null)).toBe('not permitted to end pid 4242; run Portwatch with more rights');
});
