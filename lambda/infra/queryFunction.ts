import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { Duration, RemovalPolicy } from 'aws-cdk-lib';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as logs from 'aws-cdk-lib/aws-logs';
import { Construct } from 'constructs';
import { DbqError } from '../../shared/protocol/index.js';
import type { Deployment } from './deployConfig.js';
import { ExecutionRole } from './executionRole.js';
import { FunctionNetwork } from './network.js';

/** Lambda caps the environment at 4 KB: keys and values together. */
export const MAX_ENVIRONMENT_BYTES = 4096;

/** Where the Node.js Lambda runtimes keep the Amazon RDS certificate authorities. */
export const RUNTIME_CA_BUNDLE = '/var/runtime/ca-cert.pem';

export interface DbqQueryFunctionProps {
  deployment: Deployment;
  /** The directory `scripts/bundle-lambda.mjs` wrote (`index.mjs`, its source map, any .wasm beside it). */
  bundleDir: string;
}

/** The function's environment: its configuration and the RDS CAs for TLS verification. */
export function functionEnvironment(deployment: Deployment): Record<string, string> {
  const environment = { DBQ_CONFIG: deployment.functionConfigJson, NODE_EXTRA_CA_CERTS: RUNTIME_CA_BUNDLE };
  const bytes = Object.entries(environment).reduce(
    (sum, [key, value]) => sum + Buffer.byteLength(key) + Buffer.byteLength(value),
    0,
  );
  if (bytes > MAX_ENVIRONMENT_BYTES) {
    throw new DbqError(
      'INTERNAL',
      `invalid deploy configuration: functionConfig: ${bytes} bytes of environment, Lambda allows ${MAX_ENVIRONMENT_BYTES}`,
    );
  }
  return environment;
}

/**
 * The query function: the esbuild bundle on Node.js 22/arm64 in the database's VPC, its configuration in
 * `DBQ_CONFIG`, a role that may connect as the configured database users only, a retained log group (the
 * audit trail) and reserved concurrency.
 */
export class DbqQueryFunction extends Construct {
  readonly function: lambda.Function;
  readonly logGroup: logs.LogGroup;
  readonly network: FunctionNetwork;
  readonly role: ExecutionRole;

  constructor(scope: Construct, id: string, props: DbqQueryFunctionProps) {
    super(scope, id);
    const { deployment, bundleDir } = props;
    if (!existsSync(join(bundleDir, 'index.mjs'))) {
      throw new DbqError('INTERNAL', `no Lambda bundle in ${bundleDir}: run npm run bundle first`);
    }
    const logGroupName = deployment.logs.groupName ?? `/aws/lambda/${deployment.functionName}`;
    this.logGroup = new logs.LogGroup(this, 'LogGroup', {
      logGroupName,
      retention: deployment.logs.retentionDays as logs.RetentionDays,
      ...(deployment.logs.kmsKeyArn === undefined
        ? {}
        : { encryptionKey: kms.Key.fromKeyArn(this, 'LogKey', deployment.logs.kmsKeyArn) }),
      // The audit trail outlives the stack.
      removalPolicy: RemovalPolicy.RETAIN,
    });
    this.network = new FunctionNetwork(this, 'Network', deployment);
    this.role = new ExecutionRole(this, 'ExecutionRole', deployment, logGroupName);
    const timeoutSeconds =
      deployment.timeoutSeconds ??
      Math.min(900, Math.ceil(deployment.functionConfig.limits.maxTimeoutMs / 1000) + 10);
    this.function = new lambda.Function(this, 'Function', {
      functionName: deployment.functionName,
      description: 'dbq query function: verified identity, role policy, audit, one statement per request',
      runtime: lambda.Runtime.NODEJS_22_X,
      architecture: lambda.Architecture.ARM_64,
      handler: 'index.handler',
      // Source maps stay on the build machine: smaller package, no source in the function.
      code: lambda.Code.fromAsset(bundleDir, { exclude: ['*.map'] }),
      memorySize: deployment.memoryMiB,
      timeout: Duration.seconds(timeoutSeconds),
      reservedConcurrentExecutions: deployment.reservedConcurrency,
      role: this.role.role,
      vpc: this.network.vpc,
      vpcSubnets: { subnets: this.network.subnets },
      securityGroups: [this.network.securityGroup],
      logGroup: this.logGroup,
      environment: functionEnvironment(deployment),
    });
  }
}
