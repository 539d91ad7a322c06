import { unmapped } from '../../shared/address.js';
import type { Socket } from '../../shared/model.js';

export interface PortHolders {
  port: number;
  /** Sockets bound to the port on this machine: listeners first, then accepted connections. */
  holders: Socket[];
  /** This machine's own client sockets connected to the port (the other end of an accepted one). */
  clients: Socket[];
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
  return { port, holders, clients };
}
