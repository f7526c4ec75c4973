/**
 * The multi-line input buffer: text plus a cursor offset, and the editing operations a readline user
 * expects. Pure functions over an immutable value, so the UI reducer and the tests share them.
 */
export interface EditorBuffer {
  readonly text: string;
  /** Offset in `text` (UTF-16 units), always on a code point boundary. */
  readonly cursor: number;
}

export const EMPTY_BUFFER: EditorBuffer = { text: '', cursor: 0 };

export function bufferOf(text: string, cursor = text.length): EditorBuffer {
  return { text, cursor: Math.max(0, Math.min(cursor, text.length)) };
}

function isLowSurrogate(code: number): boolean {
  return code >= 0xdc00 && code <= 0xdfff;
}

/** The offset one code point before `at`. */
function previousBoundary(text: string, at: number): number {
  if (at <= 0) return 0;
  const back = at - 1;
  return back > 0 && isLowSurrogate(text.charCodeAt(back)) ? back - 1 : back;
}

/** The offset one code point after `at`. */
function nextBoundary(text: string, at: number): number {
  if (at >= text.length) return text.length;
  return isLowSurrogate(text.charCodeAt(at + 1)) ? at + 2 : at + 1;
}

export function insertText(buffer: EditorBuffer, inserted: string): EditorBuffer {
  const { text, cursor } = buffer;
  return { text: text.slice(0, cursor) + inserted + text.slice(cursor), cursor: cursor + inserted.length };
}

export function deleteBackward(buffer: EditorBuffer): EditorBuffer {
  const { text, cursor } = buffer;
  if (cursor === 0) return buffer;
  const from = previousBoundary(text, cursor);
  return { text: text.slice(0, from) + text.slice(cursor), cursor: from };
}

export function deleteForward(buffer: EditorBuffer): EditorBuffer {
  const { text, cursor } = buffer;
  if (cursor >= text.length) return buffer;
  return { text: text.slice(0, cursor) + text.slice(nextBoundary(text, cursor)), cursor };
}

export function moveLeft(buffer: EditorBuffer): EditorBuffer {
  return { ...buffer, cursor: previousBoundary(buffer.text, buffer.cursor) };
}

export function moveRight(buffer: EditorBuffer): EditorBuffer {
  return { ...buffer, cursor: nextBoundary(buffer.text, buffer.cursor) };
}

function lineStartOf(text: string, at: number): number {
  return text.lastIndexOf('\n', at - 1) + 1;
}

function lineEndOf(text: string, at: number): number {
  const end = text.indexOf('\n', at);
  return end === -1 ? text.length : end;
}

export function moveLineStart(buffer: EditorBuffer): EditorBuffer {
  return { ...buffer, cursor: lineStartOf(buffer.text, buffer.cursor) };
}

export function moveLineEnd(buffer: EditorBuffer): EditorBuffer {
  return { ...buffer, cursor: lineEndOf(buffer.text, buffer.cursor) };
}

export function moveBufferStart(buffer: EditorBuffer): EditorBuffer {
  return { ...buffer, cursor: 0 };
}

export function moveBufferEnd(buffer: EditorBuffer): EditorBuffer {
  return { ...buffer, cursor: buffer.text.length };
}

/** The cursor's line and column (in code units from the line start). */
export function cursorPosition(buffer: EditorBuffer): { line: number; column: number } {
  const before = buffer.text.slice(0, buffer.cursor);
  let line = 0;
  for (let i = before.indexOf('\n'); i !== -1; i = before.indexOf('\n', i + 1)) line++;
  return { line, column: buffer.cursor - lineStartOf(buffer.text, buffer.cursor) };
}

export function isOnFirstLine(buffer: EditorBuffer): boolean {
  return buffer.text.lastIndexOf('\n', buffer.cursor - 1) === -1;
}

export function isOnLastLine(buffer: EditorBuffer): boolean {
  return buffer.text.indexOf('\n', buffer.cursor) === -1;
}

/** Moves to the same column of the line above (or to its end when shorter). */
export function moveUp(buffer: EditorBuffer): EditorBuffer {
  const { text, cursor } = buffer;
  const start = lineStartOf(text, cursor);
  if (start === 0) return buffer;
  const column = cursor - start;
  const previousStart = lineStartOf(text, start - 1);
  const previousLength = start - 1 - previousStart;
  return { text, cursor: previousStart + Math.min(column, previousLength) };
}

/** Moves to the same column of the line below (or to its end when shorter). */
export function moveDown(buffer: EditorBuffer): EditorBuffer {
  const { text, cursor } = buffer;
  const end = lineEndOf(text, cursor);
  if (end === text.length) return buffer;
  const column = cursor - lineStartOf(text, cursor);
  const nextStart = end + 1;
  const nextLength = lineEndOf(text, nextStart) - nextStart;
  return { text, cursor: nextStart + Math.min(column, nextLength) };
}

const WORD = /[\p{L}\p{N}_$]/u;

function isWordAt(text: string, at: number): boolean {
  const char = text.codePointAt(at);
  return char !== undefined && WORD.test(String.fromCodePoint(char));
}

/** Start of the word before the cursor (readline's `backward-word`). */
function wordStartBefore(text: string, at: number): number {
  let i = at;
  while (i > 0 && !isWordAt(text, previousBoundary(text, i))) i = previousBoundary(text, i);
  while (i > 0 && isWordAt(text, previousBoundary(text, i))) i = previousBoundary(text, i);
  return i;
}

/** End of the word after the cursor (readline's `forward-word`). */
function wordEndAfter(text: string, at: number): number {
  let i = at;
  while (i < text.length && !isWordAt(text, i)) i = nextBoundary(text, i);
  while (i < text.length && isWordAt(text, i)) i = nextBoundary(text, i);
  return i;
}

export function moveWordLeft(buffer: EditorBuffer): EditorBuffer {
  return { ...buffer, cursor: wordStartBefore(buffer.text, buffer.cursor) };
}

export function moveWordRight(buffer: EditorBuffer): EditorBuffer {
  return { ...buffer, cursor: wordEndAfter(buffer.text, buffer.cursor) };
}

/** Ctrl-W / Alt-Backspace: deletes the word before the cursor. */
export function deleteWordBackward(buffer: EditorBuffer): EditorBuffer {
  const { text, cursor } = buffer;
  const from = wordStartBefore(text, cursor);
  return { text: text.slice(0, from) + text.slice(cursor), cursor: from };
}

/** Ctrl-K: deletes to the end of the line (or joins the next line when already there). */
export function killToLineEnd(buffer: EditorBuffer): EditorBuffer {
  const { text, cursor } = buffer;
  const end = lineEndOf(text, cursor);
  const to = end === cursor && end < text.length ? end + 1 : end;
  return { text: text.slice(0, cursor) + text.slice(to), cursor };
}

/** Ctrl-U: deletes from the start of the line to the cursor. */
export function killToLineStart(buffer: EditorBuffer): EditorBuffer {
  const { text, cursor } = buffer;
  const start = lineStartOf(text, cursor);
  return { text: text.slice(0, start) + text.slice(cursor), cursor: start };
}
