import { parseArgs } from 'node:util';
import { readCloudWatchAudit } from '../../audit/cloudWatchSource.js';
import { readLocalAudit } from '../../audit/localSource.js';
import { parseSince, selectRequests, type AuditRecord } from '../../audit/records.js';
import { writeAuditJson, writeAuditTable } from '../../audit/render.js';
import { localAuditFile } from '../../config/paths.js';
import { oneOf, positiveNumber, usageErrors } from '../args.js';
import { EXIT_OK } from '../exitCodes.js';
import type { Subcommand } from '../subcommand.js';
import { UsageError } from '../usage.js';

export interface AuditOptions {
  source:
    | { kind: 'local'; file: string }
    | { kind: 'cloudwatch'; logGroup: string; region: string; endpoint: string | undefined };
  since: number;
  user: string | undefined;
  decision: 'allow' | 'deny' | undefined;
  format: 'table' | 'json';
  limit: number;
}

export function parseAuditArgs(argv: string[], env: NodeJS.ProcessEnv, now: number): AuditOptions {
  const { values, positionals } = usageErrors(() =>
    parseArgs({
      args: argv,
      allowPositionals: true,
      options: {
        profile: { type: 'string', short: 'p' },
        since: { type: 'string' },
        user: { type: 'string' },
        decision: { type: 'string' },
        'log-group': { type: 'string' },
        region: { type: 'string' },
        endpoint: { type: 'string' },
        format: { type: 'string' },
        limit: { type: 'string' },
      },
    }),
  );
  if (positionals.length > 0) throw new UsageError(`unexpected argument "${positionals[0]}"`);
  const sinceText = values.since ?? '1h';
  const since = parseSince(sinceText, now);
  if (since === null) {
    throw new UsageError(
      `--since takes a duration (90s, 15m, 1h, 2d, 1w) or an ISO-8601 time; got "${sinceText}"`,
    );
  }
  const limit = positiveNumber(values.limit, '--limit') ?? 10_000;
  if (!Number.isInteger(limit)) throw new UsageError('--limit must be a whole number');
  const logGroup = values['log-group'];
  const profile = values.profile ?? 'local';
  let source: AuditOptions['source'];
  if (logGroup !== undefined) {
    const region = values.region ?? env.AWS_REGION ?? env.AWS_DEFAULT_REGION;
    if (!region) throw new UsageError('--log-group needs --region (or AWS_REGION)');
    if (values.endpoint !== undefined) {
      try {
        new URL(values.endpoint);
      } catch {
        throw new UsageError(`--endpoint is not a URL: ${values.endpoint}`);
      }
    }
    source = { kind: 'cloudwatch', logGroup, region, endpoint: values.endpoint };
  } else if (profile === 'local') {
    if (values.endpoint !== undefined) throw new UsageError('--endpoint goes with --log-group');
    source = { kind: 'local', file: localAuditFile(env) };
  } else {
    throw new UsageError(
      `profile "${profile}": name the query function's log group with --log-group (e.g. /aws/lambda/dbq-query) and its --region`,
    );
  }
  return {
    source,
    since,
    user: values.user,
    decision: oneOf(values.decision, ['allow', 'deny'] as const, '--decision'),
    format: oneOf(values.format, ['table', 'json'] as const, '--format') ?? 'table',
    limit,
  };
}

/**
 * `dbq audit`: recent audit events, one line per request (intent and outcome together), from the query
 * function's CloudWatch log group or from the local function's audit file.
 */
export const auditCommand: Subcommand = {
  name: 'audit',
  usage:
    'dbq audit [-p local | --log-group NAME --region R] [--since 1h] [--user PATTERN] [--decision allow|deny] [--format table|json]',
  async run(argv, io) {
    const options = parseAuditArgs(argv, process.env, Date.now());
    const records: AuditRecord[] =
      options.source.kind === 'local'
        ? await readLocalAudit(options.source.file, options.since)
        : await readCloudWatchAudit({
            ...options.source,
            since: options.since,
            decision: options.decision,
            limit: options.limit,
          });
    const requests = selectRequests(records.slice(-options.limit), options);
    if (options.format === 'json') await writeAuditJson(requests, io.stdout);
    else await writeAuditTable(requests, io.stdout);
    return EXIT_OK;
  },
};
