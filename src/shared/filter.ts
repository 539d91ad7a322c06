// The filter box's small language (the UI's, and the CLI's --filter). Terms are separated by spaces and all must match (AND):
//   free text           address, port, service, process name, state (BOUND or UNCONN), user or
//                       command line contains it, or the peer's host name, owner or country
//   port:3000           local or remote port (port:8000-8080 for a range)
//   pid:1234            owning process id
//   proc:node           process name contains it
//   state:listen        socket state starts with it (listen also takes bound UDP sockets)
//   proto:tcp6          tcp, udp, tcp4, tcp6, udp4, udp6 (or 4 / 6 for a family)
//   service:ssh         the local or remote port's IANA service name contains it
//   host:google         the peer's host name (reverse DNS) contains it
//   country:us          the peer's country (ISO code)
//   scope:public        the peer's address range (loopback, private, link-local, shared, multicast,
//                       unspecified, documentation, public); a socket with no peer, its own address's
// A leading "-" negates a term. "quoted text" keeps spaces. Everything is case-insensitive. A term
// whose value does not parse (port:abc, colour:red) is searched for as free text, so nothing typed
// is silently ignored; a key with no value yet (port:) is ignored while the user is still typing.
import type { AddressRange } from './address.js';
import { addressRange } from './address.js';
import type { Socket } from './model.js';
import { formatEndpoint, stateLabel } from './model.js';
import type { AddressNames } from './names.js';
import { hasRemote, peerNames } from './names.js';
import { serviceName } from './services.js';

export type FilterTerm =
  | { kind: 'text'; text: string; negate: boolean }
  | { kind: 'port'; from: number; to: number; negate: boolean }
  | { kind: 'pid'; pid: number; negate: boolean }
  | { kind: 'proc'; text: string; negate: boolean }
  | { kind: 'state'; text: string; negate: boolean }
  | { kind: 'proto'; protocol: 'tcp' | 'udp' | null; family: 4 | 6 | null; negate: boolean }
  | { kind: 'service'; text: string; negate: boolean }
  | { kind: 'host'; text: string; negate: boolean }
  | { kind: 'country'; code: string; negate: boolean }
  | { kind: 'scope'; range: AddressRange; negate: boolean };

/** The looked-up names of an address (the names store's get), for host: and country:. */
export type NameLookup = (key: string) => AddressNames | undefined;

const RANGES: readonly AddressRange[] = ['loopback', 'private', 'link-local', 'shared', 'multicast', 'unspecified', 'documentation', 'public'];

export interface Filter {
  source: string;
  terms: FilterTerm[];
}

const KEYS = new Set(['port', 'pid', 'proc', 'state', 'proto', 'service', 'host', 'country', 'scope']);

/** Splits on spaces, keeping "quoted runs" together (the quotes are dropped). */
export function tokenize(text: string): string[] {
  const out: string[] = [];
  const re = /(-?)"([^"]*)"?|(\S+)/g;
  for (let m = re.exec(text); m !== null; m = re.exec(text)) {
    if (m[3] !== undefined) out.push(m[3]);
    else if (m[2] !== undefined && m[2] !== '') out.push(`${m[1] ?? ''}"${m[2]}"`);
  }
  return out;
}

function parsePortRange(value: string): { from: number; to: number } | null {
  const m = /^(\d{1,5})(?:-(\d{1,5}))?$/.exec(value);
  if (!m) return null;
  const from = Number(m[1]);
  const to = m[2] === undefined ? from : Number(m[2]);
  if (from > 65535 || to > 65535 || to < from) return null;
  return { from, to };
}

function parseProto(value: string): { protocol: 'tcp' | 'udp' | null; family: 4 | 6 | null } | null {
  const m = /^(tcp|udp)?([46])?$/.exec(value);
  if (!m || (m[1] === undefined && m[2] === undefined)) return null;
  return {
    protocol: (m[1] as 'tcp' | 'udp' | undefined) ?? null,
    family: m[2] === undefined ? null : (Number(m[2]) as 4 | 6),
  };
}

function normState(text: string): string {
  return text.toLowerCase().replace(/[_\s-]/g, '');
}

function parseTerm(token: string): FilterTerm | null {
  let negate = false;
  let body = token;
  if (body.length > 1 && (body[0] === '-' || body[0] === '!')) {
    negate = true;
    body = body.slice(1);
  }
  if (body.length >= 2 && body.startsWith('"') && body.endsWith('"')) {
    return { kind: 'text', text: body.slice(1, -1).toLowerCase(), negate };
  }
  const colon = body.indexOf(':');
  if (colon > 0) {
    const key = body.slice(0, colon).toLowerCase();
    const value = body.slice(colon + 1).toLowerCase();
    if (KEYS.has(key)) {
      if (value === '') return null;
      if (key === 'port') {
        const range = parsePortRange(value);
        if (range) return { kind: 'port', ...range, negate };
      } else if (key === 'pid') {
        if (/^\d{1,10}$/.test(value)) return { kind: 'pid', pid: Number(value), negate };
      } else if (key === 'proc') {
        return { kind: 'proc', text: value, negate };
      } else if (key === 'state') {
        const text = normState(value);
        if (/^[a-z0-9]+$/.test(text)) return { kind: 'state', text, negate };
      } else if (key === 'proto') {
        const proto = parseProto(value);
        if (proto) return { kind: 'proto', ...proto, negate };
      } else if (key === 'service' || key === 'host') {
        return { kind: key, text: value, negate };
      } else if (key === 'country') {
        if (/^[a-z]{2}$/.test(value)) return { kind: 'country', code: value.toUpperCase(), negate };
      } else if (key === 'scope') {
        // A prefix is enough (scope:priv, scope:link); the first range it starts is taken.
        const range = RANGES.find((r) => r.startsWith(value));
        if (range) return { kind: 'scope', range, negate };
      }
    }
  }
  return { kind: 'text', text: body.toLowerCase(), negate };
}

export function parseFilter(text: string): Filter {
  const terms: FilterTerm[] = [];
  for (const token of tokenize(text)) {
    const term = parseTerm(token);
    if (term) terms.push(term);
  }
  return { source: text, terms };
}

export function isEmptyFilter(filter: Filter): boolean {
  return filter.terms.length === 0;
}

// Sockets are immutable records (a change arrives as a new object), so their search text can be
// cached by identity: typing in the filter box does not rebuild 10,000 strings per keystroke.
const haystacks = new WeakMap<Socket, string>();

/** Everything free text searches, lower-cased, separated so a term cannot match across fields. */
export function searchText(s: Socket): string {
  let text = haystacks.get(s);
  if (text === undefined) {
    const p = s.process;
    text = [
      formatEndpoint(s.localAddress, s.localPort),
      formatEndpoint(s.remoteAddress, s.remotePort),
      s.state,
      stateLabel(s),
      `${s.protocol}${s.family}`,
      serviceName(s.localPort, s.protocol) ?? '',
      hasRemote(s) ? (serviceName(s.remotePort, s.protocol) ?? '') : '',
      s.pid ?? '',
      p?.name ?? '',
      p?.user ?? '',
      p?.cmdline ?? '',
    ]
      .join('\u0000')
      .toLowerCase();
    haystacks.set(s, text);
  }
  return text;
}

const lookedUp = peerNames;

// The looked-up names free text also searches (host, owner, country), kept per names object: the
// store replaces an address's object when its names change.
const nameHaystacks = new WeakMap<AddressNames, string>();
function namesText(n: AddressNames): string {
  let text = nameHaystacks.get(n);
  if (text === undefined) {
    text = [n.host ?? '', n.org ?? '', n.asn === null ? '' : `as${n.asn}`, n.country ?? ''].join('\u0000').toLowerCase();
    nameHaystacks.set(n, text);
  }
  return text;
}

function matchTerm(term: FilterTerm, s: Socket, names: NameLookup | undefined): boolean {
  switch (term.kind) {
    case 'text': {
      if (searchText(s).includes(term.text)) return true;
      const n = lookedUp(s, names);
      return n !== undefined && namesText(n).includes(term.text);
    }
    case 'port':
      return (
        (s.localPort >= term.from && s.localPort <= term.to) ||
        (s.remotePort !== null && s.remotePort >= term.from && s.remotePort <= term.to)
      );
    case 'pid':
      return s.pid === term.pid;
    case 'proc':
      return (s.process?.name ?? '').toLowerCase().includes(term.text);
    case 'state':
      return normState(s.state).startsWith(term.text) || normState(stateLabel(s)).startsWith(term.text) || (s.listening && (term.text.startsWith('listen') || 'listen'.startsWith(term.text)));
    case 'proto':
      return (term.protocol === null || s.protocol === term.protocol) && (term.family === null || s.family === term.family);
    case 'service':
      return [serviceName(s.localPort, s.protocol), hasRemote(s) ? serviceName(s.remotePort, s.protocol) : null].some((n) => n !== null && n.toLowerCase().includes(term.text));
    case 'host':
      return lookedUp(s, names)?.host?.includes(term.text) ?? false;
    case 'country':
      return lookedUp(s, names)?.country === term.code;
    case 'scope':
      return addressRange(hasRemote(s) ? s.remoteAddress! : s.localAddress) === term.range;
  }
}

/** Whether the filter reads looked-up names (so a names update can change what it matches); free text searches them too. */
export function usesNames(filter: Filter): boolean {
  return filter.terms.some((t) => t.kind === 'host' || t.kind === 'country' || t.kind === 'text');
}

function sameTerm(a: FilterTerm, b: FilterTerm): boolean {
  return JSON.stringify(a) === JSON.stringify(b);
}

/**
 * Whether everything `next` lets through, `prev` let through too: the same terms, the last one made
 * longer (a text term contains the shorter text), and more terms after it. Typing forward narrows, so
 * the rows need only be filtered from what the last keystroke left.
 */
export function narrows(prev: Filter, next: Filter): boolean {
  const a = prev.terms;
  const b = next.terms;
  if (a.length === 0) return true;
  if (b.length < a.length) return false;
  for (let i = 0; i < a.length - 1; i++) if (!sameTerm(a[i]!, b[i]!)) return false;
  const last = a[a.length - 1]!;
  const now = b[a.length - 1]!;
  if (sameTerm(last, now)) return true;
  const textKinds = ['text', 'proc', 'service', 'host'];
  return textKinds.includes(last.kind) && now.kind === last.kind && 'text' in last && 'text' in now && !last.negate && !now.negate && now.text.includes(last.text);
}

export function matchSocket(filter: Filter, s: Socket, names?: NameLookup): boolean {
  for (const term of filter.terms) {
    if (matchTerm(term, s, names) === term.negate) return false;
  }
  return true;
}

/** A one-line reading of the filter for the status line ("port 3000 · process node"). */
export function describeFilter(filter: Filter): string {
  return filter.terms
    .map((t) => {
      const not = t.negate ? 'not ' : '';
      switch (t.kind) {
        case 'text':
          return `${not}“${t.text}”`;
        case 'port':
          return `${not}port ${t.from === t.to ? t.from : `${t.from}–${t.to}`}`;
        case 'pid':
          return `${not}pid ${t.pid}`;
        case 'proc':
          return `${not}process “${t.text}”`;
        case 'state':
          return `${not}state ${t.text}`;
        case 'proto':
          return `${not}${t.protocol ?? 'any protocol'}${t.family === null ? '' : ` IPv${t.family}`}`;
        case 'service':
          return `${not}service “${t.text}”`;
        case 'host':
          return `${not}host “${t.text}”`;
        case 'country':
          return `${not}country ${t.code}`;
        case 'scope':
          return `${not}${t.range} peer`;
      }
    })
    .join(' · ');
}
