import { readdirSync, rmSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { App } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { DeployConfigInput } from '../../../lambda/infra/deployConfig.js';
import { DbqStack } from '../../../lambda/infra/stack.js';
import { buildBundle, exampleDeploy } from './fixtures.js';

const ACCOUNT = '123456789012';
const REGION = 'eu-west-1';
const CLUSTER = 'cluster-ABCDEFGHIJKLMNOPQRSTUVWXY0';
const FUNCTION_ARN = `arn:aws:lambda:${REGION}:${ACCOUNT}:function:dbq-query`;

let bundleDir: string;

function synth(deploy: DeployConfigInput = exampleDeploy()): { stack: DbqStack; template: Template } {
  const stack = new DbqStack(new App(), 'Dbq', { deploy, bundleDir });
  return { stack, template: Template.fromStack(stack) };
}

interface Statement {
  Sid?: string;
  Effect: string;
  Action: string | string[];
  Resource: string | string[];
}

function roleStatements(template: Template): Statement[] {
  const roles = Object.values(template.findResources('AWS::IAM::Role')) as {
    Properties: { Policies: { PolicyDocument: { Statement: Statement[] } }[] };
  }[];
  expect(roles).toHaveLength(1);
  return roles[0]?.Properties.Policies.flatMap((policy) => policy.PolicyDocument.Statement) ?? [];
}

/** A second target on a MySQL instance, with its own users and role map. */
function withMysqlTarget(deploy: DeployConfigInput): DeployConfigInput {
  deploy.databases.billing = {
    resourceId: 'db-ZYXWVUTSRQPONMLKJIHGFEDCBA',
    securityGroupId: 'sg-0aaaaaaaaaaaaaaaa',
  };
  deploy.functionConfig.targets.billing = {
    engine: 'mysql',
    host: 'billing.abcdefghijkl.eu-west-1.rds.amazonaws.com',
    database: 'billing',
    auth: 'iam',
    tls: { mode: 'verify-full' },
    users: { read: { user: 'dbq_billing_read' } },
    roleMap: [{ principal: `arn:aws:iam::${ACCOUNT}:role/AWSReservedSSO_DBReader_*`, role: 'read' }],
  };
  return deploy;
}

describe('the dbq CDK stack', () => {
  beforeAll(() => {
    bundleDir = buildBundle();
  });

  afterAll(() => {
    rmSync(dirname(bundleDir), { recursive: true, force: true });
  });

  it('runs the bundle on Node.js 22 on arm64', () => {
    const { template } = synth();
    template.resourceCountIs('AWS::Lambda::Function', 1);
    template.hasResourceProperties('AWS::Lambda::Function', {
      FunctionName: 'dbq-query',
      Runtime: 'nodejs22.x',
      Architectures: ['arm64'],
      Handler: 'index.handler',
      MemorySize: 1024,
      ReservedConcurrentExecutions: 10,
      // The longest statement the configuration allows (300 s) plus time to answer.
      Timeout: 310,
    });
  });

  it('places the function in the configured subnets with a security group of its own', () => {
    const { template } = synth();
    template.hasResourceProperties('AWS::Lambda::Function', {
      VpcConfig: {
        SubnetIds: ['subnet-0123456789abcdef0', 'subnet-0fedcba9876543210'],
        SecurityGroupIds: [
          { 'Fn::GetAtt': [Match.stringLikeRegexp('^QueryNetworkFunctionSecurityGroup'), 'GroupId'] },
        ],
      },
    });
    template.hasResourceProperties('AWS::EC2::SecurityGroup', {
      GroupDescription: Match.stringLikeRegexp('^dbq query function'),
      VpcId: 'vpc-0123456789abcdef0',
    });
  });

  it('lets the function reach the database port and HTTPS on the STS endpoint, and nothing else', () => {
    const { template } = synth();
    const groups = template.findResources('AWS::EC2::SecurityGroup', {
      Properties: { GroupDescription: Match.stringLikeRegexp('^dbq query function') },
    });
    const [functionGroupId] = Object.keys(groups);
    const inlineEgress = Object.values(groups)[0] as { Properties: { SecurityGroupEgress: unknown[] } };
    expect(inlineEgress.Properties.SecurityGroupEgress).toEqual([
      {
        Description: 'dbq target orders',
        DestinationSecurityGroupId: 'sg-0123456789abcdef0',
        FromPort: 5432,
        ToPort: 5432,
        IpProtocol: 'tcp',
      },
    ]);
    const egress = Object.values(template.findResources('AWS::EC2::SecurityGroupEgress'));
    expect(egress).toHaveLength(1);
    expect(egress[0]).toMatchObject({
      Properties: {
        GroupId: { 'Fn::GetAtt': [functionGroupId, 'GroupId'] },
        DestinationSecurityGroupId: {
          'Fn::GetAtt': [expect.stringMatching(/^QueryNetworkStsEndpointSecurityGroup/), 'GroupId'],
        },
        FromPort: 443,
        ToPort: 443,
        IpProtocol: 'tcp',
      },
    });
    // The database's security group admits the function on its port.
    template.hasResourceProperties('AWS::EC2::SecurityGroupIngress', {
      GroupId: 'sg-0123456789abcdef0',
      SourceSecurityGroupId: { 'Fn::GetAtt': [functionGroupId, 'GroupId'] },
      FromPort: 5432,
      ToPort: 5432,
      IpProtocol: 'tcp',
    });
    // The STS endpoint admits the function only, not the VPC's CIDR.
    const endpointIngress = Object.values(template.findResources('AWS::EC2::SecurityGroupIngress')).filter(
      (rule) => (rule as { Properties: { FromPort: number } }).Properties.FromPort === 443,
    );
    expect(endpointIngress).toHaveLength(1);
    expect(endpointIngress[0]).toMatchObject({
      Properties: { SourceSecurityGroupId: { 'Fn::GetAtt': [functionGroupId, 'GroupId'] } },
    });
    template.hasResourceProperties('AWS::EC2::VPCEndpoint', {
      ServiceName: `com.amazonaws.${REGION}.sts`,
      VpcEndpointType: 'Interface',
      PrivateDnsEnabled: true,
      SubnetIds: ['subnet-0123456789abcdef0', 'subnet-0fedcba9876543210'],
    });
  });

  it('uses an existing STS endpoint or NAT when told to, creating no endpoint', () => {
    const existing = exampleDeploy();
    existing.sts = { mode: 'existing-endpoint', securityGroupId: 'sg-0bbbbbbbbbbbbbbbb' };
    const viaExisting = synth(existing).template;
    viaExisting.resourceCountIs('AWS::EC2::VPCEndpoint', 0);
    viaExisting.hasResourceProperties('AWS::EC2::SecurityGroup', {
      GroupDescription: Match.stringLikeRegexp('^dbq query function'),
      SecurityGroupEgress: Match.arrayWith([
        Match.objectLike({ DestinationSecurityGroupId: 'sg-0bbbbbbbbbbbbbbbb', FromPort: 443, ToPort: 443 }),
      ]),
    });
    viaExisting.hasResourceProperties('AWS::EC2::SecurityGroupIngress', {
      GroupId: 'sg-0bbbbbbbbbbbbbbbb',
      FromPort: 443,
    });

    const nat = exampleDeploy();
    nat.sts = { mode: 'nat' };
    const viaNat = synth(nat).template;
    viaNat.resourceCountIs('AWS::EC2::VPCEndpoint', 0);
    viaNat.hasResourceProperties('AWS::EC2::SecurityGroup', {
      GroupDescription: Match.stringLikeRegexp('^dbq query function'),
      SecurityGroupEgress: Match.arrayWith([
        Match.objectLike({ CidrIp: '0.0.0.0/0', FromPort: 443, ToPort: 443, IpProtocol: 'tcp' }),
      ]),
    });
  });

  it('grants rds-db:connect on exactly the configured database users, with no wildcard action', () => {
    const { template } = synth(withMysqlTarget(exampleDeploy()));
    const statements = roleStatements(template);
    expect(statements).toEqual([
      {
        Sid: 'ConnectAsConfiguredDatabaseUsers',
        Effect: 'Allow',
        Action: 'rds-db:connect',
        Resource: [
          `arn:aws:rds-db:${REGION}:${ACCOUNT}:dbuser:${CLUSTER}/dbq_read`,
          `arn:aws:rds-db:${REGION}:${ACCOUNT}:dbuser:${CLUSTER}/dbq_write`,
          `arn:aws:rds-db:${REGION}:${ACCOUNT}:dbuser:${CLUSTER}/dbq_admin`,
          `arn:aws:rds-db:${REGION}:${ACCOUNT}:dbuser:db-ZYXWVUTSRQPONMLKJIHGFEDCBA/dbq_billing_read`,
        ],
      },
      {
        Sid: 'WriteOwnLogGroup',
        Effect: 'Allow',
        Action: ['logs:CreateLogStream', 'logs:PutLogEvents'],
        Resource: `arn:aws:logs:${REGION}:${ACCOUNT}:log-group:/aws/lambda/dbq-query:*`,
      },
      {
        Sid: 'ManageVpcNetworkInterfaces',
        Effect: 'Allow',
        Action: [
          'ec2:CreateNetworkInterface',
          'ec2:DeleteNetworkInterface',
          'ec2:AssignPrivateIpAddresses',
          'ec2:UnassignPrivateIpAddresses',
        ],
        Resource: `arn:aws:ec2:${REGION}:${ACCOUNT}:*/*`,
      },
      {
        Sid: 'DescribeVpcNetworkInterfaces',
        Effect: 'Allow',
        Action: ['ec2:DescribeNetworkInterfaces', 'ec2:DescribeSubnets'],
        Resource: '*',
      },
    ]);
    const actions = statements.flatMap((statement) => [statement.Action].flat());
    expect(actions.filter((action) => action.includes('*'))).toEqual([]);
    // Nothing else grants the role anything: no managed policies, no separate policy resources.
    template.hasResourceProperties('AWS::IAM::Role', {
      ManagedPolicyArns: Match.absent(),
      AssumeRolePolicyDocument: {
        Statement: [
          { Action: 'sts:AssumeRole', Effect: 'Allow', Principal: { Service: 'lambda.amazonaws.com' } },
        ],
      },
    });
    template.resourceCountIs('AWS::IAM::Policy', 0);
    template.resourceCountIs('AWS::IAM::ManagedPolicy', 0);
  });

  it('reaches the MySQL target on its default port', () => {
    const { template } = synth(withMysqlTarget(exampleDeploy()));
    template.hasResourceProperties('AWS::EC2::SecurityGroupIngress', {
      GroupId: 'sg-0aaaaaaaaaaaaaaaa',
      FromPort: 3306,
      ToPort: 3306,
    });
  });

  it('keeps its log group, with the configured retention and KMS key, beyond the stack', () => {
    const deploy = exampleDeploy();
    const key = `arn:aws:kms:${REGION}:${ACCOUNT}:key/0b1c2d3e-aaaa-bbbb-cccc-0123456789ab`;
    deploy.logs = { retentionDays: 731, kmsKeyArn: key };
    const { template } = synth(deploy);
    template.hasResource('AWS::Logs::LogGroup', {
      Properties: { LogGroupName: '/aws/lambda/dbq-query', RetentionInDays: 731, KmsKeyId: key },
      DeletionPolicy: 'Retain',
      UpdateReplacePolicy: 'Retain',
    });
    template.hasResourceProperties('AWS::Lambda::Function', {
      LoggingConfig: { LogGroup: { Ref: Match.stringLikeRegexp('^QueryLogGroup') } },
    });
  });

  it('carries the function configuration as written and the RDS CA bundle in its environment', () => {
    const deploy = exampleDeploy();
    const { template } = synth(deploy);
    const functions = Object.values(template.findResources('AWS::Lambda::Function')) as {
      Properties: { Environment: { Variables: Record<string, string> } };
    }[];
    const variables = functions[0]?.Properties.Environment.Variables ?? {};
    expect(Object.keys(variables).sort()).toEqual(['DBQ_CONFIG', 'NODE_EXTRA_CA_CERTS']);
    expect(variables.NODE_EXTRA_CA_CERTS).toBe('/var/runtime/ca-cert.pem');
    expect(JSON.parse(variables.DBQ_CONFIG ?? '')).toEqual(deploy.functionConfig);
  });

  it('outputs the function ARN, the permission-set policy and a profile command per role', () => {
    const { template } = synth();
    template.hasOutput('FunctionArn', {
      Value: { 'Fn::GetAtt': [Match.stringLikeRegexp('^QueryFunction'), 'Arn'] },
    });
    const outputs = template.toJSON().Outputs as Record<string, { Value: unknown }>;
    expect(JSON.parse(outputs.PermissionSetPolicy?.Value as string)).toEqual({
      Version: '2012-10-17',
      Statement: [
        {
          Sid: 'InvokeDbqQueryFunction',
          Effect: 'Allow',
          Action: 'lambda:InvokeFunction',
          Resource: FUNCTION_ARN,
        },
      ],
    });
    const profiles = Object.keys(outputs).filter((key) => key.startsWith('Profile'));
    expect(profiles).toEqual(['ProfileOrdersRead', 'ProfileOrdersWrite', 'ProfileOrdersAdmin']);
    expect(outputs.ProfileOrdersRead?.Value).toBe(
      `dbq profiles add orders-read --region ${REGION} --function ${FUNCTION_ARN} --target orders` +
        ` --sso-session my-company --account-id ${ACCOUNT} --role-name DBReader --environment production`,
    );
    expect(outputs.DatabaseUsers?.Value).toContain(`orders: dbq_read (read) on ${CLUSTER}`);
  });

  it('leaves source maps out of the function package', () => {
    const app = new App();
    new DbqStack(app, 'Dbq', { deploy: exampleDeploy(), bundleDir });
    const assembly = app.synth();
    const assets = readdirSync(assembly.directory).filter((name) => name.startsWith('asset.'));
    expect(assets).toHaveLength(1);
    const files = readdirSync(join(assembly.directory, assets[0] ?? ''));
    expect(files).toContain('index.mjs');
    expect(files.filter((name) => name.endsWith('.map'))).toEqual([]);
  });

  it('refuses a configuration larger than the 4 KB Lambda allows for its environment', () => {
    const deploy = exampleDeploy();
    const orders = deploy.functionConfig.targets.orders;
    if (orders === undefined) throw new Error('the example has an orders target');
    orders.roleMap = Array.from({ length: 60 }, (_, i) => ({
      principal: `arn:aws:iam::${ACCOUNT}:role/AWSReservedSSO_Team${i}Reader_*`,
      role: 'read' as const,
    }));
    expect(() => synth(deploy)).toThrow(/bytes of environment, Lambda allows 4096/);
  });

  it('refuses to build without a bundle', () => {
    expect(
      () => new DbqStack(new App(), 'Dbq', { deploy: exampleDeploy(), bundleDir: '/nonexistent' }),
    ).toThrow(/no Lambda bundle in \/nonexistent: run npm run bundle first/);
  });
});
