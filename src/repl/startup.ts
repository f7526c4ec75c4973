import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { configDir } from '../config/paths.js';
import { exportDirectory } from '../export/exportPath.js';
import type { ProfileDirectory, ProfileSummary, ReplConnection } from './connection.js';
import { FileHistoryStore, historyFile } from './history.js';
import { ReplCore } from './replCore.js';

const LOCAL_PROFILE: ProfileSummary = {
  name: 'local',
  description: 'built in: embedded PostgreSQL (PGlite) with the demo data',
};

/**
 * The profile the REPL opens: the ad-hoc endpoint's function, `-p NAME`, the saved default, or `local`.
 * The profile store (conf, zod) takes a few hundred milliseconds to load, so it is loaded only when a
 * profiles file exists and no profile was named.
 */
export async function interactiveProfileName(command: {
  endpoint?: string | undefined;
  functionName?: string | undefined;
  profile?: string | undefined;
}): Promise<string> {
  if (command.endpoint) return command.functionName ?? 'dbq-query';
  if (command.profile) return command.profile;
  if (!existsSync(join(configDir(), 'profiles.json'))) return LOCAL_PROFILE.name;
  try {
    const { profileNameToUse } = await import('../profiles/open.js');
    return profileNameToUse(undefined);
  } catch {
    // A broken profiles file is reported when the connection is opened.
    return LOCAL_PROFILE.name;
  }
}

/** `\l`: the built-in demo, the ad-hoc endpoint if any, and the saved profiles (`*` marks the default). */
function savedProfiles(adHoc: ProfileSummary | undefined): ProfileDirectory {
  return {
    list: async () => {
      const [{ ProfileStore }, { describeAuth }] = await Promise.all([
        import('../profiles/store.js'),
        import('../profiles/describe.js'),
      ]);
      const store = new ProfileStore();
      const fallback = store.defaultName();
      const saved = store.list().map((profile) => ({
        name: profile.name,
        description:
          `${profile.name === fallback ? '(default) ' : ''}${profile.environment ?? ''} ${describeAuth(profile)}`.trim(),
      }));
      return [LOCAL_PROFILE, ...(adHoc ? [adHoc] : []), ...saved];
    },
  };
}

/** Wires the REPL core to the file system: history under DBQ_CONFIG_DIR, exports in DBQ_EXPORT_DIR. */
export function createReplCore(options: {
  profile: string;
  open: (profile: string) => Promise<ReplConnection>;
  /** An ad-hoc target (`--endpoint`) shown by `\l` beside the saved profiles. */
  adHoc?: ProfileSummary;
  env?: NodeJS.ProcessEnv;
}): ReplCore {
  const env = options.env ?? process.env;
  return new ReplCore({
    profile: options.profile,
    open: options.open,
    profiles: savedProfiles(options.adHoc),
    historyFor: (profile) => new FileHistoryStore(historyFile(profile, env)),
    readFile: (path) => readFile(path, 'utf8'),
    exportDir: exportDirectory(env),
  });
}
