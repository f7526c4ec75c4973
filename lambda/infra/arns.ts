import { RegionInfo } from 'aws-cdk-lib/region-info';
import type { Role } from '../../shared/protocol/index.js';
import type { Deployment } from './deployConfig.js';

/** ARNs are written out literally, so an auditor reads exactly what was granted in the template. */
export interface ArnScope {
  partition: string;
  region: string;
  account: string;
}

/** The partition of a region (`aws`, `aws-cn`, `aws-us-gov`, …). */
export function partitionOf(region: string): string {
  return RegionInfo.get(region).partition ?? (region.startsWith('cn-') ? 'aws-cn' : 'aws');
}

export function scopeOf(deployment: Pick<Deployment, 'region' | 'account'>): ArnScope {
  return {
    partition: partitionOf(deployment.region),
    region: deployment.region,
    account: deployment.account,
  };
}

export function functionArn(scope: ArnScope, functionName: string): string {
  return `arn:${scope.partition}:lambda:${scope.region}:${scope.account}:function:${functionName}`;
}

/** Covers the log group and its streams (`log-group:NAME:*`), nothing else. */
export function logGroupArn(scope: ArnScope, logGroupName: string): string {
  return `arn:${scope.partition}:logs:${scope.region}:${scope.account}:log-group:${logGroupName}:*`;
}

/** One database user of one RDS instance or Aurora cluster, as `rds-db:connect` names it. */
export interface DbUserGrant {
  target: string;
  roles: Role[];
  user: string;
  resourceId: string;
  arn: string;
}

/**
 * The database users the function may connect as: for every target, each distinct user its roles name, on
 * that target's DB resource. These and only these appear in the `rds-db:connect` statement.
 */
export function dbUserGrants(deployment: Deployment): DbUserGrant[] {
  const scope = scopeOf(deployment);
  const grants = new Map<string, DbUserGrant>();
  for (const [target, config] of Object.entries(deployment.functionConfig.targets)) {
    const database = deployment.databases[target];
    if (database === undefined) continue;
    for (const [role, user] of Object.entries(config.users) as [Role, { user: string } | undefined][]) {
      if (user === undefined) continue;
      const arn = `arn:${scope.partition}:rds-db:${scope.region}:${scope.account}:dbuser:${database.resourceId}/${user.user}`;
      const existing = grants.get(arn);
      if (existing) existing.roles.push(role);
      else grants.set(arn, { target, roles: [role], user: user.user, resourceId: database.resourceId, arn });
    }
  }
  return [...grants.values()];
}
