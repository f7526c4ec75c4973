import { describe, expect, it } from 'vitest';
import { scanState, splitStatements } from '../../../shared/sql/split.js';
import type { SqlDialect } from '../../../shared/sql/split.js';

const texts = (sql: string, dialect: SqlDialect): string[] =>
  splitStatements(sql, dialect).map((statement) => statement.text);

describe('splitStatements (both dialects)', () => {
  for (const dialect of ['postgres', 'mysql'] as const) {
    describe(dialect, () => {
      it('returns nothing for empty or blank input', () => {
        expect(splitStatements('', dialect)).toEqual([]);
        expect(splitStatements('  \n\t ', dialect)).toEqual([]);
        expect(splitStatements(';;  ;\n', dialect)).toEqual([]);
      });

      it('splits on semicolons and trims each statement', () => {
        expect(texts('SELECT 1;  SELECT 2 ;\nSELECT 3', dialect)).toEqual([
          'SELECT 1',
          'SELECT 2',
          'SELECT 3',
        ]);
      });

      it('reports offsets that slice the statement text out of the input', () => {
        const sql = '  SELECT 1 ;\n\n  UPDATE t SET a = 1  ;  ';
        const statements = splitStatements(sql, dialect);
        expect(statements).toEqual([
          { text: 'SELECT 1', start: 2, end: 10 },
          { text: 'UPDATE t SET a = 1', start: 16, end: 34 },
        ]);
        for (const statement of statements) {
          expect(sql.slice(statement.start, statement.end)).toBe(statement.text);
        }
      });

      it('keeps a trailing statement without a semicolon', () => {
        expect(texts('SELECT 1; SELECT 2', dialect)).toEqual(['SELECT 1', 'SELECT 2']);
      });

      it('ignores semicolons inside single-quoted strings, with doubled-quote escapes', () => {
        expect(texts("SELECT 'a;b', 'it''s; fine'; SELECT 2", dialect)).toEqual([
          "SELECT 'a;b', 'it''s; fine'",
          'SELECT 2',
        ]);
      });

      it('ignores semicolons inside double quotes, with doubled-quote escapes', () => {
        expect(texts('SELECT "a;""b" FROM t; SELECT 2', dialect)).toEqual([
          'SELECT "a;""b" FROM t',
          'SELECT 2',
        ]);
      });

      it('ignores semicolons in -- comments and drops comment-only statements', () => {
        expect(texts('SELECT 1 -- no; split\n; -- just a comment;\n', dialect)).toEqual([
          'SELECT 1 -- no; split',
        ]);
      });

      it('ignores semicolons in block comments and keeps a leading comment with its statement', () => {
        expect(texts('/* a; b */ SELECT 1; /* only; a comment */', dialect)).toEqual(['/* a; b */ SELECT 1']);
      });

      it('handles CRLF line ends', () => {
        const sql = 'SELECT 1;\r\n-- note; here\r\nSELECT 2;\r\n';
        const statements = splitStatements(sql, dialect);
        expect(statements.map((statement) => statement.text)).toEqual([
          'SELECT 1',
          '-- note; here\r\nSELECT 2',
        ]);
        for (const statement of statements)
          expect(sql.slice(statement.start, statement.end)).toBe(statement.text);
      });

      it('makes the rest of the input one statement after an unterminated quote', () => {
        expect(texts("SELECT 1; SELECT 'oops; SELECT 3;", dialect)).toEqual([
          'SELECT 1',
          "SELECT 'oops; SELECT 3;",
        ]);
      });

      it('makes the rest of the input one statement after an unterminated block comment', () => {
        expect(texts('SELECT 1 /* open; SELECT 2;', dialect)).toEqual(['SELECT 1 /* open; SELECT 2;']);
      });

      it('drops a statement that is only an unterminated block comment', () => {
        expect(texts('SELECT 1; /* open; never closed', dialect)).toEqual(['SELECT 1']);
      });
    });
  }
});

describe('splitStatements (postgres)', () => {
  const pg = (sql: string): string[] => texts(sql, 'postgres');

  it('treats a backslash as an ordinary character in standard strings', () => {
    expect(pg("SELECT 'C:\\'; SELECT 2")).toEqual(["SELECT 'C:\\'", 'SELECT 2']);
  });

  it('honours backslash escapes in E strings', () => {
    expect(pg("SELECT E'it\\'s; \\\\'; SELECT 2")).toEqual(["SELECT E'it\\'s; \\\\'", 'SELECT 2']);
    expect(pg("SELECT e'\\';'; SELECT 2")).toEqual(["SELECT e'\\';'", 'SELECT 2']);
  });

  it('accepts doubled quotes inside E strings', () => {
    expect(pg("SELECT E'a''b;\\n'; SELECT 2")).toEqual(["SELECT E'a''b;\\n'", 'SELECT 2']);
  });

  it('makes the rest one statement after an unterminated quoted identifier', () => {
    expect(pg('SELECT 1; SELECT "x; SELECT 3;')).toEqual(['SELECT 1', 'SELECT "x; SELECT 3;']);
  });

  it('does not mistake an identifier ending in e for an E prefix', () => {
    expect(pg("SELECT 1 AS some'\\'; SELECT 2")).toEqual(["SELECT 1 AS some'\\'", 'SELECT 2']);
  });

  it('does not treat backslash as an escape inside double-quoted identifiers', () => {
    expect(pg('SELECT 1 AS "a\\"; SELECT 2')).toEqual(['SELECT 1 AS "a\\"', 'SELECT 2']);
  });

  it('ignores semicolons in $$ dollar quotes', () => {
    const fn = 'CREATE FUNCTION f() RETURNS int AS $$ BEGIN RETURN 1; END; $$ LANGUAGE plpgsql';
    expect(pg(`${fn}; SELECT f()`)).toEqual([fn, 'SELECT f()']);
  });

  it('matches tagged dollar quotes by their exact tag', () => {
    const body = 'DO $body$ BEGIN PERFORM $q$ ; $$ ; $Body$ ; $q$; END $body$';
    expect(pg(`${body}; SELECT 2`)).toEqual([body, 'SELECT 2']);
  });

  it('treats $1 as a parameter, not a dollar quote', () => {
    expect(pg('SELECT $1; SELECT $2::int')).toEqual(['SELECT $1', 'SELECT $2::int']);
    expect(pg('SELECT $1$; SELECT 2')).toEqual(['SELECT $1$', 'SELECT 2']);
  });

  it('does not start a dollar quote inside an identifier', () => {
    expect(pg('SELECT a$b$ FROM t; SELECT 2')).toEqual(['SELECT a$b$ FROM t', 'SELECT 2']);
  });

  it('makes the rest one statement after an unterminated dollar quote', () => {
    expect(pg('SELECT 1; SELECT $x$ ; SELECT 3;')).toEqual(['SELECT 1', 'SELECT $x$ ; SELECT 3;']);
  });

  it('nests block comments', () => {
    expect(pg('SELECT 1 /* outer /* inner; */ still comment; */; SELECT 2')).toEqual([
      'SELECT 1 /* outer /* inner; */ still comment; */',
      'SELECT 2',
    ]);
  });

  it('treats --x as a comment', () => {
    expect(pg('SELECT 1 --x; SELECT 2\n; SELECT 3')).toEqual(['SELECT 1 --x; SELECT 2', 'SELECT 3']);
  });

  it('ends a -- comment at a bare carriage return', () => {
    expect(pg('SELECT 1 -- note\r; SELECT 2')).toEqual(['SELECT 1 -- note', 'SELECT 2']);
  });

  it('treats # and backticks as ordinary characters', () => {
    expect(pg('SELECT 1 # 2; SELECT `a;b`')).toEqual(['SELECT 1 # 2', 'SELECT `a', 'b`']);
  });
});

describe('splitStatements (mysql)', () => {
  const my = (sql: string): string[] => texts(sql, 'mysql');

  it('honours backslash escapes in single-quoted strings', () => {
    expect(my("SELECT 'it\\'s; fine'; SELECT 2")).toEqual(["SELECT 'it\\'s; fine'", 'SELECT 2']);
    expect(my("SELECT 'C:\\\\'; SELECT 2")).toEqual(["SELECT 'C:\\\\'", 'SELECT 2']);
  });

  it('honours backslash escapes in double-quoted strings', () => {
    expect(my('SELECT "a\\";b"; SELECT 2')).toEqual(['SELECT "a\\";b"', 'SELECT 2']);
  });

  it('ignores semicolons in backtick identifiers, with doubled-backtick escapes', () => {
    expect(my('SELECT `a;``b` FROM t; SELECT 2')).toEqual(['SELECT `a;``b` FROM t', 'SELECT 2']);
  });

  it('treats # as a comment to the end of the line', () => {
    expect(my('SELECT 1 # comment; here\n; # only a comment;')).toEqual(['SELECT 1 # comment; here']);
  });

  it('does not treat --x as a comment', () => {
    expect(my('SELECT 1 --x; SELECT 2')).toEqual(['SELECT 1 --x', 'SELECT 2']);
    expect(my('SELECT 5--1; SELECT 2')).toEqual(['SELECT 5--1', 'SELECT 2']);
  });

  it('treats -- followed by whitespace, a control character or the end as a comment', () => {
    expect(my('SELECT 1 -- c; x\n; SELECT 2')).toEqual(['SELECT 1 -- c; x', 'SELECT 2']);
    expect(my('SELECT 1 --\t;\n; SELECT 2')).toEqual(['SELECT 1 --\t;', 'SELECT 2']);
    expect(my('SELECT 1 --\n; SELECT 2')).toEqual(['SELECT 1 --', 'SELECT 2']);
    expect(my('SELECT 1; --')).toEqual(['SELECT 1']);
  });

  it('does not nest block comments', () => {
    expect(my('SELECT 1 /* a /* b */; SELECT 2 */')).toEqual(['SELECT 1 /* a /* b */', 'SELECT 2 */']);
  });

  it('treats the body of an executable comment as code', () => {
    expect(my('/*!40101 SET NAMES utf8 */; SELECT 2')).toEqual(['/*!40101 SET NAMES utf8 */', 'SELECT 2']);
    expect(my('/*M!100101 SET x = 1 */;')).toEqual(['/*M!100101 SET x = 1 */']);
    expect(my('SELECT 1 /*! ; DROP TABLE t */')).toEqual(['SELECT 1 /*!', 'DROP TABLE t */']);
  });

  it('treats dollar signs as ordinary characters', () => {
    expect(my('SELECT $$; SELECT 2 $$')).toEqual(['SELECT $$', 'SELECT 2 $$']);
  });

  it('ends a # comment only at a line feed', () => {
    expect(my('SELECT 1 # note\r; still comment\n; SELECT 2')).toEqual([
      'SELECT 1 # note\r; still comment',
      'SELECT 2',
    ]);
  });
});

describe('scanState', () => {
  it('is complete when the input ends with a semicolon', () => {
    expect(scanState('SELECT 1;', 'postgres')).toEqual({ complete: true, open: null });
    expect(scanState('SELECT 1;  \n', 'mysql')).toEqual({ complete: true, open: null });
  });

  it('is incomplete without a final semicolon', () => {
    expect(scanState('', 'postgres')).toEqual({ complete: false, open: null });
    expect(scanState('SELECT 1', 'postgres')).toEqual({ complete: false, open: null });
    expect(scanState('SELECT 1; SELECT 2', 'postgres')).toEqual({ complete: false, open: null });
  });

  it('ignores trailing line comments after the semicolon', () => {
    expect(scanState('SELECT 1; -- done', 'postgres')).toEqual({ complete: true, open: null });
    expect(scanState('SELECT 1; # done\n', 'mysql')).toEqual({ complete: true, open: null });
  });

  it('ignores a closed block comment after the semicolon', () => {
    expect(scanState('SELECT 1; /* done */', 'postgres')).toEqual({ complete: true, open: null });
  });

  it('is incomplete when the semicolon is inside a comment', () => {
    expect(scanState('SELECT 1 -- not yet;', 'postgres')).toEqual({ complete: false, open: null });
    expect(scanState('SELECT 1 # not yet;', 'mysql')).toEqual({ complete: false, open: null });
  });

  it('is complete after a mysql --x token followed by a semicolon', () => {
    expect(scanState('SELECT 1 --x;', 'mysql')).toEqual({ complete: true, open: null });
    expect(scanState('SELECT 1 --x;', 'postgres')).toEqual({ complete: false, open: null });
  });

  it('reports an open single quote', () => {
    expect(scanState("SELECT 'abc;", 'postgres')).toEqual({ complete: false, open: 'quote' });
    expect(scanState("SELECT 'it\\';", 'mysql')).toEqual({ complete: false, open: 'quote' });
    expect(scanState("SELECT 'it\\';", 'postgres')).toEqual({ complete: true, open: null });
  });

  it('reports an open double quote, backtick and dollar quote', () => {
    expect(scanState('SELECT "abc;', 'postgres')).toEqual({ complete: false, open: 'dquote' });
    expect(scanState('SELECT `abc;', 'mysql')).toEqual({ complete: false, open: 'backtick' });
    expect(scanState('DO $f$ BEGIN; \n', 'postgres')).toEqual({ complete: false, open: 'dollar' });
    expect(scanState('DO $$ BEGIN; END $$;', 'postgres')).toEqual({ complete: true, open: null });
  });

  it('reports an open block comment, including an unclosed nested one', () => {
    expect(scanState('SELECT 1; /* note', 'postgres')).toEqual({ complete: false, open: 'comment' });
    expect(scanState('SELECT 1; /* a /* b */', 'postgres')).toEqual({ complete: false, open: 'comment' });
    expect(scanState('SELECT 1; /* a /* b */', 'mysql')).toEqual({ complete: true, open: null });
    expect(scanState('SELECT 1 /*! ;', 'mysql')).toEqual({ complete: false, open: 'comment' });
  });

  it('handles CRLF line ends', () => {
    expect(scanState('SELECT 1;\r\n', 'postgres')).toEqual({ complete: true, open: null });
    expect(scanState('SELECT 1; -- c\r\n', 'mysql')).toEqual({ complete: true, open: null });
  });
});
