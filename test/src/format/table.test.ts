import stringWidth from 'string-width';
import { describe, expect, it } from 'vitest';
import type { Cell, Column, ColumnKind } from '../../../shared/protocol/values.js';
import { TableWriter } from '../../../src/format/table.js';
import type { FormatOptions, ResultSummary } from '../../../src/format/types.js';
import { CollectingSink } from './sinks.js';

const graphemes = new Intl.Segmenter('en', { granularity: 'grapheme' });

const column = (name: string, kind: ColumnKind = 'text', type: string = kind): Column => ({
  name,
  type,
  kind,
});

const summary = (rowCount: number, extra: Partial<ResultSummary> = {}): ResultSummary => ({
  command: 'SELECT',
  rowCount,
  affectedRows: null,
  truncated: false,
  elapsedMs: 1,
  ...extra,
});

async function render(
  columns: Column[],
  batches: Cell[][][],
  options: FormatOptions = {},
  extra: Partial<ResultSummary> = {},
): Promise<string> {
  const sink = new CollectingSink();
  const writer = new TableWriter(sink, options);
  await writer.begin(columns);
  let rows = 0;
  for (const batch of batches) {
    await writer.writeRows(batch);
    rows += batch.length;
  }
  await writer.end(summary(rows, extra));
  return sink.text();
}

/** The table's own lines: everything before the `(N rows)` footer. */
function tableLines(output: string): string[] {
  const lines = output.split('\n');
  const footer = lines.findIndex((line) => /^\(\d+ rows?\)$/.test(line));
  return lines.slice(0, footer);
}

describe('TableWriter', () => {
  it('prints a psql-style table with a row-count footer', async () => {
    const output = await render(
      [column('id', 'int'), column('name')],
      [
        [
          [1, 'alice'],
          [20, 'bob'],
        ],
      ],
    );
    expect(output).toBe(' id | name  \n----+-------\n  1 | alice \n 20 | bob   \n(2 rows)\n\n');
  });

  it('right-aligns numeric kinds and left-aligns everything else', async () => {
    const output = await render(
      [column('n', 'decimal', 'numeric'), column('b', 'bigint', 'int8'), column('f', 'float'), column('t')],
      [
        [
          ['1.5', '9007199254740993', 0.25, 'x'],
          ['100.25', '1', 'NaN', 'longer'],
        ],
      ],
    );
    expect(tableLines(output)).toEqual([
      '   n    |        b         |  f   |   t    ',
      '--------+------------------+------+--------',
      '    1.5 | 9007199254740993 | 0.25 | x      ',
      ' 100.25 |                1 |  NaN | longer ',
    ]);
  });

  it('says (1 row) for one row and (0 rows) with a header for none', async () => {
    expect(await render([column('a')], [[['x']]])).toMatch(/\n\(1 row\)\n\n$/);
    expect(await render([column('a'), column('bb')], [])).toBe(' a | bb \n---+----\n(0 rows)\n\n');
  });

  it('shows NULL as <null>, distinct from the text NULL', async () => {
    const output = await render([column('a')], [[[null], ['NULL']]]);
    expect(tableLines(output)).toEqual(['   a    ', '--------', ' <null> ', ' NULL   ']);
  });

  it('uses nullText for NULL and dims it only when color is on', async () => {
    const plain = await render([column('a')], [[[null], ['x']]], { nullText: '∅' });
    expect(tableLines(plain)).toEqual([' a ', '---', ' ∅ ', ' x ']);
    expect(plain).not.toContain('\x1b');

    const colored = await render([column('a'), column('b')], [[[null, 'x']]], { color: true });
    expect(tableLines(colored)[2]).toBe(' \x1b[2m<null>\x1b[22m | x ');
  });

  it('shows booleans as t/f and bytes as \\x hex', async () => {
    const output = await render(
      [column('ok', 'bool'), column('data', 'bytes')],
      [
        [
          [true, { base64: 'AQL/' }],
          [false, null],
        ],
      ],
    );
    expect(tableLines(output).slice(2)).toEqual([' t  | \\x0102ff ', ' f  | <null>   ']);
  });

  it('never lets a hostile cell reach the terminal raw', async () => {
    const hostile = [
      '\x1b[2J\x1b[H',
      '\x1b]52;c;ZXZpbA==\x07',
      '\x1b]0;pwned\x07',
      'over\rwrite',
      'back\b\b\bspace',
      'bell\x07',
      '\u009b31m',
      'evil\u202Etxt.exe',
      'iso\u2066late\u2069',
      'del\x7f',
    ];
    const output = await render(
      [column('\x1b[31mname\x07'), column('v')],
      [hostile.map((text) => [text, text])],
    );
    // eslint-disable-next-line no-control-regex -- the characters that must never reach a terminal raw
    expect(output).not.toMatch(/[\x00-\x09\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]/);
    expect(output).toContain('\\e]52;c;ZXZpbA==\\a');
    expect(output).toContain('over\\rwrite');
    expect(output).toContain('\\x9b31m');
    expect(output).toContain('evil\\u202etxt.exe');
    expect(output).toContain('\\e[31mname\\a');
  });

  it('aligns CJK, emoji and zero-width text by display width', async () => {
    const output = await render(
      [column('名前'), column('v'), column('n', 'int')],
      [
        [
          ['漢字テキスト', '🧑‍💻', 1],
          ['a\u200bb', '👨‍👩‍👧 family', 22],
          ['한국어', '🇯🇵✔️', 333],
          ['ｆｕｌｌ', 'café', 4],
        ],
      ],
    );
    const lines = tableLines(output);
    expect(lines).toHaveLength(6);
    const widths = new Set(lines.map((line) => stringWidth(line)));
    expect(widths.size).toBe(1);
    // Every column separator sits at the same display offset on every line.
    const offsets = lines.map((line) => {
      const positions: number[] = [];
      let width = 0;
      for (const { segment } of graphemes.segment(line)) {
        if (segment === '|' || segment === '+') positions.push(width);
        width += stringWidth(segment);
      }
      return positions.join(',');
    });
    expect(new Set(offsets).size).toBe(1);
  });

  it('spreads multi-line cells over several lines with psql continuation marks', async () => {
    const output = await render([column('a'), column('b')], [[['one\ntwo', 'x']]]);
    expect(tableLines(output)).toEqual(['  a  | b ', '-----+---', ' one+| x ', ' two |   ']);
  });

  it('renders each batch as its own block under one header, widths only growing', async () => {
    const output = await render([column('a')], [[['x']], [['longer text']], [['y']]]);
    expect(output).toBe(' a \n---\n x \n' + ' longer text \n' + ' y           \n' + '(3 rows)\n\n');
  });

  it('prints the command tag and affected rows for statements without columns', async () => {
    expect(await render([], [], {}, { command: 'INSERT', affectedRows: 3 })).toBe('INSERT 3\n');
    expect(await render([], [], {}, { command: 'UPDATE', affectedRows: 1 })).toBe('UPDATE 1\n');
    expect(await render([], [], {}, { command: 'CREATE TABLE' })).toBe('CREATE TABLE\n');
    expect(await render([], [], {}, { command: null })).toBe('OK\n');
  });

  it('says when rows were left unread', async () => {
    const output = await render([column('a')], [[['x']]], {}, { truncated: true });
    expect(output).toMatch(/\(1 row\)\n\(result truncated: more rows were left unread\)\n/);
  });
});
