import { describe, expect, it } from 'vitest';
import { parseMetaCommand, splitArguments } from '../../../src/repl/metaCommands.js';

describe('meta-command parsing', () => {
  it('parses every command with its arguments', () => {
    expect(parseMetaCommand('\\q')).toEqual({ kind: 'quit' });
    expect(parseMetaCommand('\\?')).toEqual({ kind: 'help' });
    expect(parseMetaCommand('\\l')).toEqual({ kind: 'listProfiles' });
    expect(parseMetaCommand('\\c prod')).toEqual({ kind: 'connect', profile: 'prod' });
    expect(parseMetaCommand('\\dt')).toEqual({ kind: 'listTables', pattern: null });
    expect(parseMetaCommand('\\dt public.ord*')).toEqual({ kind: 'listTables', pattern: 'public.ord*' });
    expect(parseMetaCommand('\\d')).toEqual({ kind: 'describe', name: null });
    expect(parseMetaCommand('\\d "My Table"')).toEqual({ kind: 'describe', name: '"My Table"' });
    expect(parseMetaCommand('\\dn')).toEqual({ kind: 'listSchemas' });
    expect(parseMetaCommand('\\x')).toEqual({ kind: 'expanded', value: null });
    expect(parseMetaCommand('\\x on')).toEqual({ kind: 'expanded', value: true });
    expect(parseMetaCommand('\\timing off')).toEqual({ kind: 'timing', value: false });
    expect(parseMetaCommand("\\i 'my file.sql'")).toEqual({ kind: 'include', path: 'my file.sql' });
    expect(parseMetaCommand('\\export')).toEqual({ kind: 'export', path: null });
    expect(parseMetaCommand('\\export out.csv')).toEqual({ kind: 'export', path: 'out.csv' });
    expect(parseMetaCommand('\\format NDJSON')).toEqual({ kind: 'format', format: 'ndjson' });
    expect(parseMetaCommand('\\format')).toEqual({ kind: 'format', format: null });
    expect(parseMetaCommand('\\conninfo')).toEqual({ kind: 'conninfo' });
  });

  it('reports unknown commands and bad arguments instead of guessing', () => {
    expect(parseMetaCommand('\\zz')).toEqual({
      kind: 'invalid',
      message: 'invalid command \\zz; try \\? for help',
    });
    expect(parseMetaCommand('\\c')).toMatchObject({ kind: 'invalid' });
    expect(parseMetaCommand('\\x maybe')).toMatchObject({ kind: 'invalid' });
    expect(parseMetaCommand('\\format xml')).toMatchObject({ kind: 'invalid' });
    expect(parseMetaCommand('\\q now')).toMatchObject({ kind: 'invalid' });
  });

  it("splits arguments with psql's single quotes and keeps double-quoted identifiers", () => {
    expect(splitArguments(" a 'b c' 'it''s' \"X Y\".z ")).toEqual(['a', 'b c', "it's", '"X Y".z']);
  });
});
