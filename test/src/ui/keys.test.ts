import { describe, expect, it } from 'vitest';
import { KeyDecoder, key } from '../../../src/ui/keys.js';

const decode = (...inputs: string[]) => {
  const decoder = new KeyDecoder();
  return inputs.flatMap((input) => decoder.push(input));
};

describe('terminal input decoding', () => {
  it('tells Backspace (DEL) from Delete (ESC[3~)', () => {
    expect(decode('\x7f')).toEqual([key('backspace')]);
    expect(decode('\x1b[3~')).toEqual([key('delete')]);
  });

  it('splits a burst of typed text from the Enter that follows it', () => {
    expect(decode('SELECT 1;\r')).toEqual([{ kind: 'text', text: 'SELECT 1;' }, key('return')]);
  });

  it('keeps a bracketed paste whole, line breaks included, even across reads', () => {
    expect(decode('\x1b[200~', 'SELECT 1;\r\nSELECT', ' 2;', '\x1b[201~')).toEqual([
      { kind: 'paste', text: 'SELECT 1;\nSELECT 2;' },
    ]);
    expect(decode('\x1b[200~a\rb\x1b[201~x')).toEqual([
      { kind: 'paste', text: 'a\nb' },
      { kind: 'text', text: 'x' },
    ]);
  });

  it('drops escape sequences inside a paste', () => {
    expect(decode('\x1b[200~', 'a', '\x1b[31m', 'b', '\x1b[201~')).toEqual([{ kind: 'paste', text: 'ab' }]);
  });

  it('reads arrows, paging keys, modifiers, Alt and control letters', () => {
    expect(decode('\x1b[A', '\x1bOB', '\x1b[5~', '\x1b[6~', '\x1b[H', '\x1b[F')).toEqual([
      key('up'),
      key('down'),
      key('pageup'),
      key('pagedown'),
      key('home'),
      key('end'),
    ]);
    expect(decode('\x1b[1;5C')).toEqual([key('right', { ctrl: true })]);
    expect(decode('\x1b\r')).toEqual([key('return', { meta: true })]);
    expect(decode('\x1bb')).toEqual([key('b', { meta: true })]);
    expect(decode('\x03', '\x04', '\x12')).toEqual([
      key('c', { ctrl: true }),
      key('d', { ctrl: true }),
      key('r', { ctrl: true }),
    ]);
    expect(decode('\x1b')).toEqual([key('escape')]);
  });

  it('never passes C1 control characters through as text', () => {
    expect(decode('a\u009bb')).toEqual([{ kind: 'text', text: 'ab' }]);
  });
});
