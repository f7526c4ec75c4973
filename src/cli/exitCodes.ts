import { DbqError } from '../../shared/protocol/errors.js';
import { UsageError } from './usage.js';

export const EXIT_OK = 0;
export const EXIT_FAILED = 1;
export const EXIT_USAGE = 2;
export const EXIT_DENIED = 3;

/** The one place errors become exit codes. */
export function exitCodeFor(error: unknown): number {
  if (error instanceof UsageError) return EXIT_USAGE;
  if (error instanceof DbqError && (error.code === 'DENIED' || error.code === 'AUTH')) return EXIT_DENIED;
  return EXIT_FAILED;
}
