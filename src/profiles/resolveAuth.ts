import type { SsoSessionConfig } from '../sso/cache.js';
import { parseScopes, readAwsConfig, type AwsConfigFile } from './awsConfig.js';
import type { NamedProfile } from './schema.js';
import { ProfileConfigError, type ProfileStore } from './store.js';

/** The scope that makes IAM Identity Center issue refresh tokens, as `aws configure sso` sets it. */
export const DEFAULT_REGISTRATION_SCOPES = ['sso:account:access'];

/** How a profile gets AWS credentials, with everything looked up. */
export type ResolvedAuth =
  | {
      method: 'sso';
      sso: SsoSessionConfig;
      accountId: string;
      roleName: string;
      /** Set when the settings came from a profile in `~/.aws/config`. */
      awsProfile?: string;
    }
  | { method: 'aws-profile'; awsProfile: string }
  | { method: 'local'; endpoint: string };

function sessionFromAwsConfig(config: AwsConfigFile, name: string): SsoSessionConfig | undefined {
  const section = config.ssoSessions.get(name);
  if (!section?.sso_start_url || !section.sso_region) return undefined;
  return {
    sessionName: name,
    startUrl: section.sso_start_url,
    region: section.sso_region,
    registrationScopes: parseScopes(section.sso_registration_scopes),
  };
}

/**
 * Resolves a profile's sign-in: an `sso` profile's sso-session from dbq's own store, else from
 * `~/.aws/config`; an `aws-profile` profile whose AWS profile is an SSO profile is signed in the same way
 * (so `dbq login` works for it and shares the AWS CLI's token), any other AWS profile is left to the SDK.
 */
export function resolveAuth(
  profile: NamedProfile,
  store: ProfileStore,
  readConfig: () => AwsConfigFile = () => readAwsConfig(),
): ResolvedAuth {
  const auth = profile.auth;
  switch (auth.type) {
    case 'local':
      return { method: 'local', endpoint: auth.endpoint };
    case 'sso': {
      let sso: SsoSessionConfig | undefined;
      if (auth.ssoSession !== undefined) {
        const saved = store.ssoSession(auth.ssoSession);
        sso = saved
          ? {
              sessionName: auth.ssoSession,
              startUrl: saved.startUrl,
              region: saved.region,
              registrationScopes: saved.registrationScopes,
            }
          : sessionFromAwsConfig(readConfig(), auth.ssoSession);
        if (!sso) {
          throw new ProfileConfigError(
            `profile "${profile.name}" names sso-session "${auth.ssoSession}", which is neither saved in dbq ` +
              `nor an [sso-session ${auth.ssoSession}] section with sso_start_url and sso_region in ~/.aws/config`,
          );
        }
      } else {
        sso = {
          startUrl: auth.startUrl ?? '',
          region: auth.ssoRegion ?? '',
          registrationScopes: DEFAULT_REGISTRATION_SCOPES,
        };
      }
      return { method: 'sso', sso, accountId: auth.accountId, roleName: auth.roleName };
    }
    case 'aws-profile': {
      const config = readConfig();
      const section = config.profiles.get(auth.profile);
      const accountId = section?.sso_account_id;
      const roleName = section?.sso_role_name;
      if (section && accountId && roleName) {
        let sso: SsoSessionConfig | undefined;
        if (section.sso_session) sso = sessionFromAwsConfig(config, section.sso_session);
        else if (section.sso_start_url && section.sso_region) {
          sso = { startUrl: section.sso_start_url, region: section.sso_region };
        }
        if (sso) return { method: 'sso', sso, accountId, roleName, awsProfile: auth.profile };
      }
      return { method: 'aws-profile', awsProfile: auth.profile };
    }
  }
}
