import { describe, expect, it } from 'vitest';
import { DbqError } from '../../../shared/protocol/index.js';
import { dbUserGrants } from '../../../lambda/infra/arns.js';
import { parseDeployConfig, type DeployConfigInput } from '../../../lambda/infra/deployConfig.js';
import { permissionSetPolicy, profileCommands } from '../../../lambda/infra/userOutputs.js';
import { exampleDeploy } from './fixtures.js';

function problemOf(deploy: unknown): string {
  try {
    parseDeployConfig(deploy);
  } catch (error) {
    if (error instanceof DbqError) return error.message;
    throw error;
  }
  throw new Error('expected the deploy configuration to be refused');
}

function orders(
  deploy: DeployConfigInput,
): NonNullable<DeployConfigInput['functionConfig']['targets'][string]> {
  const target = deploy.functionConfig.targets.orders;
  if (target === undefined) throw new Error('the example has an orders target');
  return target;
}

describe('deploy configuration', () => {
  it('accepts the shipped example and keeps the function configuration as written', () => {
    const deploy = exampleDeploy();
    const deployment = parseDeployConfig(deploy);
    expect(JSON.parse(deployment.functionConfigJson)).toEqual(deploy.functionConfig);
    expect(deployment.functionConfig.identity.mode).toBe('sts');
    expect(deployment.logs.retentionDays).toBe(365);
  });

  it('never deploys the local identity verifier', () => {
    const deploy = exampleDeploy();
    deploy.functionConfig.identity = { mode: 'local', principal: 'me', role: 'admin' };
    expect(problemOf(deploy)).toMatch(
      /functionConfig\.identity\.mode: a deployed function verifies callers with "sts"/,
    );
  });

  it("checks the function configuration with the function's own parser", () => {
    const deploy = exampleDeploy();
    orders(deploy).roleMap = [];
    expect(problemOf(deploy)).toMatch(/functionConfig: invalid function configuration: .*roleMap/);
  });

  it('refuses password authentication, plain connections and PGlite on deployed targets', () => {
    const deploy = exampleDeploy();
    const target = orders(deploy);
    target.auth = 'password';
    target.tls = { mode: 'disable' };
    target.users = { read: { user: 'dbq_read', password: 'secret' } };
    const problem = problemOf(deploy);
    expect(problem).toContain('functionConfig.targets.orders.auth: deployed targets use "iam"');
    expect(problem).toContain('functionConfig.targets.orders.tls.mode: deployed targets use "verify-full"');
    expect(problem).toContain(
      'functionConfig.targets.orders.users.read.password: no passwords in a deployment',
    );
  });

  it('pairs every target with its database and every database with a target', () => {
    const deploy = exampleDeploy();
    deploy.databases = { order: { resourceId: 'cluster-ABC', securityGroupId: 'sg-0123456789abcdef0' } };
    const problem = problemOf(deploy);
    expect(problem).toContain('databases.orders: missing');
    expect(problem).toContain('databases.order: no function target has this name');
  });

  it('requires STS in the function region, at the address the interface endpoint answers for', () => {
    const deploy = exampleDeploy();
    deploy.functionConfig.identity = {
      mode: 'sts',
      region: 'us-east-1',
      stsEndpoint: 'https://sts.amazonaws.com',
    };
    const problem = problemOf(deploy);
    expect(problem).toContain(
      "functionConfig.identity.region: us-east-1 is not the function's region eu-west-1",
    );
    expect(problem).toContain('functionConfig.identity.stsEndpoint: with sts.mode create-endpoint');

    const nat = exampleDeploy();
    nat.sts = { mode: 'nat' };
    nat.functionConfig.identity = { mode: 'sts', region: 'eu-west-1', stsEndpoint: 'http://127.0.0.1:4566' };
    expect(problemOf(nat)).toContain(
      'functionConfig.identity.stsEndpoint: a deployed function reaches STS over https',
    );
  });

  it('refuses a permission set that the role map gives another role', () => {
    const deploy = exampleDeploy();
    orders(deploy).roleMap = [
      { principal: 'arn:aws:iam::123456789012:role/AWSReservedSSO_DB*', role: 'admin' },
    ];
    const problem = problemOf(deploy);
    expect(problem).toContain(
      'profiles.permissionSets.read: functionConfig.targets.orders.roleMap gives DBReader users the admin role, not read',
    );
    expect(problem).toContain('profiles.permissionSets.write');
  });

  it('names the field of an invalid infrastructure setting', () => {
    const deploy = exampleDeploy() as unknown as Record<string, unknown>;
    deploy.account = '1234';
    deploy.vpc = { vpcId: 'vpc-0123456789abcdef0', subnetIds: [] };
    deploy.logs = { retentionDays: 42 };
    const problem = problemOf(deploy);
    expect(problem).toMatch(/^invalid deploy configuration: /);
    expect(problem).toContain('account: must be a 12-digit AWS account id');
    expect(problem).toContain('vpc.subnetIds');
    expect(problem).toContain('logs.retentionDays: must be one of');
  });

  it('gives a profile command only where the role map grants the permission set its role', () => {
    const deploy = exampleDeploy();
    orders(deploy).roleMap = [
      { principal: 'arn:aws:iam::123456789012:role/AWSReservedSSO_DBReader_*', role: 'read' },
    ];
    const commands = profileCommands(parseDeployConfig(deploy));
    expect(commands.map((command) => [command.target, command.role, command.roleName])).toEqual([
      ['orders', 'read', 'DBReader'],
    ]);
  });

  it('signs profiles in with a start URL when no sso-session is named', () => {
    const deploy = exampleDeploy();
    deploy.profiles = {
      ssoStartUrl: 'https://example.awsapps.com/start',
      ssoRegion: 'eu-central-1',
      permissionSets: { read: 'DBReader' },
    };
    const [command] = profileCommands(parseDeployConfig(deploy));
    expect(command?.command).toContain(
      '--sso-start-url https://example.awsapps.com/start --sso-region eu-central-1',
    );
    expect(command?.command).not.toContain('--environment');
  });

  it('names one rds-db:connect resource per distinct user and DB resource', () => {
    const deploy = exampleDeploy();
    orders(deploy).users = { read: { user: 'dbq' }, write: { user: 'dbq' } };
    const grants = dbUserGrants(parseDeployConfig(deploy));
    expect(grants).toEqual([
      {
        target: 'orders',
        roles: ['read', 'write'],
        user: 'dbq',
        resourceId: 'cluster-ABCDEFGHIJKLMNOPQRSTUVWXY0',
        arn: 'arn:aws:rds-db:eu-west-1:123456789012:dbuser:cluster-ABCDEFGHIJKLMNOPQRSTUVWXY0/dbq',
      },
    ]);
  });

  it('writes ARNs in the partition of the region', () => {
    const deploy = exampleDeploy();
    deploy.region = 'cn-north-1';
    deploy.functionConfig.identity = { mode: 'sts', region: 'cn-north-1' };
    orders(deploy).roleMap = [
      { principal: 'arn:aws-cn:iam::123456789012:role/AWSReservedSSO_DBReader_*', role: 'read' },
    ];
    const deployment = parseDeployConfig(deploy);
    expect(dbUserGrants(deployment)[0]?.arn).toMatch(/^arn:aws-cn:rds-db:cn-north-1:/);
    expect(permissionSetPolicy(deployment)).toContain(
      'arn:aws-cn:lambda:cn-north-1:123456789012:function:dbq-query',
    );
  });
});
