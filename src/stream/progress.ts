/** How an export is going; reported a few times a second and once at the end. */
export interface ExportProgress {
  /** Rows written so far. */
  rows: number;
  /** Bytes of output written so far (the file's size, as far as it is known). */
  bytes: number;
  /** Compressed bytes received from the function. */
  receivedBytes: number;
  /** Parts (invocations) started so far. */
  parts: number;
  elapsedMs: number;
  rowsPerSecond: number;
  /** The same as `rowsPerSecond` (the name the REPL's export progress uses). */
  rate: number;
  bytesPerSecond: number;
  /** True for the last report, when the export is complete. */
  done: boolean;
}

export type ProgressListener = (progress: ExportProgress) => void;

/** Calls the listener at most every `intervalMs`, and always for the final report. */
export class ProgressMeter {
  private readonly started = performance.now();
  private lastReport = 0;
  rows = 0;
  receivedBytes = 0;
  parts = 0;

  constructor(
    private readonly listener: ProgressListener | undefined,
    private readonly outputBytes: () => number,
    private readonly intervalMs = 100,
  ) {}

  snapshot(done: boolean): ExportProgress {
    const elapsedMs = performance.now() - this.started;
    const seconds = Math.max(elapsedMs / 1000, 0.001);
    const bytes = this.outputBytes();
    return {
      rows: this.rows,
      bytes,
      receivedBytes: this.receivedBytes,
      parts: this.parts,
      elapsedMs,
      rowsPerSecond: this.rows / seconds,
      rate: this.rows / seconds,
      bytesPerSecond: bytes / seconds,
      done,
    };
  }

  tick(): void {
    if (this.listener === undefined) return;
    const now = performance.now();
    if (now - this.lastReport < this.intervalMs) return;
    this.lastReport = now;
    this.listener(this.snapshot(false));
  }

  finish(): ExportProgress {
    const final = this.snapshot(true);
    this.listener?.(final);
    return final;
  }
}

function compact(n: number): string {
  if (n >= 1e9) return `${(n / 1e9).toFixed(1)} G`;
  if (n >= 1e6) return `${(n / 1e6).toFixed(1)} M`;
  if (n >= 1e3) return `${(n / 1e3).toFixed(1)} k`;
  return `${Math.round(n)} `;
}

/** One line for a terminal: `1,234,567 rows  98.1 MB  612.3 k rows/s  41.2 MB/s  3.2 s`. */
export function formatProgress(progress: ExportProgress): string {
  return (
    `${progress.rows.toLocaleString('en-US')} rows  ${compact(progress.bytes)}B  ` +
    `${compact(progress.rowsPerSecond)}rows/s  ${compact(progress.bytesPerSecond)}B/s  ` +
    `${(progress.elapsedMs / 1000).toFixed(1)} s` +
    (progress.parts > 1 ? `  (${progress.parts} parts)` : '')
  );
}
