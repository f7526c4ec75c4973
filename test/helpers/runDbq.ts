import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';

export const DBQ_BIN = fileURLToPath(new URL('../../bin/dbq.js', import.meta.url));

export interface DbqRun {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Runs bin/dbq.js as a user would, with no terminal, and collects its output. */
export function runDbq(
  args: string[],
  options: { stdin?: string; env?: NodeJS.ProcessEnv; timeoutMs?: number } = {},
): Promise<DbqRun> {
  const env = { ...process.env, ...options.env };
  delete env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED;
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [DBQ_BIN, ...args], { env, stdio: ['pipe', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk));
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
    const timer = setTimeout(() => child.kill('SIGKILL'), options.timeoutMs ?? 60_000);
    child.on('error', reject);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
    child.stdin.end(options.stdin ?? '');
  });
}
