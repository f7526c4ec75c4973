import {
  EMPTY_BUFFER,
  bufferOf,
  deleteBackward,
  deleteForward,
  deleteWordBackward,
  insertText,
  isOnFirstLine,
  isOnLastLine,
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
  type EditorBuffer,
} from '../repl/editorBuffer.js';
import { searchBackward } from '../repl/history.js';

export interface ReverseSearch {
  query: string;
  /** Index of the matching history entry, or -1. */
  match: number;
  /** The input before the search, restored when it is abandoned. */
  original: EditorBuffer;
}

export interface EditorState {
  buffer: EditorBuffer;
  /** The profile's history, oldest first. */
  history: readonly string[];
  /** The history entry shown, or null while editing new input. */
  historyIndex: number | null;
  /** New input put aside while browsing history. */
  draft: EditorBuffer;
  search: ReverseSearch | null;
}

export type EditOperation =
  | 'backspace'
  | 'delete'
  | 'left'
  | 'right'
  | 'wordLeft'
  | 'wordRight'
  | 'lineStart'
  | 'lineEnd'
  | 'deleteWord'
  | 'killToEnd'
  | 'killToStart'
  | 'up'
  | 'down';

export type EditorAction =
  | { type: 'insert'; text: string }
  | { type: 'edit'; operation: EditOperation }
  | { type: 'historyPrevious' }
  | { type: 'historyNext' }
  | { type: 'setText'; text: string }
  | { type: 'history'; entries: readonly string[] }
  | { type: 'searchStart' }
  | { type: 'searchType'; text: string }
  | { type: 'searchBackspace' }
  | { type: 'searchOlder' }
  | { type: 'searchAccept' }
  | { type: 'searchAbort' };

export const INITIAL_EDITOR: EditorState = {
  buffer: EMPTY_BUFFER,
  history: [],
  historyIndex: null,
  draft: EMPTY_BUFFER,
  search: null,
};

const OPERATIONS: Readonly<Record<Exclude<EditOperation, 'up' | 'down'>, (b: EditorBuffer) => EditorBuffer>> =
  {
    backspace: deleteBackward,
    delete: deleteForward,
    left: moveLeft,
    right: moveRight,
    wordLeft: moveWordLeft,
    wordRight: moveWordRight,
    lineStart: moveLineStart,
    lineEnd: moveLineEnd,
    deleteWord: deleteWordBackward,
    killToEnd: killToLineEnd,
    killToStart: killToLineStart,
  };

const CHANGES_TEXT: ReadonlySet<EditOperation> = new Set([
  'backspace',
  'delete',
  'deleteWord',
  'killToEnd',
  'killToStart',
]);

function recall(state: EditorState, index: number | null): EditorState {
  if (index === null) return { ...state, buffer: state.draft, historyIndex: null };
  const draft = state.historyIndex === null ? state.buffer : state.draft;
  return { ...state, buffer: bufferOf(state.history[index] ?? ''), historyIndex: index, draft };
}

function historyPrevious(state: EditorState): EditorState {
  if (state.history.length === 0) return state;
  const index = state.historyIndex === null ? state.history.length - 1 : state.historyIndex - 1;
  return index < 0 ? state : recall(state, index);
}

function historyNext(state: EditorState): EditorState {
  if (state.historyIndex === null) return state;
  const index = state.historyIndex + 1;
  return recall(state, index >= state.history.length ? null : index);
}

function searchFrom(state: EditorState, search: ReverseSearch, before: number): EditorState {
  const match = search.query === '' ? -1 : searchBackward(state.history, search.query, before);
  // A query that matches nothing older keeps showing the last match, as readline does.
  const next = match === -1 && search.match !== -1 && before <= search.match ? search.match : match;
  return { ...state, search: { ...search, match: next } };
}

/** The prompt's input: editing, history (↑/↓ at the edges of the buffer) and reverse search. */
export function editorReducer(state: EditorState, action: EditorAction): EditorState {
  switch (action.type) {
    case 'insert':
      return { ...state, buffer: insertText(state.buffer, action.text), historyIndex: null };
    case 'edit': {
      const { operation } = action;
      if (operation === 'up') {
        return isOnFirstLine(state.buffer)
          ? historyPrevious(state)
          : { ...state, buffer: moveUp(state.buffer) };
      }
      if (operation === 'down') {
        return isOnLastLine(state.buffer) ? historyNext(state) : { ...state, buffer: moveDown(state.buffer) };
      }
      const buffer = OPERATIONS[operation](state.buffer);
      if (buffer === state.buffer) return state;
      return { ...state, buffer, historyIndex: CHANGES_TEXT.has(operation) ? null : state.historyIndex };
    }
    case 'historyPrevious':
      return historyPrevious(state);
    case 'historyNext':
      return historyNext(state);
    case 'setText':
      return {
        ...state,
        buffer: bufferOf(action.text),
        historyIndex: null,
        draft: EMPTY_BUFFER,
        search: null,
      };
    case 'history':
      return { ...state, history: action.entries, historyIndex: null };
    case 'searchStart':
      return { ...state, search: { query: '', match: -1, original: state.buffer } };
    case 'searchType': {
      if (!state.search) return state;
      const search = { ...state.search, query: state.search.query + action.text };
      // Extending the query may still match the entry shown: search from it, inclusive.
      const from = search.match === -1 ? state.history.length : search.match + 1;
      return searchFrom(state, search, from);
    }
    case 'searchBackspace': {
      if (!state.search) return state;
      const search = { ...state.search, query: state.search.query.slice(0, -1), match: -1 };
      return searchFrom(state, search, state.history.length);
    }
    case 'searchOlder':
      if (!state.search || state.search.match <= 0) return state;
      return searchFrom(state, state.search, state.search.match);
    case 'searchAccept': {
      if (!state.search) return state;
      const { match, original } = state.search;
      const buffer = match === -1 ? original : bufferOf(state.history[match] ?? '');
      return { ...state, buffer, search: null, historyIndex: null };
    }
    case 'searchAbort':
      if (!state.search) return state;
      return { ...state, buffer: state.search.original, search: null };
  }
}
