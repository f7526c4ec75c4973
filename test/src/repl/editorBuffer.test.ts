import { describe, expect, it } from 'vitest';
import {
  bufferOf,
  cursorPosition,
  deleteBackward,
  deleteForward,
  deleteWordBackward,
  insertText,
  killToLineEnd,
  killToLineStart,
  moveDown,
  moveLeft,
  moveLineEnd,
  moveLineStart,
  moveRight,
  moveUp,
  moveWordLeft,
  moveWordRight,
} from '../../../src/repl/editorBuffer.js';

describe('the input buffer', () => {
  it('inserts at the cursor and deletes on either side of it', () => {
    let buffer = bufferOf('SELCT', 3);
    buffer = insertText(buffer, 'E');
    expect(buffer).toEqual({ text: 'SELECT', cursor: 4 });
    expect(deleteBackward(buffer)).toEqual({ text: 'SELCT', cursor: 3 });
    expect(deleteForward(buffer)).toEqual({ text: 'SELET', cursor: 4 });
    expect(deleteBackward(bufferOf('x', 0))).toEqual({ text: 'x', cursor: 0 });
  });

  it('never splits a surrogate pair when moving or deleting', () => {
    const buffer = bufferOf('a😀b', 3);
    expect(moveLeft(buffer).cursor).toBe(1);
    expect(moveRight(bufferOf('a😀b', 1)).cursor).toBe(3);
    expect(deleteBackward(buffer)).toEqual({ text: 'ab', cursor: 1 });
    expect(deleteForward(bufferOf('a😀b', 1))).toEqual({ text: 'ab', cursor: 1 });
  });

  it('moves between lines keeping the column, clamped to shorter lines', () => {
    const text = 'SELECT a,\n  b\nFROM t';
    const onB = bufferOf(text, text.indexOf('b'));
    expect(cursorPosition(onB)).toEqual({ line: 1, column: 2 });
    expect(moveUp(onB).cursor).toBe(2);
    expect(moveDown(onB).cursor).toBe(text.indexOf('FROM') + 2);
    expect(moveDown(bufferOf(text, 8)).cursor).toBe(text.indexOf('  b') + 3);
    expect(moveUp(bufferOf(text, 3))).toEqual(bufferOf(text, 3));
  });

  it('jumps by word and to the ends of the line', () => {
    const buffer = bufferOf('SELECT name FROM t', 9);
    expect(moveWordLeft(buffer).cursor).toBe(7);
    expect(moveWordRight(buffer).cursor).toBe(11);
    expect(moveLineStart(bufferOf('a\nbc', 3)).cursor).toBe(2);
    expect(moveLineEnd(bufferOf('a\nbc', 2)).cursor).toBe(4);
  });

  it('kills words and line parts as readline does', () => {
    expect(deleteWordBackward(bufferOf('SELECT name', 11))).toEqual({ text: 'SELECT ', cursor: 7 });
    expect(killToLineEnd(bufferOf('ab\ncd', 1))).toEqual({ text: 'a\ncd', cursor: 1 });
    expect(killToLineEnd(bufferOf('ab\ncd', 2))).toEqual({ text: 'abcd', cursor: 2 });
    expect(killToLineStart(bufferOf('ab\ncd', 4))).toEqual({ text: 'ab\nd', cursor: 3 });
  });
});
