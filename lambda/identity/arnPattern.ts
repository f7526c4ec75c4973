/**
 * Principal ARN patterns for the role map.
 *
 * Semantics (documented in the README):
 * - A pattern is an ARN in which `*` stands for any run of characters, possibly empty, that contains no
 *   `/` and no `:`. Every other character is literal and matching is case-sensitive and anchored at both
 *   ends. There are no other wildcards and patterns never become regular expressions.
 * - STS reports an assumed role as `arn:aws:sts::ACCOUNT:assumed-role/ROLE/SESSION`, without the role's
 *   path. An IAM role pattern `arn:aws:iam::ACCOUNT:role/PATH/NAME` therefore matches the sessions of the
 *   role whose name matches NAME in that account; its path is not compared (role names are unique within
 *   an account, whatever their path). A pattern in the session form matches the full session ARN.
 */

/** The parts of an ARN a pattern is matched on. */
interface ArnParts {
  partition: string;
  service: string;
  region: string;
  account: string;
  resource: string;
}

const MAX_PATTERN_LENGTH = 512;
const MAX_STARS = 8;

function splitArn(text: string): ArnParts | null {
  const parts = text.split(':');
  if (parts.length < 6 || parts[0] !== 'arn') return null;
  const [, partition = '', service = '', region = '', account = ''] = parts;
  return { partition, service, region, account, resource: parts.slice(5).join(':') };
}

/** Why a role-map pattern is unusable, or null when it is fine. Run at configuration load. */
export function arnPatternProblem(pattern: string): string | null {
  if (pattern.length > MAX_PATTERN_LENGTH) return `longer than ${MAX_PATTERN_LENGTH} characters`;
  if (/[^\x21-\x7e]/.test(pattern)) return 'only printable ASCII without spaces';
  if ((pattern.match(/\*/g) ?? []).length > MAX_STARS) return `at most ${MAX_STARS} * wildcards`;
  const arn = splitArn(pattern);
  if (!arn) return 'not an ARN (arn:PARTITION:iam|sts::ACCOUNT:RESOURCE)';
  if (!/^aws[a-z-]*$/.test(arn.partition)) return `partition "${arn.partition}" is not an AWS partition`;
  if (arn.service !== 'iam' && arn.service !== 'sts') return 'the service must be iam or sts';
  if (arn.region !== '') return 'IAM and STS principal ARNs have an empty region field';
  if (!/^(\d{12}|\*)$/.test(arn.account)) return 'the account must be 12 digits (or *)';
  if (arn.resource === '' || arn.resource.includes(':')) return 'the resource part is missing or malformed';
  if (arn.service === 'iam' && arn.resource.startsWith('role/')) {
    const segments = arn.resource.split('/');
    // The path is ignored (see above), so `role/team/*` would reach every role of the account: refuse
    // a pattern that looks narrower than it is.
    if (segments.length > 2 && segments[segments.length - 1] === '*') {
      return 'a role pattern with a path must constrain the role name (the path is not compared: STS reports assumed roles without it); write role/* to mean every role';
    }
  }
  return null;
}

/** Glob match where `*` matches any run of characters; the text holds no separators. */
function matchSegment(pattern: string, text: string): boolean {
  let p = 0;
  let t = 0;
  let star = -1;
  let resume = 0;
  while (t < text.length) {
    if (p < pattern.length && pattern[p] !== '*' && pattern[p] === text[t]) {
      p += 1;
      t += 1;
    } else if (p < pattern.length && pattern[p] === '*') {
      star = p;
      resume = t;
      p += 1;
    } else if (star >= 0) {
      p = star + 1;
      resume += 1;
      t = resume;
    } else {
      return false;
    }
  }
  while (p < pattern.length && pattern[p] === '*') p += 1;
  return p === pattern.length;
}

/**
 * Anchored glob match in which `*` never crosses `/` or `:`: both sides are cut at those separators,
 * which must then line up one for one, and each piece is matched on its own.
 */
export function globMatch(pattern: string, text: string): boolean {
  const patternPieces = pattern.split(/([/:])/);
  const textPieces = text.split(/([/:])/);
  if (patternPieces.length !== textPieces.length) return false;
  for (let i = 0; i < patternPieces.length; i += 1) {
    const p = patternPieces[i] ?? '';
    const t = textPieces[i] ?? '';
    // Odd pieces are the separators themselves.
    if (i % 2 === 1 ? p !== t : !matchSegment(p, t)) return false;
  }
  return true;
}

/** For an assumed-role session ARN, the ARN of its role (without path, which STS does not report). */
export function roleArnOfSession(principal: string): string | null {
  const arn = splitArn(principal);
  if (!arn || arn.service !== 'sts') return null;
  const match = /^assumed-role\/([^/]+)\/[^/]+$/.exec(arn.resource);
  if (!match) return null;
  return `arn:${arn.partition}:iam::${arn.account}:role/${match[1]}`;
}

/** Whether a verified principal ARN matches a (validated) pattern. */
export function principalMatches(pattern: string, principal: string): boolean {
  const arn = splitArn(pattern);
  if (arn && arn.service === 'iam' && arn.resource.startsWith('role/')) {
    const role = roleArnOfSession(principal);
    if (role === null) return false;
    const name = arn.resource.split('/').pop() ?? '';
    return globMatch(`arn:${arn.partition}:iam:${arn.region}:${arn.account}:role/${name}`, role);
  }
  return globMatch(pattern, principal);
}
