import { z } from 'zod';
import { OUTPUT_FORMATS } from '../format/types.js';

/** The name of the built-in embedded demo profile; a saved profile cannot take it. */
export const BUILTIN_PROFILE = 'local';

export const STORE_VERSION = 1;

const NAME = /^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$/;
const REGION = /^[a-z]{2}(-[a-z]+)+-\d{1,2}$/;
const ACCOUNT_ID = /^\d{12}$/;
const ROLE_NAME = /^[\w+=,.@-]{1,64}$/;
const TARGET = /^[A-Za-z0-9_.-]{1,128}$/;
const ENVIRONMENT = /^[a-z][a-z0-9-]{0,31}$/;
/** A function name (optionally `:qualifier`), a partial ARN `ACCOUNT:function:NAME`, or a full (alias) ARN. */
const FUNCTION =
  /^(arn:aws[a-z-]*:lambda:[a-z]{2}(-[a-z]+)+-\d{1,2}:\d{12}:function:|\d{12}:function:)?[A-Za-z0-9_-]{1,64}(:(\$LATEST|[A-Za-z0-9_-]{1,128}))?$/;

function httpUrl(what: string): z.ZodString {
  return z.string().refine((value) => {
    try {
      const url = new URL(value);
      return url.protocol === 'https:' || url.protocol === 'http:';
    } catch {
      return false;
    }
  }, `${what} must be an http(s) URL`);
}

export const profileName = z
  .string()
  .regex(NAME, 'a profile name is 1-64 letters, digits, _ . - and starts with a letter or digit')
  .refine((name) => name !== BUILTIN_PROFILE, `"${BUILTIN_PROFILE}" is the built-in profile's name`);

export const ssoSessionName = z
  .string()
  .regex(NAME, 'an SSO session name is 1-64 letters, digits, _ . - and starts with a letter or digit');

export const region = z.string().regex(REGION, 'must be an AWS region such as us-east-1');

/** IAM Identity Center: a named sso-session or a start URL with its region, then an account and a role. */
export const SsoAuthSchema = z
  .strictObject({
    type: z.literal('sso'),
    ssoSession: ssoSessionName.optional(),
    startUrl: httpUrl('the SSO start URL').optional(),
    ssoRegion: region.optional(),
    accountId: z.string().regex(ACCOUNT_ID, 'must be a 12-digit AWS account id'),
    roleName: z.string().regex(ROLE_NAME, 'must be an IAM role (permission set) name'),
  })
  .superRefine((auth, ctx) => {
    if (auth.ssoSession !== undefined && (auth.startUrl !== undefined || auth.ssoRegion !== undefined)) {
      ctx.addIssue({
        code: 'custom',
        path: ['ssoSession'],
        message: 'give either ssoSession or startUrl + ssoRegion, not both',
      });
    } else if (auth.ssoSession === undefined) {
      if (auth.startUrl === undefined)
        ctx.addIssue({ code: 'custom', path: ['startUrl'], message: 'needs ssoSession or startUrl' });
      if (auth.ssoRegion === undefined)
        ctx.addIssue({ code: 'custom', path: ['ssoRegion'], message: 'startUrl needs ssoRegion' });
    }
  });

/** Credentials from a profile in `~/.aws/config` (any kind the AWS SDK resolves, SSO included). */
export const AwsProfileAuthSchema = z.strictObject({
  type: z.literal('aws-profile'),
  profile: z.string().min(1, 'names a profile in ~/.aws/config'),
});

/** A `dbq local` endpoint: no AWS credentials. */
export const LocalAuthSchema = z.strictObject({
  type: z.literal('local'),
  endpoint: httpUrl('endpoint'),
});

export const AuthSchema = z.discriminatedUnion(
  'type',
  [SsoAuthSchema, AwsProfileAuthSchema, LocalAuthSchema],
  {
    error: 'type must be one of sso, aws-profile, local',
  },
);

export const DefaultsSchema = z.strictObject({
  pageSize: z.int().min(1).max(100_000).optional(),
  timeoutSec: z.number().positive().max(900).optional(),
  format: z.enum(OUTPUT_FORMATS as [string, ...string[]]).optional(),
  exportDir: z.string().min(1).optional(),
});

export const ProfileSchema = z
  .strictObject({
    region: region.optional(),
    function: z.string().regex(FUNCTION, 'must be a Lambda function name, ARN or alias ARN').optional(),
    target: z.string().regex(TARGET, 'letters, digits, _ . - only').optional(),
    environment: z
      .string()
      .regex(ENVIRONMENT, 'a lowercase label such as production, staging, dev')
      .optional(),
    /** Ask before running a write statement; defaults to true for the `production` environment. */
    confirmWrites: z.boolean().optional(),
    auth: AuthSchema,
    defaults: DefaultsSchema.optional(),
  })
  .superRefine((profile, ctx) => {
    if (profile.auth.type === 'local') return;
    if (profile.region === undefined)
      ctx.addIssue({ code: 'custom', path: ['region'], message: 'is required' });
    if (profile.function === undefined)
      ctx.addIssue({ code: 'custom', path: ['function'], message: 'is required' });
  });

export const SsoSessionSchema = z.strictObject({
  startUrl: httpUrl('the SSO start URL'),
  region,
  /** OAuth scopes registered with the client; `sso:account:access` is what makes refresh tokens. */
  registrationScopes: z.array(z.string().min(1)).optional(),
});

export const StoreSchema = z.strictObject({
  version: z.literal(STORE_VERSION, `must be ${STORE_VERSION}`),
  defaultProfile: z.string().min(1).optional(),
  profiles: z.record(z.string(), ProfileSchema),
  ssoSessions: z.record(z.string(), SsoSessionSchema).optional(),
});

export type Profile = z.infer<typeof ProfileSchema>;
export type Auth = z.infer<typeof AuthSchema>;
export type SsoAuth = z.infer<typeof SsoAuthSchema>;
export type ProfileDefaults = z.infer<typeof DefaultsSchema>;
export type SsoSession = z.infer<typeof SsoSessionSchema>;
export type StoreData = z.infer<typeof StoreSchema>;

/** A saved profile with its name. */
export interface NamedProfile extends Profile {
  name: string;
}

/** True when the profile is labelled `production`: the REPL draws a red banner for it. */
export function isProduction(profile: Pick<Profile, 'environment'>): boolean {
  return profile.environment === 'production';
}

/** Whether the REPL asks before running a write statement: explicit setting, else production only. */
export function confirmWrites(profile: Pick<Profile, 'environment' | 'confirmWrites'>): boolean {
  return profile.confirmWrites ?? isProduction(profile);
}

/** One line per problem, each naming the field (`profiles.prod.auth.accountId: …`). */
export function describeIssues(error: z.ZodError, prefix: readonly PropertyKey[] = []): string[] {
  return error.issues.map((issue) => {
    const path = [...prefix, ...issue.path].map(String).join('.');
    if (issue.code === 'unrecognized_keys') {
      const fields = issue.keys.map((key) => (path ? `${path}.${key}` : key));
      return `unknown field${fields.length > 1 ? 's' : ''} ${fields.map((f) => `"${f}"`).join(', ')}`;
    }
    return `${path || '(top level)'}: ${issue.message}`;
  });
}
