import { getHeapStatistics, setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';

/** How much data passes between two looks at the heap. */
const CHECK_EVERY_BYTES = 16 * 1024 * 1024;
/** A heap this big during an export is mostly dead objects: an export holds one batch at a time. */
const COLLECT_ABOVE_BYTES = 48 * 1024 * 1024;

let collect: (() => void) | null | undefined;

function collector(): (() => void) | null {
  if (collect === undefined) {
    try {
      setFlagsFromString('--expose-gc');
      collect = runInNewContext('gc') as () => void;
    } catch {
      collect = null;
    }
  }
  return collect;
}

/**
 * Keeps an export's peak memory independent of its length. An export allocates fast and keeps almost
 * nothing, but when the process is busy all the time V8 lets dead objects pile up in the old generation
 * for a long while before collecting them, so the peak grew with the row count (measured: 160 MiB for
 * 1M rows, 250 MiB for 5M). A full collection of a heap that is nearly all garbage takes a few
 * milliseconds; it runs only when the heap has grown past COLLECT_ABOVE_BYTES.
 */
export class HeapBound {
  private sinceCheck = 0;

  /** Counts `bytes` of processed data, collecting when due. */
  note(bytes: number): void {
    this.sinceCheck += bytes;
    if (this.sinceCheck < CHECK_EVERY_BYTES) return;
    this.sinceCheck = 0;
    if (getHeapStatistics().used_heap_size > COLLECT_ABOVE_BYTES) collector()?.();
  }
}
