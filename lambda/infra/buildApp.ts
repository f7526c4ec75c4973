import { readFileSync } from 'node:fs';
import { isAbsolute, join, resolve } from 'node:path';
import { App } from 'aws-cdk-lib';
import { DbqError } from '../../shared/protocol/index.js';
import type { DeployConfigInput } from './deployConfig.js';
import { DbqStack } from './stack.js';

/** Context keys (`cdk deploy -c dbq:deployFile=…`, or cdk.json) that override the defaults. */
export const DEPLOY_FILE_CONTEXT = 'dbq:deployFile';
export const DEPLOY_CONTEXT = 'dbq:deploy';

export interface BuildAppOptions {
  /** The repository root: relative paths are resolved against it. */
  root: string;
  /** Environment with `DBQ_DEPLOY_FILE`, `DBQ_BUNDLE_DIR` and `CDK_OUTDIR` (the CDK CLI sets the last). */
  env?: NodeJS.ProcessEnv;
  /** Context as the CDK CLI would pass it; tests give it directly. */
  context?: Record<string, unknown>;
}

export interface BuiltApp {
  app: App;
  stack: DbqStack;
  /** Where the deployment was read from (a file path, or `context`). */
  source: string;
}

function parseJson(text: string, what: string): unknown {
  try {
    return JSON.parse(text);
  } catch (error) {
    throw new DbqError('INTERNAL', `${what} is not JSON: ${(error as Error).message}`);
  }
}

function readDeployFile(path: string): unknown {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (error) {
    throw new DbqError(
      'INTERNAL',
      `cannot read the deploy configuration ${path} (copy lambda/infra/dbq.deploy.example.json): ${(error as Error).message}`,
    );
  }
  return parseJson(text, path);
}

/**
 * Builds the CDK app without the CDK CLI or network access: the deployment comes from the `dbq:deploy`
 * context object, else the file named by the `dbq:deployFile` context or `DBQ_DEPLOY_FILE`, else
 * `lambda/infra/dbq.deploy.json`. Call `app.synth()` to write the cloud assembly.
 */
export function buildApp(options: BuildAppOptions): BuiltApp {
  const env = options.env ?? process.env;
  const at = (path: string): string => (isAbsolute(path) ? path : resolve(options.root, path));
  const app = new App({
    ...(options.context === undefined ? {} : { context: options.context }),
    outdir: env.CDK_OUTDIR ?? join(options.root, 'dist', 'cdk.out'),
  });
  const inline: unknown = app.node.tryGetContext(DEPLOY_CONTEXT);
  const fileFromContext: unknown = app.node.tryGetContext(DEPLOY_FILE_CONTEXT);
  let source: string;
  let deploy: unknown;
  if (inline !== undefined) {
    source = 'context';
    deploy = typeof inline === 'string' ? parseJson(inline, `the ${DEPLOY_CONTEXT} context`) : inline;
  } else {
    source = at(
      typeof fileFromContext === 'string'
        ? fileFromContext
        : (env.DBQ_DEPLOY_FILE ?? join('lambda', 'infra', 'dbq.deploy.json')),
    );
    deploy = readDeployFile(source);
  }
  const stack = new DbqStack(app, 'Dbq', {
    // parseDeployConfig inside the stack validates it; the cast only hands it over.
    deploy: deploy as DeployConfigInput,
    bundleDir: at(env.DBQ_BUNDLE_DIR ?? join('dist', 'lambda-bundle')),
  });
  return { app, stack, source };
}
