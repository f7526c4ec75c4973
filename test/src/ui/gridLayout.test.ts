import stringWidth from 'string-width';
import { describe, expect, it } from 'vitest';
import type { Cell, Column, ColumnKind } from '../../../shared/protocol/values.js';
import {
  MAX_COLUMN_WIDTH,
  expandedRecordLines,
  gridShape,
  headerLine,
  measureRows,
  rowLine,
  transcriptTable,
  visibleColumns,
} from '../../../src/ui/gridLayout.js';

const column = (name: string, kind: ColumnKind = 'text'): Column => ({ name, type: kind, kind });
// eslint-disable-next-line no-control-regex -- our own SGR codes
const plain = (line: string): string => line.replace(/\x1b\[[0-9;]*m/g, '');

describe('the results grid', () => {
  const columns = [column('id', 'int'), column('name'), column('note')];
  const rows: Cell[][] = [
    [1, 'Ada', null],
    [22, 'NULL', 'x'],
  ];
  const shape = measureRows(gridShape(columns), rows);

  it('right-aligns numbers and draws NULL dim, unlike the text NULL', () => {
    const visible = visibleColumns(shape, 0, 80);
    const first = rowLine(shape, visible, rows[0], false);
    const second = rowLine(shape, visible, rows[1], false);
    expect(plain(first)).toBe('  1 │ Ada  │ <null> ');
    expect(first).toContain('\x1b[2m<null>\x1b[22m');
    expect(plain(second)).toBe(' 22 │ NULL │ x      ');
    expect(second).not.toContain('\x1b[2m');
  });

  it('caps column widths with an ellipsis and shows the cursor row inverted', () => {
    const wide = measureRows(gridShape([column('t')]), [['x'.repeat(100)]]);
    expect(wide.widths).toEqual([MAX_COLUMN_WIDTH]);
    const line = rowLine(wide, visibleColumns(wide, 0, 200), ['x'.repeat(100)], true);
    expect(line.startsWith('\x1b[7m')).toBe(true);
    expect(plain(line)).toBe(` ${'x'.repeat(MAX_COLUMN_WIDTH - 1)}… `);
  });

  it('scrolls sideways by column and cuts the last column to the terminal', () => {
    const many = measureRows(gridShape(['a', 'b', 'c', 'd'].map((n) => column(n))), [
      ['aaaa', 'bbbb', 'cccc', 'dddd'],
    ]);
    const from1 = visibleColumns(many, 1, 17);
    expect(from1.indexes).toEqual([1, 2, 3]);
    expect(from1.widths).toEqual([4, 4, 1]);
    expect(from1.moreRight).toBe(true);
    expect(plain(headerLine(many, from1))).toHaveLength(17);
    expect(visibleColumns(many, 1, 16).indexes).toEqual([1, 2]);
  });

  it('shows escape sequences, CR and wide characters safely and keeps the columns aligned', () => {
    const hostile = [['\x1b[31mred', '\x1b]52;c;aGk=\x07', 'a\rb', '漢字テスト']];
    const s = measureRows(gridShape(['a', 'b', 'c', 'd'].map((n) => column(n))), hostile);
    const line = rowLine(s, visibleColumns(s, 0, 120), hostile[0], false);
    expect(line).not.toContain('\x1b[31m');
    expect(line).not.toContain('\x1b]');
    expect(line).not.toContain('\r');
    expect(plain(line)).toBe(' \\e[31mred │ \\e]52;c;aGk=\\a │ a\\rb │ 漢字テスト ');
    expect(stringWidth(plain(headerLine(s, visibleColumns(s, 0, 120))))).toBe(stringWidth(plain(line)));
  });

  it('prints a small complete result like psql, and refuses one wider than the terminal', () => {
    const table = transcriptTable(columns, rows, 80)?.map(plain);
    expect(table).toEqual([
      ' id │ name │ note   ',
      '────┼──────┼────────',
      '  1 │ Ada  │ <null> ',
      ' 22 │ NULL │ x      ',
      '(2 rows)',
    ]);
    expect(transcriptTable([column('t')], [['y'.repeat(90)]], 80)).toBeNull();
  });

  it('lays out expanded records with a header per record', () => {
    const lines = expandedRecordLines(shape, rows[0], 0, 30, false).map(plain);
    expect(lines).toEqual(['-[ RECORD 1 ]-----------------', 'id   │ 1', 'name │ Ada', 'note │ <null>']);
  });
});
