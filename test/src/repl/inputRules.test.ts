import { describe, expect, it } from 'vitest';
import { planInput, promptMarker } from '../../../src/repl/inputRules.js';

describe("psql's line rules", () => {
  it('runs a statement only once a line ends with a semicolon outside quotes and comments', () => {
    expect(planInput('SELECT 1', 'postgres')).toEqual({ steps: [], remainder: 'SELECT 1' });
    expect(planInput("SELECT ';", 'postgres').steps).toEqual([]);
    expect(planInput('SELECT $$;\n', 'postgres').steps).toEqual([]);
    expect(planInput('SELECT 1; -- done', 'postgres').steps).toEqual([
      { kind: 'sql', statements: ['SELECT 1'] },
    ]);
    expect(planInput('SELECT 1;\nSELECT 2;', 'postgres').steps).toEqual([
      { kind: 'sql', statements: ['SELECT 1'] },
      { kind: 'sql', statements: ['SELECT 2'] },
    ]);
  });

  it('runs backslash commands at once and keeps the unfinished statement', () => {
    expect(planInput('\\x', 'postgres')).toEqual({ steps: [{ kind: 'meta', line: '\\x' }], remainder: '' });
    expect(planInput('SELECT 1\n\\timing', 'postgres')).toEqual({
      steps: [{ kind: 'meta', line: '\\timing' }],
      remainder: 'SELECT 1',
    });
  });

  it('treats a backslash line inside an open quote as text', () => {
    const text = "SELECT 'a\n\\x\n';";
    expect(planInput(text, 'postgres').steps).toEqual([{ kind: 'sql', statements: ["SELECT 'a\n\\x\n'"] }]);
  });

  it("follows MySQL's comment rules on MySQL", () => {
    expect(planInput('SELECT 1 # ;', 'mysql').steps).toEqual([]);
    expect(planInput('SELECT 1 # ;', 'postgres').steps).toEqual([
      { kind: 'sql', statements: ['SELECT 1 #'] },
    ]);
  });

  it('marks the continuation prompt with what is still open', () => {
    expect(promptMarker('', 'postgres')).toBe('=');
    expect(promptMarker('SELECT', 'postgres')).toBe('-');
    expect(promptMarker("SELECT 'a", 'postgres')).toBe("'");
    expect(promptMarker('SELECT "a', 'postgres')).toBe('"');
    expect(promptMarker('SELECT $$a', 'postgres')).toBe('$');
    expect(promptMarker('SELECT /* a', 'postgres')).toBe('*');
    expect(promptMarker('SELECT `a', 'mysql')).toBe('`');
  });
});
