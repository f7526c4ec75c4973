import { describe, expect, it } from 'vitest';
import {
  INITIAL_EDITOR,
  editorReducer,
  type EditorAction,
  type EditorState,
} from '../../../src/ui/editorReducer.js';

const run = (state: EditorState, ...actions: EditorAction[]): EditorState =>
  actions.reduce(editorReducer, state);
const withHistory = run(INITIAL_EDITOR, {
  type: 'history',
  entries: ['SELECT 1;', 'SELECT\n2;', 'UPDATE t SET a = 1;'],
});

describe('the prompt editor', () => {
  it('recalls history with ↑ on the first line and restores the draft with ↓', () => {
    let state = run(withHistory, { type: 'insert', text: 'draft' });
    state = run(state, { type: 'edit', operation: 'up' });
    expect(state.buffer.text).toBe('UPDATE t SET a = 1;');
    state = run(state, { type: 'edit', operation: 'up' });
    expect(state.buffer).toEqual({ text: 'SELECT\n2;', cursor: 9 });
    // On the last line of a multi-line entry ↑ moves inside it first.
    state = run(state, { type: 'edit', operation: 'up' });
    expect(state.buffer.cursor).toBe(2);
    state = run(state, { type: 'edit', operation: 'up' });
    expect(state.buffer.text).toBe('SELECT 1;');
    state = run(state, { type: 'historyNext' }, { type: 'historyNext' }, { type: 'historyNext' });
    expect(state.buffer.text).toBe('draft');
    expect(state.historyIndex).toBeNull();
  });

  it('searches history backwards with Ctrl-R and restores the input when abandoned', () => {
    let state = run(withHistory, { type: 'insert', text: 'x' }, { type: 'searchStart' });
    state = run(state, { type: 'searchType', text: 'sel' });
    expect(state.search?.match).toBe(1);
    state = run(state, { type: 'searchOlder' });
    expect(state.search?.match).toBe(0);
    state = run(state, { type: 'searchOlder' });
    expect(state.search?.match).toBe(0);
    expect(run(state, { type: 'searchAccept' }).buffer.text).toBe('SELECT 1;');
    expect(run(state, { type: 'searchAbort' }).buffer.text).toBe('x');
  });

  it('shows a failing search and recovers when the query is shortened', () => {
    let state = run(withHistory, { type: 'searchStart' }, { type: 'searchType', text: 'zz' });
    expect(state.search?.match).toBe(-1);
    state = run(
      state,
      { type: 'searchBackspace' },
      { type: 'searchBackspace' },
      { type: 'searchType', text: 'upd' },
    );
    expect(state.search?.match).toBe(2);
  });

  it('edits and clears', () => {
    let state = run(
      INITIAL_EDITOR,
      { type: 'insert', text: 'SELECT 12' },
      { type: 'edit', operation: 'backspace' },
    );
    expect(state.buffer.text).toBe('SELECT 1');
    state = run(state, { type: 'setText', text: '' });
    expect(state.buffer).toEqual({ text: '', cursor: 0 });
  });
});
