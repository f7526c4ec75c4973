import { describe, expect, it } from 'vitest';
import { DbqError } from '../../../shared/protocol/index.js';
import {
  renderBootstrapSql,
  renderTemplate,
  type BootstrapOptions,
} from '../../../lambda/bootstrap/render.js';
import { bootstrapSql, readBootstrapTemplate } from '../../../lambda/bootstrap/templates.js';

const PASSWORDS = { read: 'read-password-1', write: 'write-password-1', admin: 'admin-password-1' };

function refusal(options: BootstrapOptions): DbqError {
  try {
    bootstrapSql(options);
  } catch (error) {
    if (error instanceof DbqError) return error;
    throw error;
  }
  throw new Error('expected the options to be refused');
}

describe('bootstrap SQL rendering', () => {
  it('renders the PostgreSQL script for IAM users with rds_iam granted only where the role exists', () => {
    const sql = bootstrapSql({ engine: 'postgres', database: 'orders', schemas: ['app', 'public'] });
    expect(sql).toContain(`IF EXISTS (SELECT FROM pg_roles WHERE rolname = 'rds_iam') THEN`);
    expect(sql).toContain('GRANT rds_iam TO "dbq_read", "dbq_write", "dbq_admin";');
    expect(sql).toContain(
      'ALTER ROLE "dbq_read" LOGIN NOCREATEDB NOCREATEROLE CONNECTION LIMIT 50 PASSWORD NULL;',
    );
    expect(sql).toContain('REVOKE TEMPORARY ON DATABASE "orders" FROM PUBLIC;');
    expect(sql).toContain('GRANT SELECT ON ALL TABLES IN SCHEMA "app", "public" TO "dbq_read";');
    expect(sql).toContain('ALTER ROLE "dbq_read" SET default_transaction_read_only = on;');
    expect(sql).not.toMatch(/\{\{|-- #|-- ##/);
    expect(sql.trimStart().startsWith('-- dbq bootstrap for PostgreSQL')).toBe(true);
    expect(sql.trimEnd().endsWith('COMMIT;')).toBe(true);
  });

  it('renders the PostgreSQL script with passwords and no rds_iam when IAM is off', () => {
    const sql = bootstrapSql({ engine: 'postgres', database: 'orders', iam: false, passwords: PASSWORDS });
    expect(sql).toContain(`PASSWORD 'read-password-1';`);
    expect(sql).not.toContain('rds_iam TO');
    expect(sql).not.toContain('PASSWORD NULL');
  });

  it('sets default privileges for the owner role when one is named, and keeps PUBLIC grants for kept roles', () => {
    const sql = bootstrapSql({
      engine: 'postgres',
      database: 'orders',
      owner: 'app_owner',
      keepPublicPrivilegesFor: ['app_user'],
    });
    expect(sql).toContain(
      'ALTER DEFAULT PRIVILEGES FOR ROLE "app_owner" IN SCHEMA "public" GRANT SELECT ON TABLES TO "dbq_read";',
    );
    expect(sql).toContain('GRANT TEMPORARY ON DATABASE "orders" TO "dbq_admin", "app_owner", "app_user";');
    expect(sql).not.toContain('ALTER DEFAULT PRIVILEGES IN SCHEMA');
  });

  it('renders the MySQL script for IAM users with the RDS plugin and REQUIRE SSL', () => {
    const sql = bootstrapSql({ engine: 'mysql', database: 'shop' });
    expect(sql).toContain(
      `CREATE USER IF NOT EXISTS 'dbq_read'@'%' IDENTIFIED WITH AWSAuthenticationPlugin AS 'RDS' REQUIRE SSL WITH MAX_USER_CONNECTIONS 50;`,
    );
    expect(sql).toContain("GRANT SELECT, SHOW VIEW ON `shop`.* TO 'dbq_read'@'%';");
    const statements = sql
      .split('\n')
      .filter((line) => !line.startsWith('--'))
      .join('\n');
    expect(statements).not.toMatch(/FILE|PROCESS|SUPER|mysql\.|ALL PRIVILEGES ON/);
  });

  it('renders the MariaDB variant with passwords, a per-user statement time and no TLS requirement', () => {
    const sql = bootstrapSql({
      engine: 'mysql',
      database: 'shop',
      iam: false,
      passwords: PASSWORDS,
      flavor: 'mariadb',
      requireTls: false,
      statementTimeoutMs: 60_000,
    });
    expect(sql).toContain(
      `ALTER USER 'dbq_write'@'%' IDENTIFIED BY 'write-password-1' REQUIRE NONE WITH MAX_USER_CONNECTIONS 50 MAX_STATEMENT_TIME 60;`,
    );
    expect(sql).not.toContain('AWSAuthenticationPlugin');
  });

  it.each([
    ['a user name that closes its quote', { users: { read: 'dbq_read"; DROP ROLE x; --' } }],
    ['a user name with a quote for MySQL', { users: { read: "x'@'%" } }],
    ['an upper-case user name', { users: { read: 'Reader' } }],
    ['a database name with a semicolon', { database: 'a;b' }],
    ['a schema name with a quote', { schemas: ['app"'] }],
    ['an owner with a dollar sign (would end a DO body)', { owner: 'x$dbq$' }],
    ['a too long MySQL user name', { engine: 'mysql' as const, users: { read: 'r'.repeat(33) } }],
    ['the same user for two roles', { users: { read: 'dbq_x', write: 'dbq_x' } }],
    ['a password with a quote', { iam: false, passwords: { ...PASSWORDS, admin: "admin-password'--" } }],
    ['a password with a backslash', { iam: false, passwords: { ...PASSWORDS, admin: 'admin-password\\' } }],
    ['no passwords without IAM', { iam: false }],
    ['passwords with IAM', { passwords: PASSWORDS }],
    ['a fractional connection limit', { connectionLimit: 1.5 }],
    ['MySQL IAM without TLS', { engine: 'mysql' as const, requireTls: false }],
    ['an account host with a quote', { engine: 'mysql' as const, accountHost: "%' OR '" }],
  ])('refuses %s', (_, overrides: Partial<BootstrapOptions>) => {
    const error = refusal({ engine: 'postgres', database: 'orders', ...overrides });
    expect(error.code).toBe('BAD_REQUEST');
    expect(error.message).toMatch(/^bootstrap: /);
  });

  it('refuses a template with an unknown placeholder or an unbalanced #if', () => {
    expect(() => renderTemplate('SELECT {{nope}};', {}, {})).toThrow(/unknown placeholder nope/);
    expect(() => renderTemplate('-- #if iam\nSELECT 1;', { iam: true }, {})).toThrow(/#if without #endif/);
    expect(() => renderTemplate('-- #if other\n-- #endif', { iam: true }, {})).toThrow(/unknown flag other/);
  });

  it('keeps one branch of each conditional, nested ones included', () => {
    const template = [
      'a',
      '-- #if x',
      'b',
      '-- #if y',
      'c',
      '-- #else',
      'd',
      '-- #endif',
      '-- #else',
      'e',
      '-- #endif',
    ].join('\n');
    expect(renderTemplate(template, { x: true, y: false }, {})).toBe('a\nb\nd');
    expect(renderTemplate(template, { x: false, y: true }, {})).toBe('a\ne');
  });

  it('uses every placeholder the templates contain', () => {
    for (const engine of ['postgres', 'mysql'] as const) {
      const template = readBootstrapTemplate(engine);
      const rendered = renderBootstrapSql(template, {
        engine,
        database: 'd',
        iam: false,
        passwords: PASSWORDS,
      });
      expect(rendered).not.toMatch(/\{\{\w+\}\}/);
    }
  });
});
