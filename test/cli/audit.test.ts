import { appendFileSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AuditEvent } from '../../lambda/audit.js';
import { createLocalFunction } from '../../src/local/localFunction.js';
import { runDbq } from '../helpers/runDbq.js';
import { startLogsStandIn, type LogsStandIn } from '../helpers/logsStandIn.js';

const context = (id: string) => ({ awsRequestId: id, getRemainingTimeInMillis: () => 60_000 });
const LOG_GROUP = '/aws/lambda/dbq-query';

describe('dbq audit', () => {
  let dir: string;
  let lines: string[];
  let logs: LogsStandIn;
  let env: NodeJS.ProcessEnv;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'dbq-audit-'));
    const auditFile = join(dir, 'local', 'audit.jsonl');
    const fn = createLocalFunction({ engine: 'pglite', dataDir: join(dir, 'pglite'), auditFile });
    const send = (payload: unknown, id: string) => fn.handler(payload, context(id));
    await send({ v: 1, op: 'ping', requestId: 'r-ping' }, 'l1');
    await send({ v: 1, op: 'execute', requestId: 'r-ok', sql: 'SELECT 1 AS one' }, 'l2');
    await send({ v: 1, op: 'execute', requestId: 'r-two', sql: 'SELECT 1; SELECT 2' }, 'l3');
    await send({ v: 1, op: 'nope', requestId: 'r-bad' }, 'l4');
    await send({ v: 1, op: 'execute', requestId: 'r-err', sql: 'SELECT * FROM missing_table' }, 'l5');
    await fn.shutdown();
    const old: Partial<AuditEvent> = {
      type: 'dbq.audit',
      v: 1,
      event: 'intent',
      time: new Date(Date.now() - 3 * 3600_000).toISOString(),
      auditId: 'old-request',
      principal: 'arn:aws:sts::123456789012:assumed-role/Old/x',
      decision: 'allow',
      sql: 'SELECT old',
    };
    appendFileSync(auditFile, `${JSON.stringify(old)}\nnot json at all\n`);
    lines = readFileSync(auditFile, 'utf8')
      .split('\n')
      .filter((line) => line.length > 0);
    const events = lines.map((line) => {
      const time = line.startsWith('{') ? Date.parse((JSON.parse(line) as AuditEvent).time) : Date.now();
      return { timestamp: time, message: line };
    });
    events.unshift({ timestamp: Date.now() - 1000, message: 'START RequestId: 1 Version: $LATEST' });
    logs = await startLogsStandIn({ [LOG_GROUP]: events }, { pageSize: 3 });
    env = { DBQ_CONFIG_DIR: dir, AWS_ACCESS_KEY_ID: '', AWS_SECRET_ACCESS_KEY: '', AWS_PROFILE: '' };
  });

  afterAll(async () => {
    await logs?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  async function json(args: string[]): Promise<AuditEvent[]> {
    const run = await runDbq(['audit', '--format', 'json', ...args], { env });
    expect(run.stderr).toBe('');
    expect(run.code).toBe(0);
    return JSON.parse(run.stdout) as AuditEvent[];
  }

  const requestIds = (events: AuditEvent[]): (string | null)[] => [
    ...new Set(events.map((event) => event.clientRequestId ?? event.auditId)),
  ];

  it('shows the last hour of the local audit file, both events of each request', async () => {
    const events = await json([]);
    expect(requestIds(events)).toEqual(['r-ping', 'r-ok', 'r-two', 'r-bad', 'r-err']);
    expect(events).toHaveLength(10);
    expect(events.filter((event) => event.event === 'intent')).toHaveLength(5);
  });

  it('reaches further back with --since', async () => {
    expect(requestIds(await json(['--since', '4h']))).toContain('old-request');
    expect(requestIds(await json(['--since', new Date(Date.now() - 4 * 3600_000).toISOString()]))).toContain(
      'old-request',
    );
  });

  it('keeps refused requests with --decision deny, and the rest with allow', async () => {
    expect(requestIds(await json(['--decision', 'deny']))).toEqual(['r-two', 'r-bad']);
    expect(requestIds(await json(['--decision', 'allow']))).toEqual(['r-ping', 'r-ok', 'r-err']);
  });

  it('filters by principal pattern', async () => {
    expect(requestIds(await json(['--since', '4h', '--user', '*assumed-role/Old/*']))).toEqual([
      'old-request',
    ]);
    expect(requestIds(await json(['--since', '4h', '--user', 'OLD']))).toEqual(['old-request']);
    expect(await json(['--user', 'nobody'])).toEqual([]);
  });

  it('prints one table line per request with why it was refused or failed', async () => {
    const run = await runDbq(['audit'], { env });
    expect(run.code).toBe(0);
    const out = run.stdout;
    expect(out).toMatch(/^\s*time\s*\|\s*principal\s*\|/);
    expect(out).toContain('SELECT 1 AS one');
    expect(out).toMatch(/deny\s*\|\s*denied .*one statement per request/);
    expect(out).toMatch(/QUERY: relation "missing_table" does not exist/);
    expect(out).toMatch(/local:user\//);
    expect(out).toContain('(5 rows)');
  });

  it('refuses what it cannot read', async () => {
    const since = await runDbq(['audit', '--since', 'yesterday'], { env });
    expect(since.code).toBe(2);
    expect(since.stderr).toMatch(/--since takes a duration/);
    const profile = await runDbq(['audit', '-p', 'prod'], { env });
    expect(profile.code).toBe(2);
    expect(profile.stderr).toMatch(/--log-group/);
  });

  describe('from CloudWatch Logs', () => {
    const cloud = (args: string[]) => [
      '--log-group',
      LOG_GROUP,
      '--region',
      'eu-west-1',
      '--endpoint',
      logs.url,
      ...args,
    ];

    it('reads the same events with FilterLogEvents, following every page', async () => {
      const before = logs.requests.length;
      const events = await json(cloud([]));
      expect(requestIds(events)).toEqual(['r-ping', 'r-ok', 'r-two', 'r-bad', 'r-err']);
      const sent = logs.requests.slice(before);
      expect(sent.length).toBeGreaterThanOrEqual(4);
      expect(sent[0]).toMatchObject({ logGroupName: LOG_GROUP, filterPattern: '{ $.type = "dbq.audit" }' });
      expect(sent[0]?.startTime).toBeGreaterThan(Date.now() - 3700_000);
    });

    it('asks CloudWatch for the decision it filters on', async () => {
      const before = logs.requests.length;
      expect(requestIds(await json(cloud(['--decision', 'deny'])))).toEqual(['r-two', 'r-bad']);
      expect(logs.requests[before]?.filterPattern).toBe(
        '{ ($.type = "dbq.audit") && ($.decision = "deny") }',
      );
    });

    it('says when the log group does not exist', async () => {
      const run = await runDbq(
        ['audit', '--log-group', '/aws/lambda/none', '--region', 'eu-west-1', '--endpoint', logs.url],
        { env },
      );
      expect(run.code).toBe(1);
      expect(run.stderr).toMatch(/no log group named \/aws\/lambda\/none/);
    });
  });
});
