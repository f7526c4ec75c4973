import type { Role } from '../../shared/protocol/index.js';
import type { TargetConfig } from '../config.js';
import { resolveRole } from '../identity/roleMap.js';
import type { ArnScope } from './arns.js';

/**
 * What STS reports for a user signed in with an IAM Identity Center permission set: a session of the role
 * `AWSReservedSSO_<permission set>_<16 hex>` that Identity Center provisions in the account.
 */
export function samplePermissionSetPrincipal(scope: ArnScope, permissionSet: string): string {
  return `arn:${scope.partition}:sts::${scope.account}:assumed-role/AWSReservedSSO_${permissionSet}_0123456789abcdef/dbq-user@example.com`;
}

/**
 * The role a target's role map gives users of a permission set (first matching rule, as the function
 * decides), or null when no rule matches them.
 */
export function roleOfPermissionSet(
  target: TargetConfig,
  scope: ArnScope,
  permissionSet: string,
): Role | null {
  const grant = resolveRole(target.roleMap ?? [], samplePermissionSetPrincipal(scope, permissionSet));
  return grant?.role ?? null;
}
