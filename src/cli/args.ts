import { parseArgs } from 'node:util';
import type { OutputFormat } from '../format/types.js';
import { UsageError } from './usage.js';

export type StatementSource = { kind: 'command'; sql: string } | { kind: 'file'; path: string };

export interface RunCommand {
  kind: 'run';
  profile: string | undefined;
  sources: StatementSource[];
  format: OutputFormat;
  /** False when --format was not given, so a profile's default format applies. */
  formatGiven: boolean;
  output: string | undefined;
  timeoutMs: number | undefined;
  pageRows: number | undefined;
  escapeFormulas: boolean;
  endpoint: string | undefined;
  functionName: string | undefined;
  region: string | undefined;
  target: string | undefined;
}

export type CliCommand = RunCommand | { kind: 'help' } | { kind: 'version' };

const FORMATS: readonly OutputFormat[] = ['table', 'csv', 'json', 'ndjson'];

export function positiveNumber(value: string | undefined, flag: string): number | undefined {
  if (value === undefined) return undefined;
  const n = Number(value);
  if (!Number.isFinite(n) || n <= 0) throw new UsageError(`${flag} needs a positive number, got "${value}"`);
  return n;
}

export function oneOf<T extends string>(
  value: string | undefined,
  allowed: readonly T[],
  flag: string,
): T | undefined {
  if (value === undefined) return undefined;
  if (!(allowed as readonly string[]).includes(value)) {
    throw new UsageError(`${flag} must be one of ${allowed.join(', ')}; got "${value}"`);
  }
  return value as T;
}

export function usageErrors<T>(fn: () => T): T {
  try {
    return fn();
  } catch (error) {
    throw new UsageError((error as Error).message);
  }
}

/** Parses a dbq command line; bad input throws a UsageError. */
export function parseCommandLine(argv: string[]): CliCommand {
  const { values, positionals, tokens } = usageErrors(() =>
    parseArgs({
      args: argv,
      allowPositionals: true,
      tokens: true,
      options: {
        profile: { type: 'string', short: 'p' },
        command: { type: 'string', short: 'c', multiple: true },
        file: { type: 'string', short: 'f', multiple: true },
        format: { type: 'string' },
        output: { type: 'string', short: 'o' },
        timeout: { type: 'string' },
        'page-size': { type: 'string' },
        'csv-escape-formulas': { type: 'boolean' },
        endpoint: { type: 'string' },
        function: { type: 'string' },
        region: { type: 'string' },
        target: { type: 'string' },
        help: { type: 'boolean', short: 'h' },
        version: { type: 'boolean' },
      },
    }),
  );
  if (values.help) return { kind: 'help' };
  if (values.version) return { kind: 'version' };
  if (positionals.length > 0) {
    throw new UsageError(`unknown command or argument "${positionals[0]}" (SQL goes after -c)`);
  }
  // -c and -f keep their order on the command line, as psql does.
  const sources: StatementSource[] = [];
  for (const token of tokens) {
    if (token.kind !== 'option' || token.value === undefined) continue;
    if (token.name === 'command') sources.push({ kind: 'command', sql: token.value });
    if (token.name === 'file') sources.push({ kind: 'file', path: token.value });
  }
  const endpoint = values.endpoint;
  const profile = values.profile;
  if (endpoint && profile) throw new UsageError('use either --endpoint or -p, not both');
  if (values.function && !endpoint) {
    throw new UsageError('--function goes with --endpoint (saved profiles name their function)');
  }
  const pageRows = positiveNumber(values['page-size'], '--page-size');
  if (pageRows !== undefined && (!Number.isInteger(pageRows) || pageRows > 100_000)) {
    throw new UsageError('--page-size must be a whole number from 1 to 100000');
  }
  const timeout = positiveNumber(values.timeout, '--timeout');
  return {
    kind: 'run',
    profile,
    sources,
    format: oneOf(values.format, FORMATS, '--format') ?? 'table',
    formatGiven: values.format !== undefined,
    output: values.output,
    timeoutMs: timeout === undefined ? undefined : Math.round(timeout * 1000),
    pageRows,
    escapeFormulas: values['csv-escape-formulas'] === true,
    endpoint,
    functionName: values.function,
    region: values.region,
    target: values.target,
  };
}
