import { describe, expect, it } from 'vitest';
import { KEY_BINDINGS, commandFor, helpLines, keyLabel } from '../../../src/ui/keyBindings.js';
import { key } from '../../../src/ui/keys.js';
import { META_COMMAND_HELP } from '../../../src/repl/metaCommands.js';

describe('key bindings', () => {
  it('maps keys to commands per context', () => {
    expect(commandFor('viewer', { kind: 'text', text: 'j' })).toBe('down');
    expect(commandFor('viewer', key('down'))).toBe('down');
    expect(commandFor('viewer', { kind: 'text', text: 'G' })).toBe('bottom');
    expect(commandFor('viewer', { kind: 'text', text: ' ' })).toBe('pageDown');
    expect(commandFor('viewer', { kind: 'text', text: 'e' })).toBe('export');
    expect(commandFor('editor', key('return'))).toBe('submit');
    expect(commandFor('editor', key('return', { meta: true }))).toBe('newline');
    expect(commandFor('editor', key('c', { ctrl: true }))).toBe('cancel');
    expect(commandFor('editor', { kind: 'text', text: 'j' })).toBeUndefined();
    expect(commandFor('busy', key('escape'))).toBe('cancel');
  });

  it('generates the help from the tables: every key and every meta-command appears', () => {
    const help = helpLines().join('\n');
    for (const binding of KEY_BINDINGS) {
      expect(help).toContain(binding.description);
      for (const spec of binding.keys) expect(help).toContain(keyLabel(spec));
    }
    for (const meta of META_COMMAND_HELP) expect(help).toContain(meta.usage);
  });

  it('labels keys as people write them', () => {
    expect(keyLabel('ctrl+c')).toBe('Ctrl-C');
    expect(keyLabel('meta+return')).toBe('Alt-Enter');
    expect(keyLabel('pagedown')).toBe('PgDn');
    expect(keyLabel('G')).toBe('G');
  });
});
