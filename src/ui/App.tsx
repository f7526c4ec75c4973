import React, { useEffect, useSyncExternalStore } from 'react';
import { Box } from 'ink';
import { ErrorBoundary } from './ErrorBoundary.js';
import { LiveArea } from './LiveArea.js';
import type { ReplController } from './replController.js';
import { Transcript } from './Transcript.js';
import { useKeypress } from './useKeypress.js';
import { useTerminalSize, type TerminalSize } from './useTerminalSize.js';

/**
 * The REPL screen. `size` fixes the terminal size (tests, the benchmark); otherwise it follows the
 * terminal and re-lays out on resize.
 */
export function App({
  controller,
  size,
}: {
  controller: ReplController;
  size?: TerminalSize;
}): React.JSX.Element {
  const state = useSyncExternalStore(controller.store.subscribe, controller.store.getState);
  const terminal = useTerminalSize(size);
  const { columns, rows } = terminal;
  useEffect(() => {
    controller.setSize({ columns, rows });
  }, [controller, columns, rows]);
  useKeypress((event) => controller.handleKey(event));
  return (
    <Box flexDirection="column">
      <Transcript items={state.transcript} />
      <ErrorBoundary resetKey={state}>
        <LiveArea state={state} controller={controller} columns={columns} rows={rows} />
      </ErrorBoundary>
    </Box>
  );
}
