import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { DeployConfigInput } from '../../../lambda/infra/deployConfig.js';

export const ROOT = fileURLToPath(new URL('../../..', import.meta.url));
export const EXAMPLE_FILE = join(ROOT, 'lambda', 'infra', 'dbq.deploy.example.json');

/** The shipped example deployment, fresh for each test to change. */
export function exampleDeploy(): DeployConfigInput {
  return JSON.parse(readFileSync(EXAMPLE_FILE, 'utf8')) as DeployConfigInput;
}

/** Builds the real Lambda bundle into a temporary directory, as `npm run bundle` does into dist/. */
export function buildBundle(extraArgs: string[] = []): string {
  const outdir = join(mkdtempSync(join(tmpdir(), 'dbq-bundle-')), 'lambda-bundle');
  execFileSync(
    process.execPath,
    [join(ROOT, 'scripts', 'bundle-lambda.mjs'), '--outdir', outdir, ...extraArgs],
    {
      cwd: ROOT,
      stdio: ['ignore', 'ignore', 'pipe'],
    },
  );
  return outdir;
}
