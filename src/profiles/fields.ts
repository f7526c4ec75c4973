import { DEFAULT_REGISTRATION_SCOPES } from './resolveAuth.js';
import type { Auth, Profile, ProfileDefaults, SsoSession } from './schema.js';
import { ProfileConfigError } from './store.js';

/**
 * A profile as text fields, the way the command line (`--region …`) and the profile form give it. An
 * empty string clears an optional field when editing.
 */
export interface ProfileFields {
  region?: string | undefined;
  function?: string | undefined;
  target?: string | undefined;
  environment?: string | undefined;
  confirmWrites?: boolean | undefined;
  ssoSession?: string | undefined;
  ssoStartUrl?: string | undefined;
  ssoRegion?: string | undefined;
  accountId?: string | undefined;
  roleName?: string | undefined;
  awsProfile?: string | undefined;
  endpoint?: string | undefined;
  pageSize?: string | undefined;
  timeout?: string | undefined;
  format?: string | undefined;
  exportDir?: string | undefined;
}

export type AuthKind = Auth['type'];

export interface BuiltProfile {
  profile: Profile;
  /** An sso-session defined on the way (`--sso-session S --sso-start-url U --sso-region R`). */
  ssoSession?: { name: string; session: SsoSession };
}

const SSO_FIELDS = ['ssoSession', 'ssoStartUrl', 'ssoRegion', 'accountId', 'roleName'] as const;

const given = (value: string | undefined): value is string => value !== undefined && value !== '';

/** Which auth the fields ask for, if any; more than one kind is an error. */
export function authKindOf(fields: ProfileFields): AuthKind | undefined {
  const kinds: AuthKind[] = [];
  if (SSO_FIELDS.some((key) => given(fields[key]))) kinds.push('sso');
  if (given(fields.awsProfile)) kinds.push('aws-profile');
  if (given(fields.endpoint)) kinds.push('local');
  if (kinds.length > 1) {
    throw new ProfileConfigError(
      'choose one way to sign in: SSO (--sso-session or --sso-start-url, --account-id, --role-name), ' +
        '--aws-profile, or --endpoint',
    );
  }
  return kinds[0];
}

function number(value: string, field: string, integer: boolean): number {
  const n = Number(value);
  if (!Number.isFinite(n) || n <= 0 || (integer && !Number.isInteger(n))) {
    throw new ProfileConfigError(
      `${field} must be a positive ${integer ? 'whole ' : ''}number, got "${value}"`,
    );
  }
  return n;
}

function buildAuth(
  fields: ProfileFields,
  base: Auth | undefined,
): { auth: Auth; ssoSession?: BuiltProfile['ssoSession'] } {
  const kind = authKindOf(fields);
  if (kind === undefined) {
    if (!base) {
      throw new ProfileConfigError(
        'a profile needs a way to sign in: --sso-session S (or --sso-start-url URL --sso-region R) with ' +
          '--account-id A --role-name ROLE, or --aws-profile P, or --endpoint URL',
      );
    }
    return { auth: base };
  }
  if (kind === 'local') return { auth: { type: 'local', endpoint: fields.endpoint ?? '' } };
  if (kind === 'aws-profile') return { auth: { type: 'aws-profile', profile: fields.awsProfile ?? '' } };
  const prev = base?.type === 'sso' ? base : undefined;
  const accountId = given(fields.accountId) ? fields.accountId : prev?.accountId;
  const roleName = given(fields.roleName) ? fields.roleName : prev?.roleName;
  const missing = [accountId ? null : '--account-id', roleName ? null : '--role-name'].filter(
    (m) => m !== null,
  );
  if (missing.length > 0) throw new ProfileConfigError(`an SSO profile needs ${missing.join(' and ')}`);
  const location = given(fields.ssoSession) || given(fields.ssoStartUrl) || given(fields.ssoRegion);
  if (given(fields.ssoSession)) {
    const name = fields.ssoSession;
    if (given(fields.ssoStartUrl) !== given(fields.ssoRegion)) {
      throw new ProfileConfigError('--sso-start-url and --sso-region go together');
    }
    const ssoSession =
      given(fields.ssoStartUrl) && given(fields.ssoRegion)
        ? {
            name,
            session: {
              startUrl: fields.ssoStartUrl,
              region: fields.ssoRegion,
              registrationScopes: DEFAULT_REGISTRATION_SCOPES,
            },
          }
        : undefined;
    return {
      auth: { type: 'sso', ssoSession: name, accountId: accountId ?? '', roleName: roleName ?? '' },
      ...(ssoSession ? { ssoSession } : {}),
    };
  }
  const startUrl = location ? fields.ssoStartUrl : prev?.startUrl;
  const ssoRegion = location ? fields.ssoRegion : prev?.ssoRegion;
  if (!location && prev?.ssoSession !== undefined) {
    return {
      auth: {
        type: 'sso',
        ssoSession: prev.ssoSession,
        accountId: accountId ?? '',
        roleName: roleName ?? '',
      },
    };
  }
  if (!given(startUrl) || !given(ssoRegion)) {
    throw new ProfileConfigError(
      'an SSO profile needs --sso-session S, or --sso-start-url URL with --sso-region R',
    );
  }
  return { auth: { type: 'sso', startUrl, ssoRegion, accountId: accountId ?? '', roleName: roleName ?? '' } };
}

/**
 * Builds a profile from fields, on top of `base` when editing. Only the shape is decided here; the store
 * validates every value and names the field that is wrong.
 */
export function buildProfile(fields: ProfileFields, base?: Profile): BuiltProfile {
  const { auth, ssoSession } = buildAuth(fields, base?.auth);
  const pick = (value: string | undefined, previous: string | undefined): string | undefined =>
    value === undefined ? previous : value === '' ? undefined : value;
  const defaults: ProfileDefaults = { ...base?.defaults };
  const setDefault = <K extends keyof ProfileDefaults>(
    key: K,
    value: ProfileDefaults[K] | undefined,
  ): void => {
    if (value === undefined) delete defaults[key];
    else defaults[key] = value;
  };
  if (fields.pageSize !== undefined)
    setDefault('pageSize', fields.pageSize === '' ? undefined : number(fields.pageSize, '--page-size', true));
  if (fields.timeout !== undefined)
    setDefault('timeoutSec', fields.timeout === '' ? undefined : number(fields.timeout, '--timeout', false));
  if (fields.format !== undefined) setDefault('format', fields.format === '' ? undefined : fields.format);
  if (fields.exportDir !== undefined)
    setDefault('exportDir', fields.exportDir === '' ? undefined : fields.exportDir);
  const profile: Profile = { auth };
  const set = <K extends 'region' | 'function' | 'target' | 'environment'>(
    key: K,
    value: string | undefined,
  ): void => {
    if (value !== undefined) profile[key] = value;
  };
  set('region', pick(fields.region, base?.region));
  set('function', pick(fields.function, base?.function));
  set('target', pick(fields.target, base?.target));
  set('environment', pick(fields.environment, base?.environment));
  const confirm = fields.confirmWrites ?? base?.confirmWrites;
  if (confirm !== undefined) profile.confirmWrites = confirm;
  if (Object.keys(defaults).length > 0) profile.defaults = defaults;
  return { profile, ...(ssoSession ? { ssoSession } : {}) };
}

/** The fields of a saved profile, to prefill the edit form. */
export function profileFields(profile: Profile): ProfileFields {
  const auth = profile.auth;
  return {
    region: profile.region,
    function: profile.function,
    target: profile.target,
    environment: profile.environment,
    confirmWrites: profile.confirmWrites,
    ...(auth.type === 'sso'
      ? {
          ssoSession: auth.ssoSession,
          ssoStartUrl: auth.startUrl,
          ssoRegion: auth.ssoRegion,
          accountId: auth.accountId,
          roleName: auth.roleName,
        }
      : auth.type === 'aws-profile'
        ? { awsProfile: auth.profile }
        : { endpoint: auth.endpoint }),
    pageSize: profile.defaults?.pageSize?.toString(),
    timeout: profile.defaults?.timeoutSec?.toString(),
    format: profile.defaults?.format,
    exportDir: profile.defaults?.exportDir,
  };
}
