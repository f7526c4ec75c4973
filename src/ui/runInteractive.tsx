import React from 'react';
import { render } from 'ink';
import type { ReplCore } from '../repl/replCore.js';
import { App } from './App.js';
import { ReplController } from './replController.js';
import type { TerminalSize } from './useTerminalSize.js';

const BRACKETED_PASTE_ON = '\x1b[?2004h';
const BRACKETED_PASTE_OFF = '\x1b[?2004l';

export interface InteractiveIo {
  stdin: NodeJS.ReadStream;
  stdout: NodeJS.WriteStream;
  stderr: NodeJS.WriteStream;
  /** A fixed size instead of the terminal's (the benchmark). */
  size?: TerminalSize;
  /** Ink's render timing, per frame (the benchmark). */
  onRender?: (renderTimeMs: number) => void;
}

/**
 * Runs the interactive REPL until the user quits. The first frame is drawn before the connection is
 * opened, so the prompt is usable at once; statements typed meanwhile wait for the connection.
 */
export async function runInteractive(core: ReplCore, io: InteractiveIo): Promise<number> {
  const size = io.size ?? { columns: io.stdout.columns || 80, rows: io.stdout.rows || 24 };
  const controller = new ReplController(core, size);
  const onUnhandled = (reason: unknown): void => controller.reportError(reason);
  process.on('unhandledRejection', onUnhandled);
  controller.start();
  io.stdout.write(BRACKETED_PASTE_ON);
  const instance = render(<App controller={controller} {...(io.size ? { size: io.size } : {})} />, {
    stdin: io.stdin,
    stdout: io.stdout,
    stderr: io.stderr,
    exitOnCtrlC: false,
    maxFps: 120,
    ...(io.onRender
      ? { onRender: ({ renderTime }: { renderTime: number }) => io.onRender?.(renderTime) }
      : {}),
  });
  core.start();
  try {
    await Promise.race([controller.quitRequested, instance.waitUntilExit()]);
  } finally {
    instance.unmount();
    await instance.waitUntilExit().catch(() => undefined);
    io.stdout.write(BRACKETED_PASTE_OFF);
    process.off('unhandledRejection', onUnhandled);
    await controller.shutdown();
    await core.close();
  }
  return 0;
}
