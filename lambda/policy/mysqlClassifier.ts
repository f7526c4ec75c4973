import mysqlGrammar from 'node-sql-parser/build/mysql.js';
import mariadbGrammar from 'node-sql-parser/build/mariadb.js';
import { DbqError } from '../../shared/protocol/index.js';
import {
  characterPosition,
  strongerKind,
  type Classification,
  type Finding,
  type StatementKind,
} from './classification.js';
import { MYSQL_READ_FUNCTIONS, MYSQL_WRITE_FUNCTIONS } from './mysqlFunctions.js';
import { lexMysqlStrictly, type MysqlToken } from './mysqlLexer.js';
import { classifyDescribe, classifyShow } from './mysqlShow.js';
import { FUNCTION_WHY, roleSwitchFinding, transactionFinding } from './reasons.js';

type Node = Record<string, unknown>;

function isNode(value: unknown): value is Node {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

const mysqlParser = new mysqlGrammar.Parser();
const mariadbParser = new mariadbGrammar.Parser();

/** Statement heads whose kind needs no parser: the read and write roles never run them. */
const HEADS: Record<string, [StatementKind, string]> = {
  LOCK: ['utility', 'LOCK TABLES'],
  UNLOCK: ['utility', 'UNLOCK TABLES'],
  KILL: ['utility', 'KILL'],
  FLUSH: ['utility', 'FLUSH'],
  RESET: ['utility', 'RESET'],
  PURGE: ['utility', 'PURGE'],
  CHANGE: ['utility', 'CHANGE'],
  INSTALL: ['utility', 'INSTALL'],
  UNINSTALL: ['utility', 'UNINSTALL'],
  SHUTDOWN: ['utility', 'SHUTDOWN'],
  OPTIMIZE: ['utility', 'OPTIMIZE'],
  REPAIR: ['utility', 'REPAIR'],
  CHECK: ['utility', 'CHECK'],
  CHECKSUM: ['utility', 'CHECKSUM'],
  CACHE: ['utility', 'CACHE INDEX'],
  LOAD: ['utility', 'LOAD'],
  HANDLER: ['utility', 'HANDLER'],
  DO: ['utility', 'DO'],
  CALL: ['utility', 'CALL'],
  HELP: ['utility', 'HELP'],
  BINLOG: ['utility', 'BINLOG'],
  SIGNAL: ['utility', 'SIGNAL'],
  RESIGNAL: ['utility', 'RESIGNAL'],
  GET: ['utility', 'GET DIAGNOSTICS'],
  BACKUP: ['utility', 'BACKUP'],
  STOP: ['utility', 'STOP'],
  RESTART: ['utility', 'RESTART'],
  CLONE: ['utility', 'CLONE'],
  IMPORT: ['utility', 'IMPORT'],
  USE: ['session', 'USE'],
  PREPARE: ['session', 'PREPARE'],
  EXECUTE: ['session', 'EXECUTE'],
  DEALLOCATE: ['session', 'DEALLOCATE PREPARE'],
  GRANT: ['privilege', 'GRANT'],
  REVOKE: ['privilege', 'REVOKE'],
  CREATE: ['ddl', 'CREATE'],
  ALTER: ['ddl', 'ALTER'],
  DROP: ['ddl', 'DROP'],
  RENAME: ['ddl', 'RENAME'],
  TRUNCATE: ['ddl', 'TRUNCATE'],
};

/** CREATE / ALTER / DROP / RENAME of these are privilege commands, not DDL. */
const PRIVILEGE_OBJECTS = new Set(['USER', 'ROLE']);

const TRANSACTION_HEADS = new Set(['BEGIN', 'COMMIT', 'ROLLBACK', 'SAVEPOINT', 'RELEASE', 'XA']);

/** Session variables that end or reshape the handler's transaction. */
const TRANSACTION_VARIABLES = new Set([
  'AUTOCOMMIT',
  'TRANSACTION',
  'TRANSACTION_READ_ONLY',
  'TX_READ_ONLY',
  'TRANSACTION_ISOLATION',
  'TX_ISOLATION',
  'COMPLETION_TYPE',
]);

/** Statements the parser decides: the only ones the read and write roles may run. */
const PARSED_HEADS = new Set([
  'SELECT',
  'WITH',
  'VALUES',
  'TABLE',
  '(',
  'INSERT',
  'UPDATE',
  'DELETE',
  'REPLACE',
]);

const EXPLAINED_STARTS = new Set([
  'SELECT',
  'WITH',
  'VALUES',
  'TABLE',
  'INSERT',
  'UPDATE',
  'DELETE',
  'REPLACE',
]);

function upper(token: MysqlToken | undefined): string {
  if (token === undefined) return '';
  return token.type === 'word' ? token.text.toUpperCase() : token.text;
}

/** The tokens of code, without trailing semicolons (they end the one statement). */
function codeTokens(tokens: MysqlToken[]): MysqlToken[] {
  let end = tokens.length;
  while (end > 0 && tokens[end - 1]?.text === ';') end--;
  return tokens.slice(0, end);
}

interface ParseFailure {
  message: string;
  offset?: number;
}

function parseFailure(error: unknown): ParseFailure {
  const message = error instanceof Error ? error.message : String(error);
  const location = isNode(error) && isNode(error.location) ? error.location.start : undefined;
  const offset = isNode(location) && typeof location.offset === 'number' ? location.offset : undefined;
  // The grammar lists every token it expected; the first line is enough to read.
  const short = message.length > 160 ? `${message.slice(0, 157)}…` : message;
  return offset === undefined ? { message: short } : { message: short, offset };
}

/** Parses with the MySQL grammar, then the MariaDB one; null with the MySQL grammar's error if neither reads it. */
function parse(sql: string): { ast: unknown } | { failure: ParseFailure } {
  try {
    return { ast: mysqlParser.astify(sql, { database: 'MySQL', parseOptions: { includeLocations: true } }) };
  } catch (mysqlError) {
    try {
      return {
        ast: mariadbParser.astify(sql, { database: 'MariaDB', parseOptions: { includeLocations: true } }),
      };
    } catch {
      return { failure: parseFailure(mysqlError) };
    }
  }
}

/** Gathers the findings, functions and kind of a parsed statement. */
class MysqlStatement {
  kind: StatementKind = 'read';
  readonly findings: Finding[] = [];
  readonly functions: string[] = [];

  /** `offset` is where the parsed text starts in the statement (after an EXPLAIN prefix). */
  constructor(
    private readonly sql: string,
    private readonly offset: number,
  ) {}

  private raise(kind: StatementKind): void {
    this.kind = strongerKind(this.kind, kind);
  }

  private positionOf(node: Node): number | undefined {
    const loc = node.loc;
    const start = isNode(loc) ? loc.start : undefined;
    const offset = isNode(start) ? start.offset : undefined;
    return typeof offset === 'number'
      ? characterPosition(this.sql, this.offset + offset, 'utf16')
      : undefined;
  }

  private add(finding: Omit<Finding, 'position'>, node: Node): void {
    const position = this.positionOf(node);
    this.findings.push(position === undefined ? finding : { ...finding, position });
  }

  statement(ast: Node): string {
    const type = typeof ast.type === 'string' ? ast.type : '';
    switch (type) {
      case 'select':
        this.walk(ast);
        return 'SELECT';
      case 'insert':
      case 'replace':
      case 'update':
      case 'delete':
        this.raise('write');
        this.walk(ast);
        return type.toUpperCase();
      case 'transaction':
        this.raise('transaction');
        this.findings.push(transactionFinding('transaction control'));
        return 'transaction control';
      default:
        this.raise('utility');
        this.walk(ast);
        return type.toUpperCase();
    }
  }

  /** Visits every node of the tree, iteratively: a deeply nested statement cannot overflow the stack. */
  private walk(root: unknown): void {
    const pending: unknown[] = [root];
    while (pending.length > 0) {
      const value = pending.pop();
      if (Array.isArray(value)) {
        for (let k = value.length - 1; k >= 0; k--) pending.push(value[k]);
        continue;
      }
      if (!isNode(value)) continue;
      this.visit(value);
      const children = Object.values(value);
      for (let k = children.length - 1; k >= 0; k--) pending.push(children[k]);
    }
  }

  private visit(value: Node): void {
    switch (value.type) {
      case 'function':
        this.functionCall(value);
        break;
      case 'aggr_func':
        this.call(typeof value.name === 'string' ? [value.name] : [], value);
        break;
      case 'assign':
        this.raise('session');
        this.add(
          {
            rule: 'variable-assignment',
            subject: 'assignment to a variable',
            needs: 'admin',
            why: 'a variable assignment changes session state',
          },
          value,
        );
        break;
      case 'select':
        this.selectClauses(value);
        break;
      case 'insert':
      case 'replace':
      case 'update':
      case 'delete':
        this.raise('write');
        break;
      default:
        break;
    }
  }

  private selectClauses(select: Node): void {
    const into = select.into;
    if (isNode(into) && (into.position !== null || into.expr !== undefined)) {
      const keyword = typeof into.keyword === 'string' ? into.keyword.toUpperCase() : '';
      const file = keyword === 'OUTFILE' || keyword === 'DUMPFILE';
      this.raise(file ? 'utility' : keyword === 'VAR' ? 'session' : 'ddl');
      this.add(
        {
          rule: 'select-into',
          subject: file ? `SELECT … INTO ${keyword}` : 'SELECT … INTO',
          needs: 'admin',
          why: file ? 'it writes a file on the database server' : 'it stores the result outside the answer',
        },
        select,
      );
    }
    const locking = select.locking_read;
    if (locking !== null && locking !== undefined) {
      const clause = typeof locking === 'string' ? locking.toUpperCase() : 'FOR UPDATE';
      this.raise('write');
      this.add(
        {
          rule: 'locking-clause',
          subject: clause,
          needs: 'write',
          why: `${clause} locks rows as a write would`,
        },
        select,
      );
    }
  }

  private functionCall(node: Node): void {
    const name = node.name;
    const parts: string[] = [];
    let quoted = false;
    if (isNode(name)) {
      if (isNode(name.schema) && typeof name.schema.value === 'string') parts.push(name.schema.value);
      if (Array.isArray(name.name)) {
        for (const part of name.name) {
          if (!isNode(part) || typeof part.value !== 'string') continue;
          parts.push(part.value);
          quoted ||= part.type === 'backticks_quote_string';
        }
      }
    } else if (typeof name === 'string') {
      parts.push(name);
    }
    // node-sql-parser reads `((SELECT …))` as a call of a function named SELECT; its argument (the
    // subquery) is walked like any other node. A real function of that name would have to be quoted.
    if (!quoted && parts.length === 1 && parts[0]?.toUpperCase() === 'SELECT') return;
    this.call(parts, node);
  }

  private call(parts: string[], node: Node): void {
    const display = parts.join('.').toUpperCase();
    this.functions.push(display);
    if (parts.length === 1 && MYSQL_READ_FUNCTIONS.has(display)) return;
    this.raise('write');
    if (parts.length === 1 && MYSQL_WRITE_FUNCTIONS.has(display)) {
      this.add(
        {
          rule: 'function',
          subject: `function ${display}`,
          needs: 'write',
          why: 'sequence functions and LAST_INSERT_ID(expr) change sequence or session state',
        },
        node,
      );
      return;
    }
    this.add({ rule: 'function', subject: `function ${display}`, needs: 'admin', why: FUNCTION_WHY }, node);
  }
}

function parsedClassification(sql: string, text: string, offset: number): Classification {
  const parsed = parse(text);
  if ('failure' in parsed) {
    const { message, offset: at } = parsed.failure;
    return {
      kind: 'unparsed',
      command: upper(lexMysqlStrictly(text).tokens[0]) || 'statement',
      functions: [],
      findings: [],
      parseError: {
        message,
        ...(at === undefined ? {} : { position: characterPosition(sql, offset + at, 'utf16') }),
      },
    };
  }
  const statements = Array.isArray(parsed.ast) ? parsed.ast : [parsed.ast];
  const collector = new MysqlStatement(sql, offset);
  const first: unknown = statements[0];
  if (!isNode(first)) throw new DbqError('INTERNAL', 'the MySQL parser returned a statement without a tree');
  const command = collector.statement(first);
  const findings = collector.findings;
  if (statements.length > 1) {
    findings.unshift({
      rule: 'single-statement',
      subject: `${statements.length} statements`,
      needs: null,
      why: 'one statement per request; send them one at a time',
    });
  }
  return { kind: collector.kind, command, functions: collector.functions, findings };
}

function classifySet(tokens: MysqlToken[]): Classification {
  const second = upper(tokens[1]);
  const third = upper(tokens[2]);
  const base = { functions: [], findings: [] };
  if (second === 'ROLE') {
    return { kind: 'privilege', command: 'SET ROLE', ...base, findings: [roleSwitchFinding('SET ROLE')] };
  }
  if (second === 'DEFAULT' && third === 'ROLE')
    return { kind: 'privilege', command: 'SET DEFAULT ROLE', ...base };
  if (second === 'PASSWORD') return { kind: 'privilege', command: 'SET PASSWORD', ...base };
  for (let k = 1; k < tokens.length; k++) {
    const token = tokens[k] as MysqlToken;
    // `@name` is a user variable; `@@name` and bare names are system variables.
    if (token.type !== 'word' || tokens[k - 1]?.text === '@') continue;
    const word = token.text.toUpperCase();
    if (TRANSACTION_VARIABLES.has(word)) {
      const command = word === 'TRANSACTION' ? 'SET TRANSACTION' : `SET ${word.toLowerCase()}`;
      return { kind: 'transaction', command, ...base, findings: [transactionFinding(command)] };
    }
    if (word === 'ROLE' && upper(tokens[k - 1]) === 'SET') {
      return { kind: 'privilege', command: 'SET ROLE', ...base, findings: [roleSwitchFinding('SET ROLE')] };
    }
  }
  return { kind: 'session', command: second === 'STATEMENT' ? 'SET STATEMENT' : 'SET', ...base };
}

/** EXPLAIN / DESCRIBE / DESC / ANALYZE followed by a statement: the explained statement decides. */
function classifyExplain(sql: string, tokens: MysqlToken[]): Classification {
  const head = upper(tokens[0]);
  let analyze = head === 'ANALYZE';
  let k = 1;
  for (;;) {
    const word = upper(tokens[k]);
    if (word === 'EXTENDED' || word === 'PARTITIONS') k++;
    else if (word === 'ANALYZE') {
      analyze = true;
      k++;
    } else if (word === 'FORMAT' && tokens[k + 1]?.text === '=') k += 3;
    else break;
  }
  const start = tokens[k];
  if (start === undefined) {
    return {
      kind: 'unparsed',
      command: head,
      functions: [],
      findings: [],
      parseError: { message: 'nothing to explain' },
    };
  }
  const inner = parsedClassification(sql, sql.slice(start.start), start.start);
  if (inner.kind === 'unparsed') return inner;
  const command = `${analyze ? (head === 'ANALYZE' ? 'ANALYZE' : 'EXPLAIN ANALYZE') : 'EXPLAIN'} ${inner.command}`;
  if (analyze && inner.kind !== 'read') {
    inner.findings.unshift({
      rule: 'explain-analyze',
      subject: command,
      needs: inner.kind === 'write' ? 'write' : 'admin',
      why: `${head === 'ANALYZE' ? 'ANALYZE' : 'EXPLAIN ANALYZE'} runs the statement it explains, and ${inner.command} is not a pure read`,
    });
  }
  return { ...inner, command };
}

/**
 * Classifies one MySQL/MariaDB statement: raw-text checks first (executable comments, optimizer hints,
 * `--x`, backslash ambiguity), then transaction control, SET, SHOW and DESCRIBE from the tokens, then
 * queries and data changes with node-sql-parser (MySQL grammar, then MariaDB's), walking the whole tree.
 * Statements only the admin role may run are classified by their leading keywords.
 */
export function classifyMysql(sql: string): Classification {
  const lexed = lexMysqlStrictly(sql);
  const tokens = codeTokens(lexed.tokens);
  const head = upper(tokens[0]);
  if (lexed.findings.length > 0) {
    return { kind: 'unparsed', command: head || 'statement', functions: [], findings: lexed.findings };
  }
  if (tokens.length === 0) throw new DbqError('BAD_REQUEST', 'empty statement: nothing to run');
  const second = upper(tokens[1]);

  if (TRANSACTION_HEADS.has(head) || (head === 'START' && second === 'TRANSACTION')) {
    const command = head === 'START' ? 'START TRANSACTION' : head;
    return { kind: 'transaction', command, functions: [], findings: [transactionFinding(command)] };
  }
  if (head === 'SET') return classifySet(tokens);
  if (head === 'SHOW') return classifyShow(sql, tokens);
  if (head === 'DESCRIBE' || head === 'DESC' || head === 'EXPLAIN' || head === 'ANALYZE') {
    // ANALYZE TABLE (and ANALYZE LOCAL / NO_WRITE_TO_BINLOG TABLE) updates statistics; MariaDB's
    // ANALYZE SELECT … runs the statement and reports its plan.
    const analyzeTable =
      head === 'ANALYZE' &&
      !['SELECT', 'WITH', 'INSERT', 'UPDATE', 'DELETE', 'REPLACE', 'FORMAT', '('].includes(second);
    if (analyzeTable) return { kind: 'utility', command: 'ANALYZE TABLE', functions: [], findings: [] };
    const explained =
      EXPLAINED_STARTS.has(second) ||
      second === '(' ||
      ['EXTENDED', 'PARTITIONS', 'FORMAT', 'ANALYZE'].includes(second);
    if (explained) return classifyExplain(sql, tokens);
    if (second === 'FOR')
      return { kind: 'utility', command: 'EXPLAIN FOR CONNECTION', functions: [], findings: [] };
    return classifyDescribe(sql, tokens);
  }
  if (PARSED_HEADS.has(head)) return parsedClassification(sql, sql, 0);

  const known = HEADS[head];
  if (known === undefined) return parsedClassification(sql, sql, 0);
  const [kind, command] = known;
  if (kind === 'ddl' && PRIVILEGE_OBJECTS.has(second)) {
    return { kind: 'privilege', command: `${head} ${second}`, functions: [], findings: [] };
  }
  return {
    kind,
    command: kind === 'ddl' ? `${command} ${second}`.trim() : command,
    functions: [],
    findings: [],
  };
}
