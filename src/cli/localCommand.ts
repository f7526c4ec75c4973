import { createLocalFunction } from '../local/localFunction.js';
import { startInvokeServer } from '../local/invokeServer.js';
import type { LocalCommand } from './args.js';
import { EXIT_OK } from './exitCodes.js';

/**
 * `dbq local`: serves the query function on a local Lambda Invoke endpoint until interrupted. Audit
 * events go to stdout, as the deployed function's go to CloudWatch Logs, and to the local audit file.
 */
export async function runLocal(command: LocalCommand, err: NodeJS.WritableStream): Promise<number> {
  const fn = createLocalFunction({
    engine: command.engine,
    ...(command.dbUrl === undefined ? {} : { dbUrl: command.dbUrl }),
    ...(command.role === undefined ? {} : { role: command.role }),
    auditToStdout: true,
  });
  const server = await startInvokeServer({ handler: fn.handler, port: command.port, host: command.host });
  err.write(
    `dbq local: ${command.engine} query function on ${server.url} as ${fn.principal} (role ${fn.role})\n` +
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
}
