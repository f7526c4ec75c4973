import { scanState, splitStatements, type SqlDialect } from '../../shared/sql/split.js';

/** One thing to do when Enter is pressed: run SQL statements or a backslash command, in order. */
export type InputStep = { kind: 'sql'; statements: string[] } | { kind: 'meta'; line: string };

export interface InputPlan {
  steps: InputStep[];
  /** Text that is not complete yet: it stays in the buffer. */
  remainder: string;
}

function isMetaLine(line: string): boolean {
  return line.trimStart().startsWith('\\');
}

/**
 * psql's line rules applied to the whole buffer, line by line: a line starting with a backslash
 * (outside a quote, dollar quote or comment left open by earlier lines) is a meta-command and runs at
 * once; SQL accumulates until a line ends with `;` outside quotes and comments, and then its
 * statements run. Whatever is still incomplete at the end is the remainder.
 */
export function planInput(text: string, dialect: SqlDialect): InputPlan {
  const steps: InputStep[] = [];
  let pending = '';
  for (const line of text.split('\n')) {
    if (isMetaLine(line) && (pending === '' || scanState(pending, dialect).open === null)) {
      steps.push({ kind: 'meta', line: line.trim() });
      continue;
    }
    pending = pending === '' ? line : `${pending}\n${line}`;
    if (scanState(pending, dialect).complete) {
      const statements = splitStatements(pending, dialect).map((statement) => statement.text);
      if (statements.length > 0) steps.push({ kind: 'sql', statements });
      pending = '';
    }
  }
  return { steps, remainder: pending.trim() === '' ? '' : pending };
}

/**
 * psql's continuation prompt marker (`%R` in PROMPT2): `=` on a fresh statement, `-` on a continued one,
 * or the construct still open: `'` quote, `"` identifier, `` ` `` backtick, `$` dollar quote, `*` comment.
 */
export function promptMarker(text: string, dialect: SqlDialect): string {
  if (text.trim() === '') return '=';
  switch (scanState(text, dialect).open) {
    case 'quote':
      return "'";
    case 'dquote':
      return '"';
    case 'backtick':
      return '`';
    case 'dollar':
      return '$';
    case 'comment':
      return '*';
    case null:
      return '-';
  }
}
