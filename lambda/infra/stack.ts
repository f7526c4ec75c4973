import { CfnOutput, Stack, type StackProps } from 'aws-cdk-lib';
import type { Construct } from 'constructs';
import { dbUserGrants } from './arns.js';
import { parseDeployConfig, type DeployConfigInput, type Deployment } from './deployConfig.js';
import { DbqQueryFunction } from './queryFunction.js';
import { permissionSetPolicy, profileCommands } from './userOutputs.js';

export interface DbqStackProps extends Omit<StackProps, 'env' | 'stackName'> {
  /** `dbq.deploy.json` as written; validated (function configuration included) when the stack is built. */
  deploy: DeployConfigInput;
  /** The directory holding the Lambda bundle (`npm run bundle` writes dist/lambda-bundle). */
  bundleDir: string;
}

function pascal(words: string): string {
  return words
    .split(/[^A-Za-z0-9]+/)
    .filter((word) => word.length > 0)
    .map((word) => word[0]?.toUpperCase() + word.slice(1))
    .join('');
}

/**
 * The dbq deployment in one stack: the query function and what it needs, and the outputs a team needs next —
 * the function ARN, the permission-set policy and each user's `dbq profiles add` command.
 */
export class DbqStack extends Stack {
  readonly deployment: Deployment;
  readonly queryFunction: DbqQueryFunction;

  constructor(scope: Construct, id: string, props: DbqStackProps) {
    const deployment = parseDeployConfig(props.deploy);
    super(scope, id, {
      ...props,
      stackName: deployment.stackName,
      env: { account: deployment.account, region: deployment.region },
      description: `dbq: bastion-free SQL for RDS/Aurora (query function ${deployment.functionName})`,
    });
    this.deployment = deployment;
    this.queryFunction = new DbqQueryFunction(this, 'Query', { deployment, bundleDir: props.bundleDir });

    new CfnOutput(this, 'FunctionArn', {
      description: 'The query function (profiles take it as --function)',
      value: this.queryFunction.function.functionArn,
    });
    new CfnOutput(this, 'LogGroupName', {
      description: 'Audit events and function logs',
      value: this.queryFunction.logGroup.logGroupName,
    });
    const roleNames = Object.values(deployment.profiles.permissionSets).join(', ');
    new CfnOutput(this, 'PermissionSetPolicy', {
      description: `Inline policy for the permission sets ${roleNames || '(none configured)'}: invoke this function only`,
      value: permissionSetPolicy(deployment),
    });
    new CfnOutput(this, 'DatabaseUsers', {
      description: 'The IAM database users the function may connect as (create them with lambda/bootstrap)',
      value: dbUserGrants(deployment)
        .map((grant) => `${grant.target}: ${grant.user} (${grant.roles.join(', ')}) on ${grant.resourceId}`)
        .join('; '),
    });
    for (const profile of profileCommands(deployment)) {
      new CfnOutput(this, `Profile${pascal(profile.target)}${pascal(profile.role)}`, {
        description: `dbq profile for ${profile.role} on target ${profile.target} (permission set ${profile.roleName})`,
        value: profile.command,
      });
    }
  }
}
