import { useEffect, useRef } from 'react';
import { useStdin } from 'ink';
import { KeyDecoder, type KeyEvent } from './keys.js';

/**
 * Calls `handler` for each key event. It reads the raw input events Ink's own parser splits off
 * (`useInput` merges Backspace with Delete and loses a quickly typed Enter; see keys.ts), and puts the
 * terminal in raw mode through Ink so Ink restores it on exit.
 */
export function useKeypress(handler: (event: KeyEvent) => void): void {
  const { internal_eventEmitter: emitter, setRawMode, isRawModeSupported } = useStdin();
  const latest = useRef(handler);
  latest.current = handler;
  useEffect(() => {
    if (isRawModeSupported) setRawMode(true);
    const decoder = new KeyDecoder();
    const onInput = (input: unknown): void => {
      if (typeof input !== 'string') return;
      for (const event of decoder.push(input)) latest.current(event);
    };
    emitter.on('input', onInput);
    return () => {
      emitter.removeListener('input', onInput);
      if (isRawModeSupported) setRawMode(false);
    };
  }, [emitter, setRawMode, isRawModeSupported]);
}
