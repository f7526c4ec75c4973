import type { Column } from '../../shared/protocol/index.js';
import type { ConnectionStatus } from '../repl/connection.js';
import type { ReplSettings } from '../repl/replCore.js';
import { INITIAL_EDITOR, editorReducer, type EditorAction, type EditorState } from './editorReducer.js';
import type { GridShape } from './gridLayout.js';
import {
  initialViewer,
  viewerReducer,
  type RowsKnown,
  type ViewerAction,
  type ViewerState,
} from './viewerReducer.js';

/** Lines printed above the prompt once, already sanitized and formatted. */
export interface TranscriptItem {
  id: number;
  lines: string[];
}

/** The result shown in the viewer (its rows live in a ResultWindow the hook holds). */
export interface OpenResult {
  id: number;
  sql: string;
  columns: Column[];
  shape: GridShape;
  elapsedMs: number;
  readOnly: boolean;
}

export interface ExportState {
  rows: number;
  bytes: number;
  rate: number;
  elapsedMs: number;
  /** Rows in the whole result when known, for a percentage. */
  total: number | null;
  cancelling: boolean;
}

export interface Notice {
  text: string;
  tone: 'info' | 'error';
}

export interface ReplState {
  transcript: TranscriptItem[];
  nextId: number;
  connection: ConnectionStatus;
  settings: ReplSettings;
  editor: EditorState;
  result: { info: OpenResult; viewer: ViewerState } | null;
  /** A statement (or meta-command) is running: what it is and since when. */
  running: { label: string; startedAt: number } | null;
  /** The viewer is reading more rows. */
  fetching: boolean;
  exporting: ExportState | null;
  notice: Notice | null;
}

export type ReplAction =
  | { type: 'editor'; action: EditorAction }
  | { type: 'viewer'; action: ViewerAction }
  | { type: 'connection'; status: ConnectionStatus }
  | { type: 'settings'; settings: ReplSettings }
  | { type: 'print'; lines: string[] }
  | { type: 'running'; label: string | null; startedAt?: number }
  | { type: 'openResult'; info: OpenResult; rows: RowsKnown; height: number }
  | { type: 'closeResult' }
  | { type: 'shape'; shape: GridShape }
  | { type: 'fetching'; value: boolean }
  | { type: 'exportStarted'; total: number | null }
  | { type: 'exportProgress'; rows: number; bytes: number; rate: number; elapsedMs: number }
  | { type: 'exportCancelling' }
  | { type: 'exportFinished' }
  | { type: 'notice'; notice: Notice | null };

export function initialReplState(connection: ConnectionStatus, settings: ReplSettings): ReplState {
  return {
    transcript: [],
    nextId: 1,
    connection,
    settings: { ...settings },
    editor: INITIAL_EDITOR,
    result: null,
    running: null,
    fetching: false,
    exporting: null,
    notice: null,
  };
}

/** The whole REPL screen's state; the editor and the viewer have reducers of their own. */
export function replReducer(state: ReplState, action: ReplAction): ReplState {
  switch (action.type) {
    case 'editor': {
      const editor = editorReducer(state.editor, action.action);
      return editor === state.editor ? state : { ...state, editor };
    }
    case 'viewer': {
      if (!state.result) return state;
      const viewer = viewerReducer(state.result.viewer, action.action);
      return viewer === state.result.viewer ? state : { ...state, result: { ...state.result, viewer } };
    }
    case 'connection':
      return { ...state, connection: action.status };
    case 'settings':
      return { ...state, settings: { ...action.settings } };
    case 'print':
      if (action.lines.length === 0) return state;
      return {
        ...state,
        transcript: [...state.transcript, { id: state.nextId, lines: action.lines }],
        nextId: state.nextId + 1,
      };
    case 'running':
      return {
        ...state,
        running: action.label === null ? null : { label: action.label, startedAt: action.startedAt ?? 0 },
      };
    case 'openResult':
      return {
        ...state,
        result: {
          info: action.info,
          viewer: initialViewer({
            height: action.height,
            columnCount: action.info.columns.length,
            expanded: state.settings.expanded,
            rows: action.rows,
          }),
        },
      };
    case 'closeResult':
      return { ...state, result: null, fetching: false };
    case 'shape':
      if (!state.result) return state;
      return { ...state, result: { ...state.result, info: { ...state.result.info, shape: action.shape } } };
    case 'fetching':
      return state.fetching === action.value ? state : { ...state, fetching: action.value };
    case 'exportStarted':
      return {
        ...state,
        exporting: { rows: 0, bytes: 0, rate: 0, elapsedMs: 0, total: action.total, cancelling: false },
      };
    case 'exportProgress':
      if (!state.exporting) return state;
      return {
        ...state,
        exporting: {
          ...state.exporting,
          rows: action.rows,
          bytes: action.bytes,
          rate: action.rate,
          elapsedMs: action.elapsedMs,
        },
      };
    case 'exportCancelling':
      return state.exporting ? { ...state, exporting: { ...state.exporting, cancelling: true } } : state;
    case 'exportFinished':
      return { ...state, exporting: null };
    case 'notice':
      return state.notice === action.notice ? state : { ...state, notice: action.notice };
  }
}
