import { normaliseAddress, unmapped } from '../../shared/address.js';
import type { Family, Protocol, Socket } from '../../shared/model.js';
import { formatHost } from '../../shared/model.js';
import type { BindHolder, BindVerdict, PortLookup, PortProcess } from '../../shared/ports.js';

export interface PortHolders {
  port: number;
  /** Sockets bound to the port on this machine: listeners first, then accepted connections. */
  holders: Socket[];
  /** This machine's own client sockets connected to the port (the other end of an accepted one). */
  clients: Socket[];
  /** Per protocol and bind address: could a server bind it now, and if not, who holds it. */
  verdicts: BindVerdict[];
}

/** "Who is on port N?": every socket bound to it, any protocol or family, and its local clients. */
export function whoIsOnPort(sockets: readonly Socket[], port: number): PortHolders {
  const holders: Socket[] = [];
  const peers = new Set<string>();
  for (const s of sockets) {
    if (s.localPort !== port) continue;
    holders.push(s);
    if (s.remoteAddress !== null) peers.add(`${s.protocol} ${unmapped(s.remoteAddress)} ${s.remotePort}`);
  }
  // Only sockets whose far end is one of the port's accepted sockets: a connection to port N of
  // another host is not a client of ours.
  const clients = sockets.filter(
    (s) => s.localPort !== port && s.remotePort === port && peers.has(`${s.protocol} ${unmapped(s.localAddress)} ${s.localPort}`),
  );
  holders.sort((a, b) => Number(b.listening) - Number(a.listening));
  return { port, holders, clients, verdicts: bindVerdicts(holders, port) };
}

/**
 * whoIsOnPort plus the distinct processes involved, each with its working directory. The reader is
 * passed in (it touches the OS), so this stays a pure function of the snapshot.
 */
export function lookupPort(sockets: readonly Socket[], port: number, readCwd: (pid: number) => string | null): PortLookup {
  const who = whoIsOnPort(sockets, port);
  const processes = new Map<number, PortProcess>();
  const rank = { listener: 0, connection: 1, client: 2 } as const;
  const add = (s: Socket, role: PortProcess['role']) => {
    if (s.pid === null) return;
    const known = processes.get(s.pid);
    if (known !== undefined) {
      if (rank[role] < rank[known.role]) known.role = role;
      return;
    }
    processes.set(s.pid, {
      pid: s.pid,
      name: s.process?.name ?? '?',
      cmdline: s.process?.cmdline ?? '',
      user: s.process?.user ?? null,
      startedAt: s.process?.startedAt ?? null,
      cwd: readCwd(s.pid),
      role,
    });
  };
  for (const s of who.holders) add(s, s.listening ? 'listener' : 'connection');
  for (const s of who.clients) add(s, 'client');
  const list = [...processes.values()].sort((a, b) => rank[a.role] - rank[b.role] || a.pid - b.pid);
  return { ...who, processes: list };
}

interface Held {
  socket: Socket;
  address: string;
  family: Family;
}

const LINGERING = new Set(['TIME_WAIT', 'CLOSE_WAIT', 'FIN_WAIT1', 'FIN_WAIT2', 'LAST_ACK', 'CLOSING']);

function held(s: Socket): Held {
  const address = unmapped(normaliseAddress(s.localAddress));
  return { socket: s, address, family: address.includes(':') ? 6 : 4 };
}

function familyOf(address: string): Family {
  return address.includes(':') ? 6 : 4;
}

/**
 * For each protocol, whether a server could bind 127.0.0.1, ::1, 0.0.0.0, :: and each specific
 * address seen on the port (by either protocol). A wildcard takes every address of its family; a [::] socket takes IPv4
 * too (dual-stack, Linux's default) unless an IPv4 socket on the port shows it must be IPv6-only.
 * TCP counts listeners; UDP every socket bound to the port.
 */
export function bindVerdicts(holders: readonly Socket[], port: number): BindVerdict[] {
  const out: BindVerdict[] = [];
  const onPort = holders.filter((s) => s.localPort === port);
  const addresses = ['127.0.0.1', '::1', '0.0.0.0', '::'];
  const specific = new Set<string>();
  for (const s of onPort) {
    const { address } = held(s);
    if (!addresses.includes(address)) specific.add(address);
  }
  addresses.push(...[...specific].sort((a, b) => familyOf(a) - familyOf(b) || a.localeCompare(b)));
  for (const protocol of ['tcp', 'udp'] as const) {
    const mine = onPort.filter((s) => s.protocol === protocol);
    const bound = mine.filter((s) => (protocol === 'tcp' ? s.state === 'LISTEN' : true)).map(held);
    const lingering = protocol === 'tcp' ? mine.filter((s) => LINGERING.has(s.state)).map(held) : [];
    for (const address of addresses) out.push(verdict(protocol, port, address, bound, lingering));
  }
  return out;
}

function verdict(protocol: Protocol, port: number, address: string, bound: readonly Held[], lingering: readonly Held[]): BindVerdict {
  const family = familyOf(address);
  const v4 = bound.filter((h) => h.family === 4);
  const v6 = bound.filter((h) => h.family === 6);
  let takers: Held[];
  let note = '';
  if (address === '0.0.0.0') {
    takers = v4.length > 0 ? v4 : bound.filter((h) => h.address === '::');
  } else if (address === '::') {
    takers = v6;
    if (takers.length === 0 && v4.length > 0) {
      takers = v4;
      note = ' for a dual-stack server (an IPv6-only one could bind it)';
    }
  } else if (family === 4) {
    takers = v4.filter((h) => h.address === address || h.address === '0.0.0.0');
    if (takers.length === 0 && v4.length === 0) takers = bound.filter((h) => h.address === '::');
  } else {
    takers = v6.filter((h) => h.address === address || h.address === '::');
  }
  const takenBy: BindHolder[] = [];
  const seen = new Set<string>();
  for (const h of takers) {
    const key = `${h.socket.pid ?? '?'} ${h.address}`;
    if (seen.has(key)) continue;
    seen.add(key);
    takenBy.push({ pid: h.socket.pid, name: h.socket.process?.name ?? null, boundAddress: h.address });
  }
  let text: string;
  if (takenBy.length > 0) {
    const who = takenBy.map((t) => {
      const owner = t.pid === null ? 'a process Portwatch cannot see' : `${t.name ?? '?'} (pid ${t.pid})`;
      return t.boundAddress === address ? owner : `${owner} on ${formatHost(t.boundAddress)}`;
    });
    text = `taken by ${[...new Set(who)].join(', ')}${note}`;
  } else {
    text = 'free';
    const covers = (h: Held) => h.family === family && (h.address === address || address === '0.0.0.0' || address === '::');
    const waiting = lingering.filter(covers);
    if (waiting.length > 0) {
      text += ` (${waiting.length} closing socket${waiting.length === 1 ? '' : 's'} — TIME_WAIT or CLOSE_WAIT — still hold${waiting.length === 1 ? 's' : ''} it: a server without SO_REUSEADDR cannot bind yet)`;
    }
  }
  return { protocol, family, address, verdict: takenBy.length > 0 ? 'taken' : 'free', takenBy, text };
}

