import { parseArgs } from 'node:util';
import { openSavedProfile, profileNameToUse } from '../../profiles/open.js';
import { BUILTIN_PROFILE } from '../../profiles/schema.js';
import { ProfileStore } from '../../profiles/store.js';
import { usageErrors } from '../args.js';
import { profileErrorsAsUsage } from '../connect.js';
import { EXIT_OK } from '../exitCodes.js';
import type { Subcommand } from '../subcommand.js';
import { UsageError } from '../usage.js';

/**
 * `dbq logout [-p NAME]`: ends the IAM Identity Center session of a profile (portal Logout) and removes its
 * cached token, which the AWS CLI shares.
 */
export const logoutCommand: Subcommand = {
  name: 'logout',
  usage: 'dbq logout [-p NAME]',
  async run(argv, io) {
    const { values, positionals } = usageErrors(() =>
      parseArgs({ args: argv, allowPositionals: true, options: { profile: { type: 'string', short: 'p' } } }),
    );
    if (positionals.length > 0) throw new UsageError(`unexpected argument "${positionals[0]}"`);
    const { auth, profile } = profileErrorsAsUsage(() => {
      const store = new ProfileStore();
      const name = profileNameToUse(values.profile, store);
      if (name === BUILTIN_PROFILE) {
        throw new UsageError(
          values.profile === undefined
            ? 'no default profile to sign out of: pass -p NAME'
            : 'the built-in local profile has no sign-in',
        );
      }
      return openSavedProfile(name, store);
    });
    if (!auth.canSignIn) {
      io.stderr.write(`profile "${profile.name}" does not sign in with IAM Identity Center: nothing to do\n`);
      return EXIT_OK;
    }
    const removed = await auth.logout();
    io.stderr.write(
      removed
        ? `Signed out of ${auth.startUrl ?? 'IAM Identity Center'} (profile ${profile.name})\n`
        : `Not signed in to ${auth.startUrl ?? 'IAM Identity Center'} (profile ${profile.name})\n`,
    );
    return EXIT_OK;
  },
};
