import { describe, expect, it } from 'vitest';
import { bootstrapOptions, bootstrapScripts } from '../../../lambda/infra/bootstrapScripts.js';
import { parseDeployConfig } from '../../../lambda/infra/deployConfig.js';
import { exampleDeploy } from './fixtures.js';

describe('bootstrap scripts of a deployment', () => {
  it("creates the users the role may connect as, with the function's limits", () => {
    const deploy = exampleDeploy();
    deploy.functionConfig.limits = { maxTimeoutMs: 120_000, cursorIdleMs: 600_000 };
    const deployment = parseDeployConfig(deploy);
    expect(bootstrapOptions(deployment, 'orders')).toEqual({
      engine: 'postgres',
      database: 'orders',
      users: { read: 'dbq_read', write: 'dbq_write', admin: 'dbq_admin' },
      iam: true,
      statementTimeoutMs: 120_000,
      idleInTransactionTimeoutMs: 660_000,
    });
    const [script] = bootstrapScripts(deployment);
    expect(script).toMatchObject({ target: 'orders', engine: 'postgres', port: 5432, database: 'orders' });
    expect(script?.sql).toContain('GRANT rds_iam TO "dbq_read", "dbq_write", "dbq_admin"');
    expect(script?.sql).toContain('120000');
  });

  it('renders MySQL users for RDS IAM authentication, with the options the database entry gives', () => {
    const deploy = exampleDeploy();
    deploy.databases.billing = {
      resourceId: 'db-ZYXWVUTSRQPONMLKJIHGFEDCBA',
      securityGroupId: 'sg-0aaaaaaaaaaaaaaaa',
      bootstrap: { flavor: 'mariadb', connectionLimit: 20 },
    };
    deploy.functionConfig.targets.billing = {
      engine: 'mysql',
      host: 'billing.abcdefghijkl.eu-west-1.rds.amazonaws.com',
      database: 'billing',
      auth: 'iam',
      tls: { mode: 'verify-full' },
      users: { read: { user: 'billing_read' } },
      roleMap: [{ principal: 'arn:aws:iam::123456789012:role/AWSReservedSSO_DBReader_*', role: 'read' }],
    };
    const billing = bootstrapScripts(parseDeployConfig(deploy)).find((script) => script.target === 'billing');
    expect(billing).toMatchObject({ engine: 'mysql', port: 3306 });
    expect(billing?.sql).toContain(
      "CREATE USER IF NOT EXISTS 'billing_read'@'%' IDENTIFIED WITH AWSAuthenticationPlugin AS 'RDS' REQUIRE SSL WITH MAX_USER_CONNECTIONS 20 MAX_STATEMENT_TIME 300",
    );
  });
});
