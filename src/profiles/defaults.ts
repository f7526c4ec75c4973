import type { OutputFormat } from '../format/types.js';
import type { ProfileDefaults } from './schema.js';

export interface RunSettings {
  format: OutputFormat;
  pageRows: number | undefined;
  timeoutMs: number | undefined;
}

/**
 * The command line wins; a saved profile's defaults fill in what it left out (format, page size, timeout).
 */
export function withProfileDefaults(
  command: RunSettings & { formatGiven?: boolean },
  defaults: ProfileDefaults | undefined,
): RunSettings {
  return {
    format:
      command.formatGiven === true
        ? command.format
        : ((defaults?.format as OutputFormat | undefined) ?? command.format),
    pageRows: command.pageRows ?? defaults?.pageSize,
    timeoutMs:
      command.timeoutMs ??
      (defaults?.timeoutSec === undefined ? undefined : Math.round(defaults.timeoutSec * 1000)),
  };
}
