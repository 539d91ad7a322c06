// Text chosen by someone else (a process names itself with prctl, a file holds any bytes) made safe
// to show: the one place that decides which characters could rewrite a terminal or a line. Every
// string from the OS or from a file passes through printable() before it reaches a terminal; JSON
// output goes through jsonText(), the same characters as JSON's own \u escapes.

/**
 * C0 and C1 controls (ESC starts terminal sequences, U+009B is CSI by itself), DEL, line and paragraph
 * separators, and the bidi marks and overrides that make a line read backwards.
 */
// eslint-disable-next-line no-control-regex -- matching control characters is the point
const UNSAFE = /[\u0000-\u001f\u007f-\u009f\u200e\u200f\u2028\u2029\u202a-\u202e\u2066-\u2069]/g;

/** One line, every unsafe character shown as an escape: "\e[8m" → "\u{1b}[8m". */
export function printable(text: string): string {
  return text.replace(UNSAFE, (c) => `\\u{${c.charCodeAt(0).toString(16)}}`);
}

/** What JSON.stringify leaves raw of UNSAFE (it escapes C0 itself). */
const UNSAFE_IN_JSON = /[\u007f-\u009f\u200e\u200f\u2028\u2029\u202a-\u202e\u2066-\u2069]/;

/** JSON.stringify, with the characters JSON leaves raw (C1, DEL, bidi) escaped too: same value, safe bytes. */
export function jsonText(value: unknown): string {
  const text = JSON.stringify(value);
  // One scan that stops at the first match: almost always none (a 5 MB snapshot is scanned once, not rewritten).
  if (!UNSAFE_IN_JSON.test(text)) return text;
  return text.replace(UNSAFE, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
}

// fatal: a name that is not valid UTF-8 takes the byte-by-byte path below instead of gaining U+FFFD.
const strictUtf8 = new TextDecoder('utf-8', { fatal: true });

/**
 * Bytes from the OS (a process's name, an executable's path) as text: UTF-8, with each byte that is
 * not part of a valid UTF-8 sequence shown as "\xNN". U+FFFD would make "a\xffb" and "a\xfeb" the
 * same name; these stay apart, and visible.
 */
export function utf8Text(bytes: Uint8Array): string {
  try {
    return strictUtf8.decode(bytes);
  } catch {
    // Not valid UTF-8: decode the valid runs, escape the rest.
  }
  let out = '';
  let start = 0;
  let i = 0;
  while (i < bytes.length) {
    const length = utf8SequenceLength(bytes, i);
    if (length > 0) {
      i += length;
      continue;
    }
    out += strictUtf8.decode(bytes.subarray(start, i)) + `\\x${bytes[i]!.toString(16).padStart(2, '0')}`;
    start = ++i;
  }
  return out + strictUtf8.decode(bytes.subarray(start));
}

/** The length of the well-formed UTF-8 sequence at i (Unicode table 3-7), or 0 when there is none. */
function utf8SequenceLength(bytes: Uint8Array, i: number): number {
  const b = bytes[i]!;
  if (b < 0x80) return 1;
  let length: number;
  let low = 0x80;
  let high = 0xbf;
  if (b >= 0xc2 && b <= 0xdf) length = 2;
  else if (b >= 0xe0 && b <= 0xef) {
    length = 3;
    if (b === 0xe0) low = 0xa0; // no overlong forms
    if (b === 0xed) high = 0x9f; // no surrogates
  } else if (b >= 0xf0 && b <= 0xf4) {
    length = 4;
    if (b === 0xf0) low = 0x90;
    if (b === 0xf4) high = 0x8f; // nothing past U+10FFFF
  } else return 0;
  if (i + length > bytes.length) return 0;
  const second = bytes[i + 1]!;
  if (second < low || second > high) return 0;
  for (let k = 2; k < length; k++) if ((bytes[i + k]! & 0xc0) !== 0x80) return 0;
  return length;
}
