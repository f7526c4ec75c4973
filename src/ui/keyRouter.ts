import type { EditOperation, EditorAction } from './editorReducer.js';
import { commandFor, helpLines, matchesKey } from './keyBindings.js';
import type { KeyEvent } from './keys.js';
import type { ReplAction, ReplState } from './replReducer.js';
import type { ViewerAction } from './viewerReducer.js';

/** What key handling may do: the controller implements it. */
export interface KeyTarget {
  state(): ReplState;
  dispatch(action: ReplAction): void;
  print(lines: string[]): void;
  notice(text: string): void;
  /** Enter at the prompt: run what is complete. */
  submit(): void;
  quit(): void;
  /** Stop waiting for the running statement. */
  cancelRun(): void;
  cancelExport(): void;
  /** Stop reading the result to its end. */
  cancelFetch(): void;
  /** The view moved: fetch rows near it if needed. */
  viewerChanged(): void;
  closeViewer(): void;
  exportFromViewer(): void;
  /** Lines in the record view of the cursor row, and how many fit on one screen. */
  recordLineCount(): number;
  recordPage(): number;
}

const EDIT_COMMANDS: Readonly<Record<string, EditOperation>> = {
  left: 'left',
  right: 'right',
  wordLeft: 'wordLeft',
  wordRight: 'wordRight',
  lineStart: 'lineStart',
  lineEnd: 'lineEnd',
  up: 'up',
  down: 'down',
  backspace: 'backspace',
  delete: 'delete',
  deleteWord: 'deleteWord',
  killToEnd: 'killToEnd',
  killToStart: 'killToStart',
};

/**
 * Routes one key by what is on screen: cancel keys while something runs, the results viewer or record
 * view, reverse search, or the editor. Commands come from the key-binding table.
 */
export function routeKey(target: KeyTarget, event: KeyEvent): void {
  const state = target.state();
  if (state.notice) target.dispatch({ type: 'notice', notice: null });
  const cancel = commandFor('busy', event) === 'cancel';
  if (state.exporting && cancel) {
    target.cancelExport();
    return;
  }
  if (state.running) {
    if (cancel) target.cancelRun();
    return;
  }
  if (state.result) {
    // A burst of typed characters (key repeat) is one text event: each character is one key here.
    if (event.kind === 'text' && event.text.length > 1) {
      for (const char of event.text) resultKey(target, { kind: 'text', text: char });
    } else {
      resultKey(target, event);
    }
    return;
  }
  if (state.editor.search) {
    searchKey(target, event);
    return;
  }
  editorKey(target, event);
}

function editor(target: KeyTarget, action: EditorAction): void {
  target.dispatch({ type: 'editor', action });
}

function editorKey(target: KeyTarget, event: KeyEvent): void {
  if (event.kind === 'text' || event.kind === 'paste') {
    editor(target, { type: 'insert', text: event.text });
    return;
  }
  const command = commandFor('editor', event);
  if (command === undefined) return;
  const operation = EDIT_COMMANDS[command];
  if (operation !== undefined) {
    editor(target, { type: 'edit', operation });
    return;
  }
  switch (command) {
    case 'submit':
      target.submit();
      return;
    case 'newline':
      editor(target, { type: 'insert', text: '\n' });
      return;
    case 'historyPrevious':
      editor(target, { type: 'historyPrevious' });
      return;
    case 'historyNext':
      editor(target, { type: 'historyNext' });
      return;
    case 'reverseSearch':
      editor(target, { type: 'searchStart' });
      return;
    case 'cancel':
      if (target.state().editor.buffer.text === '') target.notice('Type \\q or press Ctrl-D to quit.');
      else editor(target, { type: 'setText', text: '' });
      return;
    case 'exit':
      if (target.state().editor.buffer.text === '') target.quit();
      else editor(target, { type: 'edit', operation: 'delete' });
      return;
    case 'help':
      target.print(helpLines());
      return;
    default:
      return;
  }
}

function searchKey(target: KeyTarget, event: KeyEvent): void {
  if (event.kind === 'text' || event.kind === 'paste') {
    editor(target, { type: 'searchType', text: event.text.replace(/\n/g, ' ') });
    return;
  }
  switch (commandFor('search', event)) {
    case 'searchOlder':
      editor(target, { type: 'searchOlder' });
      return;
    case 'backspace':
      editor(target, { type: 'searchBackspace' });
      return;
    case 'abort':
      editor(target, { type: 'searchAbort' });
      return;
    case 'acceptAndRun':
      editor(target, { type: 'searchAccept' });
      target.submit();
      return;
    case 'accept':
      editor(target, { type: 'searchAccept' });
      return;
    default:
      // Any other key ends the search and acts on the match, as in readline.
      editor(target, { type: 'searchAccept' });
      editorKey(target, event);
  }
}

function resultKey(target: KeyTarget, event: KeyEvent): void {
  const result = target.state().result;
  if (!result) return;
  const viewer = result.viewer;
  if (viewer.seekingEnd && (matchesKey('escape', event) || matchesKey('ctrl+c', event))) {
    target.cancelFetch();
    return;
  }
  const move = (action: ViewerAction): void => {
    target.dispatch({ type: 'viewer', action });
    target.viewerChanged();
  };
  if (viewer.record) {
    const page = target.recordPage();
    const maxScroll = Math.max(0, target.recordLineCount() - page);
    switch (commandFor('record', event)) {
      case 'scrollDown':
        return move({ type: 'recordScroll', delta: 1, maxScroll });
      case 'scrollUp':
        return move({ type: 'recordScroll', delta: -1, maxScroll });
      case 'pageDown':
        return move({ type: 'recordScroll', delta: page, maxScroll });
      case 'pageUp':
        return move({ type: 'recordScroll', delta: -page, maxScroll });
      case 'previousRecord':
        return move({ type: 'recordStep', delta: -1 });
      case 'nextRecord':
        return move({ type: 'recordStep', delta: 1 });
      case 'close':
        return move({ type: 'closeRecord' });
      default:
        return;
    }
  }
  switch (commandFor('viewer', event)) {
    case 'down':
      return move({ type: 'move', delta: 1 });
    case 'up':
      return move({ type: 'move', delta: -1 });
    case 'pageDown':
      return move({ type: 'page', direction: 1 });
    case 'pageUp':
      return move({ type: 'page', direction: -1 });
    case 'top':
      return move({ type: 'top' });
    case 'bottom':
      return move({ type: 'bottom' });
    case 'left':
      return move({ type: 'column', delta: -1 });
    case 'right':
      return move({ type: 'column', delta: 1 });
    case 'openRecord':
      return move({ type: 'openRecord' });
    case 'export':
      target.exportFromViewer();
      return;
    case 'close':
    case 'cancel':
      target.closeViewer();
      return;
    default:
      return;
  }
}
