import type { OutputSink } from './types.js';

/**
 * Writes text to a sink and, when the sink's buffer is full (`write()` returned false), waits for
 * 'drain' before resolving, so a writer never queues more than one chunk beyond the high-water mark.
 * Rejects if the sink errors or closes while we wait, instead of waiting forever.
 */
export function writeText(out: OutputSink, text: string): Promise<void> {
  if (text.length === 0) return Promise.resolve();
  if ((out as { destroyed?: unknown }).destroyed === true) {
    return Promise.reject(new Error('output closed before all results were written'));
  }
  if (out.write(text)) return Promise.resolve();
  return new Promise<void>((resolve, reject) => {
    const cleanup = (): void => {
      out.removeListener('drain', onDrain);
      out.removeListener('error', onError);
      out.removeListener('close', onClose);
    };
    const onDrain = (): void => {
      cleanup();
      resolve();
    };
    const onError = (error: unknown): void => {
      cleanup();
      reject(error instanceof Error ? error : new Error(String(error)));
    };
    const onClose = (): void => {
      cleanup();
      reject(new Error('output closed before all results were written'));
    };
    out.once('drain', onDrain);
    out.once('error', onError);
    out.once('close', onClose);
  });
}
