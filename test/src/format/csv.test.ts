import { describe, expect, it } from 'vitest';
import type { Cell, Column, ColumnKind } from '../../../shared/protocol/values.js';
import { CsvWriter } from '../../../src/format/csv.js';
import type { FormatOptions } from '../../../src/format/types.js';
import { CollectingSink } from './sinks.js';

const column = (name: string, kind: ColumnKind = 'text'): Column => ({ name, type: kind, kind });

async function csv(columns: Column[], batches: Cell[][][], options: FormatOptions = {}): Promise<string> {
  const sink = new CollectingSink();
  const writer = new CsvWriter(sink, options);
  await writer.begin(columns);
  for (const batch of batches) await writer.writeRows(batch);
  await writer.end({ command: 'SELECT', rowCount: 0, affectedRows: null, truncated: false, elapsedMs: 0 });
  return sink.text();
}

describe('CsvWriter', () => {
  it('writes a header row and LF-terminated records, like COPY … CSV HEADER', async () => {
    expect(
      await csv(
        [column('id', 'int'), column('name')],
        [
          [
            [1, 'alice'],
            [2, 'bob'],
          ],
        ],
      ),
    ).toBe('id,name\n1,alice\n2,bob\n');
  });

  it('writes NULL as an empty unquoted field and the empty string as ""', async () => {
    expect(
      await csv(
        [column('a'), column('b'), column('c')],
        [
          [
            ['x', null, ''],
            [null, '', 'y'],
          ],
        ],
      ),
    ).toBe('a,b,c\nx,,""\n,"",y\n');
  });

  it('keeps the text NULL as it is', async () => {
    expect(await csv([column('a'), column('b')], [[['NULL', null]]])).toBe('a,b\nNULL,\n');
  });

  // Regression: naming record_delimiter turns off csv-stringify's quoting of a bare \r.
  it('quotes fields containing a comma, a quote, a newline or a carriage return', async () => {
    expect(await csv([column('v')], [[['a,b'], ['say "hi"'], ['two\nlines'], ['cr\rhere'], ['plain']]])).toBe(
      'v\n"a,b"\n"say ""hi"""\n"two\nlines"\n"cr\rhere"\nplain\n',
    );
  });

  it('quotes header names that need it', async () => {
    expect(await csv([column('a,b'), column(''), column('"q"')], [])).toBe('"a,b","","""q"""\n');
  });

  it('writes booleans as t/f, bytes as \\x hex and exact numerics as sent', async () => {
    expect(
      await csv(
        [
          column('b', 'bool'),
          column('bytes', 'bytes'),
          column('n', 'decimal'),
          column('i', 'bigint'),
          column('f', 'float'),
        ],
        [
          [[true, { base64: 'AQL/' }, '12345678901234567890.000000001', '-9223372036854775808', 'NaN']],
          [[false, null, null, null, 1.5]],
        ],
      ),
    ).toBe('b,bytes,n,i,f\nt,\\x0102ff,12345678901234567890.000000001,-9223372036854775808,NaN\nf,,,,1.5\n');
  });

  it('writes control characters exactly, without terminal sanitizing', async () => {
    expect(await csv([column('v')], [[['\x1b[2J\x07\u202E']]])).toBe('v\n\x1b[2J\x07\u202E\n');
  });

  it('leaves formulas alone unless asked', async () => {
    expect(await csv([column('v')], [[['=1+1'], ['@SUM(A1)']]])).toBe('v\n=1+1\n@SUM(A1)\n');
  });

  it('escapes formulas in text cells and headers with escapeFormulas', async () => {
    const output = await csv(
      [column('=cmd'), column('v')],
      [
        [
          ['=HYPERLINK("x")', '+1'],
          ['-2+3', '@SUM(A1)'],
          ['\tx', 'safe'],
        ],
      ],
      { escapeFormulas: true },
    );
    expect(output).toBe(`'=cmd,v\n"'=HYPERLINK(""x"")",'+1\n'-2+3,'@SUM(A1)\n'\tx,safe\n`);
  });

  it('does not escape negative numbers in numeric columns with escapeFormulas', async () => {
    const output = await csv(
      [column('i', 'int'), column('b', 'bigint'), column('d', 'decimal'), column('f', 'float'), column('t')],
      [[[-1, '-9007199254740993', '-0.5', '-Infinity', '-1']]],
      { escapeFormulas: true },
    );
    expect(output).toBe("i,b,d,f,t\n-1,-9007199254740993,-0.5,-Infinity,'-1\n");
  });

  it('writes the header once across batches', async () => {
    expect(await csv([column('a')], [[['1']], [], [['2']]])).toBe('a\n1\n2\n');
  });

  it('writes only the header when there are no rows', async () => {
    expect(await csv([column('a'), column('b')], [])).toBe('a,b\n');
  });

  it('writes nothing for a statement without columns', async () => {
    expect(await csv([], [])).toBe('');
  });

  it('keeps duplicate column names in the header', async () => {
    expect(await csv([column('a'), column('a')], [[['1', '2']]])).toBe('a,a\n1,2\n');
  });
});
