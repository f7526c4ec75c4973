import * as iam from 'aws-cdk-lib/aws-iam';
import { Construct } from 'constructs';
import { dbUserGrants, logGroupArn, scopeOf } from './arns.js';
import type { Deployment } from './deployConfig.js';

/**
 * The statements of the function's role, written out in full (no managed policies, no wildcard actions):
 * connect as exactly the configured database users, write to its own log group, and manage the network
 * interfaces Lambda places in the VPC.
 */
export function executionRoleStatements(deployment: Deployment, logGroupName: string): iam.PolicyStatement[] {
  const scope = scopeOf(deployment);
  return [
    new iam.PolicyStatement({
      sid: 'ConnectAsConfiguredDatabaseUsers',
      actions: ['rds-db:connect'],
      resources: dbUserGrants(deployment).map((grant) => grant.arn),
    }),
    new iam.PolicyStatement({
      sid: 'WriteOwnLogGroup',
      actions: ['logs:CreateLogStream', 'logs:PutLogEvents'],
      resources: [logGroupArn(scope, logGroupName)],
    }),
    // Lambda creates the function's network interfaces with its role. Scoped to the account and region as
    // the Lambda developer guide describes; the Describe actions below cannot be scoped to resources at all.
    new iam.PolicyStatement({
      sid: 'ManageVpcNetworkInterfaces',
      actions: [
        'ec2:CreateNetworkInterface',
        'ec2:DeleteNetworkInterface',
        'ec2:AssignPrivateIpAddresses',
        'ec2:UnassignPrivateIpAddresses',
      ],
      resources: [`arn:${scope.partition}:ec2:${scope.region}:${scope.account}:*/*`],
    }),
    new iam.PolicyStatement({
      sid: 'DescribeVpcNetworkInterfaces',
      actions: ['ec2:DescribeNetworkInterfaces', 'ec2:DescribeSubnets'],
      resources: ['*'],
    }),
  ];
}

/** The query function's execution role: its policy inline, so the whole grant is in one place. */
export class ExecutionRole extends Construct {
  readonly role: iam.Role;

  constructor(scope: Construct, id: string, deployment: Deployment, logGroupName: string) {
    super(scope, id);
    this.role = new iam.Role(this, 'Role', {
      assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com'),
      description: `dbq query function ${deployment.functionName}`,
      inlinePolicies: {
        DbqQueryFunction: new iam.PolicyDocument({
          statements: executionRoleStatements(deployment, logGroupName),
        }),
      },
    });
  }
}
