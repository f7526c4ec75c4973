import { describe, expect, it } from 'vitest';
import type { EngineName, Role } from '../../../shared/protocol/index.js';
import { authorizeStatement, classifyStatement } from '../../../lambda/policy/index.js';
import { lexMysqlStrictly } from '../../../lambda/policy/mysqlLexer.js';
import { MYSQL_ATTACKS, MYSQL_BENIGN, POSTGRES_ATTACKS, POSTGRES_BENIGN, type Attack } from './corpus.js';

function fill(sql: string): string {
  return sql.replaceAll('{victim}', '12345').replaceAll('{db}', 'dbq_t_x').replaceAll('{file}', '/tmp/dbq-x');
}

async function verdict(sql: string, engine: EngineName, role: Role) {
  return authorizeStatement(sql, engine, role);
}

async function denial(sql: string, engine: EngineName, role: Role) {
  const { denial } = await verdict(sql, engine, role);
  expect(denial, `${role} should refuse: ${sql}`).not.toBeNull();
  return denial!;
}

describe('PostgreSQL statement classification', () => {
  it.each([
    ['SELECT 1', 'read', 'SELECT'],
    ["VALUES (1, 'a')", 'read', 'VALUES'],
    ['TABLE items', 'read', 'SELECT'],
    ['WITH x AS (SELECT 1) SELECT * FROM x', 'read', 'SELECT'],
    ['SHOW work_mem', 'read', 'SHOW'],
    ['EXPLAIN SELECT 1', 'read', 'EXPLAIN SELECT'],
    ['EXPLAIN ANALYZE SELECT 1', 'read', 'EXPLAIN ANALYZE SELECT'],
    ['INSERT INTO t VALUES (1)', 'write', 'INSERT'],
    ['UPDATE t SET a = 1', 'write', 'UPDATE'],
    ['DELETE FROM t', 'write', 'DELETE'],
    ['MERGE INTO t USING u ON t.a = u.a WHEN MATCHED THEN DELETE', 'write', 'MERGE'],
    ['WITH d AS (DELETE FROM t RETURNING *) SELECT * FROM d', 'write', 'SELECT'],
    ['SELECT * FROM t FOR UPDATE', 'write', 'SELECT'],
    ['CREATE TABLE t (a int)', 'ddl', 'CREATE TABLE'],
    ['SELECT * INTO t2 FROM t', 'ddl', 'SELECT'],
    ['DROP TABLE t', 'ddl', 'DROP'],
    ['TRUNCATE t', 'ddl', 'TRUNCATE'],
    ['GRANT SELECT ON t TO PUBLIC', 'privilege', 'GRANT'],
    ['REVOKE SELECT ON t FROM PUBLIC', 'privilege', 'REVOKE'],
    ['CREATE ROLE r', 'privilege', 'CREATE ROLE'],
    ['SET work_mem = 1', 'session', 'SET'],
    ['PREPARE p AS SELECT 1', 'session', 'PREPARE'],
    ['LISTEN c', 'session', 'LISTEN'],
    ['BEGIN', 'transaction', 'BEGIN'],
    ['END', 'transaction', 'COMMIT'],
    ['SET TRANSACTION READ WRITE', 'transaction', 'SET TRANSACTION'],
    ['VACUUM t', 'utility', 'VACUUM'],
    ['ANALYZE t', 'utility', 'ANALYZE'],
    ['COPY t TO STDOUT', 'utility', 'COPY'],
    ['DO $$ BEGIN END $$', 'utility', 'DO'],
    ['CALL p()', 'utility', 'CALL'],
    ['LOCK TABLE t', 'utility', 'LOCK'],
  ])('classifies %s as %s (%s)', async (sql, kind, command) => {
    const classification = await classifyStatement(sql, 'postgres');
    expect(classification).toMatchObject({ kind, command });
  });

  it('finds function calls anywhere in the tree', async () => {
    const sql = `WITH c AS (SELECT f1() AS x) SELECT count(*) FILTER (WHERE f2() > 0),
      row_number() OVER (ORDER BY f3()), CAST(f4() AS text), ARRAY(SELECT f5())
      FROM c, LATERAL (SELECT f6()) l WHERE EXISTS (SELECT 1 WHERE f7() IN (VALUES (f8())))
      GROUP BY f9() HAVING f10() > 0 ORDER BY f11() LIMIT f12()`;
    const { functions } = await classifyStatement(sql, 'postgres');
    for (let n = 1; n <= 12; n++) expect(functions).toContain(`f${n}`);
  });

  it('finds function calls in default expressions of DDL', async () => {
    const { functions } = await classifyStatement(
      'CREATE TABLE t (a int DEFAULT pg_sleep(1)::int, b text DEFAULT current_user)',
      'postgres',
    );
    expect(functions).toContain('pg_sleep');
  });

  it('treats EXPLAIN ANALYZE as running the statement, whatever the spelling of the option', async () => {
    for (const sql of [
      'EXPLAIN ANALYZE DELETE FROM t',
      'EXPLAIN ANALYSE DELETE FROM t',
      'EXPLAIN (ANALYZE) DELETE FROM t',
      'EXPLAIN (ANALYZE true) DELETE FROM t',
      'EXPLAIN (ANALYZE on) DELETE FROM t',
      'EXPLAIN (ANALYZE 1) DELETE FROM t',
      'EXPLAIN (COSTS off, ANALYZE yes) DELETE FROM t',
    ]) {
      const found = (await classifyStatement(sql, 'postgres')).findings.map((f) => f.rule);
      expect(found, sql).toContain('explain-analyze');
    }
    for (const sql of ['EXPLAIN (ANALYZE false) DELETE FROM t', 'EXPLAIN (ANALYZE off) DELETE FROM t']) {
      const found = (await classifyStatement(sql, 'postgres')).findings.map((f) => f.rule);
      expect(found, sql).not.toContain('explain-analyze');
    }
  });

  it('counts a BEGIN ATOMIC body as one statement', async () => {
    const sql = 'CREATE FUNCTION f() RETURNS int LANGUAGE sql BEGIN ATOMIC SELECT 1; SELECT 2; END';
    const { classification, denial } = await verdict(sql, 'postgres', 'admin');
    expect(classification.kind).toBe('ddl');
    expect(denial).toBeNull();
  });

  it('refuses a second statement for every role, pointing at it', async () => {
    const error = await denial('SELECT 1; SELECT 2', 'postgres', 'admin');
    expect(error.message).toMatch(/one statement per request: found 2 statements/);
    expect(error.fields.position).toBe(11);
  });

  it('reports positions as PostgreSQL counts them (characters, 1-based)', async () => {
    const error = await denial("SELECT 'ééé', pg_sleep(1)", 'postgres', 'read');
    expect(error.fields.position).toBe(15);
    const syntax = await denial("SELECT 'ééé' FROM WHERE", 'postgres', 'read');
    expect(syntax.fields.position).toBe(19);
  });

  it('refuses what the parser cannot read to read and write, with its position, and lets admin run it', async () => {
    for (const role of ['read', 'write'] as const) {
      const error = await denial('SELECT * FROM WHERE', 'postgres', role);
      expect(error.code).toBe('DENIED');
      expect(error.message).toMatch(
        /PostgreSQL parser cannot read this statement \(syntax error at or near "WHERE"\)/,
      );
      expect(error.fields.position).toBe(15);
    }
    expect((await verdict('SELECT * FROM WHERE', 'postgres', 'admin')).denial).toBeNull();
  });

  it('refuses a NUL character to every role: the parser would stop reading at it', async () => {
    const error = await denial('SELECT 1\u0000; DELETE FROM t', 'postgres', 'admin');
    expect(error.message).toMatch(/^a NUL character is not allowed for any role/);
    expect(error.fields.position).toBe(9);
  });

  it('classifies deeply nested statements without overflowing the stack', async () => {
    const nested = `SELECT ${'(SELECT '.repeat(1000)}1${')'.repeat(1000)}`;
    expect((await verdict(nested, 'postgres', 'read')).denial).toBeNull();
    const deeper = `SELECT ${'(SELECT '.repeat(5000)}1${')'.repeat(5000)}`;
    for (const engine of ['postgres', 'mysql'] as const) {
      expect((await denial(deeper, engine, 'read')).code).toBe('DENIED');
    }
  });

  it('uses the same parser and policy for PGlite', async () => {
    for (const sql of ['SELECT pg_sleep(1)', 'SELECT 1', 'COMMIT', 'SELECT * FROM t FOR UPDATE']) {
      const postgres = await verdict(sql, 'postgres', 'read');
      const pglite = await verdict(sql, 'pglite', 'read');
      expect(pglite.classification).toEqual(postgres.classification);
      expect(pglite.denial?.message).toEqual(postgres.denial?.message);
    }
  });

  it('judges set_config by the setting it names', async () => {
    expect((await denial("SELECT set_config('role', 'x', false)", 'postgres', 'admin')).message).toMatch(
      /set_config\('role', …\) is not allowed for any role/,
    );
    expect(
      (await denial("SELECT set_config('transaction_read_only', 'off', true)", 'postgres', 'admin')).message,
    ).toMatch(/is not allowed for any role/);
    expect(
      (await denial('SELECT set_config(name, setting, false) FROM s', 'postgres', 'admin')).message,
    ).toMatch(/must name its setting with a constant/);
    expect(
      (await verdict("SELECT set_config('work_mem', '8MB', false)", 'postgres', 'admin')).denial,
    ).toBeNull();
  });

  it('keeps SHOW and current_setting to harmless settings for the read and write roles', async () => {
    expect((await verdict('SHOW work_mem', 'postgres', 'read')).denial).toBeNull();
    expect((await verdict('SHOW enable_seqscan', 'postgres', 'read')).denial).toBeNull();
    expect((await verdict("SELECT current_setting('work_mem')", 'postgres', 'read')).denial).toBeNull();
    for (const sql of ['SHOW data_directory', 'SHOW ALL', "SELECT current_setting('primary_conninfo')"]) {
      expect((await denial(sql, 'postgres', 'write')).fields.detail).toMatch(/policy rule: show/);
      expect((await verdict(sql, 'postgres', 'admin')).denial).toBeNull();
    }
  });

  it('refuses user-defined operators and functions outside pg_catalog', async () => {
    expect((await denial('SELECT 1 ### 2', 'postgres', 'read')).message).toMatch(
      /^operator ### is not allowed/,
    );
    expect((await denial('SELECT 1 OPERATOR(myschema.+) 2', 'postgres', 'read')).message).toMatch(
      /^operator myschema\.\+ is not allowed/,
    );
    expect((await verdict('SELECT 1 OPERATOR(pg_catalog.+) 2', 'postgres', 'read')).denial).toBeNull();
    expect((await denial('SELECT * FROM t ORDER BY a USING ###', 'postgres', 'read')).message).toMatch(
      /^operator ### is not allowed/,
    );
    expect((await verdict('SELECT * FROM t ORDER BY a USING >', 'postgres', 'read')).denial).toBeNull();
    expect((await denial('SELECT myschema.lower(x) FROM t', 'postgres', 'read')).message).toMatch(
      /^function myschema\.lower is not allowed/,
    );
    expect((await verdict('SELECT pg_catalog.lower(x) FROM t', 'postgres', 'read')).denial).toBeNull();
  });
});

describe('the role policy', () => {
  it('names the rule and the function it refuses', async () => {
    const error = await denial('SELECT pg_terminate_backend(123)', 'postgres', 'read');
    expect(error.code).toBe('DENIED');
    expect(error.message).toMatch(/^function pg_terminate_backend is not allowed for the read role: /);
    expect(error.fields).toMatchObject({ position: 8, hint: 'the admin role may run it' });
    expect(error.fields.detail).toMatch(/^policy rule: function; statement classified as write \(SELECT\)/);
  });

  it('lets the write role call sequence functions and run data changes, not DDL', async () => {
    expect((await verdict("SELECT nextval('s')", 'postgres', 'write')).denial).toBeNull();
    expect((await verdict("INSERT INTO t VALUES (nextval('s'))", 'postgres', 'write')).denial).toBeNull();
    expect(
      (await verdict('WITH d AS (DELETE FROM t RETURNING *) SELECT * FROM d', 'postgres', 'write')).denial,
    ).toBeNull();
    expect((await denial("SELECT nextval('s')", 'postgres', 'read')).message).toMatch(/^function nextval/);
    const ddl = await denial('CREATE TABLE t (a int)', 'postgres', 'write');
    expect(ddl.message).toMatch(/^CREATE TABLE is not allowed for the write role: .* this is DDL$/);
  });

  it('tells the read role which statements it runs', async () => {
    const error = await denial('DELETE FROM t', 'postgres', 'read');
    expect(error.message).toMatch(/^DELETE is not a query: the read role runs queries only/);
  });

  it('refuses transaction control and role switches to every role, admin included', async () => {
    for (const sql of [
      'COMMIT',
      'ROLLBACK',
      'SAVEPOINT a',
      'SET TRANSACTION READ WRITE',
      'SET ROLE x',
      'RESET ROLE',
    ]) {
      const error = await denial(sql, 'postgres', 'admin');
      expect(error.message).toMatch(/is not allowed for any role/);
    }
    for (const sql of ['COMMIT', 'SET autocommit = 1', 'SET ROLE x', "XA START 'x'"]) {
      expect((await denial(sql, 'mysql', 'admin')).message).toMatch(/is not allowed for any role/);
    }
  });

  it('lets admin run everything else', async () => {
    for (const sql of [
      'DROP TABLE t',
      'SELECT pg_terminate_backend(1)',
      'VACUUM',
      'GRANT SELECT ON t TO x',
    ]) {
      expect((await verdict(sql, 'postgres', 'admin')).denial, sql).toBeNull();
    }
    for (const sql of [
      'DROP TABLE t',
      'SELECT SLEEP(1)',
      "LOAD DATA INFILE '/x' INTO TABLE t",
      'SET @x = 1',
    ]) {
      expect((await verdict(sql, 'mysql', 'admin')).denial, sql).toBeNull();
    }
  });
});

describe('MySQL raw-text checks', () => {
  it.each([
    ['SELECT 1 /*! , SLEEP(5) */', 'mysql-executable-comment', 10],
    ['SELECT 1 /*M! , SLEEP(5) */', 'mysql-executable-comment', 10],
    ['/*!50000 DROP TABLE t */', 'mysql-executable-comment', 1],
    ['SELECT /*+ SET_VAR(sql_mode = "") */ 1', 'mysql-optimizer-hint', 8],
    ['SELECT 1--1', 'mysql-dash-comment', 9],
    ['SELECT 1 --', 'mysql-dash-comment', 10],
    ['SELECT 1 /* a /* b */ , SLEEP(1)', 'mysql-nested-comment', 15],
    ['SELECT 1 /* never ends', 'mysql-unterminated-comment', 10],
    ["SELECT 'a\\'', SLEEP(5), ''", 'mysql-ambiguous-escape', 10],
  ])('refuses %s (%s)', (sql, rule, position) => {
    const findings = lexMysqlStrictly(sql).findings;
    expect(findings[0]).toMatchObject({ rule, needs: null, position });
  });

  it('accepts real comments and look-alikes inside strings', () => {
    for (const sql of [
      'SELECT 1 -- a comment',
      'SELECT 1 --\ta comment',
      'SELECT 1 # a comment',
      'SELECT 1 /* a comment */',
      "SELECT '/*! not code */', '--x', '/*+ no hint */'",
      "SELECT 'C:\\\\path', 'it''s'",
      'SELECT `a``b` FROM t',
    ]) {
      expect(lexMysqlStrictly(sql).findings, sql).toEqual([]);
    }
  });
});

describe('MySQL statement classification', () => {
  it.each([
    ['SELECT 1', 'read', 'SELECT'],
    ['SHOW TABLES', 'read', 'SHOW'],
    ["SHOW GLOBAL VARIABLES LIKE 'max%'", 'read', 'SHOW'],
    ['DESCRIBE t', 'read', 'DESCRIBE'],
    ['EXPLAIN SELECT 1', 'read', 'EXPLAIN SELECT'],
    ['EXPLAIN FORMAT=JSON SELECT 1', 'read', 'EXPLAIN SELECT'],
    ['ANALYZE SELECT 1', 'read', 'ANALYZE SELECT'],
    ['ANALYZE TABLE t', 'utility', 'ANALYZE TABLE'],
    ['INSERT INTO t VALUES (1)', 'write', 'INSERT'],
    ['REPLACE INTO t VALUES (1)', 'write', 'REPLACE'],
    ['SELECT * FROM t FOR UPDATE', 'write', 'SELECT'],
    ['CREATE TABLE t (a INT)', 'ddl', 'CREATE TABLE'],
    ["CREATE USER 'u'@'%'", 'privilege', 'CREATE USER'],
    ['SET @x = 1', 'session', 'SET'],
    ['SET NAMES latin1', 'session', 'SET'],
    ['START TRANSACTION', 'transaction', 'START TRANSACTION'],
    ['SET SESSION TRANSACTION READ WRITE', 'transaction', 'SET TRANSACTION'],
    ["LOAD DATA INFILE '/x' INTO TABLE t", 'utility', 'LOAD'],
    ['KILL 1', 'utility', 'KILL'],
  ])('classifies %s as %s (%s)', async (sql, kind, command) => {
    expect(await classifyStatement(sql, 'mysql')).toMatchObject({ kind, command });
  });

  it('finds function calls in subqueries, CTEs, ORDER BY, windows and casts', async () => {
    const { functions } = await classifyStatement(
      `WITH c AS (SELECT F1() AS x) SELECT CAST(F2() AS CHAR), ROW_NUMBER() OVER (ORDER BY F3())
       FROM c WHERE x IN (SELECT F4()) GROUP BY F5() ORDER BY F6()`,
      'mysql',
    );
    for (let n = 1; n <= 6; n++) expect(functions).toContain(`F${n}`);
  });

  it('refuses SHOW … WHERE and the SHOW forms that reveal secrets to the read role', async () => {
    for (const sql of [
      "SHOW VARIABLES WHERE Variable_name = 'x'",
      'SHOW CREATE USER root',
      'SHOW BINLOG EVENTS',
    ]) {
      expect((await denial(sql, 'mysql', 'read')).fields.detail).toMatch(/policy rule: show/);
    }
  });

  it('refuses what node-sql-parser cannot read to read and write, and lets admin run it', async () => {
    const error = await denial('SELECT * FROM t USE INDEX (i)', 'mysql', 'read');
    expect(error.message).toMatch(/MySQL parser \(node-sql-parser\) cannot read this statement/);
    expect(error.fields.position).toBeGreaterThan(1);
    expect((await verdict('SELECT * FROM t USE INDEX (i)', 'mysql', 'admin')).denial).toBeNull();
  });

  it('refuses raw-text tricks to every role, admin included', async () => {
    for (const sql of ['SELECT 1 /*!50000 , SLEEP(1) */', 'SELECT 1--1', 'SELECT /*+ NO_ICP(t) */ 1']) {
      expect((await denial(sql, 'mysql', 'admin')).message).toMatch(/is not allowed for any role/);
    }
  });

  it('reads a doubly parenthesized scalar subquery as a subquery, not a function', async () => {
    expect((await verdict('SELECT (SELECT (SELECT 1))', 'mysql', 'read')).denial).toBeNull();
    expect((await denial('SELECT (SELECT (SELECT SLEEP(1)))', 'mysql', 'read')).message).toMatch(
      /^function SLEEP/,
    );
  });

  it('refuses a second statement to every role, as the lexer and as the parser count them', async () => {
    for (const sql of ['SELECT 1; SELECT 2', 'SELECT 1 # x\n; SELECT 2']) {
      expect((await denial(sql, 'mysql', 'admin')).message).toMatch(/one statement per request/);
    }
  });
});

function check(attacks: Attack[], engine: EngineName): void {
  for (const role of ['read', 'write'] as const) {
    const mine = attacks.filter((attack) => attack.roles.includes(role));
    it(`refuses all ${mine.length} hostile statements for the ${role} role`, async () => {
      const through: string[] = [];
      for (const attack of mine) {
        const { denial } = await verdict(fill(attack.sql), engine, role);
        if (denial?.code !== 'DENIED') through.push(attack.sql);
      }
      expect(through).toEqual([]);
    });
  }
}

describe('the hostile corpus, classified without a database', () => {
  describe('PostgreSQL', () => check(POSTGRES_ATTACKS, 'postgres'));
  describe('MySQL', () => check(MYSQL_ATTACKS, 'mysql'));
  it('has at least 80 hostile statements per engine', () => {
    expect(POSTGRES_ATTACKS.length).toBeGreaterThanOrEqual(80);
    expect(MYSQL_ATTACKS.length).toBeGreaterThanOrEqual(80);
  });
});

describe('the benign corpus, classified without a database', () => {
  it.each([
    ['PostgreSQL', POSTGRES_BENIGN, 'postgres'],
    ['MySQL', MYSQL_BENIGN, 'mysql'],
  ] as const)('allows every benign %s read for the read role', async (_name, statements, engine) => {
    expect(statements.length).toBeGreaterThanOrEqual(40);
    const refused: string[] = [];
    for (const sql of statements) {
      const { classification, denial } = await verdict(sql, engine, 'read');
      if (denial !== null || classification.kind !== 'read')
        refused.push(`${sql} → ${denial?.message ?? classification.kind}`);
    }
    expect(refused).toEqual([]);
  });
});
