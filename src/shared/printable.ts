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

/** JSON.stringify, with the characters JSON leaves raw (C1, DEL, bidi) escaped too: same value, safe bytes. */
export function jsonText(value: unknown): string {
  return JSON.stringify(value).replace(UNSAFE, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
}
