/**
 * The one gate between result text and a terminal. Database text is attacker-controlled (anyone who
 * can write a row can write escape sequences), so every cell and error text is passed through here
 * before it is written to a TTY: an ESC could clear the screen, move the cursor, set the window title
 * (OSC 0) or write the clipboard (OSC 52); bare C0/C1 controls ring the bell or overwrite what was
 * printed; bidi overrides make text read differently from what it is.
 */

/* eslint-disable no-control-regex -- matching control characters is the point */
// C0 controls except \n, DEL, C1 controls, bidi embeddings/overrides (U+202A–U+202E) and isolates
// (U+2066–U+2069).
const UNSAFE = /[\x00-\x09\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]/;
const UNSAFE_ALL = /[\x00-\x09\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]/g;
const UNSAFE_LINE = /[\x00-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]/;
const UNSAFE_LINE_ALL = /[\x00-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]/g;
/* eslint-enable no-control-regex */

const NAMED: Readonly<Record<string, string>> = {
  '\x00': '\\0',
  '\x07': '\\a',
  '\b': '\\b',
  '\t': '\\t',
  '\n': '\\n',
  '\v': '\\v',
  '\f': '\\f',
  '\r': '\\r',
  '\x1b': '\\e',
};

function visibleEscape(char: string): string {
  const named = NAMED[char];
  if (named !== undefined) return named;
  const code = char.charCodeAt(0);
  return code < 0x100
    ? '\\x' + code.toString(16).padStart(2, '0')
    : '\\u' + code.toString(16).padStart(4, '0');
}

/**
 * Replaces every character that could act on a terminal with a visible escape (`\e`, `\r`, `\t`, `\b`,
 * `\a`, `\f`, `\v`, `\0`, otherwise `\xNN` / `\uNNNN`). Newlines are kept. Apply it before measuring
 * display width.
 */
export function sanitizeForTerminal(text: string): string {
  if (!UNSAFE.test(text)) return text;
  return text.replace(UNSAFE_ALL, visibleEscape);
}

/** Like {@link sanitizeForTerminal}, and also renders newlines as `\n`: for single-line contexts. */
export function sanitizeLine(text: string): string {
  if (!UNSAFE_LINE.test(text)) return text;
  return text.replace(UNSAFE_LINE_ALL, visibleEscape);
}
