/**
 * Helpers for libpg_query's JSON parse tree: a node is `{TypeName: {fields}}`; fields whose type is fixed
 * are inlined without the wrapper; lists are arrays of nodes.
 */

export type PgFields = Record<string, unknown>;

export function isRecord(value: unknown): value is PgFields {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** The single `{Type: fields}` pair of a wrapped node, or null. */
export function unwrap(node: unknown): { type: string; fields: PgFields } | null {
  if (!isRecord(node)) return null;
  const keys = Object.keys(node);
  if (keys.length !== 1) return null;
  const type = keys[0] as string;
  const fields = node[type];
  return isRecord(fields) ? { type, fields } : null;
}

/** The names of a `[{String: {sval}}, …]` list (function, operator and type names). */
export function stringList(value: unknown): string[] {
  if (!Array.isArray(value)) return [];
  return value.map((item) => {
    const wrapped = unwrap(item);
    const sval = wrapped?.type === 'String' ? wrapped.fields.sval : undefined;
    return typeof sval === 'string' ? sval : '';
  });
}

/** The text of a string constant node (`'x'`), or null when the node is anything else. */
export function constantText(node: unknown): string | null {
  const wrapped = unwrap(node);
  if (wrapped?.type !== 'A_Const') return null;
  const sval = wrapped.fields.sval;
  return isRecord(sval) && typeof sval.sval === 'string' ? sval.sval : null;
}

/** A node's `location` (a UTF-8 byte offset), when the parser recorded one. */
export function locationOf(fields: PgFields): number | undefined {
  const location = fields.location;
  return typeof location === 'number' && location >= 0 ? location : undefined;
}

/**
 * Calls `visit` for every wrapped node below `value`, at any depth, in document order. Inlined fields are
 * descended into as well, so nothing in the tree is skipped. Iterative: a deeply nested statement cannot
 * overflow the call stack.
 */
export function walk(value: unknown, visit: (type: string, fields: PgFields) => void): void {
  const pending: unknown[] = [value];
  while (pending.length > 0) {
    const item = pending.pop();
    if (Array.isArray(item)) {
      for (let k = item.length - 1; k >= 0; k--) pending.push(item[k]);
      continue;
    }
    if (!isRecord(item)) continue;
    const children: unknown[] = [];
    for (const [key, child] of Object.entries(item)) {
      if (/^[A-Z]/.test(key) && isRecord(child)) visit(key, child);
      children.push(child);
    }
    for (let k = children.length - 1; k >= 0; k--) pending.push(children[k]);
  }
}
