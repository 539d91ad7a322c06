// A small DNS server on loopback for reverse-DNS tests: answers PTR questions from a table the test
// sets, says NXDOMAIN for the rest, and can stay silent (a dead or slow server). It counts every
// question, so a test can see what was cached. No test ever asks the machine's own resolver.
import { createSocket, type RemoteInfo, type Socket } from 'node:dgram';
import * as packet from 'dns-packet';

export type Answer = { ptr: string } | 'nxdomain' | 'silent';

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

export async function startDnsResponder(answers: Record<string, Answer> = {}): Promise<DnsResponder> {
  const socket: Socket = createSocket('udp4');
  const asked: string[] = [];
  const waiters = new Set<() => void>();
  const table = new Map<string, Answer>(Object.entries(answers).map(([address, answer]) => [reverseName(address), answer]));
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
    const answer = table.get(name) ?? 'nxdomain';
    if (answer === 'silent') return;
    const reply = packet.encode({
      id: query.id,
      type: 'response',
      flags: packet.RECURSION_DESIRED | packet.RECURSION_AVAILABLE | (answer === 'nxdomain' ? 3 : 0), // rcode 3: NXDOMAIN
      questions: [question],
      answers: answer === 'nxdomain' ? [] : [{ type: 'PTR', class: 'IN', name: question.name, ttl: 60, data: answer.ptr }],
    });
    socket.send(reply, from.port, from.address);
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
