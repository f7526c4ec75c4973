import { CsvWriter } from './csv.js';
import { JsonWriter } from './json.js';
import { TableWriter } from './table.js';
import type { FormatOptions, OutputFormat, OutputSink, ResultWriter } from './types.js';

export type { FormatOptions, OutputFormat, OutputSink, ResultSummary, ResultWriter } from './types.js';
export { OUTPUT_FORMATS } from './types.js';
export { sanitizeForTerminal, sanitizeLine } from './sanitize.js';

/** A writer for ONE statement's result; create a new one for each statement. */
export function createResultWriter(
  format: OutputFormat,
  out: OutputSink,
  options: FormatOptions = {},
): ResultWriter {
  switch (format) {
    case 'table':
      return new TableWriter(out, options);
    case 'csv':
      return new CsvWriter(out, options);
    case 'json':
    case 'ndjson':
      return new JsonWriter(out, format);
  }
}
