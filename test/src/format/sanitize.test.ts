import { describe, expect, it } from 'vitest';
import { sanitizeForTerminal, sanitizeLine } from '../../../src/format/sanitize.js';

// eslint-disable-next-line no-control-regex -- the characters that must never reach a terminal raw
const UNSAFE = /[\x00-\x09\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]/;

describe('sanitizeForTerminal', () => {
  it('returns ordinary text unchanged, including newlines, CJK and emoji', () => {
    const text = 'plain text\nsecond line 漢字 🧑‍💻 café';
    expect(sanitizeForTerminal(text)).toBe(text);
  });

  it('renders the named control characters as their usual escapes', () => {
    expect(sanitizeForTerminal('\x1b[2J')).toBe('\\e[2J');
    expect(sanitizeForTerminal('a\rb\tc\bd\x07e\ff\vg\0h')).toBe('a\\rb\\tc\\bd\\ae\\ff\\vg\\0h');
  });

  it('renders other C0 controls, DEL and C1 controls as \\xNN', () => {
    expect(sanitizeForTerminal('\x01\x1f\x7f\x80\x9b\x9f')).toBe('\\x01\\x1f\\x7f\\x80\\x9b\\x9f');
  });

  it('renders bidi overrides and isolates as \\uNNNN', () => {
    expect(sanitizeForTerminal('abc\u202Efed')).toBe('abc\\u202efed');
    expect(sanitizeForTerminal('\u202A\u202B\u202C\u202D\u2066\u2067\u2068\u2069')).toBe(
      '\\u202a\\u202b\\u202c\\u202d\\u2066\\u2067\\u2068\\u2069',
    );
  });

  it('defuses an OSC 52 clipboard write and an OSC 0 title change', () => {
    expect(sanitizeForTerminal('\x1b]52;c;ZXZpbA==\x07')).toBe('\\e]52;c;ZXZpbA==\\a');
    expect(sanitizeForTerminal('\x1b]0;owned\x1b\\')).toBe('\\e]0;owned\\e\\');
  });

  it('leaves no unsafe character in any output', () => {
    let all = '';
    for (let code = 0; code < 0x2100; code++) all += String.fromCharCode(code);
    const sanitized = sanitizeForTerminal(all);
    expect(UNSAFE.test(sanitized)).toBe(false);
    expect(sanitized).toContain('\n');
  });
});

describe('sanitizeLine', () => {
  it('also renders newlines as \\n', () => {
    expect(sanitizeLine('a\nb\r\n\x1b')).toBe('a\\nb\\r\\n\\e');
  });

  it('returns ordinary text unchanged', () => {
    expect(sanitizeLine('SELECT 1')).toBe('SELECT 1');
  });
});
