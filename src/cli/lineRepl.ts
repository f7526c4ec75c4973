import { createInterface } from 'node:readline';
import type { Writable } from 'node:stream';
import { scanState, splitStatements, type SqlDialect } from '../../shared/sql/split.js';
import { formatError } from '../format/errorText.js';
import { sanitizeLine } from '../format/sanitize.js';
import type { Connection } from './connect.js';
import { EXIT_OK } from './exitCodes.js';
import { runStatement } from './runStatements.js';

const HELP = `  \\q          quit (or Ctrl-D)
  \\conninfo   show the connection
  \\timing     toggle statement timing
  \\?          this help
Statements run when a line ends with ; (outside quotes and comments). Ctrl-C clears the input.`;

/**
 * A line-based psql-style prompt: statements run when a line ends with `;`, backslash commands at once.
 * Each statement goes through the same session and formatting code as `dbq -c`.
 */
export async function runRepl(
  connection: Connection,
  input: NodeJS.ReadableStream,
  output: Writable,
): Promise<number> {
  const err = process.stderr;
  let dialect: SqlDialect = 'postgres';
  let info = '';
  try {
    const ping = await connection.session.ping();
    dialect = ping.engine === 'mysql' ? 'mysql' : 'postgres';
    info = `${ping.engine} ${ping.serverVersion}, database ${ping.database}, as ${ping.principal} (role ${ping.role})`;
    output.write(
      `dbq: connected to ${connection.label}: ${sanitizeLine(info)}\nType \\? for help, \\q to quit.\n`,
    );
  } catch (error) {
    err.write(`${formatError(error)}\n`);
  }
  const name = connection.label.replace(/[^A-Za-z0-9_.-]/g, '').slice(0, 20) || 'dbq';
  const rl = createInterface({ input, output, prompt: `${name}=> `, historySize: 1000, terminal: true });
  let buffer = '';
  let timing = false;
  let queue = Promise.resolve();

  const prompt = (): void => {
    rl.setPrompt(buffer === '' ? `${name}=> ` : `${name}-> `);
    rl.prompt();
  };

  const handleLine = async (line: string): Promise<boolean> => {
    if (buffer === '' && line.trim().startsWith('\\')) {
      const meta = line.trim().split(/\s+/)[0];
      switch (meta) {
        case '\\q':
          return false;
        case '\\?':
          output.write(`${HELP}\n`);
          break;
        case '\\conninfo':
          output.write(`${connection.label}: ${sanitizeLine(info)}\n`);
          break;
        case '\\timing':
          timing = !timing;
          output.write(`Timing is ${timing ? 'on' : 'off'}.\n`);
          break;
        default:
          err.write(`invalid command ${sanitizeLine(meta ?? '')}; try \\?\n`);
      }
      return true;
    }
    buffer += `${line}\n`;
    if (!scanState(buffer, dialect).complete) return true;
    const statements = splitStatements(buffer, dialect).map((statement) => statement.text);
    buffer = '';
    for (const sql of statements) {
      const started = performance.now();
      try {
        await runStatement(connection.session, sql, output, err, {
          format: 'table',
          statement: { pageRows: 1000 },
          formatOptions: { color: (output as { isTTY?: boolean }).isTTY === true },
        });
        if (timing) output.write(`Time: ${(performance.now() - started).toFixed(3)} ms\n`);
      } catch (error) {
        err.write(`${formatError(error, sql)}\n`);
      }
    }
    return true;
  };

  await new Promise<void>((resolve) => {
    rl.on('line', (line) => {
      queue = queue.then(async () => {
        if (await handleLine(line)) prompt();
        else rl.close();
      });
    });
    rl.on('SIGINT', () => {
      buffer = '';
      output.write('^C\n');
      prompt();
    });
    rl.on('close', () => {
      void queue.then(() => resolve());
    });
    prompt();
  });
  output.write('\n');
  return EXIT_OK;
}
