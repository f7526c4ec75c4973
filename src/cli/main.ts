import { createWriteStream } from 'node:fs';
import type { Writable } from 'node:stream';
import { finished } from 'node:stream/promises';
import type { SqlDialect } from '../../shared/sql/split.js';
import { formatError } from '../format/errorText.js';
import { parseCommandLine, type RunCommand } from './args.js';
import { withProfileDefaults } from '../profiles/defaults.js';
import { EXIT_USAGE, exitCodeFor } from './exitCodes.js';
import { SUBCOMMANDS } from './commands.js';
import { runStatements } from './runStatements.js';
import { needsDialect, readAll, readSources, splitAll } from './statementSources.js';
import { USAGE, UsageError } from './usage.js';

declare const DBQ_VERSION: string | undefined;

/** Non-interactive pages are large: fewer round trips, still far under Lambda's payload limit. */
const BATCH_PAGE_ROWS = 5_000;
const BATCH_PAGE_BYTES = 4 * 1024 * 1024;

async function run(command: RunCommand, stdin: NodeJS.ReadStream): Promise<number> {
  const texts = await readSources(command.sources, stdin);
  if (texts.length === 0 && stdin.isTTY === true) return runInteractiveRepl(command);
  if (texts.length === 0) texts.push(await readAll(stdin));
  // Loaded on demand (profiles, sign-in and the AWS SDK are heavy): the REPL draws its prompt first.
  const { connect } = await import('./connect.js');
  const connection = await connect(command);
  try {
    let dialect: SqlDialect = 'postgres';
    if (needsDialect(texts))
      dialect = (await connection.session.ping()).engine === 'mysql' ? 'mysql' : 'postgres';
    const statements = splitAll(texts, dialect);
    const settings = withProfileDefaults(command, connection.profile?.defaults);
    const out: Writable = command.output ? createWriteStream(command.output) : process.stdout;
    const code = await runStatements(connection.session, statements, out, process.stderr, {
      format: settings.format,
      statement: {
        pageRows: settings.pageRows ?? BATCH_PAGE_ROWS,
        pageBytes: BATCH_PAGE_BYTES,
        prefetch: true,
        ...(settings.timeoutMs === undefined ? {} : { timeoutMs: settings.timeoutMs }),
      },
      formatOptions: {
        escapeFormulas: command.escapeFormulas,
        color: out === process.stdout && process.stdout.isTTY === true && !process.env.NO_COLOR,
      },
    });
    if (out !== process.stdout) {
      out.end();
      await finished(out);
    }
    return code;
  } finally {
    await connection.close();
  }
}

/**
 * The Ink REPL, loaded only for interactive use. It draws the prompt first and opens the connection in
 * the background, so the prompt is usable before the connection (or the embedded database) is ready.
 */
async function runInteractiveRepl(command: RunCommand): Promise<number> {
  const [{ createReplCore, interactiveProfileName }, { runInteractive }] = await Promise.all([
    import('../repl/startup.js'),
    import('../ui/runInteractive.js'),
  ]);
  const profile = await interactiveProfileName(command);
  const core = createReplCore({
    profile,
    open: async (name) => {
      const { connect } = await import('./connect.js');
      return connect(name === profile ? command : { ...command, endpoint: undefined, profile: name });
    },
    ...(command.endpoint ? { adHoc: { name: profile, description: `--endpoint ${command.endpoint}` } } : {}),
  });
  return runInteractive(core, { stdin: process.stdin, stdout: process.stdout, stderr: process.stderr });
}

/** The CLI: parses the command line, runs it, and returns the exit status. */
export async function main(argv: string[]): Promise<number> {
  try {
    const subcommand = argv[0] === undefined ? undefined : SUBCOMMANDS[argv[0]];
    if (subcommand) {
      return await (
        await subcommand()
      ).run(argv.slice(1), {
        stdin: process.stdin,
        stdout: process.stdout,
        stderr: process.stderr,
      });
    }
    const command = parseCommandLine(argv);
    switch (command.kind) {
      case 'help':
        process.stdout.write(`${USAGE}\n`);
        return 0;
      case 'version':
        process.stdout.write(`dbq ${typeof DBQ_VERSION === 'string' ? DBQ_VERSION : 'dev'}\n`);
        return 0;
      case 'run':
        return await run(command, process.stdin);
    }
  } catch (error) {
    if (error instanceof UsageError) {
      process.stderr.write(`dbq: ${error.message}\nTry dbq --help.\n`);
      return EXIT_USAGE;
    }
    process.stderr.write(`${formatError(error)}\n`);
    return exitCodeFor(error);
  }
}
