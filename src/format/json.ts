import type { Cell, Column } from '../../shared/protocol/values.js';
import { writeText } from './sink.js';
import type { OutputSink, ResultSummary, ResultWriter } from './types.js';

/**
 * Object keys for columns: duplicate names (`SELECT a, a`) get `_2`, `_3`… suffixes, skipping any
 * suffixed name that is itself a real column, so no key is ever written twice.
 */
export function uniqueKeys(names: readonly string[]): string[] {
  const taken = new Set(names);
  const seen = new Set<string>();
  return names.map((name) => {
    if (!seen.has(name)) {
      seen.add(name);
      return name;
    }
    let suffix = 2;
    while (taken.has(`${name}_${suffix}`)) suffix++;
    const key = `${name}_${suffix}`;
    taken.add(key);
    return key;
  });
}

const LINE_BREAK = /[\r\n]/g;

/**
 * The JSON text of one cell. A `json` column's text is inserted verbatim, never parsed (a parse would
 * round big numbers); for NDJSON its line breaks are turned into spaces, which is safe because a raw
 * line break can only be insignificant whitespace in valid JSON.
 */
function cellJson(cell: Cell, isJson: boolean, singleLine: boolean): string {
  if (cell === null) return 'null';
  switch (typeof cell) {
    case 'boolean':
      return cell ? 'true' : 'false';
    case 'number':
      return String(cell);
    case 'string':
      if (!isJson) return JSON.stringify(cell);
      return singleLine ? cell.replace(LINE_BREAK, ' ') : cell;
    default:
      return `{"base64":${JSON.stringify(cell.base64)}}`;
  }
}

/** JSON objects keyed by column name: a streamed array (`json`) or one object per line (`ndjson`). */
export class JsonWriter implements ResultWriter {
  private readonly out: OutputSink;
  private readonly lines: boolean;
  private keyPrefixes: string[] = [];
  private isJson: boolean[] = [];
  private began = false;
  private rowsWritten = 0;

  constructor(out: OutputSink, mode: 'json' | 'ndjson') {
    this.out = out;
    this.lines = mode === 'ndjson';
  }

  begin(columns: Column[]): Promise<void> {
    this.began = true;
    this.keyPrefixes = uniqueKeys(columns.map((column) => column.name)).map(
      (key, index) => (index === 0 ? '{' : ',') + JSON.stringify(key) + ':',
    );
    this.isJson = columns.map((column) => column.kind === 'json');
    return this.lines ? Promise.resolve() : writeText(this.out, '[');
  }

  writeRows(rows: Cell[][]): Promise<void> {
    const width = this.keyPrefixes.length;
    if (rows.length === 0 || width === 0) return Promise.resolve();
    const parts: string[] = [];
    for (const row of rows) {
      let object = '';
      for (let index = 0; index < width; index++) {
        object += this.keyPrefixes[index] ?? '';
        object += cellJson(row[index] ?? null, this.isJson[index] === true, this.lines);
      }
      object += '}';
      if (this.lines) parts.push(object, '\n');
      else parts.push(this.rowsWritten === 0 ? '\n' : ',\n', object);
      this.rowsWritten++;
    }
    return writeText(this.out, parts.join(''));
  }

  end(_summary: ResultSummary): Promise<void> {
    if (this.lines) return Promise.resolve();
    const opening = this.began ? '' : '[';
    return writeText(this.out, opening + (this.rowsWritten === 0 ? ']\n' : '\n]\n'));
  }
}
