import {
  CloudWatchLogsClient,
  CloudWatchLogsServiceException,
  FilterLogEventsCommand,
} from '@aws-sdk/client-cloudwatch-logs';
import { DbqError } from '../../shared/protocol/index.js';
import { parseAuditLine, type AuditRecord } from './records.js';

export interface CloudWatchAuditQuery {
  logGroup: string;
  region: string;
  /** A custom endpoint (a local stand-in); the SDK's own resolution otherwise. */
  endpoint?: string | undefined;
  since: number;
  decision?: 'allow' | 'deny' | undefined;
  /** Stop after this many events. */
  limit: number;
}

/**
 * The CloudWatch Logs filter pattern for audit events: JSON lines whose `type` is `dbq.audit`, narrowed
 * to a decision when asked (both events of a refused request say `deny`).
 */
export function auditFilterPattern(decision?: 'allow' | 'deny'): string {
  return decision === undefined
    ? '{ $.type = "dbq.audit" }'
    : `{ ($.type = "dbq.audit") && ($.decision = "${decision}") }`;
}

function isLoopback(endpoint: string): boolean {
  const host = new URL(endpoint).hostname;
  return host === 'localhost' || host === '[::1]' || host.startsWith('127.');
}

function fromSdkError(error: unknown, logGroup: string): DbqError {
  if (error instanceof DbqError) return error;
  if (error instanceof CloudWatchLogsServiceException) {
    if (error.name === 'ResourceNotFoundException') {
      return new DbqError('CONNECTION', `no log group named ${logGroup}: ${error.message}`);
    }
    if (error.name === 'AccessDeniedException' || error.$metadata.httpStatusCode === 403) {
      return new DbqError('AUTH', `CloudWatch Logs refused to read ${logGroup}: ${error.message}`);
    }
    return new DbqError('CONNECTION', `reading ${logGroup} failed: ${error.name}: ${error.message}`);
  }
  if (error instanceof Error && error.name === 'CredentialsProviderError') {
    return new DbqError('AUTH', `no AWS credentials to read the audit log: ${error.message} (run dbq login)`);
  }
  const message = error instanceof Error ? error.message : String(error);
  return new DbqError('CONNECTION', `cannot reach CloudWatch Logs: ${message}`);
}

/**
 * Reads audit events from the query function's log group with `FilterLogEvents`, page by page, until the
 * log group has no more or `limit` events were read.
 */
export async function readCloudWatchAudit(query: CloudWatchAuditQuery): Promise<AuditRecord[]> {
  const client = new CloudWatchLogsClient({
    region: query.region,
    ...(query.endpoint ? { endpoint: query.endpoint } : {}),
    // The local stand-in needs a signature, not real credentials.
    ...(query.endpoint && isLoopback(query.endpoint) && !process.env.AWS_ACCESS_KEY_ID
      ? { credentials: { accessKeyId: 'dbq-local', secretAccessKey: 'dbq-local' } }
      : {}),
  });
  const records: AuditRecord[] = [];
  let nextToken: string | undefined;
  try {
    do {
      const page = await client.send(
        new FilterLogEventsCommand({
          logGroupName: query.logGroup,
          startTime: query.since,
          filterPattern: auditFilterPattern(query.decision),
          limit: Math.min(10_000, query.limit - records.length),
          ...(nextToken === undefined ? {} : { nextToken }),
        }),
      );
      for (const event of page.events ?? []) {
        const record = event.message === undefined ? null : parseAuditLine(event.message);
        if (record) records.push(record);
      }
      nextToken = page.nextToken;
    } while (nextToken !== undefined && records.length < query.limit);
  } catch (error) {
    throw fromSdkError(error, query.logGroup);
  } finally {
    client.destroy();
  }
  return records;
}
