import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { catalogQueries, likePattern } from '../../../src/repl/catalogQueries.js';
import { createMariaDbDatabase, type TestMariaDbDatabase } from '../../helpers/mariadb.js';
import { startLocalStack, type LocalStack } from '../../helpers/localStack.js';

describe('\\dt, \\d and \\dn on MariaDB through the local endpoint', () => {
  let db: TestMariaDbDatabase;
  let stack: LocalStack;

  beforeAll(async () => {
    db = await createMariaDbDatabase();
    await db.root.query(
      "CREATE TABLE `order\\s'` (id INT PRIMARY KEY, label VARCHAR(20) NOT NULL DEFAULT 'x', KEY by_label (label))",
    );
    await db.root.query('CREATE TABLE plain (n INT)');
    await db.root.query('CREATE VIEW v AS SELECT n FROM plain');
    stack = await startLocalStack({ engine: 'mysql', dbUrl: db.url, role: 'read' });
  });

  afterAll(async () => {
    await stack?.stop();
    await db?.drop();
  });

  async function rows(sql: string): Promise<unknown[][]> {
    const stream = await stack.session.execute(sql);
    const page = await stream.fetchNextPage();
    await stream.close();
    return page?.rows ?? [];
  }

  it('lists base tables of the current database', async () => {
    const [query] = catalogQueries('mysql', { kind: 'listTables', pattern: null });
    expect((await rows(query!.sql)).map((row) => row.slice(1, 3))).toEqual([
      ["order\\s'", 'base table'],
      ['plain', 'base table'],
    ]);
    const [filtered] = catalogQueries('mysql', { kind: 'listTables', pattern: 'pl*' });
    expect((await rows(filtered!.sql)).map((row) => row[1])).toEqual(['plain']);
  });

  it('describes a table whose name holds a quote and a backslash, with its indexes', async () => {
    const [columns, indexes] = catalogQueries('mysql', { kind: 'describe', name: "`order\\s'`" });
    expect(await rows(columns!.sql)).toEqual([
      ['id', 'int(11)', 'not null', null, ''],
      ['label', 'varchar(20)', 'not null', "'x'", ''],
    ]);
    expect(await rows(indexes!.sql)).toEqual([
      ['PRIMARY', 'unique', 'id'],
      ['by_label', '', 'label'],
    ]);
  });

  it('lists relations with \\d alone and schemas with \\dn', async () => {
    const [relations] = catalogQueries('mysql', { kind: 'describe', name: null });
    expect((await rows(relations!.sql)).map((row) => [row[1], row[2]])).toEqual([
      ["order\\s'", 'base table'],
      ['plain', 'base table'],
      ['v', 'view'],
    ]);
    const [schemas] = catalogQueries('mysql', { kind: 'listSchemas' });
    expect((await rows(schemas!.sql)).map((row) => row[0])).toContain(db.name);
  });

  it('turns psql patterns into LIKE patterns', () => {
    expect(likePattern('a*b?c_%\\')).toBe('a%b_c\\_\\%\\\\');
  });
});
