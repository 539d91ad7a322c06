// A small DNS server on loopback for reverse-DNS tests: answers PTR questions from a table the test
// sets, and A/AAAA questions from a second one (the forward lookup that confirms a PTR name), says
// NXDOMAIN for the rest, and can stay silent (a dead or slow server) or answer late. It counts every
// question, so a test can see what was cached. No test ever asks the machine's own resolver.
import { createSocket, type RemoteInfo, type Socket } from 'node:dgram';
import { isIP } from 'node:net';
import * as packet from 'dns-packet';

export type Answer = { ptr: string } | 'nxdomain' | 'silent';
/** A host name's addresses (A for IPv4, AAAA for IPv6, each question gets its family), or silence. */
export type ForwardAnswer = string[] | 'silent';

export interface ResponderOptions {
  /** Host name → its addresses: what confirms (or not) a PTR name. Others get NXDOMAIN. */
  forward?: Record<string, ForwardAnswer>;
  /** Every answer is sent this late (a distant resolver), in ms. */
  delayMs?: number;
}

export interface DnsResponder {
  /** "127.0.0.1:PORT", for Resolver.setServers, --dns-server and PORTWATCH_DNS_SERVER. */
  server: string;
  /** What each reverse name (e.g. "4.3.2.1.in-addr.arpa") gets; others get NXDOMAIN. */
  answers: Map<string, Answer>;
  /** Questions received, by name, in order. */
  asked: string[];
  /** Resolves when `name` has been asked at least `times` times. */
  waitAsked(name: string, times?: number): Promise<void>;
  close(): Promise<void>;
}

/** The in-addr.arpa / ip6.arpa name a PTR question about this address carries. */
export function reverseName(address: string): string {
  if (address.includes('.')) return `${address.split('.').reverse().join('.')}.in-addr.arpa`;
  const halves = address.split('::');
  const groups = (s: string) => (s === '' ? [] : s.split(':'));
  const head = groups(halves[0] ?? '');
  const tail = groups(halves[1] ?? '');
  const all = [...head, ...new Array<string>(8 - head.length - tail.length).fill('0'), ...tail];
  return `${all.map((g) => g.padStart(4, '0')).join('').split('').reverse().join('.')}.ip6.arpa`;
}

export async function startDnsResponder(answers: Record<string, Answer> = {}, options: ResponderOptions = {}): Promise<DnsResponder> {
  const socket: Socket = createSocket('udp4');
  const asked: string[] = [];
  const waiters = new Set<() => void>();
  const table = new Map<string, Answer>(Object.entries(answers).map(([address, answer]) => [reverseName(address), answer]));
  const forward = new Map<string, ForwardAnswer>(Object.entries(options.forward ?? {}).map(([name, answer]) => [name.toLowerCase(), answer]));
  socket.on('message', (message: Buffer, from: RemoteInfo) => {
    let query: packet.Packet;
    try {
      query = packet.decode(message);
    } catch {
      return;
    }
    const question = query.questions?.[0];
    if (!question) return;
    const name = question.name.toLowerCase();
    asked.push(name);
    for (const wake of [...waiters]) wake();
    let records: packet.Answer[] | null; // null: NXDOMAIN
    if (question.type === 'A' || question.type === 'AAAA') {
      const addresses = forward.get(name);
      if (addresses === 'silent') return;
      const family = question.type === 'A' ? 4 : 6;
      records = addresses === undefined ? null : addresses.filter((a) => isIP(a) === family).map((data) => ({ type: question.type, class: 'IN', name: question.name, ttl: 60, data }) as packet.Answer);
    } else {
      const answer = table.get(name) ?? 'nxdomain';
      if (answer === 'silent') return;
      records = answer === 'nxdomain' ? null : [{ type: 'PTR', class: 'IN', name: question.name, ttl: 60, data: answer.ptr }];
    }
    const reply = packet.encode({
      id: query.id,
      type: 'response',
      flags: packet.RECURSION_DESIRED | packet.RECURSION_AVAILABLE | (records === null ? 3 : 0), // rcode 3: NXDOMAIN
      questions: [question],
      answers: records ?? [],
    });
    const send = () => {
      try {
        socket.send(reply, from.port, from.address, () => {});
      } catch {
        // Closed meanwhile: the late answer is never sent, as from a server that went away.
      }
    };
    if (options.delayMs) setTimeout(send, options.delayMs).unref();
    else send();
  });
  await new Promise<void>((resolve) => socket.bind(0, '127.0.0.1', resolve));
  const { port } = socket.address();
  return {
    server: `127.0.0.1:${port}`,
    answers: table,
    asked,
    waitAsked(name, times = 1) {
      return new Promise<void>((resolve) => {
        const check = () => {
          if (asked.filter((n) => n === name).length >= times) {
            waiters.delete(check);
            resolve();
          }
        };
        waiters.add(check);
        check();
      });
    },
    close: () => new Promise<void>((resolve) => socket.close(() => resolve())),
  };
}
