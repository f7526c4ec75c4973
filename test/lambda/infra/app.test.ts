import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildApp, DEPLOY_CONTEXT } from '../../../lambda/infra/buildApp.js';
import { exampleDeploy, ROOT } from './fixtures.js';

const run = promisify(execFile);

interface Template {
  Resources: Record<string, { Type: string; Properties: Record<string, unknown> }>;
  Outputs: Record<string, { Value: unknown }>;
}

describe('the CDK app', () => {
  let work: string;
  let bundleDir: string;
  let deployFile: string;

  beforeAll(async () => {
    work = mkdtempSync(join(tmpdir(), 'dbq-app-test-'));
    // What npm run synth and npm run deploy run first: the bundle, and the app in dist/infra/app.js.
    bundleDir = join(work, 'lambda-bundle');
    await run(process.execPath, ['scripts/bundle-lambda.mjs', '--app', '--outdir', bundleDir], { cwd: ROOT });
    deployFile = join(work, 'dbq.deploy.json');
    writeFileSync(deployFile, JSON.stringify(exampleDeploy()));
  });

  afterAll(() => {
    rmSync(work, { recursive: true, force: true });
  });

  it('synthesizes offline from a deploy file, without the CDK CLI', () => {
    const outdir = join(work, 'from-file');
    const { app, stack, source } = buildApp({
      root: ROOT,
      env: { DBQ_DEPLOY_FILE: deployFile, DBQ_BUNDLE_DIR: bundleDir, CDK_OUTDIR: outdir },
    });
    const assembly = app.synth();
    expect(source).toBe(deployFile);
    expect(assembly.directory).toBe(outdir);
    const artifact = assembly.getStackByName('dbq');
    expect(artifact.environment).toMatchObject({ account: '123456789012', region: 'eu-west-1' });
    const template = JSON.parse(readFileSync(artifact.templateFullPath, 'utf8')) as Template;
    expect(Object.values(template.Resources).map((resource) => resource.Type)).toContain(
      'AWS::Lambda::Function',
    );
    expect(stack.deployment.functionName).toBe('dbq-query');
  });

  it('takes the deployment from the dbq:deploy context instead of a file', () => {
    const deploy = exampleDeploy();
    deploy.functionName = 'dbq-from-context';
    const { app } = buildApp({
      root: ROOT,
      env: { DBQ_BUNDLE_DIR: bundleDir, CDK_OUTDIR: join(work, 'from-context') },
      context: { [DEPLOY_CONTEXT]: deploy },
    });
    const artifact = app.synth().getStackByName('dbq');
    const template = JSON.parse(readFileSync(artifact.templateFullPath, 'utf8')) as Template;
    const fn = Object.values(template.Resources).find(
      (resource) => resource.Type === 'AWS::Lambda::Function',
    );
    expect(fn?.Properties.FunctionName).toBe('dbq-from-context');
  });

  it('says which file to create when there is no deploy configuration', () => {
    expect(() =>
      buildApp({
        root: ROOT,
        env: { DBQ_DEPLOY_FILE: join(work, 'absent.json'), DBQ_BUNDLE_DIR: bundleDir },
      }),
    ).toThrow(
      /cannot read the deploy configuration .*absent\.json \(copy lambda\/infra\/dbq\.deploy\.example\.json\)/,
    );
  });

  it('synthesizes with node dist/infra/app.js, as npm run synth does', async () => {
    const outdir = join(work, 'npm-synth');
    const synth = await run(process.execPath, ['dist/infra/app.js'], {
      cwd: ROOT,
      env: { ...process.env, DBQ_DEPLOY_FILE: deployFile, DBQ_BUNDLE_DIR: bundleDir, CDK_OUTDIR: outdir },
    });
    expect(existsSync(join(outdir, 'manifest.json'))).toBe(true);
    expect(existsSync(join(outdir, 'Dbq.template.json'))).toBe(true);
    expect(synth.stderr).toContain('synthesized stack dbq (123456789012/eu-west-1)');
    expect(synth.stderr).toContain('dbq profiles add orders-read --region eu-west-1');
    // The database users the stack grants, ready for the master user to create.
    const bootstrap = readFileSync(join(outdir, 'bootstrap', 'orders.sql'), 'utf8');
    expect(bootstrap).toContain('GRANT rds_iam TO "dbq_read", "dbq_write", "dbq_admin"');
    expect(synth.stderr).toContain(`-f ${relative(ROOT, join(outdir, 'bootstrap', 'orders.sql'))}`);
  });

  it('exits non-zero with the problem when the deployment is invalid', async () => {
    const broken = join(work, 'broken.json');
    const deploy = exampleDeploy();
    deploy.functionConfig.identity = { mode: 'local', principal: 'me', role: 'admin' };
    writeFileSync(broken, JSON.stringify(deploy));
    const failure = await run(process.execPath, ['dist/infra/app.js'], {
      cwd: ROOT,
      env: {
        ...process.env,
        DBQ_DEPLOY_FILE: broken,
        DBQ_BUNDLE_DIR: bundleDir,
        CDK_OUTDIR: join(work, 'x'),
      },
    }).then(
      () => null,
      (error: { code: number; stderr: string }) => error,
    );
    expect(failure?.code).toBe(1);
    expect(failure?.stderr).toContain('dbq: invalid deploy configuration: functionConfig.identity.mode');
  });
});
