import stringWidth from 'string-width';
import { describe, expect, it } from 'vitest';
import { bufferOf } from '../../../src/repl/editorBuffer.js';
import { layoutEditor } from '../../../src/ui/editorLayout.js';
import { recordLines } from '../../../src/ui/recordLayout.js';
import { fitToWidth, truncateToWidth, wrapToWidth } from '../../../src/ui/textWidth.js';

// eslint-disable-next-line no-control-regex -- our own SGR codes
const plain = (line: string): string => line.replace(/\x1b\[[0-9;]*m/g, '');

describe('text measured in terminal columns', () => {
  it('never splits a wide character when cutting or wrapping', () => {
    expect(truncateToWidth('漢字テスト', 5)).toBe('漢字…');
    expect(stringWidth(fitToWidth('漢字テスト', 6))).toBe(6);
    expect(fitToWidth('42', 5, true)).toBe('   42');
    expect(wrapToWidth('漢字テスト', 4)).toEqual(['漢字', 'テス', 'ト']);
    expect(wrapToWidth('abcdef\n\nxy', 4)).toEqual(['abcd', 'ef', '', 'xy']);
  });
});

describe('the input editor layout', () => {
  it('puts the prompt before each line, wraps long lines and draws the cursor', () => {
    const layout = layoutEditor(
      bufferOf('SELECT 1\nFROM t;', 3),
      20,
      (i) => (i === 0 ? 'db=> ' : 'db-> '),
      10,
    );
    expect(layout.lines.map(plain)).toEqual(['db=> SELECT 1', 'db-> FROM t;']);
    expect(layout.lines[0]).toContain('\x1b[7mE\x1b[27m');
    const wrapped = layoutEditor(bufferOf('x'.repeat(30)), 20, () => 'db=> ', 10);
    expect(wrapped.lines.map(plain)).toEqual([`db=> ${'x'.repeat(15)}`, `     ${'x'.repeat(15)}`, '      ']);
  });

  it('shows only the lines around the cursor when the input is taller than the room', () => {
    const text = Array.from({ length: 50 }, (_, i) => `line ${i}`).join('\n');
    const layout = layoutEditor(bufferOf(text, text.indexOf('line 25')), 40, () => '> ', 5);
    expect(layout.lines.map(plain)).toEqual([
      '> line 23',
      '> line 24',
      '> line 25',
      '> line 26',
      '> line 27',
    ]);
    expect(layout.hiddenAbove).toBe(23);
    expect(layout.hiddenBelow).toBe(22);
  });

  it('shows tabs as spaces and control characters as escapes', () => {
    expect(plain(layoutEditor(bufferOf('a\tb\x1b', 0), 40, () => '', 3).lines[0] ?? '')).toBe('a    b\\e');
  });
});

describe('the record view', () => {
  it('shows full values: JSON indented, line breaks kept, NULL dim', () => {
    const lines = recordLines(
      [
        { name: 'doc', type: 'jsonb', kind: 'json' },
        { name: 'note', type: 'text', kind: 'text' },
        { name: 'gone', type: 'text', kind: 'text' },
      ],
      ['{"n":12345678901234567890}', 'one\ntwo\x07', null],
      40,
    ).map(plain);
    expect(lines).toEqual([
      'doc jsonb',
      '  {',
      '    "n": 12345678901234567890',
      '  }',
      '',
      'note text',
      '  one',
      '  two\\a',
      '',
      'gone text',
      '  <null>',
    ]);
  });
});
