import stringWidth from 'string-width';
import { sanitizeLine } from '../format/sanitize.js';
import { BUILTIN_PROFILE, confirmWrites, type NamedProfile, type SsoSession } from './schema.js';

/** How a profile signs in, in a few words. */
export function describeAuth(profile: NamedProfile): string {
  const auth = profile.auth;
  switch (auth.type) {
    case 'sso':
      return `sso ${auth.ssoSession ?? auth.startUrl ?? ''} ${auth.roleName}@${auth.accountId}`;
    case 'aws-profile':
      return `aws profile ${auth.profile}`;
    case 'local':
      return `local ${auth.endpoint}`;
  }
}

function columns(rows: string[][]): string {
  const widths: number[] = [];
  for (const row of rows) row.forEach((cell, i) => (widths[i] = Math.max(widths[i] ?? 0, stringWidth(cell))));
  return rows
    .map((row) =>
      row
        .map((cell, i) =>
          i === row.length - 1 ? cell : cell + ' '.repeat((widths[i] ?? 0) - stringWidth(cell)),
        )
        .join('  ')
        .trimEnd(),
    )
    .join('\n');
}

/** `dbq profiles list`: one line per profile, `*` marking the default; the built-in demo last. */
export function formatProfileList(profiles: NamedProfile[], defaultName: string | undefined): string {
  const rows = [['', 'NAME', 'ENVIRONMENT', 'SIGN-IN', 'REGION', 'FUNCTION', 'TARGET']];
  for (const p of profiles) {
    rows.push([
      p.name === defaultName ? '*' : '',
      p.name,
      p.environment ?? '',
      describeAuth(p),
      p.region ?? '',
      p.function ?? '',
      p.target ?? '',
    ]);
  }
  rows.push([
    defaultName === undefined ? '*' : '',
    BUILTIN_PROFILE,
    '',
    'built-in embedded demo',
    '',
    '',
    '',
  ]);
  return `${columns(rows.map((row) => row.map(sanitizeLine)))}\n`;
}

/** `dbq profiles show NAME`: every setting on its own line. */
export function formatProfile(
  profile: NamedProfile,
  options: { isDefault: boolean; ssoSession?: SsoSession | undefined },
): string {
  const lines: [string, string][] = [['name', `${profile.name}${options.isDefault ? ' (default)' : ''}`]];
  if (profile.environment) lines.push(['environment', profile.environment]);
  lines.push(['confirm writes', confirmWrites(profile) ? 'yes' : 'no']);
  if (profile.region) lines.push(['region', profile.region]);
  if (profile.function) lines.push(['function', profile.function]);
  if (profile.target) lines.push(['target', profile.target]);
  const auth = profile.auth;
  if (auth.type === 'sso') {
    if (auth.ssoSession) {
      const where = options.ssoSession
        ? ` (${options.ssoSession.startUrl}, ${options.ssoSession.region})`
        : ' (from ~/.aws/config)';
      lines.push(['sso session', `${auth.ssoSession}${where}`]);
    } else {
      lines.push(['sso start url', auth.startUrl ?? ''], ['sso region', auth.ssoRegion ?? '']);
    }
    lines.push(['account id', auth.accountId], ['role name', auth.roleName]);
  } else if (auth.type === 'aws-profile') {
    lines.push(['aws profile', auth.profile]);
  } else {
    lines.push(['endpoint', auth.endpoint]);
  }
  const d = profile.defaults;
  if (d?.pageSize !== undefined) lines.push(['page size', String(d.pageSize)]);
  if (d?.timeoutSec !== undefined) lines.push(['timeout', `${d.timeoutSec} s`]);
  if (d?.format) lines.push(['format', d.format]);
  if (d?.exportDir) lines.push(['export directory', d.exportDir]);
  return `${columns(lines.map(([k, v]) => [`${k}:`, sanitizeLine(v)]))}\n`;
}
