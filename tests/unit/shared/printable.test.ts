// The one escaping rule: what it shows for each unsafe character, and that JSON keeps its value.
import { describe, expect, it } from 'vitest';
import { jsonText, printable, utf8Text } from '../../../src/shared/printable.js';

describe('printable', () => {
  it('shows C0, C1, DEL, line separators and bidi overrides as escapes, on one line', () => {
    expect(printable('a\x1b[8mb\nc\td\x7f\x9b\u2028\u202e\u2066e')).toBe('a\\u{1b}[8mb\\u{a}c\\u{9}d\\u{7f}\\u{9b}\\u{2028}\\u{202e}\\u{2066}e');
    expect(printable('plain ünïcode 端口')).toBe('plain ünïcode 端口');
  });
});

describe('jsonText', () => {
  it('escapes what JSON.stringify leaves raw, and parses back to the same value', () => {
    const value = { name: '\x9b2J\u202eevil\x1b', n: 1 };
    const text = jsonText(value);
    // eslint-disable-next-line no-control-regex -- the point of the check
    expect(text).not.toMatch(/[\u0000-\u001f\u007f-\u009f\u202e]/);
    expect(JSON.parse(text)).toEqual(value);
  });

  it('escapes each unsafe character alone, wherever it stands in a long text', () => {
    const unsafe = [0x7f, 0x80, 0x85, 0x9f, 0x200e, 0x200f, 0x2028, 0x2029, 0x202a, 0x202e, 0x2066, 0x2069];
    const long = 'x'.repeat(10_000);
    for (const code of unsafe) {
      const value = [long, `a${String.fromCharCode(code)}b`, long];
      const text = jsonText(value);
      expect(text, `U+${code.toString(16)}`).not.toContain(String.fromCharCode(code));
      expect(JSON.parse(text)).toEqual(value);
    }
    // Characters next to them stay as they are.
    expect(jsonText(['\u200d\u2030\u00a0'])).toBe('["\u200d\u2030\u00a0"]');
  });
});

describe('utf8Text', () => {
  const bytes = (...b: number[]) => Uint8Array.from(b);

  it('decodes valid UTF-8 as it is, and each byte of an ill-formed sequence as \\xNN', () => {
    expect(utf8Text(new TextEncoder().encode('нода 日本 🦀'))).toBe('нода 日本 🦀');
    expect(utf8Text(bytes(0x61, 0xff, 0x62))).toBe('a\\xffb');
    expect(utf8Text(bytes(0x61, 0xfe, 0x62))).not.toBe(utf8Text(bytes(0x61, 0xff, 0x62)));
    // Overlong "/", an encoded surrogate, past U+10FFFF, a lone continuation, a character cut short.
    expect(utf8Text(bytes(0xc0, 0xaf))).toBe('\\xc0\\xaf');
    expect(utf8Text(bytes(0xed, 0xa0, 0x80))).toBe('\\xed\\xa0\\x80');
    expect(utf8Text(bytes(0xf4, 0x90, 0x80, 0x80))).toBe('\\xf4\\x90\\x80\\x80');
    expect(utf8Text(bytes(0x80, 0x41))).toBe('\\x80A');
    expect(utf8Text(bytes(0xe6, 0x97, 0xa5, 0xe6, 0x97))).toBe('日\\xe6\\x97');
    expect(utf8Text(bytes())).toBe('');
  });
});
