/**
 * Indents JSON text for the record view without parsing it into JavaScript values: numbers stay the
 * exact digits the database sent (JSON.parse would round 12345678901234567890 and drop 1.10's zero),
 * strings stay as written. Returns null when the text is not well-formed JSON, so the caller shows it raw.
 */

type Token = { kind: 'punct'; text: '{' | '}' | '[' | ']' | ',' | ':' } | { kind: 'value'; text: string };

const NUMBER = /^-?(?:0|[1-9]\d*)(?:\.\d+)?(?:[eE][+-]?\d+)?$/;

function tokenize(text: string): Token[] | null {
  const tokens: Token[] = [];
  let i = 0;
  while (i < text.length) {
    const char = text.charAt(i);
    if (char === ' ' || char === '\t' || char === '\n' || char === '\r') {
      i++;
    } else if (char === '{' || char === '}' || char === '[' || char === ']' || char === ',' || char === ':') {
      tokens.push({ kind: 'punct', text: char });
      i++;
    } else if (char === '"') {
      let j = i + 1;
      while (j < text.length && text.charAt(j) !== '"') j += text.charAt(j) === '\\' ? 2 : 1;
      if (j >= text.length) return null;
      tokens.push({ kind: 'value', text: text.slice(i, j + 1) });
      i = j + 1;
    } else {
      let j = i;
      while (j < text.length && !/[\s{}[\],:"]/.test(text.charAt(j))) j++;
      const literal = text.slice(i, j);
      if (literal !== 'true' && literal !== 'false' && literal !== 'null' && !NUMBER.test(literal))
        return null;
      tokens.push({ kind: 'value', text: literal });
      i = j;
    }
  }
  return tokens;
}

/** Checks the token sequence is one JSON value (grammar, not just balanced brackets). */
function wellFormed(tokens: Token[]): boolean {
  let position = 0;
  const peek = (): Token | undefined => tokens[position];
  const take = (text: string): boolean => {
    const token = tokens[position];
    if (token?.kind === 'punct' && token.text === text) {
      position++;
      return true;
    }
    return false;
  };
  const value = (depth: number): boolean => {
    if (depth > 512) return false;
    const token = peek();
    if (!token) return false;
    if (token.kind === 'value') {
      position++;
      return true;
    }
    if (take('{')) {
      if (take('}')) return true;
      do {
        const key = peek();
        if (key?.kind !== 'value' || !key.text.startsWith('"')) return false;
        position++;
        if (!take(':') || !value(depth + 1)) return false;
      } while (take(','));
      return take('}');
    }
    if (take('[')) {
      if (take(']')) return true;
      do {
        if (!value(depth + 1)) return false;
      } while (take(','));
      return take(']');
    }
    return false;
  };
  return value(0) && position === tokens.length;
}

export function prettyJson(text: string, indent = 2): string | null {
  const tokens = tokenize(text);
  if (!tokens || !wellFormed(tokens)) return null;
  let out = '';
  let depth = 0;
  const newline = (): string => '\n' + ' '.repeat(depth * indent);
  for (let i = 0; i < tokens.length; i++) {
    const token = tokens[i];
    if (!token) break;
    if (token.kind === 'value') {
      out += token.text;
      continue;
    }
    const next = tokens[i + 1];
    switch (token.text) {
      case '{':
      case '[': {
        const close = token.text === '{' ? '}' : ']';
        if (next?.kind === 'punct' && next.text === close) {
          out += token.text + close;
          i++;
        } else {
          depth++;
          out += token.text + newline();
        }
        break;
      }
      case '}':
      case ']':
        depth--;
        out += newline() + token.text;
        break;
      case ',':
        out += ',' + newline();
        break;
      case ':':
        out += ': ';
        break;
    }
  }
  return out;
}
