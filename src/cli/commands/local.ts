import { parseArgs } from 'node:util';
import { ROLES, type Role } from '../../../shared/protocol/index.js';
import { createLocalFunction } from '../../local/localFunction.js';
import { startInvokeServer } from '../../local/invokeServer.js';
import { oneOf, usageErrors } from '../args.js';
import { EXIT_OK } from '../exitCodes.js';
import type { Subcommand } from '../subcommand.js';
import { UsageError } from '../usage.js';

export interface LocalOptions {
  engine: 'pglite' | 'postgres' | 'mysql';
  dbUrl: string | undefined;
  role: Role | undefined;
  port: number;
  host: string;
}

export function parseLocalArgs(argv: string[]): LocalOptions {
  const { values, positionals } = usageErrors(() =>
    parseArgs({
      args: argv,
      allowPositionals: true,
      options: {
        engine: { type: 'string' },
        'db-url': { type: 'string' },
        role: { type: 'string' },
        port: { type: 'string' },
        host: { type: 'string' },
      },
    }),
  );
  if (positionals.length > 0) throw new UsageError(`unexpected argument "${positionals[0]}"`);
  const engine = oneOf(values.engine, ['pglite', 'postgres', 'mysql'] as const, '--engine') ?? 'pglite';
  const dbUrl = values['db-url'];
  if (engine !== 'pglite' && !dbUrl) throw new UsageError(`--engine ${engine} needs --db-url`);
  if (engine === 'pglite' && dbUrl) throw new UsageError('--db-url goes with --engine postgres or mysql');
  const port = values.port === undefined ? 9001 : Number(values.port);
  if (!Number.isInteger(port) || port < 0 || port > 65535) throw new UsageError(`--port must be 0-65535`);
  return { engine, dbUrl, role: oneOf(values.role, ROLES, '--role'), port, host: values.host ?? '127.0.0.1' };
}

/**
 * `dbq local`: serves the query function on a local Lambda Invoke endpoint until interrupted. Audit
 * events go to stdout, as the deployed function's go to CloudWatch Logs, and to the local audit file.
 */
export const localCommand: Subcommand = {
  name: 'local',
  usage: 'dbq local [--engine pglite|postgres|mysql] [--db-url URL] [--role read|write|admin] [--port N]',
  async run(argv, io) {
    const options = parseLocalArgs(argv);
    const fn = createLocalFunction({
      engine: options.engine,
      ...(options.dbUrl === undefined ? {} : { dbUrl: options.dbUrl }),
      ...(options.role === undefined ? {} : { role: options.role }),
      auditToStdout: true,
    });
    const server = await startInvokeServer({
      handler: fn.handler,
      streamHandler: fn.streamHandler,
      port: options.port,
      host: options.host,
    });
    io.stderr.write(
      `dbq local: ${options.engine} query function on ${server.url} as ${fn.principal} (role ${fn.role})\n` +
        `  try: dbq --endpoint ${server.url} -c "select 1"\n` +
        `  audit log: ${fn.auditFile}\n`,
    );
    await new Promise<void>((resolve) => {
      const stop = (): void => resolve();
      process.once('SIGINT', stop);
      process.once('SIGTERM', stop);
    });
    await server.close();
    await fn.shutdown();
    return EXIT_OK;
  },
};
