import { sanitizeLine } from '../format/sanitize.js';
import type { EditorBuffer } from '../repl/editorBuffer.js';
import { displayWidth } from './textWidth.js';

const INVERSE = '\x1b[7m';
const NO_INVERSE = '\x1b[27m';
const segmenter = new Intl.Segmenter(undefined, { granularity: 'grapheme' });

/** How a grapheme of the input is drawn: tabs as spaces, control characters as visible escapes. */
function shown(grapheme: string): string {
  return grapheme === '\t' ? '    ' : sanitizeLine(grapheme);
}

export interface EditorLayout {
  lines: string[];
  /** Terminal lines hidden above and below (the input is taller than the room it has). */
  hiddenAbove: number;
  hiddenBelow: number;
}

/**
 * The input as terminal lines: each buffer line after its prompt, hard-wrapped to the width (so Ink never
 * wraps it and the frame height is known), the cursor drawn in inverse video, and only `maxLines` lines
 * around the cursor when the input is taller.
 */
export function layoutEditor(
  buffer: EditorBuffer,
  width: number,
  prompts: (lineIndex: number) => string,
  maxLines: number,
): EditorLayout {
  const rows: string[] = [];
  let cursorRow = 0;
  const sourceLines = buffer.text.split('\n');
  const limit = Math.max(1, maxLines);
  // Only lines near the cursor can be shown: a long paste is not laid out (or scanned) on every key.
  let cursorLine = 0;
  for (
    let i = buffer.text.indexOf('\n');
    i !== -1 && i < buffer.cursor;
    i = buffer.text.indexOf('\n', i + 1)
  ) {
    cursorLine++;
  }
  const first = Math.max(0, cursorLine - limit);
  const last = Math.min(sourceLines.length - 1, cursorLine + limit);
  let offset = 0;
  let skippedAbove = 0;
  let skippedBelow = 0;
  sourceLines.forEach((line, index) => {
    if (index < first || index > last) {
      if (index < first) skippedAbove++;
      else skippedBelow++;
      offset += line.length + 1;
      return;
    }
    const prompt = prompts(index);
    const indent = ' '.repeat(displayWidth(prompt));
    const room = Math.max(1, width - displayWidth(prompt));
    let row = '';
    let used = 0;
    let firstRow = true;
    const flush = (): void => {
      rows.push((firstRow ? prompt : indent) + row);
      firstRow = false;
      row = '';
      used = 0;
    };
    let position = offset;
    for (const { segment } of segmenter.segment(line)) {
      const text = shown(segment);
      const w = displayWidth(text);
      if (used + w > room && used > 0) flush();
      if (position === buffer.cursor) {
        cursorRow = rows.length;
        row += INVERSE + text + NO_INVERSE;
      } else {
        row += text;
      }
      used += w;
      position += segment.length;
    }
    if (position === buffer.cursor) {
      if (used + 1 > room && used > 0) flush();
      cursorRow = rows.length;
      row += `${INVERSE} ${NO_INVERSE}`;
    }
    flush();
    offset += line.length + 1;
  });
  if (rows.length <= limit) return { lines: rows, hiddenAbove: skippedAbove, hiddenBelow: skippedBelow };
  const start = Math.max(0, Math.min(cursorRow - Math.floor(limit / 2), rows.length - limit));
  return {
    lines: rows.slice(start, start + limit),
    hiddenAbove: skippedAbove + start,
    hiddenBelow: skippedBelow + rows.length - start - limit,
  };
}
