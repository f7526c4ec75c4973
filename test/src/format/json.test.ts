import { describe, expect, it } from 'vitest';
import type { Cell, Column, ColumnKind } from '../../../shared/protocol/values.js';
import { JsonWriter, uniqueKeys } from '../../../src/format/json.js';
import { CollectingSink } from './sinks.js';

const column = (name: string, kind: ColumnKind = 'text'): Column => ({ name, type: kind, kind });
const done = { command: 'SELECT', rowCount: 0, affectedRows: null, truncated: false, elapsedMs: 0 };

async function json(mode: 'json' | 'ndjson', columns: Column[] | null, batches: Cell[][][]): Promise<string> {
  const sink = new CollectingSink();
  const writer = new JsonWriter(sink, mode);
  if (columns !== null) await writer.begin(columns);
  for (const batch of batches) await writer.writeRows(batch);
  await writer.end(done);
  return sink.text();
}

describe('JsonWriter (json)', () => {
  it('streams an array: [ on begin, rows as they come, ] on end', async () => {
    const sink = new CollectingSink();
    const writer = new JsonWriter(sink, 'json');
    await writer.begin([column('a', 'int')]);
    expect(sink.text()).toBe('[');
    await writer.writeRows([[1]]);
    expect(sink.text()).toBe('[\n{"a":1}');
    await writer.writeRows([[2], [3]]);
    await writer.end(done);
    expect(sink.text()).toBe('[\n{"a":1},\n{"a":2},\n{"a":3}\n]\n');
  });

  it('encodes each kind losslessly', async () => {
    const output = await json(
      'json',
      [
        column('b', 'bool'),
        column('i', 'int'),
        column('big', 'bigint'),
        column('d', 'decimal'),
        column('f', 'float'),
        column('t'),
        column('bytes', 'bytes'),
        column('ts', 'timestamptz'),
      ],
      [
        [
          [
            true,
            42,
            '9223372036854775807',
            '0.1000000000000000000001',
            'NaN',
            'say "hi"\n',
            { base64: 'AQL/' },
            '2024-01-02T03:04:05.123456+00:00',
          ],
        ],
      ],
    );
    expect(output).toBe(
      '[\n{"b":true,"i":42,"big":"9223372036854775807","d":"0.1000000000000000000001","f":"NaN","t":"say \\"hi\\"\\n","bytes":{"base64":"AQL/"},"ts":"2024-01-02T03:04:05.123456+00:00"}\n]\n',
    );
    expect(JSON.parse(output)).toHaveLength(1);
  });

  it('keeps SQL NULL, the text NULL and a JSON null document apart', async () => {
    const output = await json(
      'json',
      [column('sql'), column('text'), column('doc', 'json')],
      [[[null, 'NULL', 'null']]],
    );
    expect(output).toBe('[\n{"sql":null,"text":"NULL","doc":null}\n]\n');
    expect(await json('json', [column('doc', 'json')], [[[null]]])).toBe('[\n{"doc":null}\n]\n');
  });

  it('inserts JSON documents verbatim, keeping big numbers and formatting exact', async () => {
    const doc =
      '{"id": 123456789012345678901234567890, "x": 1.000000000000000000001, "nested": {"a": [1, 2.50]}}';
    const output = await json('json', [column('doc', 'json'), column('text')], [[[doc, doc]]]);
    expect(output).toContain(`"doc":${doc},`);
    expect(output).toContain(`"text":${JSON.stringify(doc)}`);
    expect(() => {
      JSON.parse(output);
    }).not.toThrow();
  });

  it('writes [] for no rows and for a statement without columns', async () => {
    expect(await json('json', [column('a')], [])).toBe('[]\n');
    expect(await json('json', [], [])).toBe('[]\n');
    expect(await json('json', null, [])).toBe('[]\n');
  });

  it('suffixes duplicate column names', async () => {
    expect(await json('json', [column('a'), column('a'), column('a')], [[['1', '2', '3']]])).toBe(
      '[\n{"a":"1","a_2":"2","a_3":"3"}\n]\n',
    );
  });
});

describe('JsonWriter (ndjson)', () => {
  it('writes one object per line', async () => {
    expect(await json('ndjson', [column('a', 'int'), column('b')], [[[1, 'x']], [[2, null]]])).toBe(
      '{"a":1,"b":"x"}\n{"a":2,"b":null}\n',
    );
  });

  it('keeps a pretty-printed JSON document on one line', async () => {
    const doc = '{\r\n  "n": 12345678901234567890,\n  "s": "a\\nb"\n}';
    const output = await json('ndjson', [column('doc', 'json')], [[[doc]]]);
    expect(output).toBe('{"doc":{    "n": 12345678901234567890,   "s": "a\\nb" }}\n');
    expect(output.split('\n')).toHaveLength(2);
  });

  it('writes nothing for a statement without columns or rows', async () => {
    expect(await json('ndjson', [], [])).toBe('');
    expect(await json('ndjson', [column('a')], [])).toBe('');
  });
});

describe('uniqueKeys', () => {
  it('skips suffixes that are real column names', () => {
    expect(uniqueKeys(['a', 'a', 'a_2', 'b', 'a'])).toEqual(['a', 'a_3', 'a_2', 'b', 'a_4']);
  });

  it('leaves distinct names alone, including __proto__', () => {
    expect(uniqueKeys(['__proto__', 'constructor', ''])).toEqual(['__proto__', 'constructor', '']);
  });
});
