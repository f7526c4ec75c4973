import { AsyncLocalStorage } from 'node:async_hooks';

/** Log lines written while one invocation runs, for `X-Amz-Log-Type: Tail`. */
const current = new AsyncLocalStorage<string[]>();

export function runCapturingLogs<T>(fn: () => Promise<T>): { lines: string[]; result: Promise<T> } {
  const lines: string[] = [];
  return { lines, result: current.run(lines, fn) };
}

/** Adds a line to the log of the invocation in progress, if any. */
export function captureLogLine(line: string): void {
  current.getStore()?.push(line);
}
