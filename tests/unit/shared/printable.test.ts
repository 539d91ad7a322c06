// The one escaping rule: what it shows for each unsafe character, and that JSON keeps its value.
import { describe, expect, it } from 'vitest';
import { jsonText, printable } from '../../../src/shared/printable.js';

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
});
