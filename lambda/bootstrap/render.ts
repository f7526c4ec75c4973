import { DbqError, type Role } from '../../shared/protocol/index.js';

/** What the bootstrap SQL is rendered for. Names are checked, never escaped: anything unusual is refused. */
export interface BootstrapOptions {
  engine: 'postgres' | 'mysql';
  /** The database the users may use. */
  database: string;
  /** Database user per role (default `dbq_read`, `dbq_write`, `dbq_admin`). */
  users?: Partial<Record<Role, string>>;
  /** IAM authentication (default). `false` gives the users passwords instead: development and tests. */
  iam?: boolean;
  /** Required when `iam` is false; 12–128 characters from `A-Z a-z 0-9 _ . ~ + / = : -`. */
  passwords?: Record<Role, string>;
  /** Per-user statement timeout default (PostgreSQL; MariaDB's MAX_STATEMENT_TIME), default 300 000 ms. */
  statementTimeoutMs?: number;
  /** Most sessions per user (default 50): every warm function instance may hold some. */
  connectionLimit?: number;
  /** PostgreSQL: the application schemas (default `public`). */
  schemas?: string[];
  /** PostgreSQL: the role that creates the application's tables, for default privileges on future ones. */
  owner?: string;
  /**
   * PostgreSQL: roles that keep what this script takes from PUBLIC (temporary tables, advisory locks,
   * large objects, signalling their own sessions): typically the application's own users.
   */
  keepPublicPrivilegesFor?: string[];
  /**
   * PostgreSQL: must exceed the function's `cursorIdleMs` (a held cursor is an idle open transaction);
   * default 360 000 ms.
   */
  idleInTransactionTimeoutMs?: number;
  /** MySQL: `mariadb` adds MariaDB's per-user MAX_STATEMENT_TIME (default `mysql`). */
  flavor?: 'mysql' | 'mariadb';
  /** MySQL: REQUIRE SSL (default true; IAM needs it). */
  requireTls?: boolean;
  /** MySQL: the account host part (default `%`). */
  accountHost?: string;
}

const DEFAULT_USERS: Record<Role, string> = { read: 'dbq_read', write: 'dbq_write', admin: 'dbq_admin' };
const ROLES: Role[] = ['read', 'write', 'admin'];

/** Lower-case, unquoted-safe names: the same spelling quoted or not, and nothing that can end a quote. */
const USER_NAME = /^[a-z_][a-z0-9_]*$/;
/** Databases and schemas may also have upper case and hyphens; they are always quoted. */
const OBJECT_NAME = /^[A-Za-z_][A-Za-z0-9_-]*$/;
const PASSWORD = /^[A-Za-z0-9_.~+/=:-]{12,128}$/;
const ACCOUNT_HOST = /^(%|[A-Za-z0-9.%_-]+)$/;

function refuse(what: string, value: string, rule: string): never {
  throw new DbqError('BAD_REQUEST', `bootstrap: ${what} ${JSON.stringify(value)} is not allowed: ${rule}`);
}

function userName(value: string, maxLength: number, what: string): string {
  if (!USER_NAME.test(value) || value.length > maxLength) {
    refuse(what, value, `use 1-${maxLength} characters a-z, 0-9 and _, not starting with a digit`);
  }
  return value;
}

function objectName(value: string, what: string): string {
  if (!OBJECT_NAME.test(value) || value.length > 63) {
    refuse(what, value, 'use 1-63 characters A-Z, a-z, 0-9, _ and -, starting with a letter or _');
  }
  return value;
}

function wholeNumber(value: number, min: number, max: number, what: string): string {
  if (!Number.isInteger(value) || value < min || value > max) {
    refuse(what, String(value), `a whole number from ${min} to ${max}`);
  }
  return String(value);
}

const pgIdent = (name: string): string => `"${name}"`;
const literal = (text: string): string => `'${text}'`;
const mysqlIdent = (name: string): string => `\`${name}\``;

/**
 * Keeps one branch of each `-- #if NAME` / `-- #else` / `-- #endif`, drops `-- ##` template notes and
 * replaces each `{{placeholder}}`. An unknown flag or placeholder is a bug in the template: it throws.
 */
export function renderTemplate(
  template: string,
  flags: Record<string, boolean>,
  values: Record<string, string>,
): string {
  const kept: string[] = [];
  const stack: boolean[] = [];
  for (const line of template.split('\n')) {
    const directive = /^-- #(if|else|endif)\b\s*(\w*)\s*$/.exec(line);
    if (directive) {
      const [, word, flag = ''] = directive;
      if (word === 'if') {
        if (!(flag in flags)) throw new Error(`bootstrap template: unknown flag ${flag}`);
        stack.push(flags[flag] === true);
      } else if (word === 'else') {
        const top = stack.pop();
        if (top === undefined) throw new Error('bootstrap template: #else without #if');
        stack.push(!top);
      } else if (stack.pop() === undefined) {
        throw new Error('bootstrap template: #endif without #if');
      }
      continue;
    }
    if (line.startsWith('-- ##') || stack.some((on) => !on)) continue;
    kept.push(
      line.replace(/\{\{(\w+)\}\}/g, (_, name: string) => {
        const value = values[name];
        if (value === undefined) throw new Error(`bootstrap template: unknown placeholder ${name}`);
        return value;
      }),
    );
  }
  if (stack.length > 0) throw new Error('bootstrap template: #if without #endif');
  return kept.join('\n');
}

function usersOf(options: BootstrapOptions, maxLength: number): Record<Role, string> {
  const users = { ...DEFAULT_USERS, ...options.users };
  for (const role of ROLES) userName(users[role], maxLength, `the ${role} user`);
  if (new Set(ROLES.map((role) => users[role])).size !== ROLES.length) {
    throw new DbqError('BAD_REQUEST', 'bootstrap: each role needs its own database user');
  }
  return users;
}

function passwordsOf(options: BootstrapOptions): Record<Role, string> | null {
  if (options.iam !== false) {
    if (options.passwords) throw new DbqError('BAD_REQUEST', 'bootstrap: IAM users have no password');
    return null;
  }
  const passwords = options.passwords;
  if (!passwords) throw new DbqError('BAD_REQUEST', 'bootstrap: without IAM every user needs a password');
  for (const role of ROLES) {
    if (!PASSWORD.test(passwords[role])) {
      throw new DbqError(
        'BAD_REQUEST',
        `bootstrap: the ${role} password must be 12-128 characters from A-Z a-z 0-9 _ . ~ + / = : -`,
      );
    }
  }
  return passwords;
}

function postgresValues(options: BootstrapOptions): {
  flags: Record<string, boolean>;
  values: Record<string, string>;
} {
  const users = usersOf(options, 63);
  const passwords = passwordsOf(options);
  const schemas = (options.schemas ?? ['public']).map((schema) => objectName(schema, 'the schema'));
  if (schemas.length === 0) throw new DbqError('BAD_REQUEST', 'bootstrap: name at least one schema');
  const keep = (options.keepPublicPrivilegesFor ?? []).map((role) => userName(role, 63, 'the kept role'));
  if (options.owner !== undefined) userName(options.owner, 63, 'the owner');
  const keepAll = [...new Set([...(options.owner === undefined ? [] : [options.owner]), ...keep])];
  const values: Record<string, string> = {
    database: pgIdent(objectName(options.database, 'the database')),
    schemas: schemas.map(pgIdent).join(', '),
    owner: options.owner === undefined ? '' : pgIdent(options.owner),
    keep_roles_suffix: keepAll.map((role) => `, ${pgIdent(role)}`).join(''),
    connection_limit: wholeNumber(options.connectionLimit ?? 50, 1, 10_000, 'the connection limit'),
    statement_timeout_ms: wholeNumber(
      options.statementTimeoutMs ?? 300_000,
      1_000,
      86_400_000,
      'the statement timeout',
    ),
    idle_in_transaction_timeout_ms: wholeNumber(
      options.idleInTransactionTimeoutMs ?? 360_000,
      1_000,
      86_400_000,
      'the idle-in-transaction timeout',
    ),
  };
  for (const role of ROLES) {
    values[`${role}_user`] = pgIdent(users[role]);
    values[`${role}_user_literal`] = literal(users[role]);
    values[`${role}_password`] = passwords ? literal(passwords[role]) : '';
  }
  return { flags: { iam: passwords === null, owner: options.owner !== undefined }, values };
}

function mysqlValues(options: BootstrapOptions): {
  flags: Record<string, boolean>;
  values: Record<string, string>;
} {
  // MySQL 5.7+ allows 32 characters in a user name (MariaDB 80): the stricter limit fits both.
  const users = usersOf(options, 32);
  const passwords = passwordsOf(options);
  const iam = passwords === null;
  const requireTls = options.requireTls ?? true;
  if (iam && !requireTls) throw new DbqError('BAD_REQUEST', 'bootstrap: IAM authentication requires TLS');
  const host = options.accountHost ?? '%';
  if (!ACCOUNT_HOST.test(host) || host.length > 255)
    refuse('the account host', host, 'a host name, address or %');
  const mariadb = (options.flavor ?? 'mysql') === 'mariadb';
  const statementSeconds = wholeNumber(
    Math.round((options.statementTimeoutMs ?? 300_000) / 1000),
    1,
    86_400,
    'the statement timeout (s)',
  );
  const values: Record<string, string> = {
    database: mysqlIdent(objectName(options.database, 'the database')),
    tls_clause: requireTls ? 'REQUIRE SSL' : 'REQUIRE NONE',
    connection_limit: wholeNumber(options.connectionLimit ?? 50, 1, 10_000, 'the connection limit'),
    mariadb_limits: mariadb ? ` MAX_STATEMENT_TIME ${statementSeconds}` : '',
  };
  for (const role of ROLES) {
    values[`${role}_user`] = `${literal(users[role])}@${literal(host)}`;
    values[`${role}_password`] = passwords ? literal(passwords[role]) : '';
  }
  return { flags: { iam }, values };
}

/**
 * Renders the bootstrap SQL template of `options.engine` (see lambda/bootstrap/*.sql) into a script an
 * operator runs once per database. Every name is validated against a strict pattern and then quoted, so
 * nothing in the options can change the script's statements.
 */
export function renderBootstrapSql(template: string, options: BootstrapOptions): string {
  const { flags, values } = options.engine === 'postgres' ? postgresValues(options) : mysqlValues(options);
  return renderTemplate(template, flags, values);
}
