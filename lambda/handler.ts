import { readFileSync } from 'node:fs';
import { DbqError } from '../shared/protocol/index.js';
import { stdoutAuditSink } from './audit.js';
import { parseFunctionConfig, type FunctionConfig } from './config.js';
import { createHandler, type QueryHandler } from './createHandler.js';
import { createDeployedEngine } from './engines/deployed.js';
import { identityVerifierFor } from './identity/create.js';
import { Runtime } from './runtime.js';

/**
 * Configuration comes from `DBQ_CONFIG` (JSON) or the file named by `DBQ_CONFIG_FILE`. The local identity
 * verifier trusts the machine it runs on, so a function running inside AWS Lambda refuses it.
 */
function loadConfig(env: NodeJS.ProcessEnv): FunctionConfig {
  const text =
    env.DBQ_CONFIG ?? (env.DBQ_CONFIG_FILE ? readFileSync(env.DBQ_CONFIG_FILE, 'utf8') : undefined);
  if (text === undefined)
    throw new DbqError('INTERNAL', 'DBQ_CONFIG or DBQ_CONFIG_FILE must hold the function configuration');
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (error) {
    throw new DbqError('INTERNAL', `the function configuration is not JSON: ${(error as Error).message}`);
  }
  const config = parseFunctionConfig(json);
  if (config.identity.mode === 'local' && env.AWS_LAMBDA_FUNCTION_NAME) {
    throw new DbqError('INTERNAL', 'the local identity verifier must never run inside AWS Lambda');
  }
  return config;
}

let runtime: Runtime | undefined;

/** The instance's runtime, built from the configuration on first use; both entry points share it. */
export function deployedRuntime(): Runtime {
  runtime ??= (() => {
    const config = loadConfig(process.env);
    return new Runtime(config, identityVerifierFor(config.identity), stdoutAuditSink, createDeployedEngine);
  })();
  return runtime;
}

let cached: QueryHandler | undefined;

/** The AWS Lambda entry point. Engines, sessions and cursors live as long as the instance. */
export const handler: QueryHandler = (event, context) => {
  cached ??= createHandler(deployedRuntime());
  return cached(event, context);
};
