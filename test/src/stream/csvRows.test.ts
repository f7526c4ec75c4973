import { describe, expect, it } from 'vitest';
import type { Cell, Column, ColumnKind } from '../../../shared/protocol/values.js';
import { CsvWriter } from '../../../src/format/csv.js';
import type { ResultWriter } from '../../../src/format/types.js';
import { CsvRowsWriter } from '../../../src/stream/csvRows.js';
import { CollectingSink } from '../format/sinks.js';

const SUMMARY = { command: 'SELECT', rowCount: 0, affectedRows: null, truncated: false, elapsedMs: 0 };

async function render(
  make: (out: NodeJS.WritableStream) => ResultWriter,
  columns: Column[],
  batches: Cell[][][],
): Promise<string> {
  const sink = new CollectingSink();
  const writer = make(sink);
  await writer.begin(columns);
  for (const rows of batches) await writer.writeRows(rows);
  await writer.end(SUMMARY);
  return sink.text();
}

/** A deterministic generator, so a failure names a reproducible case. */
function random(seed: number): () => number {
  let state = seed;
  return () => {
    state = (state * 1103515245 + 12345) % 2147483648;
    return state / 2147483648;
  };
}

const PIECES = [
  '',
  'a',
  ',',
  '"',
  '\n',
  '\r',
  '\r\n',
  ' ',
  '=',
  '+',
  '-',
  '@',
  '\t',
  '＝',
  'NULL',
  'é',
  '🍣',
  "'",
  '1',
];

function randomText(next: () => number): string {
  let text = '';
  const length = Math.floor(next() * 5);
  for (let i = 0; i < length; i++) text += PIECES[Math.floor(next() * PIECES.length)] ?? '';
  return text;
}

function randomCell(next: () => number, kind: ColumnKind): Cell {
  const roll = next();
  if (roll < 0.15) return null;
  if (kind === 'bool') return roll < 0.6;
  if (kind === 'int') return Math.floor((next() - 0.5) * 1000);
  if (kind === 'float') return next() < 0.2 ? 'NaN' : (next() - 0.5) * 10;
  if (kind === 'bytes') return { base64: Buffer.from(randomText(next)).toString('base64') };
  if (kind === 'decimal') return next() < 0.5 ? `-${Math.floor(next() * 100)}.5` : '12.50';
  return randomText(next);
}

const KINDS: ColumnKind[] = ['text', 'int', 'decimal', 'float', 'bool', 'bytes', 'json', 'date'];

describe('CsvRowsWriter', () => {
  for (const escapeFormulas of [false, true]) {
    it(`writes byte for byte what CsvWriter writes (escapeFormulas ${escapeFormulas})`, async () => {
      for (let seed = 1; seed <= 40; seed++) {
        const next = random(seed);
        const columns: Column[] = KINDS.map((kind, i) => ({
          name: i === 0 ? '=name' : i === 1 ? ' ' : `${kind},"${i}"`,
          type: kind,
          kind,
        }));
        const batches: Cell[][][] = [];
        for (let b = 0; b < 3; b++) {
          const rows: Cell[][] = [];
          for (let r = 0; r < 20; r++) rows.push(columns.map((column) => randomCell(next, column.kind)));
          batches.push(rows);
        }
        const expected = await render((out) => new CsvWriter(out, { escapeFormulas }), columns, batches);
        const actual = await render((out) => new CsvRowsWriter(out, { escapeFormulas }), columns, batches);
        expect(actual, `seed ${seed}`).toBe(expected);
      }
    });
  }

  it('writes the header alone for an empty result and nothing for a result without columns', async () => {
    const columns: Column[] = [{ name: 'a', type: 'int4', kind: 'int' }];
    expect(await render((out) => new CsvRowsWriter(out), columns, [])).toBe(
      await render((out) => new CsvWriter(out), columns, []),
    );
    expect(await render((out) => new CsvRowsWriter(out), [], [[[]]])).toBe('');
  });

  it('keeps NULL (empty field) apart from the empty string ("")', async () => {
    const columns: Column[] = [
      { name: 'a', type: 'text', kind: 'text' },
      { name: 'b', type: 'text', kind: 'text' },
    ];
    expect(await render((out) => new CsvRowsWriter(out), columns, [[[null, '']]])).toBe('a,b\n,""\n');
  });
});
