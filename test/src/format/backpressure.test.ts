import { Writable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import type { Cell, Column } from '../../../shared/protocol/values.js';
import { createResultWriter } from '../../../src/format/index.js';
import type { OutputFormat, OutputSink } from '../../../src/format/index.js';
import { CollectingSink } from './sinks.js';

const columns: Column[] = [
  { name: 'id', type: 'int4', kind: 'int' },
  { name: 'name', type: 'text', kind: 'text' },
  { name: 'doc', type: 'jsonb', kind: 'json' },
];

function batch(index: number): Cell[][] {
  return Array.from({ length: 20 }, (_, row) => {
    const id = index * 20 + row;
    return [id, `row ${id}, "quoted"\nnext`, `{"id": ${id}}`];
  });
}

async function writeAll(format: OutputFormat, sink: CollectingSink, batches: number): Promise<void> {
  const writer = createResultWriter(format, sink);
  await writer.begin(columns);
  expect(sink.writableNeedDrain).toBe(false);
  for (let index = 0; index < batches; index++) {
    await writer.writeRows(batch(index));
    // Each call resolves only once the sink has room again.
    expect(sink.writableNeedDrain).toBe(false);
  }
  await writer.end({
    command: 'SELECT',
    rowCount: batches * 20,
    affectedRows: null,
    truncated: false,
    elapsedMs: 0,
  });
  expect(sink.writableNeedDrain).toBe(false);
}

describe('result writers under backpressure', () => {
  for (const format of ['table', 'csv', 'json', 'ndjson'] as const) {
    it(`${format}: waits for drain and delivers everything in order to a slow sink`, async () => {
      const fast = new CollectingSink();
      await writeAll(format, fast, 30);
      const slow = new CollectingSink({ highWaterMark: 1, delayMs: 1 });
      await writeAll(format, slow, 30);
      await new Promise<void>((resolve) => slow.end(resolve));
      expect(slow.drains).toBeGreaterThan(0);
      expect(slow.text()).toBe(fast.text());
      expect(slow.text()).toContain('599');
    });
  }

  it('rejects instead of hanging when the sink closes while it waits', async () => {
    const stuck = new Writable({ highWaterMark: 1, write: () => undefined });
    const sink: OutputSink = stuck;
    const writer = createResultWriter('csv', sink);
    await writer.begin(columns);
    const pending = writer.writeRows(batch(0));
    stuck.destroy();
    await expect(pending).rejects.toThrow(/output closed/);
    await expect(writer.writeRows(batch(1))).rejects.toThrow(/output closed/);
  });
});
