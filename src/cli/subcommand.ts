/** What a subcommand gets: its own arguments and the process's streams. */
export interface CliIo {
  stdin: NodeJS.ReadStream;
  stdout: NodeJS.WriteStream;
  stderr: NodeJS.WriteStream;
}

/** A `dbq NAME …` command. Each lives in its own module and parses its own arguments. */
export interface Subcommand {
  name: string;
  /** One line for `dbq --help`. */
  usage: string;
  /** Runs the command; returns the exit status. Throws UsageError for bad arguments. */
  run(argv: string[], io: CliIo): Promise<number>;
}
