import { EXPORT_FORMATS, type ExportFormat } from '../export/formats.js';

/** A parsed backslash command. */
export type MetaCommand =
  | { kind: 'quit' }
  | { kind: 'help' }
  | { kind: 'listProfiles' }
  | { kind: 'connect'; profile: string }
  | { kind: 'listTables'; pattern: string | null }
  | { kind: 'describe'; name: string | null }
  | { kind: 'listSchemas' }
  | { kind: 'expanded'; value: boolean | null }
  | { kind: 'timing'; value: boolean | null }
  | { kind: 'include'; path: string }
  | { kind: 'export'; path: string | null }
  | { kind: 'format'; format: ExportFormat | null }
  | { kind: 'conninfo' }
  | { kind: 'login' }
  | { kind: 'logout' }
  | { kind: 'invalid'; message: string };

/** The meta-commands as data: `\?` is generated from this table. */
export const META_COMMAND_HELP: readonly { usage: string; description: string }[] = [
  { usage: '\\q', description: 'quit (or Ctrl-D on an empty line)' },
  { usage: '\\?', description: 'this help' },
  { usage: '\\l', description: 'list connection profiles' },
  { usage: '\\c NAME', description: 'connect to another profile' },
  { usage: '\\conninfo', description: 'show the connection: engine, database, principal, role' },
  { usage: '\\login', description: "sign in to the profile's AWS IAM Identity Center (SSO)" },
  { usage: '\\logout', description: "sign out of the profile's SSO session" },
  { usage: '\\dt [PATTERN]', description: 'list tables (* and ? are wildcards)' },
  { usage: '\\d [TABLE]', description: 'describe a table, or list tables, views and sequences' },
  { usage: '\\dn', description: 'list schemas' },
  { usage: '\\x [on|off]', description: 'expanded display: one record per block' },
  { usage: '\\timing [on|off]', description: 'show how long each statement took' },
  { usage: '\\i FILE', description: 'run the statements in FILE' },
  { usage: '\\export [FILE]', description: 'export the last result in full (default: a new file)' },
  { usage: '\\format [csv|json|ndjson]', description: 'show or set the export format' },
];

/** Splits arguments on whitespace; '…' quotes (with '' for a quote) group and are removed. */
export function splitArguments(text: string): string[] {
  const args: string[] = [];
  let i = 0;
  while (i < text.length) {
    while (i < text.length && /\s/.test(text.charAt(i))) i++;
    if (i >= text.length) break;
    let arg = '';
    while (i < text.length && !/\s/.test(text.charAt(i))) {
      const char = text.charAt(i);
      if (char === "'") {
        i++;
        while (i < text.length) {
          if (text.charAt(i) === "'") {
            if (text.charAt(i + 1) === "'") {
              arg += "'";
              i += 2;
              continue;
            }
            i++;
            break;
          }
          arg += text.charAt(i++);
        }
      } else if (char === '"') {
        // Double quotes belong to SQL identifiers: kept, so `\d "My Table"` reaches the catalog intact.
        const end = text.indexOf('"', i + 1);
        const stop = end === -1 ? text.length : end + 1;
        arg += text.slice(i, stop);
        i = stop;
      } else {
        arg += char;
        i++;
      }
    }
    args.push(arg);
  }
  return args;
}

function onOff(value: string | undefined, name: string): { value: boolean | null } | { message: string } {
  if (value === undefined) return { value: null };
  const lowered = value.toLowerCase();
  if (lowered === 'on' || lowered === 'true') return { value: true };
  if (lowered === 'off' || lowered === 'false') return { value: false };
  return { message: `\\${name}: expected on or off, got "${value}"` };
}

/** Parses a line that starts with a backslash. */
export function parseMetaCommand(line: string): MetaCommand {
  const trimmed = line.trim();
  const match = /^\\(\S*)\s*([\s\S]*)$/.exec(trimmed);
  const name = match?.[1] ?? '';
  const rest = match?.[2] ?? '';
  const args = splitArguments(rest);
  const first = args[0];
  const noArgs = (command: MetaCommand): MetaCommand =>
    args.length === 0 ? command : { kind: 'invalid', message: `\\${name} takes no arguments` };
  switch (name) {
    case 'q':
    case 'quit':
      return noArgs({ kind: 'quit' });
    case '?':
    case 'help':
      return { kind: 'help' };
    case 'l':
    case 'list':
      return noArgs({ kind: 'listProfiles' });
    case 'c':
    case 'connect':
      if (first === undefined || args.length > 1) {
        return { kind: 'invalid', message: '\\c needs one profile name, e.g. \\c local' };
      }
      return { kind: 'connect', profile: first };
    case 'conninfo':
      return noArgs({ kind: 'conninfo' });
    case 'dt':
      if (args.length > 1) return { kind: 'invalid', message: '\\dt takes at most one pattern' };
      return { kind: 'listTables', pattern: first ?? null };
    case 'd':
      if (args.length > 1) return { kind: 'invalid', message: '\\d takes at most one table name' };
      return { kind: 'describe', name: first ?? null };
    case 'dn':
      return noArgs({ kind: 'listSchemas' });
    case 'x': {
      const parsed = onOff(first, 'x');
      return 'message' in parsed ? { kind: 'invalid', ...parsed } : { kind: 'expanded', value: parsed.value };
    }
    case 'timing': {
      const parsed = onOff(first, 'timing');
      return 'message' in parsed ? { kind: 'invalid', ...parsed } : { kind: 'timing', value: parsed.value };
    }
    case 'login':
      return noArgs({ kind: 'login' });
    case 'logout':
      return noArgs({ kind: 'logout' });
    case 'i':
    case 'include':
      if (first === undefined || args.length > 1)
        return { kind: 'invalid', message: '\\i needs one file name' };
      return { kind: 'include', path: first };
    case 'export':
      if (args.length > 1) return { kind: 'invalid', message: '\\export takes at most one file name' };
      return { kind: 'export', path: first ?? null };
    case 'format': {
      if (first === undefined) return { kind: 'format', format: null };
      const format = EXPORT_FORMATS.find((candidate) => candidate === first.toLowerCase());
      if (format === undefined || args.length > 1) {
        return { kind: 'invalid', message: `\\format: expected one of ${EXPORT_FORMATS.join(', ')}` };
      }
      return { kind: 'format', format };
    }
    default:
      return { kind: 'invalid', message: `invalid command \\${name}; try \\? for help` };
  }
}
