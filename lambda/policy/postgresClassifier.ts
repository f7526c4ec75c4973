import { loadModule, parseSync } from 'libpg-query';
import { DbqError } from '../../shared/protocol/index.js';
import {
  characterPosition,
  strongerKind,
  type Classification,
  type Finding,
  type StatementKind,
} from './classification.js';
import {
  PG_OPERATORS,
  PG_PROTECTED_SETTINGS,
  PG_READ_FUNCTIONS,
  PG_TABLESAMPLE_METHODS,
  PG_WRITE_FUNCTIONS,
  isHarmlessSetting,
} from './postgresFunctions.js';
import { constantText, isRecord, locationOf, stringList, unwrap, walk, type PgFields } from './pgTree.js';
import { FUNCTION_WHY, roleSwitchFinding, transactionFinding } from './reasons.js';

let loading: Promise<void> | undefined;

/** The parser is WebAssembly: compiled once per function instance, on first use. */
async function parserReady(): Promise<void> {
  loading ??= loadModule();
  await loading;
}

const SHOW_WHY =
  'SHOW ALL and some settings reveal server paths, commands and connection strings; the read and write ' +
  'roles may show the common planner, resource, locale, timeout and replication settings';

/** Statement node types with a fixed kind and command; the rest are handled case by case or are DDL. */
const STATEMENTS: Record<string, [StatementKind, string]> = {
  InsertStmt: ['write', 'INSERT'],
  UpdateStmt: ['write', 'UPDATE'],
  DeleteStmt: ['write', 'DELETE'],
  MergeStmt: ['write', 'MERGE'],
  DiscardStmt: ['session', 'DISCARD'],
  ExecuteStmt: ['session', 'EXECUTE'],
  DeallocateStmt: ['session', 'DEALLOCATE'],
  FetchStmt: ['session', 'FETCH'],
  ClosePortalStmt: ['session', 'CLOSE'],
  ListenStmt: ['session', 'LISTEN'],
  UnlistenStmt: ['session', 'UNLISTEN'],
  ConstraintsSetStmt: ['session', 'SET CONSTRAINTS'],
  NotifyStmt: ['utility', 'NOTIFY'],
  LoadStmt: ['utility', 'LOAD'],
  DoStmt: ['utility', 'DO'],
  CallStmt: ['utility', 'CALL'],
  LockStmt: ['utility', 'LOCK'],
  ClusterStmt: ['utility', 'CLUSTER'],
  ReindexStmt: ['utility', 'REINDEX'],
  CheckPointStmt: ['utility', 'CHECKPOINT'],
  AlterSystemStmt: ['utility', 'ALTER SYSTEM'],
  RefreshMatViewStmt: ['utility', 'REFRESH MATERIALIZED VIEW'],
  GrantRoleStmt: ['privilege', 'GRANT ROLE'],
  AlterDefaultPrivilegesStmt: ['privilege', 'ALTER DEFAULT PRIVILEGES'],
  CreateRoleStmt: ['privilege', 'CREATE ROLE'],
  AlterRoleStmt: ['privilege', 'ALTER ROLE'],
  AlterRoleSetStmt: ['privilege', 'ALTER ROLE SET'],
  DropRoleStmt: ['privilege', 'DROP ROLE'],
  ReassignOwnedStmt: ['privilege', 'REASSIGN OWNED'],
  DropOwnedStmt: ['privilege', 'DROP OWNED'],
  AlterOwnerStmt: ['privilege', 'ALTER OWNER'],
  CreateUserMappingStmt: ['privilege', 'CREATE USER MAPPING'],
  AlterUserMappingStmt: ['privilege', 'ALTER USER MAPPING'],
  DropUserMappingStmt: ['privilege', 'DROP USER MAPPING'],
  CreateStmt: ['ddl', 'CREATE TABLE'],
  IndexStmt: ['ddl', 'CREATE INDEX'],
  DropStmt: ['ddl', 'DROP'],
  TruncateStmt: ['ddl', 'TRUNCATE'],
  CreateFunctionStmt: ['ddl', 'CREATE FUNCTION'],
  CreateSchemaStmt: ['ddl', 'CREATE SCHEMA'],
  CreateSeqStmt: ['ddl', 'CREATE SEQUENCE'],
  AlterSeqStmt: ['ddl', 'ALTER SEQUENCE'],
  CreateExtensionStmt: ['ddl', 'CREATE EXTENSION'],
  CreatedbStmt: ['ddl', 'CREATE DATABASE'],
  DropdbStmt: ['ddl', 'DROP DATABASE'],
  RenameStmt: ['ddl', 'RENAME'],
  CommentStmt: ['ddl', 'COMMENT'],
  CreateTrigStmt: ['ddl', 'CREATE TRIGGER'],
  RuleStmt: ['ddl', 'CREATE RULE'],
  AlterTableStmt: ['ddl', 'ALTER TABLE'],
};

const TRANSACTION_COMMANDS: Record<string, string> = {
  TRANS_STMT_BEGIN: 'BEGIN',
  TRANS_STMT_START: 'START TRANSACTION',
  TRANS_STMT_COMMIT: 'COMMIT',
  TRANS_STMT_ROLLBACK: 'ROLLBACK',
  TRANS_STMT_SAVEPOINT: 'SAVEPOINT',
  TRANS_STMT_RELEASE: 'RELEASE SAVEPOINT',
  TRANS_STMT_ROLLBACK_TO: 'ROLLBACK TO SAVEPOINT',
  TRANS_STMT_PREPARE: 'PREPARE TRANSACTION',
  TRANS_STMT_COMMIT_PREPARED: 'COMMIT PREPARED',
  TRANS_STMT_ROLLBACK_PREPARED: 'ROLLBACK PREPARED',
};

const LOCKING_STRENGTH: Record<string, string> = {
  LCS_FORKEYSHARE: 'FOR KEY SHARE',
  LCS_FORSHARE: 'FOR SHARE',
  LCS_FORNOKEYUPDATE: 'FOR NO KEY UPDATE',
  LCS_FORUPDATE: 'FOR UPDATE',
};

/** A_Expr kinds whose `name` is an operator symbol (the others name a keyword such as BETWEEN). */
const OPERATOR_EXPRESSIONS = new Set([
  'AEXPR_OP',
  'AEXPR_OP_ANY',
  'AEXPR_OP_ALL',
  'AEXPR_DISTINCT',
  'AEXPR_NOT_DISTINCT',
  'AEXPR_NULLIF',
  'AEXPR_IN',
  'AEXPR_LIKE',
  'AEXPR_ILIKE',
  'AEXPR_SIMILAR',
]);

const NESTED_WRITES: Record<string, string> = {
  InsertStmt: 'INSERT',
  UpdateStmt: 'UPDATE',
  DeleteStmt: 'DELETE',
  MergeStmt: 'MERGE',
};

/** `CreateFooStmt` → `CREATE FOO`, for DDL without an entry of its own. */
function commandFromType(type: string): string {
  return type
    .replace(/Stmt$/, '')
    .replace(/([a-z])([A-Z])/g, '$1 $2')
    .toUpperCase();
}

/** EXPLAIN's ANALYZE option is on unless it is explicitly given a false value. */
function explainAnalyzes(options: unknown): boolean {
  if (!Array.isArray(options)) return false;
  return options.some((option) => {
    const def = unwrap(option);
    if (def?.type !== 'DefElem' || def.fields.defname !== 'analyze') return false;
    const arg = unwrap(def.fields.arg);
    if (arg === null) return true;
    if (arg.type === 'Boolean') return arg.fields.boolval === true;
    if (arg.type === 'Integer') return arg.fields.ival !== undefined && arg.fields.ival !== 0;
    const text = typeof arg.fields.sval === 'string' ? arg.fields.sval.toLowerCase() : '';
    return !['false', 'off', 'no', '0'].includes(text);
  });
}

/** Gathers the findings, functions and kind of one statement. */
class PgStatement {
  kind: StatementKind = 'read';
  readonly findings: Finding[] = [];
  readonly functions: string[] = [];

  constructor(private readonly sql: string) {}

  position(location: number | undefined): number | undefined {
    return location === undefined ? undefined : characterPosition(this.sql, location, 'utf8');
  }

  raise(kind: StatementKind): void {
    this.kind = strongerKind(this.kind, kind);
  }

  add(finding: Omit<Finding, 'position'>, location?: number): void {
    const position = this.position(location);
    this.findings.push(position === undefined ? finding : { ...finding, position });
  }

  /** Classifies a statement node, its nested statements and every expression below it. */
  statement(type: string, fields: PgFields): string {
    switch (type) {
      case 'SelectStmt':
        if (isRecord(fields.intoClause)) {
          this.raise('ddl');
          this.add({
            rule: 'select-into',
            subject: 'SELECT … INTO',
            needs: 'admin',
            why: 'SELECT … INTO creates a table',
          });
        }
        this.body(fields);
        return Array.isArray(fields.valuesLists) ? 'VALUES' : 'SELECT';
      case 'ExplainStmt':
        return this.explain(fields);
      case 'VariableShowStmt':
        return this.show(fields);
      case 'VariableSetStmt':
        return this.set(fields);
      case 'TransactionStmt': {
        const command = TRANSACTION_COMMANDS[String(fields.kind)] ?? 'transaction control';
        this.raise('transaction');
        this.findings.push(transactionFinding(command));
        return command;
      }
      case 'GrantStmt':
        this.raise('privilege');
        this.body(fields);
        return fields.is_grant === true ? 'GRANT' : 'REVOKE';
      case 'VacuumStmt':
        this.raise('utility');
        this.body(fields);
        return fields.is_vacuumcmd === true ? 'VACUUM' : 'ANALYZE';
      case 'CopyStmt':
        return this.wrapper('utility', 'COPY', fields, fields.query);
      case 'PrepareStmt':
        return this.wrapper('session', 'PREPARE', fields, fields.query);
      case 'DeclareCursorStmt':
        return this.wrapper('session', 'DECLARE', fields, fields.query);
      case 'CreateTableAsStmt':
        return this.wrapper(
          'ddl',
          fields.objtype === 'OBJECT_MATVIEW' ? 'CREATE MATERIALIZED VIEW' : 'CREATE TABLE AS',
          fields,
          fields.query,
        );
      case 'ViewStmt':
        return this.wrapper('ddl', 'CREATE VIEW', fields, fields.query);
      default: {
        const [kind, command] = STATEMENTS[type] ?? ['ddl', commandFromType(type)];
        this.raise(kind);
        this.body(fields);
        return command;
      }
    }
  }

  /** A statement that carries another (COPY (query), PREPARE … AS, DECLARE … CURSOR FOR, CREATE … AS). */
  private wrapper(kind: StatementKind, command: string, fields: PgFields, inner: unknown): string {
    this.raise(kind);
    const { query: _query, ...rest } = fields;
    this.body(rest);
    const nested = unwrap(inner);
    if (nested) this.statement(nested.type, nested.fields);
    return command;
  }

  private explain(fields: PgFields): string {
    const analyze = explainAnalyzes(fields.options);
    const inner = unwrap(fields.query);
    if (!inner) return 'EXPLAIN';
    const before = this.findings.length;
    const innerCommand = this.statement(inner.type, inner.fields);
    const command = `${analyze ? 'EXPLAIN ANALYZE' : 'EXPLAIN'} ${innerCommand}`;
    if (analyze && this.kind !== 'read') {
      this.findings.splice(before, 0, {
        rule: 'explain-analyze',
        subject: command,
        needs: this.kind === 'write' ? 'write' : this.kind === 'transaction' ? null : 'admin',
        why: `EXPLAIN ANALYZE runs the statement it explains, and ${innerCommand} is not a pure read`,
      });
    }
    return command;
  }

  private show(fields: PgFields): string {
    const name = typeof fields.name === 'string' ? fields.name : '';
    if (!isHarmlessSetting(name)) {
      this.raise('utility');
      this.add({
        rule: 'show',
        subject: `SHOW ${name === 'all' ? 'ALL' : name}`,
        needs: 'admin',
        why: SHOW_WHY,
      });
    }
    return 'SHOW';
  }

  private set(fields: PgFields): string {
    const name = typeof fields.name === 'string' ? fields.name : '';
    const lower = name.toLowerCase();
    const location = locationOf(fields);
    this.body(fields);
    if (fields.kind === 'VAR_SET_MULTI' && (name === 'TRANSACTION' || name === 'SESSION CHARACTERISTICS')) {
      const command = `SET ${name}`;
      this.raise('transaction');
      this.findings.push(transactionFinding(command, this.position(location)));
      return command;
    }
    const reset = fields.kind === 'VAR_RESET' || fields.kind === 'VAR_RESET_ALL';
    if (fields.kind === 'VAR_RESET_ALL') {
      this.raise('session');
      return 'RESET ALL';
    }
    const rule = PG_PROTECTED_SETTINGS.get(lower);
    const spelled =
      lower === 'session_authorization' ? 'SESSION AUTHORIZATION' : lower === 'role' ? 'ROLE' : name;
    const command = `${reset ? 'RESET' : 'SET'} ${spelled}`;
    if (rule === 'role-switch') {
      this.raise('privilege');
      this.findings.push(roleSwitchFinding(command, this.position(location)));
    } else if (rule === 'transaction-control') {
      this.raise('transaction');
      this.findings.push(transactionFinding(command, this.position(location)));
    } else {
      this.raise('session');
    }
    return reset ? 'RESET' : 'SET';
  }

  /** Walks every expression and nested statement below a statement's own fields. */
  private body(fields: PgFields): void {
    walk(fields, (type, node) => this.node(type, node));
  }

  private node(type: string, fields: PgFields): void {
    const nestedWrite = NESTED_WRITES[type];
    if (nestedWrite !== undefined) {
      this.raise('write');
      this.add({
        rule: 'writable-cte',
        subject: `${nestedWrite} inside a query`,
        needs: 'write',
        why: `a WITH query or subquery that runs ${nestedWrite} changes data`,
      });
      return;
    }
    switch (type) {
      case 'FuncCall':
        this.functionCall(stringList(fields.funcname), fields.args, locationOf(fields));
        return;
      case 'A_Expr':
        if (OPERATOR_EXPRESSIONS.has(String(fields.kind)))
          this.operator(stringList(fields.name), locationOf(fields));
        return;
      case 'SortBy':
        // ORDER BY … USING an operator.
        if (Array.isArray(fields.useOp)) this.operator(stringList(fields.useOp), locationOf(fields));
        return;
      case 'LockingClause': {
        const clause = LOCKING_STRENGTH[String(fields.strength)] ?? 'FOR UPDATE';
        this.raise('write');
        this.add({
          rule: 'locking-clause',
          subject: clause,
          needs: 'write',
          why: `${clause} locks rows as a write would`,
        });
        return;
      }
      case 'RangeTableSample': {
        const method = stringList(fields.method);
        const name = method[method.length - 1] ?? '';
        const builtin = method.length === 1 || (method.length === 2 && method[0] === 'pg_catalog');
        if (!builtin || !PG_TABLESAMPLE_METHODS.has(name)) {
          this.functions.push(method.join('.'));
          this.raise('write');
          this.add(
            {
              rule: 'function',
              subject: `TABLESAMPLE ${method.join('.')}`,
              needs: 'admin',
              why: FUNCTION_WHY,
            },
            locationOf(fields),
          );
        }
        return;
      }
      default:
        return;
    }
  }

  private functionCall(names: string[], args: unknown, location: number | undefined): void {
    const display = names.join('.');
    const name = names[names.length - 1] ?? '';
    const builtin = names.length === 1 || (names.length === 2 && names[0] === 'pg_catalog');
    this.functions.push(display);
    const first = Array.isArray(args) ? (args[0] as unknown) : undefined;
    if (builtin && name === 'set_config') this.setConfig(constantText(first), location);
    if (builtin && PG_READ_FUNCTIONS.has(name)) {
      if (name === 'current_setting') {
        const setting = constantText(first);
        if (setting === null || !isHarmlessSetting(setting)) {
          this.add(
            {
              rule: 'show',
              subject: `current_setting(${setting === null ? '…' : `'${setting}'`})`,
              needs: 'admin',
              why: SHOW_WHY,
            },
            location,
          );
        }
      }
      return;
    }
    this.raise('write');
    if (builtin && PG_WRITE_FUNCTIONS.has(name)) {
      this.add(
        {
          rule: 'function',
          subject: `function ${display}`,
          needs: 'write',
          why: 'sequence functions advance a sequence, which no READ ONLY transaction allows',
        },
        location,
      );
      return;
    }
    this.add(
      { rule: 'function', subject: `function ${display}`, needs: 'admin', why: FUNCTION_WHY },
      location,
    );
  }

  /** set_config may change any setting; the ones that end the handler's control are refused to all. */
  private setConfig(setting: string | null, location: number | undefined): void {
    const position = this.position(location);
    if (setting === null) {
      this.raise('transaction');
      this.findings.push({
        ...roleSwitchFinding('set_config(…)', position),
        why: 'set_config must name its setting with a constant, so that the policy can see it changes neither the role nor the transaction',
      });
      return;
    }
    const rule = PG_PROTECTED_SETTINGS.get(setting.toLowerCase());
    if (rule === undefined) return;
    const subject = `set_config('${setting}', …)`;
    this.raise('transaction');
    this.findings.push(
      rule === 'role-switch' ? roleSwitchFinding(subject, position) : transactionFinding(subject, position),
    );
  }

  private operator(names: string[], location: number | undefined): void {
    const symbol = names[names.length - 1] ?? '';
    const builtin = names.length === 1 || (names.length === 2 && names[0] === 'pg_catalog');
    if (builtin && PG_OPERATORS.has(symbol)) return;
    this.raise('write');
    this.add(
      {
        rule: 'operator',
        subject: `operator ${names.join('.')}`,
        needs: 'admin',
        why: 'only built-in operators may be used: a user-defined operator runs a function of its own',
      },
      location,
    );
  }
}

interface PgParseError {
  message: string;
  sqlDetails?: { cursorPosition?: number };
}

function isParseError(error: unknown): error is PgParseError {
  return error instanceof Error;
}

function firstWord(sql: string): string {
  return (/[A-Za-z_]+/.exec(sql)?.[0] ?? 'statement').toUpperCase();
}

/**
 * Classifies one PostgreSQL statement with PostgreSQL's own parser (libpg_query, PostgreSQL 18 grammar),
 * walking the whole tree. Throws BAD_REQUEST for an empty statement; a statement the parser cannot read
 * comes back as `unparsed` with the parser's message and position.
 */
export async function classifyPostgres(sql: string): Promise<Classification> {
  await parserReady();
  const nul = sql.indexOf('\u0000');
  if (nul !== -1) {
    // libpg_query reads a C string: it would stop at the NUL and never see the rest.
    return {
      kind: 'unparsed',
      command: firstWord(sql),
      functions: [],
      findings: [
        {
          rule: 'parser',
          subject: 'a NUL character',
          needs: null,
          why: 'PostgreSQL text cannot contain NUL, and the parser would not see what follows it',
          position: characterPosition(sql, nul, 'utf16'),
        },
      ],
    };
  }
  let tree: unknown;
  try {
    tree = parseSync(sql);
  } catch (error) {
    if (!isParseError(error)) throw error;
    const cursor = error.sqlDetails?.cursorPosition;
    return {
      kind: 'unparsed',
      command: firstWord(sql),
      functions: [],
      findings: [],
      parseError: {
        message: error.message,
        ...(typeof cursor === 'number' && cursor >= 0 ? { position: cursor + 1 } : {}),
      },
    };
  }
  const statements = isRecord(tree) && Array.isArray(tree.stmts) ? tree.stmts : [];
  if (statements.length === 0) throw new DbqError('BAD_REQUEST', 'empty statement: nothing to run');
  const collector = new PgStatement(sql);
  if (statements.length > 1) {
    const second: unknown = statements[1];
    const at = isRecord(second) && typeof second.stmt_location === 'number' ? second.stmt_location : 0;
    collector.findings.push({
      rule: 'single-statement',
      subject: `${statements.length} statements`,
      needs: null,
      why: 'one statement per request; send them one at a time',
      position: collector.position(at) ?? 1,
    });
  }
  const first: unknown = statements[0];
  const node = unwrap(isRecord(first) ? first.stmt : undefined);
  if (!node) throw new DbqError('INTERNAL', 'the PostgreSQL parser returned a statement without a node');
  const command = collector.statement(node.type, node.fields);
  return { kind: collector.kind, command, functions: collector.functions, findings: collector.findings };
}
