// A busy port's lookup, counted before it is listed: connections by the address they come from, and
// this machine's clients by program.
import { describe, expect, it } from 'vitest';
import { clientsByProcess, connectionsByAddress, statesText } from '../../../src/renderer/src/port-peers.js';
import { listener, proc, sock } from './fixtures.js';

describe('port peers', () => {
  it('counts 4,980 connections by address and by client program, biggest first, states within', () => {
    const wrk = proc(7801, 'wrk');
    const node = proc(7802, 'node');
    const holders = [listener(18080, '0.0.0.0', 7700, 'api')];
    const clients = [];
    for (let i = 0; i < 4980; i++) {
      const remote = i % 10 === 9 ? '192.168.1.77' : '127.0.0.1';
      const state = i % 50 === 0 ? 'TIME_WAIT' : 'ESTABLISHED';
      holders.push(sock({ localPort: 18080, remoteAddress: remote, remotePort: 30_000 + i, state, pid: 7700, process: proc(7700, 'api') }));
      if (remote === '127.0.0.1') {
        const owner = i % 3 === 0 ? node : wrk;
        clients.push(sock({ localPort: 30_000 + i, remoteAddress: '127.0.0.1', remotePort: 18080, pid: owner.pid, process: owner }));
      }
    }
    const byAddress = connectionsByAddress(holders);
    expect(byAddress.map((p) => [p.label, p.count])).toEqual([
      ['127.0.0.1', 4482],
      ['192.168.1.77', 498],
    ]);
    expect(statesText(byAddress[0]!.states, String)).toBe('ESTABLISHED 4382 · TIME_WAIT 100');
    const byProcess = clientsByProcess(clients);
    expect(byProcess.map((p) => [p.label, p.count])).toEqual([
      ['wrk · pid 7801', 2988],
      ['node · pid 7802', 1494],
    ]);
    expect(byProcess[0]!.detail).toBe('wrk --serve');
  });
});
