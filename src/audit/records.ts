import { z } from 'zod';

/**
 * The fields of a query function's audit event that `dbq audit` shows and filters on. Read loosely: the
 * function may add fields, and an event from an older or newer function still shows what it has.
 */
const AuditRecordSchema = z.looseObject({
  type: z.literal('dbq.audit'),
  event: z.enum(['intent', 'outcome']),
  time: z.string(),
  auditId: z.string(),
  op: z.string().nullable().optional(),
  principal: z.string().nullable().optional(),
  identityError: z.string().optional(),
  role: z.string().nullable().optional(),
  target: z.string().nullable().optional(),
  sql: z.string().nullable().optional(),
  decision: z.enum(['allow', 'deny']),
  reason: z.string().nullable().optional(),
  outcome: z.string().optional(),
  durationMs: z.number().optional(),
  rowCount: z.number().optional(),
  affectedRows: z.number().nullable().optional(),
  errorCode: z.string().optional(),
  errorMessage: z.string().optional(),
});

export type AuditRecord = z.infer<typeof AuditRecordSchema>;

/** One audit event from a log line (a CloudWatch message or a line of the local file); null if it is not one. */
export function parseAuditLine(line: string): AuditRecord | null {
  const start = line.indexOf('{');
  if (start < 0) return null;
  let json: unknown;
  try {
    json = JSON.parse(line.slice(start));
  } catch {
    return null;
  }
  const parsed = AuditRecordSchema.safeParse(json);
  return parsed.success ? parsed.data : null;
}

/** A request as the audit trail tells it: its intent and outcome events, sharing an audit id. */
export interface AuditedRequest {
  auditId: string;
  intent?: AuditRecord;
  outcome?: AuditRecord;
  /** Every event of the request, oldest first. */
  events: AuditRecord[];
}

export interface AuditFilter {
  /** Only events at or after this instant (ms since the epoch). */
  since: number;
  /** A principal pattern: `*` stands for anything; without `*` any principal containing it matches. */
  user?: string | undefined;
  decision?: 'allow' | 'deny' | undefined;
}

/** How far back `--since` reaches: `90s`, `15m`, `1h`, `2d`, `1w`, or an ISO-8601 instant. */
export function parseSince(text: string, now: number): number | null {
  const relative = /^(\d+)\s*(s|m|h|d|w)$/.exec(text.trim());
  if (relative) {
    const unit = { s: 1, m: 60, h: 3600, d: 86_400, w: 604_800 }[relative[2] as 's' | 'm' | 'h' | 'd' | 'w'];
    return now - Number(relative[1]) * unit * 1000;
  }
  if (!/^\d{4}-\d{2}-\d{2}/.test(text)) return null;
  const instant = Date.parse(text);
  return Number.isNaN(instant) ? null : instant;
}

function userMatches(pattern: string, principal: string | null | undefined): boolean {
  if (!principal) return false;
  const lower = principal.toLowerCase();
  const parts = pattern.toLowerCase().split('*');
  if (parts.length === 1) return lower.includes(parts[0] ?? '');
  // Anchored glob: the first piece starts the principal, the last ends it, the rest appear in order.
  let position = 0;
  for (const [index, part] of parts.entries()) {
    if (index === 0) {
      if (!lower.startsWith(part)) return false;
      position = part.length;
    } else if (index === parts.length - 1) {
      return lower.length - part.length >= position && lower.endsWith(part);
    } else {
      const found = lower.indexOf(part, position);
      if (found < 0) return false;
      position = found + part.length;
    }
  }
  return true;
}

/** The decision a request ended with: the outcome's, else the intent's. */
export function decisionOf(request: AuditedRequest): 'allow' | 'deny' {
  return (request.outcome ?? request.intent ?? request.events[0])?.decision ?? 'allow';
}

export function principalOf(request: AuditedRequest): string | null {
  for (const event of request.events) if (event.principal) return event.principal;
  return null;
}

/** Groups events into requests (in the order each was first seen) and keeps those the filter selects. */
export function selectRequests(records: Iterable<AuditRecord>, filter: AuditFilter): AuditedRequest[] {
  const requests = new Map<string, AuditedRequest>();
  for (const record of records) {
    const time = Date.parse(record.time);
    if (Number.isNaN(time) || time < filter.since) continue;
    let request = requests.get(record.auditId);
    if (!request) {
      request = { auditId: record.auditId, events: [] };
      requests.set(record.auditId, request);
    }
    request.events.push(record);
    request[record.event] ??= record;
  }
  return [...requests.values()]
    .filter((request) => filter.user === undefined || userMatches(filter.user, principalOf(request)))
    .filter((request) => filter.decision === undefined || decisionOf(request) === filter.decision)
    .sort((a, b) => (a.events[0]?.time ?? '').localeCompare(b.events[0]?.time ?? ''));
}
