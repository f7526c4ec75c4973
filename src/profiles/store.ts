import { chmodSync, copyFileSync, mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import Conf from 'conf';
import { configDir } from '../config/paths.js';
import {
  STORE_VERSION,
  StoreSchema,
  describeIssues,
  profileName,
  ssoSessionName,
  ProfileSchema,
  SsoSessionSchema,
  type NamedProfile,
  type Profile,
  type SsoSession,
  type StoreData,
} from './schema.js';

/** A problem with the saved profiles: a bad file, a missing or invalid profile. The message says which. */
export class ProfileConfigError extends Error {
  constructor(
    message: string,
    /** Where a copy of a corrupt file was saved. */
    readonly backup?: string,
  ) {
    super(message);
    this.name = 'ProfileConfigError';
  }
}

export interface ProfileStoreOptions {
  /** The directory holding `profiles.json`; `configDir()` (honouring `DBQ_CONFIG_DIR`) by default. */
  dir?: string;
  now?: () => Date;
}

const FILE_MODE = 0o600;
const DIR_MODE = 0o700;

function isSyntaxError(error: unknown): error is SyntaxError {
  return error instanceof Error && error.name === 'SyntaxError';
}

function emptyStore(): StoreData {
  return { version: STORE_VERSION, profiles: {} };
}

/**
 * The saved connection profiles in `profiles.json` under dbq's config directory, through `conf` (atomic
 * writes). Every read re-reads and validates the file, so a hand edit is seen at once and a bad field is
 * reported by name; a file that is not JSON is copied aside and reported, never silently reset.
 */
export class ProfileStore {
  readonly dir: string;
  readonly path: string;
  private conf: Conf<StoreData> | undefined;
  private readonly now: () => Date;

  constructor(options: ProfileStoreOptions = {}) {
    this.dir = options.dir ?? configDir();
    this.path = join(this.dir, 'profiles.json');
    this.now = options.now ?? (() => new Date());
  }

  private backupCorrupt(error: SyntaxError): never {
    const stamp = this.now().toISOString().replace(/[:.]/g, '-');
    const backup = `${this.path}.corrupt-${stamp}`;
    copyFileSync(this.path, backup);
    chmodSync(backup, FILE_MODE);
    throw new ProfileConfigError(
      `${this.path} is not valid JSON (${error.message}); nothing was changed and a copy was saved to ` +
        `${backup}. Fix the file, or move it away to start with no saved profiles.`,
      backup,
    );
  }

  private open(): Conf<StoreData> {
    if (this.conf) return this.conf;
    mkdirSync(this.dir, { recursive: true, mode: DIR_MODE });
    try {
      this.conf = new Conf<StoreData>({
        cwd: this.dir,
        configName: 'profiles',
        configFileMode: FILE_MODE,
        // conf would otherwise be free to start over with an empty store; a lost profile list is worse
        // than an error.
        clearInvalidConfig: false,
        accessPropertiesByDotNotation: false,
        watch: false,
      });
    } catch (error) {
      if (isSyntaxError(error)) this.backupCorrupt(error);
      throw error;
    }
    return this.conf;
  }

  private fileHoldsSomethingElse(): boolean {
    let text: string;
    try {
      text = readFileSync(this.path, 'utf8');
    } catch {
      return false;
    }
    const value: unknown = JSON.parse(text);
    return typeof value !== 'object' || value === null || Array.isArray(value);
  }

  /** The whole validated store. */
  read(): StoreData {
    const conf = this.open();
    let raw: unknown;
    try {
      raw = conf.store;
    } catch (error) {
      if (isSyntaxError(error)) this.backupCorrupt(error);
      throw error;
    }
    if (typeof raw === 'object' && raw !== null && Object.keys(raw).length === 0) {
      // conf flattens `null` and `[]` to an empty object; only a missing file or `{}` is an empty store.
      if (this.fileHoldsSomethingElse()) {
        throw new ProfileConfigError(
          `${this.path} does not hold a JSON object; fix the file or move it away`,
        );
      }
      return emptyStore();
    }
    const parsed = StoreSchema.safeParse(raw);
    if (!parsed.success) {
      throw new ProfileConfigError(
        `${this.path} has invalid fields:\n  ${describeIssues(parsed.error).join('\n  ')}`,
      );
    }
    return parsed.data;
  }

  private write(data: StoreData): void {
    const parsed = StoreSchema.safeParse(data);
    if (!parsed.success) throw new ProfileConfigError(describeIssues(parsed.error).join('\n'));
    this.open().store = parsed.data;
    // conf creates the file with this mode, but an existing file keeps whatever mode it had.
    chmodSync(this.path, FILE_MODE);
  }

  list(): NamedProfile[] {
    return Object.entries(this.read().profiles)
      .map(([name, profile]) => ({ name, ...profile }))
      .sort((a, b) => a.name.localeCompare(b.name));
  }

  get(name: string): NamedProfile | undefined {
    const profile = this.read().profiles[name];
    return profile === undefined ? undefined : { name, ...profile };
  }

  /** The profile, or an error listing the saved ones. */
  require(name: string): NamedProfile {
    const profile = this.get(name);
    if (profile) return profile;
    const names = Object.keys(this.read().profiles).sort();
    throw new ProfileConfigError(
      `no saved profile named "${name}"; ` +
        (names.length > 0 ? `saved: ${names.join(', ')}` : 'add one with dbq profiles add') +
        ' (the built-in profile is "local")',
    );
  }

  /** Validates and saves a profile; refuses to replace an existing one unless asked to. */
  save(name: string, profile: Profile, options: { replace?: boolean } = {}): NamedProfile {
    const validName = profileName.safeParse(name);
    if (!validName.success)
      throw new ProfileConfigError(`profile name "${name}": ${validName.error.issues[0]?.message}`);
    const parsed = ProfileSchema.safeParse(profile);
    if (!parsed.success) {
      throw new ProfileConfigError(`profile "${name}":\n  ${describeIssues(parsed.error).join('\n  ')}`);
    }
    const data = this.read();
    if (data.profiles[name] !== undefined && options.replace !== true) {
      throw new ProfileConfigError(
        `a profile named "${name}" already exists (dbq profiles edit ${name} changes it)`,
      );
    }
    data.profiles[name] = parsed.data;
    this.write(data);
    return { name, ...parsed.data };
  }

  remove(name: string): void {
    const data = this.read();
    if (data.profiles[name] === undefined) this.require(name);
    delete data.profiles[name];
    if (data.defaultProfile === name) delete data.defaultProfile;
    this.write(data);
  }

  /** The default profile's name, when one is set. */
  defaultName(): string | undefined {
    return this.read().defaultProfile;
  }

  setDefault(name: string | undefined): void {
    const data = this.read();
    if (name === undefined) delete data.defaultProfile;
    else {
      if (data.profiles[name] === undefined) this.require(name);
      data.defaultProfile = name;
    }
    this.write(data);
  }

  ssoSession(name: string): SsoSession | undefined {
    return this.read().ssoSessions?.[name];
  }

  ssoSessions(): Record<string, SsoSession> {
    return this.read().ssoSessions ?? {};
  }

  saveSsoSession(name: string, session: SsoSession): void {
    const validName = ssoSessionName.safeParse(name);
    if (!validName.success)
      throw new ProfileConfigError(`SSO session "${name}": ${validName.error.issues[0]?.message}`);
    const parsed = SsoSessionSchema.safeParse(session);
    if (!parsed.success) {
      throw new ProfileConfigError(`SSO session "${name}":\n  ${describeIssues(parsed.error).join('\n  ')}`);
    }
    const data = this.read();
    data.ssoSessions = { ...data.ssoSessions, [name]: parsed.data };
    this.write(data);
  }
}
