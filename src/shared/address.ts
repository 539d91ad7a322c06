// Address text helpers shared by the engine (decoding) and the views (scopes, display).

/**
 * Formats 16 bytes of an IPv6 address as RFC 5952 text: lower case, no leading zeros, the longest
 * run of two or more zero groups (the first on a tie) as "::", and IPv4-mapped as ::ffff:a.b.c.d.
 */
export function formatIPv6(bytes: ArrayLike<number>): string {
  const groups: number[] = [];
  for (let i = 0; i < 16; i += 2) groups.push(((bytes[i] ?? 0) << 8) | (bytes[i + 1] ?? 0));
  if (groups[0] === 0 && groups[1] === 0 && groups[2] === 0 && groups[3] === 0 && groups[4] === 0 && groups[5] === 0xffff) {
    return `::ffff:${bytes[12]}.${bytes[13]}.${bytes[14]}.${bytes[15]}`;
  }
  let bestStart = -1;
  let bestLen = 1;
  for (let i = 0; i < 8; ) {
    if (groups[i] !== 0) {
      i++;
      continue;
    }
    let j = i;
    while (j < 8 && groups[j] === 0) j++;
    if (j - i > bestLen) {
      bestStart = i;
      bestLen = j - i;
    }
    i = j;
  }
  const hex = (g: number) => g.toString(16);
  if (bestStart < 0) return groups.map(hex).join(':');
  const head = groups.slice(0, bestStart).map(hex).join(':');
  const tail = groups.slice(bestStart + bestLen).map(hex).join(':');
  return `${head}::${tail}`;
}

/** Parses IPv6 text (any valid form, optional %zone) into 16 bytes, or null when it is not IPv6. */
export function parseIPv6(text: string): Uint8Array | null {
  const zone = text.indexOf('%');
  let s = zone >= 0 ? text.slice(0, zone) : text;
  const bytes = new Uint8Array(16);
  let tailV4: number[] | null = null;
  const lastColon = s.lastIndexOf(':');
  if (lastColon >= 0 && s.includes('.', lastColon)) {
    const v4 = parseIPv4(s.slice(lastColon + 1));
    if (v4 === null) return null;
    tailV4 = v4;
    s = `${s.slice(0, lastColon + 1)}0:0`;
  }
  const halves = s.split('::');
  if (halves.length > 2) return null;
  const parse = (part: string): number[] | null => {
    if (part === '') return [];
    const out: number[] = [];
    for (const g of part.split(':')) {
      if (!/^[0-9a-fA-F]{1,4}$/.test(g)) return null;
      out.push(parseInt(g, 16));
    }
    return out;
  };
  const head = parse(halves[0] ?? '');
  const tail = halves.length === 2 ? parse(halves[1] ?? '') : [];
  if (head === null || tail === null) return null;
  const fill = 8 - head.length - tail.length;
  if (halves.length === 2 ? fill < 1 : fill !== 0) return null;
  const groups = [...head, ...new Array<number>(halves.length === 2 ? fill : 0).fill(0), ...tail];
  groups.forEach((g, i) => {
    bytes[i * 2] = g >> 8;
    bytes[i * 2 + 1] = g & 0xff;
  });
  if (tailV4 !== null) bytes.set(tailV4, 12);
  return bytes;
}

export function parseIPv4(text: string): number[] | null {
  const parts = text.split('.');
  if (parts.length !== 4) return null;
  const out: number[] = [];
  for (const p of parts) {
    if (!/^\d{1,3}$/.test(p)) return null;
    const n = Number(p);
    if (n > 255) return null;
    out.push(n);
  }
  return out;
}

/** Canonical text for any IPv4 or IPv6 address text; unknown text is returned unchanged. */
export function normaliseAddress(text: string): string {
  if (parseIPv4(text) !== null) return text;
  const zone = text.indexOf('%');
  const bytes = parseIPv6(text);
  if (bytes === null) return text;
  return formatIPv6(bytes) + (zone >= 0 ? text.slice(zone).toLowerCase() : '');
}

/**
 * What kind of address this is, by the IANA special-purpose registries (RFC 6890 and its updates):
 * the rule for both the bind exposure below and a remote peer's scope. IPv4-mapped IPv6 counts as
 * the IPv4 address it stands for. Text that is no address at all is 'public' (the cautious answer).
 */
export type AddressRange = 'loopback' | 'private' | 'link-local' | 'shared' | 'multicast' | 'unspecified' | 'documentation' | 'public';

export function addressRange(address: string): AddressRange {
  const v4 = parseIPv4(unmapped(address));
  if (v4 !== null) {
    const [a = 0, b = 0, c = 0] = v4;
    if (a === 0) return 'unspecified'; // 0.0.0.0/8: "this network"; only 0.0.0.0 is ever seen
    if (a === 127) return 'loopback';
    if (a === 10 || (a === 172 && b >= 16 && b <= 31) || (a === 192 && b === 168)) return 'private';
    if (a === 169 && b === 254) return 'link-local';
    if (a === 100 && b >= 64 && b <= 127) return 'shared'; // RFC 6598 carrier-grade NAT
    if (a >= 224 && a <= 239) return 'multicast';
    // TEST-NET-1/2/3 (RFC 5737) and the benchmarking range 198.18.0.0/15 (RFC 2544).
    if ((a === 192 && b === 0 && c === 2) || (a === 198 && b === 51 && c === 100) || (a === 203 && b === 0 && c === 113)) return 'documentation';
    if (a === 198 && (b === 18 || b === 19)) return 'documentation';
    return 'public';
  }
  const v6 = parseIPv6(address);
  if (v6 === null) return 'public';
  const b0 = v6[0] ?? 0;
  const b1 = v6[1] ?? 0;
  if (v6.every((x) => x === 0)) return 'unspecified';
  if (v6.every((x, i) => (i === 15 ? x === 1 : x === 0))) return 'loopback';
  if (b0 === 0xfe && (b1 & 0xc0) === 0x80) return 'link-local';
  if ((b0 & 0xfe) === 0xfc) return 'private'; // unique local fc00::/7
  if (b0 === 0xff) return 'multicast';
  // 2001:db8::/32 (RFC 3849) and 3fff::/20 (RFC 9637).
  if (b0 === 0x20 && b1 === 0x01 && v6[2] === 0x0d && v6[3] === 0xb8) return 'documentation';
  if (b0 === 0x3f && b1 === 0xff && ((v6[2] ?? 0) & 0xf0) === 0) return 'documentation';
  return 'public';
}

export type AddressScope = 'loopback' | 'all' | 'link-local' | 'private' | 'public';

/** How exposed a bound address is: loopback only, every interface, or one named address. */
export function addressScope(address: string): AddressScope {
  switch (addressRange(address)) {
    case 'unspecified':
      return 'all';
    case 'loopback':
      return 'loopback';
    case 'link-local':
      return 'link-local';
    case 'private':
      return 'private';
    default:
      // Shared (CGNAT), multicast and documentation addresses reach beyond this machine's own networks.
      return 'public';
  }
}

/** An IPv4-mapped IPv6 address (::ffff:a.b.c.d) as the IPv4 address it stands for. */
export function unmapped(address: string): string {
  return address.startsWith('::ffff:') && parseIPv4(address.slice(7)) !== null ? address.slice(7) : address;
}

/** The address as the engine keys it: one text per address, IPv4-mapped IPv6 as IPv4. */
export function normaliseHost(address: string): string {
  return unmapped(normaliseAddress(address));
}
