import { parseArgs } from 'node:util';
import { openSavedProfile, profileNameToUse } from '../../profiles/open.js';
import { BUILTIN_PROFILE } from '../../profiles/schema.js';
import { ProfileStore } from '../../profiles/store.js';
import { describeIdentity, signInFromTerminal } from '../../sso/terminalSignIn.js';
import { usageErrors } from '../args.js';
import { profileErrorsAsUsage } from '../connect.js';
import { EXIT_OK } from '../exitCodes.js';
import type { Subcommand } from '../subcommand.js';
import { UsageError } from '../usage.js';

export interface LoginOptions {
  profile: string | undefined;
  browser: boolean;
}

export function parseLoginArgs(argv: string[]): LoginOptions {
  const { values, positionals } = usageErrors(() =>
    parseArgs({
      args: argv,
      allowPositionals: true,
      options: {
        profile: { type: 'string', short: 'p' },
        'no-browser': { type: 'boolean' },
      },
    }),
  );
  if (positionals.length > 0) throw new UsageError(`unexpected argument "${positionals[0]}"`);
  return { profile: values.profile, browser: values['no-browser'] !== true };
}

/**
 * `dbq login [-p NAME] [--no-browser]`: IAM Identity Center device sign-in for a profile, as
 * `aws sso login` does it, sharing the AWS CLI's token cache.
 */
export const loginCommand: Subcommand = {
  name: 'login',
  usage: 'dbq login [-p NAME] [--no-browser]',
  async run(argv, io) {
    const options = parseLoginArgs(argv);
    const { auth, profile } = profileErrorsAsUsage(() => {
      const store = new ProfileStore();
      const name = profileNameToUse(options.profile, store);
      if (name === BUILTIN_PROFILE) {
        throw new UsageError(
          options.profile === undefined
            ? 'no default profile to sign in to: pass -p NAME (dbq profiles list shows them)'
            : 'the built-in local profile needs no sign-in',
        );
      }
      return openSavedProfile(name, store);
    });
    if (!auth.canSignIn) {
      const identity = await auth.signedInIdentity();
      throw new UsageError(
        `profile "${profile.name}" signs in with ${identity?.label ?? auth.method}, not IAM Identity Center: ` +
          (auth.method === 'local' ? 'nothing to sign in to' : 'use the AWS CLI to sign in'),
      );
    }
    const controller = new AbortController();
    const cancel = (): void => controller.abort();
    process.once('SIGINT', cancel);
    try {
      const identity = await signInFromTerminal(auth, io.stderr, {
        browser: options.browser,
        signal: controller.signal,
      });
      io.stderr.write(`Signed in for profile ${profile.name}: ${describeIdentity(identity)}\n`);
    } finally {
      process.removeListener('SIGINT', cancel);
    }
    return EXIT_OK;
  },
};
