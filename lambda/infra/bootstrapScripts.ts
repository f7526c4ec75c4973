import type { Role } from '../../shared/protocol/index.js';
import type { BootstrapOptions } from '../bootstrap/render.js';
import { bootstrapSql } from '../bootstrap/templates.js';
import type { Deployment } from './deployConfig.js';
import { databasePort } from './network.js';

/** The bootstrap SQL of one target's database, for the users and limits the deployment configures. */
export interface BootstrapScript {
  target: string;
  engine: 'postgres' | 'mysql';
  host: string;
  port: number;
  database: string;
  sql: string;
}

/** Statement timeouts and idle-transaction limits follow the function's own limits. */
export function bootstrapOptions(deployment: Deployment, target: string): BootstrapOptions {
  const config = deployment.functionConfig.targets[target];
  const database = deployment.databases[target];
  if (config === undefined || database === undefined || config.engine === 'pglite') {
    throw new Error(`no deployed database behind target ${target}`);
  }
  const users: Partial<Record<Role, string>> = {};
  for (const [role, user] of Object.entries(config.users) as [Role, { user: string } | undefined][]) {
    if (user !== undefined) users[role] = user.user;
  }
  const { limits } = deployment.functionConfig;
  return {
    engine: config.engine,
    database: config.database,
    users,
    iam: true,
    statementTimeoutMs: limits.maxTimeoutMs,
    // A held cursor is an idle open transaction for up to cursorIdleMs: the server must allow longer.
    idleInTransactionTimeoutMs: limits.cursorIdleMs + 60_000,
    ...database.bootstrap,
  };
}

/**
 * One script per target (lambda/bootstrap templates): the IAM database users the function's role may connect
 * as, with least privilege. An operator runs each once, as the database's master user.
 */
export function bootstrapScripts(deployment: Deployment): BootstrapScript[] {
  return Object.entries(deployment.functionConfig.targets).flatMap(([target, config]) => {
    if (config.engine === 'pglite') return [];
    return [
      {
        target,
        engine: config.engine,
        host: config.host,
        port: databasePort(config),
        database: config.database,
        sql: bootstrapSql(bootstrapOptions(deployment, target)),
      },
    ];
  });
}
