import { buildProfile, profileFields, type ProfileFields } from '../../profiles/fields.js';
import { ProfileSchema, describeIssues, profileName, type Profile } from '../../profiles/schema.js';
import type { ProfileStore } from '../../profiles/store.js';
import type { ProfileFormValues } from '../../ui/profiles/ProfileForm.js';
import type { CliIo } from '../subcommand.js';

function problemWith(
  store: ProfileStore,
  values: ProfileFormValues,
  base: Profile | undefined,
): string | null {
  try {
    const name = profileName.safeParse(values.name);
    if (!name.success) return `Name: ${name.error.issues[0]?.message ?? 'invalid'}`;
    if (!base && store.get(values.name)) return `a profile named "${values.name}" already exists`;
    const built = buildProfile(fieldsFromForm(values), base);
    if (built.profile.auth.type !== values.authKind) return 'fill in how to sign in';
    const parsed = ProfileSchema.safeParse(built.profile);
    return parsed.success ? null : describeIssues(parsed.error).join('; ');
  } catch (error) {
    return error instanceof Error ? error.message : String(error);
  }
}

/** The form's values as profile fields: only the chosen sign-in kind's fields count. */
export function fieldsFromForm(values: ProfileFormValues): ProfileFields {
  const kind = values.authKind;
  const only = (forKind: ProfileFormValues['authKind'], value: string): string | undefined =>
    kind === forKind ? value : undefined;
  return {
    region: values.region,
    function: values.function,
    target: values.target,
    environment: values.environment,
    ssoSession: only('sso', values.ssoSession),
    ssoStartUrl: only('sso', values.ssoStartUrl),
    ssoRegion: only('sso', values.ssoRegion),
    accountId: only('sso', values.accountId),
    roleName: only('sso', values.roleName),
    awsProfile: only('aws-profile', values.awsProfile),
    endpoint: only('local', values.endpoint),
    pageSize: values.pageSize,
    timeout: values.timeout,
    format: values.format,
    exportDir: values.exportDir,
  };
}

function formValues(name: string, profile: Profile | undefined): ProfileFormValues {
  const f: ProfileFields = profile ? profileFields(profile) : {};
  return {
    name,
    authKind: profile?.auth.type ?? 'sso',
    region: f.region ?? '',
    function: f.function ?? '',
    target: f.target ?? '',
    environment: f.environment ?? '',
    ssoSession: f.ssoSession ?? '',
    ssoStartUrl: f.ssoStartUrl ?? '',
    ssoRegion: f.ssoRegion ?? '',
    accountId: f.accountId ?? '',
    roleName: f.roleName ?? '',
    awsProfile: f.awsProfile ?? '',
    endpoint: f.endpoint ?? '',
    pageSize: f.pageSize ?? '',
    timeout: f.timeout ?? '',
    format: f.format ?? '',
    exportDir: f.exportDir ?? '',
  };
}

/** The Ink form, for `add` / `edit` run bare on a terminal. Resolves undefined when cancelled. */
export async function runForm(
  io: CliIo,
  store: ProfileStore,
  name: string,
  base: Profile | undefined,
): Promise<ProfileFormValues | undefined> {
  const [{ render }, { profileFormElement }] = await Promise.all([
    import('ink'),
    import('../../ui/profiles/ProfileForm.js'),
  ]);
  let result: ProfileFormValues | undefined;
  const app = render(
    profileFormElement({
      title: base ? `Edit profile ${name}` : 'New connection profile',
      initial: formValues(name, base),
      nameEditable: base === undefined,
      validate: (values) => problemWith(store, values, base),
      onSubmit: (values) => {
        result = values;
        app.unmount();
      },
      onCancel: () => app.unmount(),
    }),
    { stdin: io.stdin, stdout: io.stdout, stderr: io.stderr },
  );
  await app.waitUntilExit();
  return result;
}
