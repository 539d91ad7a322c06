import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { KernelCounterReader, readKernelCounters } from '../../../src/core/kernel-counters.js';

const roots: string[] = [];
afterEach(() => {
  for (const r of roots.splice(0)) rmSync(r, { recursive: true, force: true });
});

/** A procfs of our own: net/snmp, net/netstat and the sysctl, as the kernel writes them. */
function procRoot(tcp: { outRsts: number; inSegs: number }, ext: { listenDrops: number; abortOnClose: number }): string {
  const root = mkdtempSync(join(tmpdir(), 'portwatch-counters-'));
  roots.push(root);
  mkdirSync(join(root, 'net'));
  mkdirSync(join(root, 'sys/net/ipv4'), { recursive: true });
  write(root, tcp, ext);
  writeFileSync(join(root, 'sys/net/ipv4/tcp_abort_on_overflow'), '0\n');
  return root;
}

function write(root: string, tcp: { outRsts: number; inSegs: number }, ext: { listenDrops: number; abortOnClose: number }): void {
  writeFileSync(
    join(root, 'net/snmp'),
    'Ip: Forwarding DefaultTTL\nIp: 1 64\n' +
      'Tcp: RtoAlgorithm ActiveOpens PassiveOpens AttemptFails EstabResets CurrEstab InSegs OutSegs OutRsts\n' +
      `Tcp: 1 10 20 3 4 5 ${tcp.inSegs} 100 ${tcp.outRsts}\n` +
      'Udp: InDatagrams NoPorts\nUdp: 7 8\n',
  );
  writeFileSync(
    join(root, 'net/netstat'),
    'TcpExt: ListenOverflows ListenDrops TCPAbortOnClose TCPAbortOnData\n' + `TcpExt: 1 ${ext.listenDrops} ${ext.abortOnClose} 0\n`,
  );
}

describe('KernelCounterReader', () => {
  it('reads what readKernelCounters reads', () => {
    const root = procRoot({ outRsts: 30, inSegs: 50 }, { listenDrops: 2, abortOnClose: 1 });
    expect(new KernelCounterReader(root).read(1000)).toEqual(readKernelCounters(root, 1000));
    expect(readKernelCounters(root, 1000)).toMatchObject({ tcpResets: 30, udpNoPorts: 8, listenDrops: 2, abortResets: 1, estabResets: 4, at: 1000 });
  });

  it('re-reads the TcpExt counters only when a Tcp or Udp counter moved', () => {
    const root = procRoot({ outRsts: 30, inSegs: 50 }, { listenDrops: 2, abortOnClose: 1 });
    const reader = new KernelCounterReader(root);
    reader.read(1000);
    // TcpExt alone moved (it cannot without a segment, but this proves which file was read).
    write(root, { outRsts: 30, inSegs: 50 }, { listenDrops: 9, abortOnClose: 9 });
    expect(reader.read(2000)).toMatchObject({ listenDrops: 2, abortResets: 1, at: 2000 });
    // A segment came in: everything is read again.
    write(root, { outRsts: 30, inSegs: 51 }, { listenDrops: 9, abortOnClose: 9 });
    expect(reader.read(3000)).toEqual(readKernelCounters(root, 3000));
    expect(reader.read(3000)).toMatchObject({ listenDrops: 9, abortResets: 9 });
  });

  it('gives null where there is no snmp file, and reads afresh once there is one', () => {
    const root = procRoot({ outRsts: 1, inSegs: 1 }, { listenDrops: 0, abortOnClose: 0 });
    const reader = new KernelCounterReader(root);
    const snmp = readFileSync(join(root, 'net/snmp'), 'latin1');
    rmSync(join(root, 'net/snmp'));
    expect(reader.read()).toBeNull();
    writeFileSync(join(root, 'net/snmp'), snmp);
    expect(reader.read(5)).toEqual(readKernelCounters(root, 5));
  });

  it('reads this machine’s counters', () => {
    const counters = new KernelCounterReader().read();
    if (process.platform === 'linux') expect(counters?.tcpResets).toBeGreaterThanOrEqual(0);
    else expect(counters).toBeNull();
  });
});
