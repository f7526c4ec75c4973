import { createHash, randomBytes } from 'node:crypto';
import { chmodSync, mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';

/**
 * A token in the AWS CLI v2's SSO cache (`~/.aws/sso/cache/<sha1>.json`), with the CLI's field names, so a
 * token from `aws sso login` works here and one from `dbq login` works for the AWS CLI and SDKs.
 */
export interface CachedSsoToken {
  startUrl: string;
  region: string;
  accessToken: string;
  /** `YYYY-MM-DDTHH:MM:SSZ` as the CLI writes it; the SDKs write ISO-8601 with milliseconds. */
  expiresAt: string;
  clientId?: string;
  clientSecret?: string;
  registrationExpiresAt?: string;
  refreshToken?: string;
}

/** An OIDC client registration as the AWS CLI caches it. */
export interface CachedRegistration {
  clientId: string;
  clientSecret: string;
  expiresAt: string;
  scopes?: string[];
}

/** Where the token lives and how it was obtained: a named sso-session, or a bare start URL (legacy). */
export interface SsoSessionConfig {
  /** The sso-session name; undefined for a profile that names only a start URL. */
  sessionName?: string | undefined;
  startUrl: string;
  /** The IAM Identity Center region. */
  region: string;
  registrationScopes?: string[] | undefined;
}

export function ssoCacheDir(): string {
  return join(homedir(), '.aws', 'sso', 'cache');
}

function sha1(text: string): string {
  return createHash('sha1').update(text, 'utf8').digest('hex');
}

/** The CLI keys a token by the sso-session name, or by the start URL for a legacy profile. */
export function tokenCachePath(config: SsoSessionConfig): string {
  return join(ssoCacheDir(), `${sha1(config.sessionName ?? config.startUrl)}.json`);
}

/** Python's `json.dumps(value, sort_keys=True)` for the flat values the CLI's registration key holds. */
function pythonJson(value: unknown): string {
  if (value === null || value === undefined) return 'null';
  if (Array.isArray(value)) return `[${value.map(pythonJson).join(', ')}]`;
  if (typeof value === 'object') {
    const entries = Object.entries(value as Record<string, unknown>).sort(([a], [b]) =>
      a < b ? -1 : a > b ? 1 : 0,
    );
    return `{${entries.map(([k, v]) => `${pythonJson(k)}: ${pythonJson(v)}`).join(', ')}}`;
  }
  // Python escapes non-ASCII by default; JSON.stringify does not.
  return JSON.stringify(value).replace(
    /[\u0080-\uffff]/g,
    (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`,
  );
}

/** The AWS CLI's registration cache key (`_registration_cache_key` in botocore/utils.py). */
export function registrationCachePath(config: SsoSessionConfig): string {
  const key = pythonJson({
    tool: 'botocore',
    startUrl: config.startUrl,
    region: config.region,
    scopes: config.registrationScopes ?? null,
    session_name: config.sessionName ?? null,
  });
  return join(ssoCacheDir(), `${sha1(key)}.json`);
}

/** The CLI's timestamp form. */
export function formatCacheTime(date: Date): string {
  return date.toISOString().replace(/\.\d{3}Z$/, 'Z');
}

/** Reads the timestamp forms found in the cache: ISO-8601, and older CLIs' `…UTC`. */
export function parseCacheTime(value: string | undefined): Date | undefined {
  if (value === undefined) return undefined;
  const date = new Date(value.replace(/UTC$/, 'Z'));
  return Number.isNaN(date.getTime()) ? undefined : date;
}

function readJson(path: string): Record<string, unknown> | undefined {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw error;
  }
  try {
    const value: unknown = JSON.parse(text);
    return typeof value === 'object' && value !== null && !Array.isArray(value)
      ? (value as Record<string, unknown>)
      : undefined;
  } catch {
    // A half-written or foreign file is as good as none: signing in again replaces it.
    return undefined;
  }
}

/** Writes a secret file the way the CLI does: directory 0700, file 0600, replaced atomically. */
function writeSecretJson(path: string, value: object): void {
  const dir = ssoCacheDir();
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  const temp = `${path}.${randomBytes(6).toString('hex')}.tmp`;
  writeFileSync(temp, JSON.stringify(value), { mode: 0o600 });
  chmodSync(temp, 0o600);
  renameSync(temp, path);
}

const str = (value: unknown): string | undefined =>
  typeof value === 'string' && value.length > 0 ? value : undefined;

export function readCachedToken(config: SsoSessionConfig): CachedSsoToken | undefined {
  const raw = readJson(tokenCachePath(config));
  const accessToken = str(raw?.accessToken);
  const expiresAt = str(raw?.expiresAt);
  if (!raw || !accessToken || !expiresAt) return undefined;
  const token: CachedSsoToken = {
    startUrl: str(raw.startUrl) ?? config.startUrl,
    region: str(raw.region) ?? config.region,
    accessToken,
    expiresAt,
  };
  for (const key of ['clientId', 'clientSecret', 'registrationExpiresAt', 'refreshToken'] as const) {
    const value = str(raw[key]);
    if (value !== undefined) token[key] = value;
  }
  return token;
}

export function writeCachedToken(config: SsoSessionConfig, token: CachedSsoToken): void {
  writeSecretJson(tokenCachePath(config), token);
}

/** Removes the token; true when there was one. */
export function deleteCachedToken(config: SsoSessionConfig): boolean {
  const path = tokenCachePath(config);
  const existed = readJson(path) !== undefined;
  rmSync(path, { force: true });
  return existed;
}

export function readCachedRegistration(config: SsoSessionConfig): CachedRegistration | undefined {
  const raw = readJson(registrationCachePath(config));
  const clientId = str(raw?.clientId);
  const clientSecret = str(raw?.clientSecret);
  const expiresAt = str(raw?.expiresAt);
  if (!raw || !clientId || !clientSecret || !expiresAt) return undefined;
  const scopes = Array.isArray(raw.scopes)
    ? raw.scopes.filter((s): s is string => typeof s === 'string')
    : undefined;
  return { clientId, clientSecret, expiresAt, ...(scopes ? { scopes } : {}) };
}

export function writeCachedRegistration(config: SsoSessionConfig, registration: CachedRegistration): void {
  writeSecretJson(registrationCachePath(config), registration);
}
