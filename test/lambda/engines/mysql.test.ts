import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createMysqlEngine } from '../../../lambda/engines/mysql.js';
import { describeMysqlField } from '../../../lambda/engines/mysqlColumns.js';
import { mysqlSyntaxErrorPosition, mysqlToDbqError } from '../../../lambda/engines/mysqlErrors.js';
import type {
  Engine,
  EngineConnection,
  ExecuteOptions,
  StatementResult,
} from '../../../lambda/engines/types.js';
import type { Cell } from '../../../shared/protocol/index.js';
import { DbqError } from '../../../shared/protocol/index.js';
import { MARIADB_HOST, MARIADB_PORT, useMariaDbDatabase } from '../../helpers/mariadb.js';

const READ: ExecuteOptions = { readOnly: true, timeoutMs: 30_000 };
const WRITE: ExecuteOptions = { readOnly: false, timeoutMs: 30_000 };

const database = useMariaDbDatabase();
let engine: Engine;

beforeAll(() => {
  engine = createMysqlEngine(database.current.target());
});

afterAll(async () => {
  await engine.shutdown();
});

async function withSession<T>(use: (session: EngineConnection) => Promise<T>): Promise<T> {
  const session = await engine.connect('admin');
  try {
    return await use(session);
  } finally {
    await session.close();
  }
}

async function readAll(result: StatementResult, pageSize = 1000): Promise<Cell[][]> {
  const rows: Cell[][] = [];
  for (;;) {
    const page = await result.readRows(pageSize);
    if (page.length === 0) return rows;
    rows.push(...page);
  }
}

/** Runs a statement to its end and ends its transaction, the way the handler does; rejects with a DbqError. */
async function run(
  session: EngineConnection,
  sql: string,
  options: ExecuteOptions = READ,
): Promise<{ result: StatementResult; rows: Cell[][] }> {
  let result: StatementResult;
  try {
    result = await session.execute(sql, options);
  } catch (error) {
    throw engine.toDbqError(error);
  }
  try {
    const rows = await readAll(result);
    await result.close('commit');
    return { result, rows };
  } catch (error) {
    await result.close('rollback');
    throw engine.toDbqError(error);
  }
}

async function failure(promise: Promise<unknown>): Promise<DbqError> {
  try {
    await promise;
  } catch (error) {
    expect(error).toBeInstanceOf(DbqError);
    return error as DbqError;
  }
  throw new Error('expected the statement to fail');
}

/** Polls a condition until it holds or the deadline passes. */
async function waitFor(condition: () => Promise<boolean>, deadlineMs = 10_000): Promise<void> {
  const deadline = Date.now() + deadlineMs;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error('condition not met before the deadline');
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

async function runningStatements(marker: string): Promise<number> {
  const [rows] = await database.current.root.query(
    "SELECT COUNT(*) AS n FROM information_schema.PROCESSLIST WHERE COMMAND = 'Query' AND ID <> CONNECTION_ID() AND INFO LIKE ?",
    [`%${marker}%`],
  );
  return Number((rows as { n: string | number }[])[0]?.n ?? 0);
}

describe('mysql engine sessions', () => {
  it('connects as the role user and reports the MariaDB server version', async () => {
    expect(engine.name).toBe('mysql');
    expect(engine.maxConnections).toBe(10);
    await withSession(async (session) => {
      expect(session.serverVersion).toMatch(/MariaDB/);
      expect(session.broken).toBe(false);
      await session.ping();
      const { rows } = await run(
        session,
        'SELECT DATABASE(), @@session.time_zone, @@session.net_write_timeout',
      );
      expect(rows).toEqual([[database.current.name, '+00:00', '900']]);
    });
  });

  it('denies a role that has no database user', async () => {
    const readOnlyTarget = createMysqlEngine(
      database.current.target({ users: { read: { user: 'root', password: '' } } }),
    );
    const error = await failure(readOnlyTarget.connect('write'));
    expect(error.code).toBe('DENIED');
  });

  it('reports an unreachable server as CONNECTION naming host and port', async () => {
    const nowhere = createMysqlEngine(database.current.target({ host: '127.0.0.1', port: 1 }));
    const error = await failure(nowhere.connect('read'));
    expect(error.code).toBe('CONNECTION');
    expect(error.message).toContain('127.0.0.1:1');
  });

  it('reports a rejected login as CONNECTION with the server errno', async () => {
    const stranger = createMysqlEngine(
      database.current.target({ users: { read: { user: 'dbq_no_such_user', password: 'x' } } }),
    );
    const error = await failure(stranger.connect('read'));
    expect(error.code).toBe('CONNECTION');
    expect(error.fields.errno).toBe(1045);
    expect(error.message).toContain(`${MARIADB_HOST}:${MARIADB_PORT}`);
  });

  it('refuses to fall back to plaintext when verify-full TLS is required', async () => {
    // The test server has TLS disabled, so a verified connection cannot be made.
    const tlsEngine = createMysqlEngine(database.current.target({ tls: { mode: 'verify-full' } }));
    const error = await failure(tlsEngine.connect('read'));
    expect(error.code).toBe('CONNECTION');
  });

  it('refuses a second statement while the first is still open', async () => {
    await withSession(async (session) => {
      const first = await session.execute('SELECT 1', READ);
      const error = await failure(session.execute('SELECT 2', READ));
      expect(error.code).toBe('INTERNAL');
      expect(await readAll(first)).toEqual([[1]]);
      await first.close('commit');
      expect((await run(session, 'SELECT 2')).rows).toEqual([[2]]);
    });
  });

  it('closes a session twice without rejecting', async () => {
    const session = await engine.connect('read');
    await session.close();
    await session.close();
    await expect(session.ping()).rejects.toBeInstanceOf(DbqError);
  });
});

describe('mysql value encoding', () => {
  beforeAll(async () => {
    const { root } = database.current;
    await root.query(`CREATE TABLE vals (
      id INT PRIMARY KEY,
      u64 BIGINT UNSIGNED, i64 BIGINT, dec65 DECIMAL(65,30), dt DATETIME(6), ts TIMESTAMP(6) NULL, d DATE,
      tm TIME(6), b1 BIT(1), b10 BIT(10), e ENUM('small','large'), s SET('a','b','c'), j JSON, bl BLOB,
      txt VARCHAR(100), f FLOAT, dbl DOUBLE, flag TINYINT(1), yr YEAR, vb VARBINARY(8), pt POINT NULL
    ) CHARACTER SET utf8mb4`);
    // Written from a session in another time zone: the engine's UTC session must show the same instant in UTC.
    await root.query("SET time_zone = '+05:00'");
    await root.query(`INSERT INTO vals VALUES (
      1, 18446744073709551615, -9223372036854775808,
      -12345678901234567890123456789012345.123456789012345678901234567890,
      '2024-01-02 03:04:05.123456', '2024-07-01 04:59:59.999999', '2024-02-29', '-100:00:01.25',
      b'1', b'0000000101', 'large', 'c,a', '{"k": [1, 2.50, "x"], "big": 18446744073709551615}', x'00ff10',
      '😀 日本語 café', 1.5, 0.1, 1, 2024, x'000102', POINT(1, 2)
    )`);
    await root.query(
      "INSERT INTO vals (id, txt, b1, b10) VALUES (2, 'NULL', b'0', b'0'), (3, NULL, NULL, NULL)",
    );
    await root.query("SET time_zone = '+00:00'");
  });

  it('describes each column with a readable MySQL type and its wire kind', async () => {
    await withSession(async (session) => {
      const result = await session.execute('SELECT * FROM vals ORDER BY id', READ);
      expect(result.columns.map((column) => [column.name, column.type, column.kind])).toEqual([
        ['id', 'INT', 'int'],
        ['u64', 'BIGINT UNSIGNED', 'bigint'],
        ['i64', 'BIGINT', 'bigint'],
        ['dec65', 'DECIMAL(65,30)', 'decimal'],
        ['dt', 'DATETIME(6)', 'timestamp'],
        ['ts', 'TIMESTAMP(6)', 'timestamptz'],
        ['d', 'DATE', 'date'],
        ['tm', 'TIME(6)', 'time'],
        ['b1', 'BIT(1)', 'bits'],
        ['b10', 'BIT(10)', 'bits'],
        ['e', 'ENUM', 'enum'],
        ['s', 'SET', 'set'],
        ['j', 'JSON', 'json'],
        ['bl', 'BLOB', 'bytes'],
        ['txt', 'VARCHAR', 'text'],
        ['f', 'FLOAT', 'float'],
        ['dbl', 'DOUBLE', 'float'],
        ['flag', 'TINYINT(1)', 'int'],
        ['yr', 'YEAR', 'int'],
        ['vb', 'VARBINARY', 'bytes'],
        ['pt', 'POINT', 'bytes'],
      ]);
      expect(result.command).toBeNull();
      await result.close('rollback');
    });
  });

  it('round-trips every type without loss', async () => {
    await withSession(async (session) => {
      const { rows } = await run(session, 'SELECT * FROM vals WHERE id = 1');
      const [row] = rows;
      expect(row?.slice(0, 20)).toEqual([
        1,
        '18446744073709551615',
        '-9223372036854775808',
        '-12345678901234567890123456789012345.123456789012345678901234567890',
        '2024-01-02T03:04:05.123456',
        '2024-06-30T23:59:59.999999+00:00',
        '2024-02-29',
        '-100:00:01.250000',
        '1',
        '0000000101',
        'large',
        'a,c',
        '{"k": [1, 2.50, "x"], "big": 18446744073709551615}',
        { base64: Buffer.from([0x00, 0xff, 0x10]).toString('base64') },
        '😀 日本語 café',
        1.5,
        0.1,
        1,
        2024,
        { base64: Buffer.from([0x00, 0x01, 0x02]).toString('base64') },
      ]);
      // MySQL's internal geometry: a 4-byte SRID, then WKB of POINT(1 2).
      const point = Buffer.from((row?.[20] as { base64: string }).base64, 'base64');
      expect(point.length).toBe(25);
      expect(point.readDoubleLE(9)).toBe(1);
      expect(point.readDoubleLE(17)).toBe(2);
    });
  });

  it('keeps SQL NULL distinct from the text NULL and pads BIT zero to its width', async () => {
    await withSession(async (session) => {
      const { rows } = await run(
        session,
        'SELECT id, txt, b1, b10, u64, j, bl FROM vals WHERE id IN (2, 3) ORDER BY id',
      );
      expect(rows).toEqual([
        [2, 'NULL', '0', '0000000000', null, null, null],
        [3, null, null, null, null, null, null],
      ]);
    });
  });

  it('encodes expressions: NULL, 64-bit arithmetic, exact decimals, floats and JSON functions', async () => {
    await withSession(async (session) => {
      const result = await session.execute(
        "SELECT NULL AS n, 9223372036854775807 AS big, 1/3 AS third, 1e308 AS huge, JSON_OBJECT('a', 1) AS jo, " +
          "CAST('2024-01-02 03:04:05' AS DATETIME) AS dt0, _binary 'ab' AS bin, 'NULL' AS literal",
        READ,
      );
      expect(result.columns.map((column) => column.kind)).toEqual([
        'other',
        'bigint',
        'decimal',
        'float',
        'json',
        'timestamp',
        'bytes',
        'text',
      ]);
      expect(await readAll(result)).toEqual([
        [
          null,
          '9223372036854775807',
          '0.3333',
          1e308,
          '{"a": 1}',
          '2024-01-02T03:04:05',
          { base64: Buffer.from('ab').toString('base64') },
          'NULL',
        ],
      ]);
      await result.close('commit');
    });
  });

  it('keeps zero dates as the server text instead of failing', async () => {
    const { root } = database.current;
    await root.query("SET SESSION sql_mode = ''");
    await root.query('CREATE TABLE zero_dates (d DATE, dt DATETIME, ts TIMESTAMP NULL)');
    await root.query(
      "INSERT INTO zero_dates VALUES ('0000-00-00', '0000-00-00 00:00:00', '0000-00-00 00:00:00')",
    );
    await root.query('SET SESSION sql_mode = DEFAULT');
    await withSession(async (session) => {
      const { rows } = await run(session, 'SELECT d, dt, ts FROM zero_dates');
      expect(rows).toEqual([['0000-00-00', '0000-00-00 00:00:00', '0000-00-00 00:00:00']]);
    });
  });

  it('names text and blob sizes and MariaDB types from the column definition', async () => {
    const { root } = database.current;
    await root.query(
      'CREATE TABLE sizes (tt TINYTEXT, t TEXT, mt MEDIUMTEXT, lt LONGTEXT, tb TINYBLOB, mb MEDIUMBLOB, ' +
        'lb LONGBLOB, c CHAR(3), bn BINARY(2), u UUID, i6 INET6, dc DECIMAL(10,2) UNSIGNED, ' +
        'mi MEDIUMINT UNSIGNED, si SMALLINT, ts0 TIMESTAMP NULL, t0 TIME)',
    );
    await withSession(async (session) => {
      const result = await session.execute('SELECT * FROM sizes', READ);
      expect(result.columns.map((column) => `${column.type}:${column.kind}`)).toEqual([
        'TINYTEXT:text',
        'TEXT:text',
        'MEDIUMTEXT:text',
        'LONGTEXT:text',
        'TINYBLOB:bytes',
        'MEDIUMBLOB:bytes',
        'LONGBLOB:bytes',
        'CHAR:text',
        'BINARY:bytes',
        'UUID:uuid',
        'INET6:other',
        'DECIMAL(10,2) UNSIGNED:decimal',
        'MEDIUMINT UNSIGNED:int',
        'SMALLINT:int',
        'TIMESTAMP:timestamptz',
        'TIME:time',
      ]);
      expect(await result.readRows(10)).toEqual([]);
      await result.close('commit');
    });
  });

  it('describes MySQL-only column packets (native JSON, unsigned DECIMAL, MySQL FLOAT)', () => {
    const json = describeMysqlField({
      name: 'j',
      columnType: 0xf5,
      flags: 144,
      columnLength: 4294967295,
      decimals: 0,
      characterSet: 63,
    });
    expect(json.column).toEqual({ name: 'j', type: 'JSON', kind: 'json' });
    expect(json.decode(Buffer.from('{"a": "日本"}'))).toBe('{"a": "日本"}');
    const decimal = describeMysqlField({
      name: 'd',
      columnType: 0xf6,
      flags: 32,
      columnLength: 12,
      decimals: 2,
      characterSet: 63,
    });
    expect(decimal.column.type).toBe('DECIMAL(11,2) UNSIGNED');
    const float = describeMysqlField({
      name: 'f',
      columnType: 0x04,
      flags: 0,
      columnLength: 12,
      decimals: 31,
      characterSet: 63,
    });
    expect(float.column.type).toBe('FLOAT');
    expect(float.decode(Buffer.from('3.4028235e38'))).toBe(3.4028235e38);
  });
});

describe('mysql result streaming', () => {
  it('streams a 200,000-row result in pages with the same checksum as a direct query', async () => {
    const sql = "SELECT seq, CONCAT('row-', seq) AS label, seq * 4294967296 AS big FROM seq_1_to_200000";
    const [direct] = await database.current.root.query(
      "SELECT COUNT(*) AS n, SUM(seq) AS s, SUM(seq * 4294967296) AS b, SUM(CHAR_LENGTH(CONCAT('row-', seq))) AS l " +
        'FROM seq_1_to_200000',
    );
    const expected = (direct as { n: string | number; s: string; b: string; l: string }[])[0];
    await withSession(async (session) => {
      const result = await session.execute(sql, READ);
      let count = 0;
      let sum = 0n;
      let bigSum = 0n;
      let lengths = 0n;
      let previous = 0;
      let pages = 0;
      for (;;) {
        const page = await result.readRows(1000);
        if (page.length === 0) break;
        expect(page.length).toBeLessThanOrEqual(1000);
        pages++;
        for (const [seq, label, big] of page) {
          // The sequence engine's seq is BIGINT UNSIGNED, so it travels as a string.
          expect(seq).toBe(String(previous + 1));
          previous++;
          count++;
          sum += BigInt(seq as string);
          bigSum += BigInt(big as string);
          lengths += BigInt([...(label as string)].length);
        }
      }
      await result.close('commit');
      expect(pages).toBeGreaterThanOrEqual(200);
      expect(String(count)).toBe(String(expected?.n));
      expect(String(sum)).toBe(String(expected?.s));
      expect(String(bigSum)).toBe(String(expected?.b));
      expect(String(lengths)).toBe(String(expected?.l));
    });
  });

  it('leaves unread rows on the server while a page is held (backpressure)', async () => {
    const marker = `held_${randomBytes(4).toString('hex')}`;
    await withSession(async (session) => {
      const result = await session.execute(
        `SELECT /* ${marker} */ seq, REPEAT('x', 200) FROM seq_1_to_1000000`,
        READ,
      );
      expect(await result.readRows(1000)).toHaveLength(1000);
      // The server is still sending: the result was not pulled into the Lambda's memory.
      expect(await runningStatements(marker)).toBe(1);
      const page = await result.readRows(500);
      expect(page.map((row) => row[0])).toEqual(Array.from({ length: 500 }, (_, i) => String(1001 + i)));
      expect(await runningStatements(marker)).toBe(1);
      await result.close('rollback');
    });
    await waitFor(async () => (await runningStatements(marker)) === 0);
  });

  it('abandons a big result after one page quickly and the engine keeps working', async () => {
    const marker = `abandoned_${randomBytes(4).toString('hex')}`;
    const session = await engine.connect('read');
    const result = await session.execute(
      `SELECT /* ${marker} */ seq, REPEAT('y', 200) FROM seq_1_to_1000000`,
      READ,
    );
    expect(await result.readRows(1000)).toHaveLength(1000);
    const started = Date.now();
    await result.close('commit');
    expect(Date.now() - started).toBeLessThan(2000);
    await session.close();
    // The server stops the statement once the session is gone.
    await waitFor(async () => (await runningStatements(marker)) === 0);
    await withSession(async (fresh) => {
      const { rows } = await run(fresh, 'SELECT 1');
      expect(rows).toEqual([[1]]);
    });
  });

  it('returns the first result set of a procedure and notes the others', async () => {
    await database.current.root.query(
      "CREATE PROCEDURE two_results() BEGIN SELECT 'first' AS a; SELECT 2 AS b, 3 AS c; END",
    );
    await withSession(async (session) => {
      const result = await session.execute('CALL two_results()', READ);
      expect(result.columns.map((column) => column.name)).toEqual(['a']);
      expect(await readAll(result)).toEqual([['first']]);
      expect(result.notices).toEqual([
        'the statement returned more than one result set; only the first is shown',
      ]);
      await result.close('commit');
      expect((await run(session, 'SELECT 5')).rows).toEqual([[5]]);
    });
  });

  it('keeps a write whose RETURNING rows were not all read when it commits', async () => {
    const { root } = database.current;
    await root.query('CREATE TABLE doomed (id INT PRIMARY KEY, pad VARCHAR(200))');
    await root.query("INSERT INTO doomed SELECT seq, REPEAT('z', 200) FROM seq_1_to_20000");
    await withSession(async (session) => {
      const result = await session.execute('DELETE FROM doomed RETURNING id, pad', WRITE);
      expect(await result.readRows(10)).toHaveLength(10);
      await result.close('commit');
      expect(session.broken).toBe(false);
    });
    const [rows] = await root.query('SELECT COUNT(*) AS n FROM doomed');
    expect(Number((rows as { n: number }[])[0]?.n)).toBe(0);
  });

  it('drains a small unread remainder and keeps the session', async () => {
    await withSession(async (session) => {
      const result = await session.execute('SELECT seq FROM seq_1_to_50', READ);
      expect(await result.readRows(10)).toHaveLength(10);
      await result.close('rollback');
      expect(session.broken).toBe(false);
      const { rows } = await run(session, 'SELECT 2');
      expect(rows).toEqual([[2]]);
    });
  });
});

describe('mysql errors and limits', () => {
  beforeAll(async () => {
    await database.current.root.query('CREATE TABLE writes (id INT PRIMARY KEY, note VARCHAR(20))');
  });

  async function noteIds(): Promise<number[]> {
    const [rows] = await database.current.root.query('SELECT id FROM writes ORDER BY id');
    return (rows as { id: number }[]).map((row) => row.id);
  }

  it('maps a syntax error to SYNTAX with errno, SQL state and position', async () => {
    await withSession(async (session) => {
      const error = await failure(run(session, 'SELECT 1 FROM dual WHERE 1 1'));
      expect(error.code).toBe('SYNTAX');
      expect(error.fields).toMatchObject({ errno: 1064, sqlstate: '42000', position: 28 });
      expect(session.broken).toBe(false);
      expect((await run(session, 'SELECT 4')).rows).toEqual([[4]]);
    });
  });

  it('maps an unknown table to QUERY keeping errno and SQL state', async () => {
    await withSession(async (session) => {
      const error = await failure(run(session, 'SELECT * FROM no_such_table'));
      expect(error.code).toBe('QUERY');
      expect(error.fields).toMatchObject({ errno: 1146, sqlstate: '42S02' });
      expect(error.message).toContain('no_such_table');
    });
  });

  it('stops a statement at its timeout inside the database', async () => {
    await withSession(async (session) => {
      const started = Date.now();
      const error = await failure(run(session, 'SELECT SLEEP(5)', { readOnly: true, timeoutMs: 300 }));
      expect(error.code).toBe('TIMEOUT');
      expect(error.fields.errno).toBe(1969);
      expect(Date.now() - started).toBeLessThan(4000);
      expect((await run(session, 'SELECT 3')).rows).toEqual([[3]]);
    });
  });

  it('refuses an INSERT inside a READ ONLY transaction', async () => {
    await withSession(async (session) => {
      const error = await failure(run(session, "INSERT INTO writes VALUES (100, 'read only')", READ));
      expect(error.code).toBe('QUERY');
      expect(error.fields).toMatchObject({ errno: 1792, sqlstate: '25006' });
    });
    expect(await noteIds()).not.toContain(100);
  });

  it('keeps a write on commit and discards it on rollback', async () => {
    await withSession(async (session) => {
      const kept = await session.execute("INSERT INTO writes VALUES (1, 'one'), (2, 'two')", WRITE);
      expect(kept.columns).toEqual([]);
      expect(await kept.readRows(100)).toEqual([]);
      expect(kept.affectedRows()).toBe(2);
      await kept.close('commit');
      expect(await noteIds()).toEqual([1, 2]);

      const discarded = await session.execute("UPDATE writes SET note = 'changed'", WRITE);
      expect(discarded.affectedRows()).toBe(2);
      await discarded.close('rollback');
      const [rows] = await database.current.root.query('SELECT note FROM writes ORDER BY id');
      expect(rows).toEqual([{ note: 'one' }, { note: 'two' }]);
    });
  });

  it('reports server warnings of a write as notices', async () => {
    await withSession(async (session) => {
      const result = await session.execute("INSERT IGNORE INTO writes VALUES (1, 'again')", WRITE);
      expect(result.affectedRows()).toBe(0);
      expect(result.notices.join('\n')).toMatch(/Warning 1062: Duplicate entry '1'/);
      await result.close('rollback');
    });
  });

  it('rejects two statements in one request', async () => {
    await withSession(async (session) => {
      const error = await failure(run(session, 'SELECT 1; SELECT 2'));
      expect(error.code).toBe('SYNTAX');
      expect(error.fields.errno).toBe(1064);
    });
  });

  it('refuses LOAD DATA LOCAL INFILE', async () => {
    await withSession(async (session) => {
      const error = await failure(
        run(session, "LOAD DATA LOCAL INFILE '/etc/hostname' INTO TABLE writes", WRITE),
      );
      // The server refuses because the client never offered the local infile capability.
      expect(error.code).toBe('QUERY');
      expect(error.fields.errno).toBe(4166);
    });
    expect(await noteIds()).toEqual([1, 2]);
  });

  it('marks a session broken when the server kills it and still closes cleanly', async () => {
    const session = await engine.connect('read');
    const { rows } = await run(session, 'SELECT CONNECTION_ID()');
    await database.current.root.query(`KILL CONNECTION ${Number(rows[0]?.[0])}`);
    const error = await failure(run(session, 'SELECT 1'));
    expect(error.code).toBe('CONNECTION');
    expect(session.broken).toBe(true);
    await session.close();
  });
});

describe('mysql error mapping', () => {
  it('passes a DbqError through and turns unknown errors into INTERNAL', () => {
    const denied = new DbqError('DENIED', 'no');
    expect(engine.toDbqError(denied)).toBe(denied);
    expect(engine.toDbqError(new Error('boom')).code).toBe('INTERNAL');
    expect(engine.toDbqError('boom').code).toBe('INTERNAL');
  });

  it('maps lost connections and MySQL execution timeouts', () => {
    const lost = Object.assign(new Error('Connection lost'), {
      code: 'PROTOCOL_CONNECTION_LOST',
      fatal: true,
    });
    expect(mysqlToDbqError(lost, 'db:3306').message).toContain('db:3306');
    expect(mysqlToDbqError(lost, 'db:3306').code).toBe('CONNECTION');
    const mysqlTimeout = Object.assign(new Error('x'), {
      errno: 3024,
      sqlState: 'HY000',
      sqlMessage: 'exceeded',
    });
    expect(mysqlToDbqError(mysqlTimeout, 'db:3306').toJSON()).toEqual({
      code: 'TIMEOUT',
      message: 'exceeded',
      errno: 3024,
      sqlstate: 'HY000',
    });
  });

  it('locates a syntax error only when the near text is unambiguous', () => {
    const near = (rest: string, line = 1): string =>
      `... for the right syntax to use near '${rest}' at line ${line}`;
    expect(mysqlSyntaxErrorPosition('SELEC 1', near('SELEC 1'))).toBe(1);
    expect(mysqlSyntaxErrorPosition('SELECT 😀 x', near('x'))).toBe(10);
    expect(mysqlSyntaxErrorPosition('SELECT 1 FROM', near(''))).toBe(14);
    // A near text cut at 80 characters is searched for from its line on.
    const tail = Array.from({ length: 30 }, (_, i) => `c${i}`).join(' + ');
    const sql = `SELECT 1\nFROM t WHERE ${tail}`;
    expect(mysqlSyntaxErrorPosition(sql, near(tail.slice(0, 80), 2))).toBe(sql.indexOf('c0') + 1);
    expect(mysqlSyntaxErrorPosition(`${tail}\n${tail}`, near(tail.slice(0, 80)))).toBeUndefined();
    expect(mysqlSyntaxErrorPosition('SELECT 1', 'Unknown column')).toBeUndefined();
  });
});
