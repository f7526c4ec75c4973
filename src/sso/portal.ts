import { GetRoleCredentialsCommand, LogoutCommand, SSOClient } from '@aws-sdk/client-sso';
import type { AwsCredentialIdentity } from '@aws-sdk/types';
import { DbqError } from '../../shared/protocol/index.js';
import { SignInRequiredError, sdkErrorName } from './errors.js';

export interface RoleRef {
  /** The IAM Identity Center region. */
  region: string;
  accountId: string;
  roleName: string;
}

/** The SSO portal client; `AWS_ENDPOINT_URL_SSO` redirects it. */
function portalClient(region: string): SSOClient {
  return new SSOClient({ region, maxAttempts: 2 });
}

/**
 * Short-lived credentials for the permission-set role (GetRoleCredentials with the SSO access token).
 * They are returned, never written anywhere.
 */
export async function getRoleCredentials(role: RoleRef, accessToken: string): Promise<AwsCredentialIdentity> {
  const client = portalClient(role.region);
  try {
    const out = await client.send(
      new GetRoleCredentialsCommand({ accountId: role.accountId, roleName: role.roleName, accessToken }),
    );
    const c = out.roleCredentials;
    if (!c?.accessKeyId || !c.secretAccessKey || !c.sessionToken || c.expiration === undefined) {
      throw new DbqError('AUTH', 'GetRoleCredentials answered without complete credentials');
    }
    return {
      accessKeyId: c.accessKeyId,
      secretAccessKey: c.secretAccessKey,
      sessionToken: c.sessionToken,
      expiration: new Date(c.expiration),
      accountId: role.accountId,
    };
  } catch (error) {
    if (error instanceof DbqError) throw error;
    const name = sdkErrorName(error);
    const message = error instanceof Error ? error.message : String(error);
    if (name === 'UnauthorizedException') {
      throw new SignInRequiredError(`the SSO portal refused the sign-in token: ${message}`, 'refused');
    }
    if (name === 'ForbiddenException' || name === 'ResourceNotFoundException') {
      throw new DbqError(
        'AUTH',
        `no access to role ${role.roleName} in account ${role.accountId}: ${name}: ${message}`,
      );
    }
    throw new DbqError(
      'AUTH',
      `getting credentials for ${role.roleName} failed: ${name ?? 'Error'}: ${message}`,
      {
        retryable: true,
      },
    );
  } finally {
    client.destroy();
  }
}

/** Ends the portal session for the token (best effort: the token may already be invalid). */
export async function portalLogout(region: string, accessToken: string): Promise<boolean> {
  const client = portalClient(region);
  try {
    await client.send(new LogoutCommand({ accessToken }));
    return true;
  } catch {
    return false;
  } finally {
    client.destroy();
  }
}
