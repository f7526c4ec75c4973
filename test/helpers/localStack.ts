import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Role } from '../../shared/protocol/index.js';
import type { AuditEvent } from '../../lambda/audit.js';
import { createLocalFunction, type LocalEngine } from '../../src/local/localFunction.js';
import { startInvokeServer, type InvokeServer } from '../../src/local/invokeServer.js';
import { LambdaTransport } from '../../src/transport/lambdaTransport.js';
import { QuerySession } from '../../src/session/querySession.js';

export interface LocalStack {
  server: InvokeServer;
  session: QuerySession;
  transport: LambdaTransport;
  dir: string;
  auditEvents(): AuditEvent[];
  stop(): Promise<void>;
}

/**
 * The real handler behind the local Invoke endpoint, reached through the real AWS SDK Lambda client:
 * the same path a user's statements take.
 */
export async function startLocalStack(options: {
  engine: LocalEngine;
  dbUrl?: string;
  role?: Role;
  maxTimeoutMs?: number;
}): Promise<LocalStack> {
  const dir = mkdtempSync(join(tmpdir(), 'dbq-test-'));
  const auditFile = join(dir, 'audit.jsonl');
  const fn = createLocalFunction({
    engine: options.engine,
    ...(options.dbUrl === undefined ? {} : { dbUrl: options.dbUrl }),
    ...(options.role === undefined ? {} : { role: options.role }),
    ...(options.maxTimeoutMs === undefined ? {} : { maxTimeoutMs: options.maxTimeoutMs }),
    dataDir: join(dir, 'pglite'),
    auditFile,
  });
  const server = await startInvokeServer({ handler: fn.handler, streamHandler: fn.streamHandler });
  const transport = new LambdaTransport({
    region: 'us-east-1',
    functionName: 'dbq-test',
    endpoint: server.url,
  });
  return {
    server,
    transport,
    session: new QuerySession(transport),
    dir,
    auditEvents: () => {
      let text = '';
      try {
        text = readFileSync(auditFile, 'utf8');
      } catch {
        return [];
      }
      return text
        .split('\n')
        .filter((line) => line.length > 0)
        .map((line) => JSON.parse(line) as AuditEvent);
    },
    stop: async () => {
      transport.close();
      await server.close();
      await fn.shutdown();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
