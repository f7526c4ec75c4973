import React from 'react';
import type { ReplController } from './replController.js';
import type { ReplState } from './replReducer.js';
import { Lines } from './Lines.js';
import { promptScreen, viewerScreen } from './screens.js';
import { useTicker } from './useTicker.js';

/** Everything below the transcript: the prompt, or the results viewer. */
export function LiveArea(props: {
  state: ReplState;
  controller: ReplController;
  columns: number;
  rows: number;
}): React.JSX.Element | null {
  const { state, controller, columns, rows } = props;
  const busy =
    state.running !== null ||
    state.fetching ||
    state.exporting !== null ||
    state.connection.kind === 'connecting';
  const tick = useTicker(busy);
  const input = {
    state,
    columns,
    rows,
    now: performance.now(),
    tick,
    row: (index: number) => controller.row(index),
    recordLines: (width: number) => controller.recordLines(width),
  };
  const lines = state.result ? viewerScreen(input) : promptScreen(input);
  // At most rows - 1 lines: a frame as tall as the terminal makes Ink clear the screen on every update.
  return <Lines lines={lines.slice(-Math.max(1, rows - 1))} width={columns} />;
}
