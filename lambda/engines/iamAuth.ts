import { Signer } from '@aws-sdk/rds-signer';
import { DbqError } from '../../shared/protocol/index.js';
import type { DbUser, TargetConfig } from '../config.js';

/** Produces the password for one new connection: the configured one, or a fresh RDS IAM token. */
export type PasswordSource = () => Promise<string | undefined>;

function regionOf(target: TargetConfig): string {
  const region = target.region ?? process.env.AWS_REGION ?? process.env.AWS_DEFAULT_REGION;
  if (!region) {
    throw new DbqError(
      'CONNECTION',
      `IAM authentication to ${target.host} needs the database's AWS region: set "region" on the target or AWS_REGION`,
    );
  }
  return region;
}

/**
 * Where a role's password comes from. With `auth: iam` every call signs a new RDS IAM token
 * (`@aws-sdk/rds-signer`, a presigned `rds-db:connect` URL valid 15 minutes) with the function's own
 * credentials; tokens are never kept, because they only matter while a connection opens and a session may
 * outlive one. The signer (and so the credential chain, which refreshes role credentials itself) is
 * created once per user.
 */
export function passwordSource(target: TargetConfig, user: DbUser, defaultPort: number): PasswordSource {
  if (target.auth !== 'iam') return () => Promise.resolve(user.password);
  let signer: Signer | undefined;
  return async () => {
    signer ??= new Signer({
      hostname: target.host,
      port: target.port ?? defaultPort,
      username: user.user,
      region: regionOf(target),
    });
    try {
      return await signer.getAuthToken();
    } catch (error) {
      throw new DbqError(
        'CONNECTION',
        `cannot sign an IAM authentication token for ${user.user}@${target.host}: ${(error as Error).message}`,
      );
    }
  };
}

/**
 * mysql2 options that answer RDS's `mysql_clear_password` request with the IAM token. RDS MySQL asks for
 * the token in clear text (inside TLS, which `auth: iam` requires); mysql2 refuses the cleartext plugin
 * unless one is supplied.
 */
export function mysqlIamAuthPlugins(token: string): {
  mysql_clear_password: () => () => Buffer;
} {
  return { mysql_clear_password: () => () => Buffer.from(`${token}\0`) };
}
