/**
 * The CDK app: `npm run synth` (offline, no CDK CLI) or `npm run deploy`. Reads lambda/infra/dbq.deploy.json
 * (see dbq.deploy.example.json) and the bundle in dist/lambda-bundle; runs from dist/infra/app.js. Also
 * writes each target's bootstrap SQL beside the template (dist/cdk.out/bootstrap/), for the users the stack
 * grants.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { DbqError } from '../../shared/protocol/index.js';
import { bootstrapScripts, type BootstrapScript } from './bootstrapScripts.js';
import { buildApp } from './buildApp.js';
import { profileCommands } from './userOutputs.js';

const root = fileURLToPath(new URL('../..', import.meta.url));
const here = (path: string): string => relative(process.cwd(), path) || path;

/** How an operator applies a bootstrap script, as the master user, over verified TLS. */
function applyCommand(script: BootstrapScript, file: string): string {
  return script.engine === 'postgres'
    ? `psql "host=${script.host} port=${script.port} dbname=${script.database} user=MASTER_USER sslmode=verify-full sslrootcert=global-bundle.pem" -v ON_ERROR_STOP=1 -f ${here(file)}`
    : `mysql --host=${script.host} --port=${script.port} --user=MASTER_USER -p --ssl-mode=VERIFY_IDENTITY --ssl-ca=global-bundle.pem < ${here(file)}`;
}

try {
  const { app, stack, source } = buildApp({ root });
  const assembly = app.synth();
  const template = assembly.getStackByName(stack.stackName).templateFullPath;
  const bootstrapDir = join(assembly.directory, 'bootstrap');
  mkdirSync(bootstrapDir, { recursive: true });
  const bootstrap = bootstrapScripts(stack.deployment).map((script) => {
    const file = join(bootstrapDir, `${script.target}.sql`);
    writeFileSync(file, script.sql);
    return `    ${applyCommand(script, file)}`;
  });
  const lines = [
    `dbq: synthesized stack ${stack.stackName} (${stack.deployment.account}/${stack.deployment.region}) from ${here(source)}`,
    `  template: ${here(template)}`,
    '  before first use, create the database users (as the master user, from a host that reaches the database):',
    ...bootstrap,
    '  after deploy, users add their profile with:',
    ...profileCommands(stack.deployment).map((profile) => `    ${profile.command}`),
  ];
  console.error(lines.join('\n'));
} catch (error) {
  console.error(`dbq: ${error instanceof DbqError ? error.message : String(error)}`);
  process.exitCode = 1;
}
