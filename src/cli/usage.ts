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
  dbq export -c "SQL" -o FILE [--format csv|ndjson|json]
                                        stream a query's whole result to a file (one query, verified)
  dbq local [--engine pglite|postgres|mysql] [--db-url URL] [--role read|write|admin] [--port N]
                                        serve the query function on a local Lambda Invoke endpoint
  dbq -p NAME                           REPL (or -c / -f) on a saved profile; the default profile without -p
  dbq login [-p NAME] [--no-browser]    IAM Identity Center (SSO) sign-in, shared with the AWS CLI
  dbq logout [-p NAME]                  sign out and remove the cached SSO token
  dbq audit [--since 1h] [--user PATTERN] [--decision allow|deny] [--format table|json]
                                        recent audit events: the local function's file, or
                                        --log-group NAME --region R for CloudWatch Logs
  dbq profiles list|show|add|edit|rm|default|import|test   manage saved profiles (dbq profiles add
                                        NAME --region R --function F --sso-session S --account-id A
                                        --role-name ROLE | --aws-profile P | --endpoint URL)

Options:
  -p, --profile NAME      saved connection profile (default: the default profile, else local)
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
