import { parseScopes, type AwsConfigFile } from './awsConfig.js';
import {
  BUILTIN_PROFILE,
  ProfileSchema,
  describeIssues,
  profileName,
  type Profile,
  type SsoSession,
} from './schema.js';
import type { ProfileStore } from './store.js';

export interface ImportOptions {
  /** The query function every imported profile calls (`~/.aws/config` does not name one). */
  functionName: string;
  /** The function's region when the AWS profile has no `region`. */
  region?: string | undefined;
  target?: string | undefined;
  /** Replace dbq profiles of the same name instead of skipping them. */
  replace: boolean;
  /** Import only these AWS profiles (all SSO profiles when empty). */
  only: string[];
}

export interface ImportReport {
  imported: string[];
  ssoSessions: string[];
  skipped: { name: string; reason: string }[];
}

function ssoSessionOf(config: AwsConfigFile, name: string): SsoSession | undefined {
  const section = config.ssoSessions.get(name);
  if (!section?.sso_start_url || !section.sso_region) return undefined;
  const scopes = parseScopes(section.sso_registration_scopes);
  return {
    startUrl: section.sso_start_url,
    region: section.sso_region,
    ...(scopes ? { registrationScopes: scopes } : {}),
  };
}

/**
 * Turns the SSO profiles of `~/.aws/config` into dbq profiles: a profile with `sso_session` (its
 * `[sso-session]` section is saved too, scopes kept so the AWS CLI's client registration is shared) or with
 * the legacy `sso_start_url` + `sso_region`, plus `sso_account_id` and `sso_role_name`.
 */
export function importAwsProfiles(
  config: AwsConfigFile,
  store: ProfileStore,
  options: ImportOptions,
): ImportReport {
  const report: ImportReport = { imported: [], ssoSessions: [], skipped: [] };
  const existing = new Set(store.list().map((p) => p.name));
  for (const wanted of options.only) {
    if (!config.profiles.has(wanted))
      report.skipped.push({ name: wanted, reason: 'not in the AWS config file' });
  }
  for (const [name, section] of config.profiles) {
    if (options.only.length > 0 && !options.only.includes(name)) continue;
    const skip = (reason: string): void => {
      report.skipped.push({ name, reason });
    };
    if (!section.sso_session && !section.sso_start_url) {
      if (options.only.length > 0) skip('not an SSO profile');
      continue;
    }
    if (!section.sso_account_id || !section.sso_role_name) {
      skip('no sso_account_id / sso_role_name (a session-only profile)');
      continue;
    }
    if (name === BUILTIN_PROFILE || !profileName.safeParse(name).success) {
      skip(`"${name}" cannot be a dbq profile name`);
      continue;
    }
    if (existing.has(name) && !options.replace) {
      skip('a dbq profile of that name exists (--replace overwrites it)');
      continue;
    }
    const region = options.region ?? section.region;
    if (!region) {
      skip('no region in the AWS profile: pass --region');
      continue;
    }
    let auth: Profile['auth'];
    if (section.sso_session) {
      const session = ssoSessionOf(config, section.sso_session);
      if (!session) {
        skip(`[sso-session ${section.sso_session}] is missing or has no sso_start_url / sso_region`);
        continue;
      }
      auth = {
        type: 'sso',
        ssoSession: section.sso_session,
        accountId: section.sso_account_id,
        roleName: section.sso_role_name,
      };
      if (!report.ssoSessions.includes(section.sso_session)) {
        store.saveSsoSession(section.sso_session, session);
        report.ssoSessions.push(section.sso_session);
      }
    } else {
      if (!section.sso_region) {
        skip('sso_start_url without sso_region');
        continue;
      }
      auth = {
        type: 'sso',
        startUrl: section.sso_start_url,
        ssoRegion: section.sso_region,
        accountId: section.sso_account_id,
        roleName: section.sso_role_name,
      };
    }
    const profile: Profile = {
      region,
      function: options.functionName,
      ...(options.target ? { target: options.target } : {}),
      auth,
    };
    const valid = ProfileSchema.safeParse(profile);
    if (!valid.success) {
      skip(describeIssues(valid.error).join('; '));
      continue;
    }
    store.save(name, valid.data, { replace: true });
    report.imported.push(name);
  }
  return report;
}
