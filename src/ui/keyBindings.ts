import { META_COMMAND_HELP } from '../repl/metaCommands.js';
import type { KeyEvent } from './keys.js';

/** Where a key is read: the prompt, reverse search, the results grid, the record view, any busy state. */
export type KeyContext = 'editor' | 'search' | 'viewer' | 'record' | 'busy';

export type EditorCommand =
  | 'submit'
  | 'newline'
  | 'left'
  | 'right'
  | 'wordLeft'
  | 'wordRight'
  | 'lineStart'
  | 'lineEnd'
  | 'up'
  | 'down'
  | 'historyPrevious'
  | 'historyNext'
  | 'backspace'
  | 'delete'
  | 'deleteWord'
  | 'killToEnd'
  | 'killToStart'
  | 'reverseSearch'
  | 'cancel'
  | 'exit'
  | 'help';

export type SearchCommand = 'searchOlder' | 'accept' | 'acceptAndRun' | 'abort' | 'backspace';

export type ViewerCommand =
  | 'down'
  | 'up'
  | 'pageDown'
  | 'pageUp'
  | 'top'
  | 'bottom'
  | 'left'
  | 'right'
  | 'openRecord'
  | 'export'
  | 'close'
  | 'cancel';

export type RecordCommand =
  'scrollDown' | 'scrollUp' | 'pageDown' | 'pageUp' | 'previousRecord' | 'nextRecord' | 'close';

export type BusyCommand = 'cancel';

interface CommandsByContext {
  editor: EditorCommand;
  search: SearchCommand;
  viewer: ViewerCommand;
  record: RecordCommand;
  busy: BusyCommand;
}

export interface KeyBinding<C extends KeyContext = KeyContext> {
  context: C;
  command: CommandsByContext[C];
  /** `ctrl+c`, `meta+return`, `pagedown`, or a single character (`j`, `G`). */
  keys: readonly string[];
  description: string;
}

type Bindings = { [C in KeyContext]: KeyBinding<C> }[KeyContext];

/** Every key the REPL reads, as data: dispatch and the `\?` help both come from this table. */
export const KEY_BINDINGS: readonly Bindings[] = [
  {
    context: 'editor',
    command: 'submit',
    keys: ['return'],
    description: 'run when the input ends with ; (else a new line)',
  },
  { context: 'editor', command: 'newline', keys: ['meta+return'], description: 'insert a line break' },
  { context: 'editor', command: 'left', keys: ['left', 'ctrl+b'], description: 'cursor left' },
  { context: 'editor', command: 'right', keys: ['right', 'ctrl+f'], description: 'cursor right' },
  {
    context: 'editor',
    command: 'wordLeft',
    keys: ['ctrl+left', 'meta+left', 'meta+b'],
    description: 'word left',
  },
  {
    context: 'editor',
    command: 'wordRight',
    keys: ['ctrl+right', 'meta+right', 'meta+f'],
    description: 'word right',
  },
  { context: 'editor', command: 'lineStart', keys: ['home', 'ctrl+a'], description: 'start of line' },
  { context: 'editor', command: 'lineEnd', keys: ['end', 'ctrl+e'], description: 'end of line' },
  {
    context: 'editor',
    command: 'up',
    keys: ['up'],
    description: 'line up, or the previous history entry on the first line',
  },
  {
    context: 'editor',
    command: 'down',
    keys: ['down'],
    description: 'line down, or the next history entry on the last line',
  },
  { context: 'editor', command: 'historyPrevious', keys: ['ctrl+p'], description: 'previous history entry' },
  { context: 'editor', command: 'historyNext', keys: ['ctrl+n'], description: 'next history entry' },
  { context: 'editor', command: 'backspace', keys: ['backspace'], description: 'delete before the cursor' },
  { context: 'editor', command: 'delete', keys: ['delete'], description: 'delete under the cursor' },
  {
    context: 'editor',
    command: 'deleteWord',
    keys: ['ctrl+w', 'meta+backspace'],
    description: 'delete the word before the cursor',
  },
  { context: 'editor', command: 'killToEnd', keys: ['ctrl+k'], description: 'delete to the end of the line' },
  {
    context: 'editor',
    command: 'killToStart',
    keys: ['ctrl+u'],
    description: 'delete to the start of the line',
  },
  {
    context: 'editor',
    command: 'reverseSearch',
    keys: ['ctrl+r'],
    description: 'search the history backwards',
  },
  { context: 'editor', command: 'cancel', keys: ['ctrl+c'], description: 'clear the input' },
  {
    context: 'editor',
    command: 'exit',
    keys: ['ctrl+d'],
    description: 'quit on an empty line (else delete under the cursor)',
  },
  { context: 'editor', command: 'help', keys: ['f1'], description: 'this help' },
  { context: 'search', command: 'searchOlder', keys: ['ctrl+r'], description: 'next older match' },
  { context: 'search', command: 'acceptAndRun', keys: ['return'], description: 'take the match and run it' },
  {
    context: 'search',
    command: 'accept',
    keys: ['escape', 'left', 'right', 'ctrl+e', 'ctrl+a'],
    description: 'take the match to edit it',
  },
  {
    context: 'search',
    command: 'abort',
    keys: ['ctrl+c', 'ctrl+g'],
    description: 'give up and restore the input',
  },
  { context: 'search', command: 'backspace', keys: ['backspace'], description: 'shorten the search' },
  { context: 'viewer', command: 'down', keys: ['down', 'j'], description: 'next row' },
  { context: 'viewer', command: 'up', keys: ['up', 'k'], description: 'previous row' },
  { context: 'viewer', command: 'pageDown', keys: ['pagedown', 'space', 'ctrl+f'], description: 'next page' },
  { context: 'viewer', command: 'pageUp', keys: ['pageup', 'b', 'ctrl+b'], description: 'previous page' },
  { context: 'viewer', command: 'top', keys: ['home', 'g'], description: 'first row' },
  {
    context: 'viewer',
    command: 'bottom',
    keys: ['end', 'G'],
    description: 'last row (reads the whole result)',
  },
  { context: 'viewer', command: 'left', keys: ['left', 'h'], description: 'scroll one column left' },
  { context: 'viewer', command: 'right', keys: ['right', 'l'], description: 'scroll one column right' },
  {
    context: 'viewer',
    command: 'openRecord',
    keys: ['return'],
    description: 'show the row as a record with full values',
  },
  { context: 'viewer', command: 'export', keys: ['e'], description: 'export the whole result to a file' },
  { context: 'viewer', command: 'close', keys: ['q', 'escape'], description: 'back to the prompt' },
  {
    context: 'viewer',
    command: 'cancel',
    keys: ['ctrl+c'],
    description: 'stop fetching, or back to the prompt',
  },
  { context: 'record', command: 'scrollDown', keys: ['down', 'j'], description: 'scroll down' },
  { context: 'record', command: 'scrollUp', keys: ['up', 'k'], description: 'scroll up' },
  { context: 'record', command: 'pageDown', keys: ['pagedown', 'space'], description: 'next page' },
  { context: 'record', command: 'pageUp', keys: ['pageup', 'b'], description: 'previous page' },
  { context: 'record', command: 'previousRecord', keys: ['left', 'p'], description: 'previous row' },
  { context: 'record', command: 'nextRecord', keys: ['right', 'n'], description: 'next row' },
  { context: 'record', command: 'close', keys: ['q', 'escape', 'return'], description: 'back to the grid' },
  {
    context: 'busy',
    command: 'cancel',
    keys: ['escape', 'ctrl+c'],
    description: 'cancel the running statement or export',
  },
];

/** Whether a binding's key spec matches an event. Single characters match typed text exactly. */
export function matchesKey(spec: string, event: KeyEvent): boolean {
  if (event.kind === 'paste') return false;
  if (event.kind === 'text') return event.text === spec || (spec === 'space' && event.text === ' ');
  const parts = spec.split('+');
  const name = parts[parts.length - 1] ?? '';
  const ctrl = parts.includes('ctrl');
  const meta = parts.includes('meta');
  if (name === 'space' && !ctrl && !meta) return false;
  return event.name === name && event.ctrl === ctrl && event.meta === meta;
}

/** The command a key means in a context, or undefined. */
export function commandFor<C extends KeyContext>(
  context: C,
  event: KeyEvent,
): CommandsByContext[C] | undefined {
  for (const binding of KEY_BINDINGS) {
    if (binding.context !== context) continue;
    if (binding.keys.some((spec) => matchesKey(spec, event))) return binding.command as CommandsByContext[C];
  }
  return undefined;
}

const KEY_NAMES: Readonly<Record<string, string>> = {
  return: 'Enter',
  escape: 'Esc',
  backspace: 'Backspace',
  delete: 'Delete',
  pagedown: 'PgDn',
  pageup: 'PgUp',
  home: 'Home',
  end: 'End',
  up: '↑',
  down: '↓',
  left: '←',
  right: '→',
  space: 'Space',
  f1: 'F1',
};

/** `ctrl+c` → `Ctrl-C`, `meta+return` → `Alt-Enter`, `pagedown` → `PgDn`. */
export function keyLabel(spec: string): string {
  const parts = spec.split('+');
  const name = parts[parts.length - 1] ?? '';
  const shown = KEY_NAMES[name] ?? (name.length === 1 && parts.length > 1 ? name.toUpperCase() : name);
  const prefix = (parts.includes('ctrl') ? 'Ctrl-' : '') + (parts.includes('meta') ? 'Alt-' : '');
  return prefix + shown;
}

const SECTIONS: readonly { context: KeyContext; title: string }[] = [
  { context: 'editor', title: 'At the prompt' },
  { context: 'search', title: 'Reverse search (Ctrl-R)' },
  { context: 'viewer', title: 'Results' },
  { context: 'record', title: 'Record view' },
  { context: 'busy', title: 'While a statement or export runs' },
];

/** The `\?` text, generated from the key-binding and meta-command tables. */
export function helpLines(): string[] {
  const lines: string[] = ['Meta-commands:'];
  for (const meta of META_COMMAND_HELP) lines.push(`  ${meta.usage.padEnd(26)} ${meta.description}`);
  lines.push('Statements run when a line ends with ; outside quotes and comments.');
  for (const section of SECTIONS) {
    lines.push(`${section.title}:`);
    for (const binding of KEY_BINDINGS) {
      if (binding.context !== section.context) continue;
      lines.push(`  ${binding.keys.map(keyLabel).join(', ').padEnd(26)} ${binding.description}`);
    }
  }
  return lines;
}
