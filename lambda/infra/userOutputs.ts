import { ROLES, type Role } from '../../shared/protocol/index.js';
import { functionArn, scopeOf } from './arns.js';
import type { Deployment } from './deployConfig.js';
import { roleOfPermissionSet } from './permissionSets.js';

/**
 * The inline policy for the reader, writer and admin permission sets: invoking this one function and nothing
 * else. Roles differ only inside the function (its role map), so the three policies are the same. Invoking
 * with response streaming is covered by the same action.
 */
export function permissionSetPolicy(deployment: Deployment): string {
  return JSON.stringify({
    Version: '2012-10-17',
    Statement: [
      {
        Sid: 'InvokeDbqQueryFunction',
        Effect: 'Allow',
        Action: 'lambda:InvokeFunction',
        Resource: functionArn(scopeOf(deployment), deployment.functionName),
      },
    ],
  });
}

export interface ProfileCommand {
  target: string;
  role: Role;
  /** The permission set (IAM Identity Center role name) the profile signs in with. */
  roleName: string;
  command: string;
}

/** Quotes a word for a POSIX shell only when it needs it. */
function shellWord(word: string): string {
  return /^[\w@%+=:,./-]+$/.test(word) ? word : `'${word.replace(/'/g, `'\\''`)}'`;
}

/**
 * One `dbq profiles add` command per target and role whose permission set the target's role map grants that
 * role and whose database user exists: what a user pastes to set up their profile.
 */
export function profileCommands(deployment: Deployment): ProfileCommand[] {
  const scope = scopeOf(deployment);
  const { profiles } = deployment;
  const signIn =
    profiles.ssoSession !== undefined
      ? ['--sso-session', profiles.ssoSession]
      : ['--sso-start-url', profiles.ssoStartUrl ?? '', '--sso-region', profiles.ssoRegion ?? ''];
  const commands: ProfileCommand[] = [];
  for (const [target, config] of Object.entries(deployment.functionConfig.targets)) {
    for (const role of ROLES) {
      const roleName = profiles.permissionSets[role];
      if (roleName === undefined || config.users[role] === undefined) continue;
      if (roleOfPermissionSet(config, scope, roleName) !== role) continue;
      const words = [
        'dbq',
        'profiles',
        'add',
        `${target}-${role}`,
        '--region',
        deployment.region,
        '--function',
        functionArn(scope, deployment.functionName),
        '--target',
        target,
        ...signIn,
        '--account-id',
        deployment.account,
        '--role-name',
        roleName,
        ...(profiles.environment === undefined ? [] : ['--environment', profiles.environment]),
      ];
      commands.push({ target, role, roleName, command: words.map(shellWord).join(' ') });
    }
  }
  return commands;
}
