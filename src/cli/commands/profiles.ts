import { parseArgs, type ParseArgsConfig } from 'node:util';
import type { PingResult } from '../../../shared/protocol/index.js';
import { readAwsConfig, awsConfigPath } from '../../profiles/awsConfig.js';
import { formatProfile, formatProfileList } from '../../profiles/describe.js';
import { buildProfile, type ProfileFields } from '../../profiles/fields.js';
import { importAwsProfiles } from '../../profiles/importAws.js';
import { resolveAuth } from '../../profiles/resolveAuth.js';
import { BUILTIN_PROFILE, ProfileSchema, describeIssues, type Profile } from '../../profiles/schema.js';
import { ProfileConfigError, ProfileStore } from '../../profiles/store.js';
import { isSignInRequired } from '../../sso/errors.js';
import { describeIdentity, signInFromTerminal } from '../../sso/terminalSignIn.js';
import { usageErrors } from '../args.js';
import { fieldsFromForm, runForm } from './profileForm.js';
import { connect, profileErrorsAsUsage } from '../connect.js';
import { EXIT_OK } from '../exitCodes.js';
import type { CliIo, Subcommand } from '../subcommand.js';
import { UsageError } from '../usage.js';

const PROFILE_FLAGS = {
  region: { type: 'string' },
  function: { type: 'string' },
  target: { type: 'string' },
  environment: { type: 'string' },
  'confirm-writes': { type: 'boolean' },
  'no-confirm-writes': { type: 'boolean' },
  'sso-session': { type: 'string' },
  'sso-start-url': { type: 'string' },
  'sso-region': { type: 'string' },
  'account-id': { type: 'string' },
  'role-name': { type: 'string' },
  'aws-profile': { type: 'string' },
  endpoint: { type: 'string' },
  'page-size': { type: 'string' },
  timeout: { type: 'string' },
  format: { type: 'string' },
  'export-dir': { type: 'string' },
  default: { type: 'boolean' },
} as const;

type ProfileFlagValues = {
  [K in keyof typeof PROFILE_FLAGS]?: (typeof PROFILE_FLAGS)[K]['type'] extends 'string' ? string : boolean;
};

type OptionsConfig = NonNullable<ParseArgsConfig['options']>;

function parse<O extends OptionsConfig>(argv: string[], options: O) {
  return usageErrors(() =>
    parseArgs({ args: argv, allowPositionals: true as const, options, strict: true as const }),
  );
}

function fieldsFromFlags(values: ProfileFlagValues): ProfileFields {
  if (values['confirm-writes'] && values['no-confirm-writes']) {
    throw new UsageError('--confirm-writes and --no-confirm-writes contradict each other');
  }
  return {
    region: values.region,
    function: values.function,
    target: values.target,
    environment: values.environment,
    confirmWrites: values['confirm-writes'] ? true : values['no-confirm-writes'] ? false : undefined,
    ssoSession: values['sso-session'],
    ssoStartUrl: values['sso-start-url'],
    ssoRegion: values['sso-region'],
    accountId: values['account-id'],
    roleName: values['role-name'],
    awsProfile: values['aws-profile'],
    endpoint: values.endpoint,
    pageSize: values['page-size'],
    timeout: values.timeout,
    format: values.format,
    exportDir: values['export-dir'],
  };
}

const hasFields = (fields: ProfileFields): boolean =>
  Object.values(fields).some((value) => value !== undefined);

/** Builds, checks and saves a profile (and any sso-session it defines); a problem names the field. */
function saveProfile(
  store: ProfileStore,
  name: string,
  fields: ProfileFields,
  base: Profile | undefined,
): void {
  const built = buildProfile(fields, base);
  const parsed = ProfileSchema.safeParse(built.profile);
  if (!parsed.success)
    throw new ProfileConfigError(`profile "${name}":\n  ${describeIssues(parsed.error).join('\n  ')}`);
  if (built.ssoSession) store.saveSsoSession(built.ssoSession.name, built.ssoSession.session);
  // An sso-session given by name alone must be known, here or in ~/.aws/config.
  resolveAuth({ name, ...parsed.data }, store);
  store.save(name, parsed.data, { replace: base !== undefined });
}

const interactive = (io: CliIo): boolean => io.stdin.isTTY === true && io.stdout.isTTY === true;

async function addOrEdit(argv: string[], io: CliIo, editing: boolean): Promise<number> {
  const { values, positionals } = parse(argv, PROFILE_FLAGS);
  if (positionals.length > 1) throw new UsageError(`unexpected argument "${positionals[1]}"`);
  const name = positionals[0];
  const fields = fieldsFromFlags(values);
  const store = new ProfileStore();
  if (name === BUILTIN_PROFILE) throw new UsageError('"local" is the built-in profile; choose another name');
  const base = editing ? profileErrorsAsUsage(() => store.require(name ?? missingName('edit'))) : undefined;
  if (!hasFields(fields)) {
    if (!interactive(io)) {
      throw new UsageError(
        editing
          ? 'nothing to change: pass the flags to change (see dbq profiles add), or run it on a terminal for the form'
          : 'dbq profiles add NAME --region R --function F (--sso-session S | --sso-start-url URL --sso-region R) ' +
              '--account-id A --role-name ROLE | --aws-profile P | --endpoint URL; or run it bare on a terminal',
      );
    }
    const result = await runForm(io, store, name ?? '', base);
    if (!result) {
      io.stderr.write('cancelled; nothing saved\n');
      return EXIT_OK;
    }
    profileErrorsAsUsage(() => saveProfile(store, result.name, fieldsFromForm(result), base));
    io.stderr.write(`saved profile ${result.name}\n`);
    return EXIT_OK;
  }
  const profile = name ?? missingName('add');
  profileErrorsAsUsage(() => {
    saveProfile(store, profile, fields, base);
    if (values.default) store.setDefault(profile);
  });
  io.stderr.write(`saved profile ${profile}${values.default ? ' (default)' : ''}\n`);
  return EXIT_OK;
}

function missingName(action: string): never {
  throw new UsageError(`dbq profiles ${action} needs a profile name`);
}

function onlyName<O extends OptionsConfig>(argv: string[], action: string, extra: O) {
  const { values, positionals } = parse(argv, extra);
  if (positionals.length > 1) throw new UsageError(`unexpected argument "${positionals[1]}"`);
  if (positionals[0] === undefined && action !== 'show' && action !== 'test') missingName(action);
  return { name: positionals[0], values };
}

function printPing(io: CliIo, profile: string, ping: PingResult): void {
  const rows: [string, string][] = [
    ['profile', profile],
    ['principal', ping.principal],
    ['role', ping.role],
    ['target', ping.target],
    ['database', ping.database],
    ['engine', ping.engine],
    ['server version', ping.serverVersion],
  ];
  io.stdout.write(rows.map(([k, v]) => `${`${k}:`.padEnd(16)}${v}`).join('\n') + '\n');
}

/** `dbq profiles test NAME`: signs in when needed, then pings the query function through the profile. */
async function testProfile(argv: string[], io: CliIo): Promise<number> {
  const { name, values } = onlyName(argv, 'test', { 'no-browser': { type: 'boolean' } });
  const connection = await connect({ profile: name });
  try {
    let ping: PingResult;
    try {
      ping = await connection.session.ping();
    } catch (error) {
      if (!isSignInRequired(error) || !connection.auth?.canSignIn) throw error;
      io.stderr.write(`${error.message}\n`);
      const identity = await signInFromTerminal(connection.auth, io.stderr, {
        browser: values['no-browser'] !== true,
      });
      io.stderr.write(`Signed in: ${describeIdentity(identity)}\n`);
      ping = await connection.session.ping();
    }
    printPing(io, connection.label, ping);
    return EXIT_OK;
  } finally {
    await connection.close();
  }
}

function importProfiles(argv: string[], io: CliIo): number {
  const { values, positionals } = parse(argv, {
    function: { type: 'string' },
    region: { type: 'string' },
    target: { type: 'string' },
    replace: { type: 'boolean' },
  });
  const store = new ProfileStore();
  const report = profileErrorsAsUsage(() =>
    importAwsProfiles(readAwsConfig(), store, {
      functionName: values.function ?? 'dbq-query',
      region: values.region,
      target: values.target,
      replace: values.replace === true,
      only: positionals,
    }),
  );
  for (const name of report.imported) io.stderr.write(`imported ${name}\n`);
  for (const name of report.ssoSessions) io.stderr.write(`saved sso-session ${name}\n`);
  for (const { name, reason } of report.skipped) io.stderr.write(`skipped ${name}: ${reason}\n`);
  if (report.imported.length === 0 && report.skipped.length === 0) {
    io.stderr.write(`no SSO profiles in ${awsConfigPath()}\n`);
  }
  return EXIT_OK;
}

const USAGE_LINE = 'dbq profiles list|show|add|edit|rm|default|import|test';

/**
 * `dbq profiles …`: manage saved connection profiles. `add` and `edit` take the flags of the command-line
 * contract, or show a form when run bare on a terminal.
 */
export const profilesCommand: Subcommand = {
  name: 'profiles',
  usage: USAGE_LINE,
  async run(argv, io) {
    const [action, ...rest] = argv;
    const store = new ProfileStore();
    switch (action) {
      case undefined:
      case 'list': {
        const { values } = parse(rest, { json: { type: 'boolean' } });
        const [profiles, defaultName] = profileErrorsAsUsage(
          () => [store.list(), store.defaultName()] as const,
        );
        io.stdout.write(
          values.json
            ? `${JSON.stringify({ defaultProfile: defaultName ?? null, profiles }, null, 2)}\n`
            : formatProfileList(profiles, defaultName),
        );
        return EXIT_OK;
      }
      case 'show': {
        const { name, values } = onlyName(rest, 'show', { json: { type: 'boolean' } });
        const output = profileErrorsAsUsage(() => {
          const profileToShow = name ?? store.defaultName();
          if (profileToShow === undefined || profileToShow === BUILTIN_PROFILE) {
            return `name:  ${BUILTIN_PROFILE}${profileToShow === undefined ? ' (default)' : ''}\nthe built-in embedded demo database\n`;
          }
          const profile = store.require(profileToShow);
          if (values.json) return `${JSON.stringify(profile, null, 2)}\n`;
          const session =
            profile.auth.type === 'sso' && profile.auth.ssoSession
              ? store.ssoSession(profile.auth.ssoSession)
              : undefined;
          return formatProfile(profile, {
            isDefault: store.defaultName() === profile.name,
            ssoSession: session,
          });
        });
        io.stdout.write(output);
        return EXIT_OK;
      }
      case 'add':
        return addOrEdit(rest, io, false);
      case 'edit':
        return addOrEdit(rest, io, true);
      case 'rm':
      case 'remove': {
        const { name } = onlyName(rest, 'rm', {});
        if (name === BUILTIN_PROFILE) throw new UsageError('the built-in local profile cannot be removed');
        profileErrorsAsUsage(() => store.remove(name ?? ''));
        io.stderr.write(`removed profile ${name}\n`);
        return EXIT_OK;
      }
      case 'default': {
        const { name } = onlyName(rest, 'default', {});
        profileErrorsAsUsage(() => store.setDefault(name === BUILTIN_PROFILE ? undefined : name));
        io.stderr.write(`default profile: ${name}\n`);
        return EXIT_OK;
      }
      case 'import':
        return importProfiles(rest, io);
      case 'test':
        return testProfile(rest, io);
      default:
        throw new UsageError(`unknown action "${action}": ${USAGE_LINE}`);
    }
  },
};
