/** Our own SGR codes (never applied to unsanitized text) and number formats for the REPL screen. */

const useColor = !process.env.NO_COLOR;

export const dim = (text: string): string => `\x1b[2m${text}\x1b[22m`;
export const bold = (text: string): string => `\x1b[1m${text}\x1b[22m`;
export const inverse = (text: string): string => `\x1b[7m${text}\x1b[27m`;
export const red = (text: string): string => (useColor ? `\x1b[31m${text}\x1b[39m` : text);
export const green = (text: string): string => (useColor ? `\x1b[32m${text}\x1b[39m` : text);
export const yellow = (text: string): string => (useColor ? `\x1b[33m${text}\x1b[39m` : text);

const integer = new Intl.NumberFormat('en-US', { maximumFractionDigits: 0 });

export function formatCount(n: number): string {
  return integer.format(n);
}

export function formatBytes(bytes: number): string {
  if (bytes < 1000) return `${bytes} B`;
  const units = ['kB', 'MB', 'GB', 'TB'];
  let value = bytes / 1000;
  let unit = 0;
  while (value >= 1000 && unit < units.length - 1) {
    value /= 1000;
    unit++;
  }
  return `${value.toFixed(value < 10 ? 1 : 0)} ${units[unit]}`;
}

export function formatDuration(ms: number): string {
  if (ms < 1000) return `${Math.round(ms)} ms`;
  if (ms < 60_000) return `${(ms / 1000).toFixed(1)} s`;
  const minutes = Math.floor(ms / 60_000);
  const seconds = Math.floor((ms % 60_000) / 1000);
  return `${minutes}m ${String(seconds).padStart(2, '0')}s`;
}

export const SPINNER = ['⠋', '⠙', '⠹', '⠸', '⠼', '⠴', '⠦', '⠧', '⠇', '⠏'];
