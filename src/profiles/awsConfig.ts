import { readFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';

/** The sections of an AWS shared config file that dbq reads. */
export interface AwsConfigFile {
  /** `[default]` and `[profile NAME]` sections, by profile name. */
  profiles: Map<string, Record<string, string>>;
  /** `[sso-session NAME]` sections. */
  ssoSessions: Map<string, Record<string, string>>;
}

/** `AWS_CONFIG_FILE`, else `~/.aws/config`, as the AWS CLI and SDKs resolve it. */
export function awsConfigPath(env: NodeJS.ProcessEnv = process.env): string {
  return env.AWS_CONFIG_FILE || join(homedir(), '.aws', 'config');
}

/** A value ends before ` #` or ` ;` (a comment after whitespace); `#` inside a URL is kept. */
function stripInlineComment(value: string): string {
  const match = /\s[#;]/.exec(value);
  return (match ? value.slice(0, match.index) : value).trim();
}

/**
 * Parses an AWS config file as the AWS CLI reads it: `[profile NAME]`, `[default]`, `[sso-session NAME]`
 * sections of `key = value` lines, full-line comments with `#` or `;`, and indented sub-keys (as under
 * `s3 =`) skipped. Other sections (`[services …]`) are ignored.
 */
export function parseAwsConfig(text: string): AwsConfigFile {
  const result: AwsConfigFile = { profiles: new Map(), ssoSessions: new Map() };
  let section: Record<string, string> | undefined;
  let nestedUnder: string | undefined;
  for (const rawLine of text.split(/\r?\n/)) {
    const trimmed = rawLine.trim();
    if (trimmed === '' || trimmed.startsWith('#') || trimmed.startsWith(';')) continue;
    const header = /^\[\s*([^\]]*?)\s*\]$/.exec(trimmed);
    if (header) {
      nestedUnder = undefined;
      const name = header[1] ?? '';
      const [kind, ...rest] = name.split(/\s+/);
      const rest1 = rest.join(' ');
      section = {};
      if (name === 'default') result.profiles.set('default', section);
      else if (kind === 'profile' && rest1) result.profiles.set(rest1, section);
      else if (kind === 'sso-session' && rest1) result.ssoSessions.set(rest1, section);
      else section = undefined;
      continue;
    }
    if (!section) continue;
    const indented = /^\s/.test(rawLine);
    if (indented && nestedUnder !== undefined) continue;
    const eq = trimmed.indexOf('=');
    if (eq <= 0) continue;
    const key = trimmed.slice(0, eq).trim().toLowerCase();
    const value = stripInlineComment(trimmed.slice(eq + 1));
    nestedUnder = value === '' ? key : undefined;
    if (value !== '') section[key] = value;
  }
  return result;
}

/** Reads and parses the AWS config file; a missing file is an empty one. */
export function readAwsConfig(env: NodeJS.ProcessEnv = process.env): AwsConfigFile {
  let text: string;
  try {
    text = readFileSync(awsConfigPath(env), 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return parseAwsConfig('');
    throw error;
  }
  return parseAwsConfig(text);
}

/** `sso_registration_scopes` as the AWS CLI reads it: comma-separated, trimmed, empties dropped. */
export function parseScopes(value: string | undefined): string[] | undefined {
  if (value === undefined) return undefined;
  const scopes = value
    .split(',')
    .map((scope) => scope.trim())
    .filter((scope) => scope.length > 0);
  return scopes.length > 0 ? scopes : undefined;
}
