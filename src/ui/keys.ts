/**
 * Terminal input as key events. Ink's `useInput` cannot tell Backspace (DEL) from Delete (`ESC[3~`),
 * delivers bracketed-paste markers as text, and passes a burst of typed characters as one string (so an
 * Enter typed quickly after text is lost); this decoder works on the raw sequences Ink's input parser
 * splits off, and keeps a bracketed paste (`ESC[200~ … ESC[201~`) whole.
 */

export interface KeyPress {
  kind: 'key';
  /** `return`, `escape`, `up`, `pagedown`, `backspace`, `delete`, … or a letter with ctrl/meta. */
  name: string;
  ctrl: boolean;
  meta: boolean;
  shift: boolean;
}

export type KeyEvent = KeyPress | { kind: 'text'; text: string } | { kind: 'paste'; text: string };

const PASTE_START = '\x1b[200~';
const PASTE_END = '\x1b[201~';
/** A paste larger than this is cut: no statement is that long (Lambda takes 6 MB requests). */
const PASTE_LIMIT = 6 * 1024 * 1024;

export function key(name: string, modifiers: Partial<Omit<KeyPress, 'kind' | 'name'>> = {}): KeyPress {
  return { kind: 'key', name, ctrl: false, meta: false, shift: false, ...modifiers };
}

const CSI_LETTERS: Readonly<Record<string, string>> = {
  A: 'up',
  B: 'down',
  C: 'right',
  D: 'left',
  H: 'home',
  F: 'end',
  Z: 'tab',
  P: 'f1',
  Q: 'f2',
  R: 'f3',
  S: 'f4',
};

const CSI_NUMBERS: Readonly<Record<string, string>> = {
  '1': 'home',
  '2': 'insert',
  '3': 'delete',
  '4': 'end',
  '5': 'pageup',
  '6': 'pagedown',
  '7': 'home',
  '8': 'end',
};

/** xterm modifier parameter: 1 + (shift 1 | alt 2 | ctrl 4). */
function modifiersOf(parameter: string | undefined): Pick<KeyPress, 'ctrl' | 'meta' | 'shift'> {
  const bits = parameter === undefined ? 0 : Math.max(0, Number(parameter) - 1);
  return { shift: (bits & 1) !== 0, meta: (bits & 2) !== 0, ctrl: (bits & 4) !== 0 };
}

function controlKey(code: number): KeyPress | null {
  switch (code) {
    case 0x0d:
    case 0x0a:
      return key('return');
    case 0x09:
      return key('tab');
    case 0x7f:
    case 0x08:
      return key('backspace');
    case 0x1b:
      return key('escape');
    case 0x00:
      return key('space', { ctrl: true });
    default:
      if (code >= 0x01 && code <= 0x1a) return key(String.fromCharCode(code + 0x60), { ctrl: true });
      return null;
  }
}

/** A CSI or SS3 sequence without its leading ESC(s). */
function parseSequence(body: string, meta: boolean): KeyPress | null {
  const csi = /^\[([\d;]*)([A-Za-z~])$/.exec(body);
  if (csi) {
    const [, parameters = '', final = ''] = csi;
    const parts = parameters.split(';');
    if (final === '~') {
      const name = CSI_NUMBERS[parts[0] ?? ''];
      if (name === undefined) return null;
      const mods = modifiersOf(parts[1]);
      return key(name, { ...mods, meta: mods.meta || meta });
    }
    const name = CSI_LETTERS[final];
    if (name === undefined) return null;
    const mods = modifiersOf(parts[1]);
    return key(name, { ...mods, meta: mods.meta || meta, shift: mods.shift || final === 'Z' });
  }
  const ss3 = /^O([A-Za-z])$/.exec(body);
  if (ss3) {
    const name = CSI_LETTERS[ss3[1] ?? ''];
    return name === undefined ? null : key(name, { meta });
  }
  return null;
}

function parseEscape(sequence: string): KeyPress | null {
  if (sequence === '\x1b' || sequence === '\x1b\x1b') return key('escape', { meta: sequence.length === 2 });
  const doubled = sequence.startsWith('\x1b\x1b');
  const body = sequence.slice(doubled ? 2 : 1);
  const parsed = parseSequence(body, doubled);
  if (parsed) return parsed;
  // ESC followed by one character: Alt/Meta with that key.
  const code = body.codePointAt(0);
  if (code === undefined || body.length > (code > 0xffff ? 2 : 1)) return null;
  const control = controlKey(code);
  if (control) return { ...control, meta: true };
  return key(body.toLowerCase(), { meta: true, shift: body !== body.toLowerCase() });
}

/** Printable runs become one text event; each control character is its own key. */
function splitText(text: string): KeyEvent[] {
  const events: KeyEvent[] = [];
  let run = '';
  for (const char of text) {
    const code = char.codePointAt(0) ?? 0;
    if (code < 0x20 || code === 0x7f) {
      if (run !== '') events.push({ kind: 'text', text: run });
      run = '';
      const control = controlKey(code);
      if (control) events.push(control);
    } else if (code >= 0x80 && code < 0xa0) {
      // C1 controls never come from a keyboard as text.
      continue;
    } else {
      run += char;
    }
  }
  if (run !== '') events.push({ kind: 'text', text: run });
  return events;
}

/** Bare CR and CRLF (what terminals send for line breaks in a paste) become LF. */
function normalizePaste(text: string): string {
  return text.replace(/\r\n?/g, '\n');
}

/** Turns Ink's raw input events into key events, one decoder per input stream. */
export class KeyDecoder {
  private paste: string | null = null;

  push(input: string): KeyEvent[] {
    if (this.paste !== null) {
      const end = input.indexOf(PASTE_END);
      if (end === -1) {
        // Escape sequences inside a paste are not text anyone meant to insert.
        if (!input.startsWith('\x1b') && this.paste.length < PASTE_LIMIT) this.paste += input;
        return [];
      }
      const text = normalizePaste(this.paste + input.slice(0, end)).slice(0, PASTE_LIMIT);
      this.paste = null;
      const rest = input.slice(end + PASTE_END.length);
      return [{ kind: 'paste', text }, ...(rest === '' ? [] : this.push(rest))];
    }
    const start = input.indexOf(PASTE_START);
    if (start !== -1) {
      const before = input.slice(0, start);
      const events = before === '' ? [] : this.push(before);
      this.paste = '';
      return [...events, ...this.push(input.slice(start + PASTE_START.length))];
    }
    if (input.startsWith('\x1b')) {
      const parsed = parseEscape(input);
      return parsed ? [parsed] : [];
    }
    return splitText(input);
  }
}
