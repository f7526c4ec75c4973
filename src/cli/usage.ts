/** Thrown for bad command lines; the CLI prints it with the usage hint and exits 2. */
export class UsageError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'UsageError';
  }
}

export const USAGE = `dbq — a bastion-free SQL shell for Amazon RDS and Aurora

Usage:
  dbq                                   REPL on the embedded local demo database
  dbq -c "SQL" [-c ...]                 run statements, print results, exit
  dbq -f FILE.sql                       run a file of statements (- for stdin)
  echo "SQL" | dbq                      statements from stdin
  dbq --endpoint URL --function NAME    target a query function directly (local endpoints, tests)
  dbq local [--engine pglite|postgres|mysql] [--db-url URL] [--role read|write|admin] [--port N]
                                        serve the query function on a local Lambda Invoke endpoint

Options:
  -p, --profile NAME      connection profile (built in: local)
  -c, --command SQL       statement(s) to run; repeatable
  -f, --file FILE         file of statements; repeatable
      --format FORMAT     table (default), csv, json or ndjson
  -o, --output FILE       write results to FILE instead of stdout
      --timeout SEC       statement timeout in seconds
      --page-size N       rows per page fetched from the function
      --csv-escape-formulas  prefix cells starting with = + - @ tab or CR with ' (spreadsheet safety)
      --endpoint URL      Lambda endpoint (e.g. http://127.0.0.1:9001 from dbq local)
      --function NAME     query function name or ARN (default dbq-query with --endpoint)
      --region REGION     AWS region (default from AWS_REGION, else us-east-1)
      --target NAME       database target inside the function
  -h, --help              this help
      --version           print the version

Exit status: 0 success, 1 a statement failed, 2 usage error, 3 denied or not authenticated.`;
