import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { DBQ_BIN } from '../helpers/runDbq.js';

// A server of its own, so the test neither meets nor disturbs anyone else's tmux sessions.
const SOCKET = `dbq-form-${process.pid}`;
const tmux = (...args: string[]): string =>
  execFileSync('tmux', ['-L', SOCKET, ...args], { encoding: 'utf8' });

async function until<T>(probe: () => T | undefined, what: string): Promise<T> {
  const deadline = Date.now() + 20_000;
  for (;;) {
    const value = probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

describe('dbq profiles add on a real terminal', () => {
  let home: string;
  let session: string;

  beforeEach(() => {
    home = mkdtempSync(join(tmpdir(), 'dbq-form-'));
    session = `dbq-form-${process.pid}-${Date.now()}`;
  });
  afterEach(() => {
    try {
      tmux('kill-server');
    } catch {
      // already gone
    }
    rmSync(home, { recursive: true, force: true });
  });

  it('shows the form when run bare, and saves what was typed into it', async () => {
    const done = join(home, 'exit-status');
    // Without CI in the environment: with CI=true (as CI runs), Ink draws only the last frame.
    const command =
      `env -u CI HOME=${home} DBQ_CONFIG_DIR=${join(home, 'dbq')} AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED=true ` +
      `${process.execPath} ${DBQ_BIN} profiles add; echo $? > ${done}; sleep 60`;
    tmux('new-session', '-d', '-s', session, '-x', '120', '-y', '30', command);
    const screen = (): string => tmux('capture-pane', '-t', session, '-p');
    await until(() => (screen().includes('New connection profile') ? true : undefined), 'the form');
    tmux('send-keys', '-t', session, 'staging', 'Enter', 'eu-west-1', 'Enter', 'dbq-query', 'Enter', 'Enter');
    tmux('send-keys', '-t', session, 'staging', 'Enter');
    await until(() => (/› Sign in with/.test(screen()) ? true : undefined), 'the sign-in field');
    tmux('send-keys', '-t', session, 'Right', 'Right');
    await until(() => (screen().includes('‹ local ›') ? true : undefined), 'the local sign-in');
    tmux('send-keys', '-t', session, 'Enter', 'http://127.0.0.1:9001', 'C-s');
    const status = await until(
      () => (existsSync(done) ? readFileSync(done, 'utf8').trim() : undefined),
      'dbq to exit',
    );
    expect(status).toBe('0');
    expect(screen()).toContain('saved profile staging');
    const saved = JSON.parse(readFileSync(join(home, 'dbq', 'profiles.json'), 'utf8')) as unknown;
    expect(saved).toEqual({
      version: 1,
      profiles: {
        staging: {
          region: 'eu-west-1',
          function: 'dbq-query',
          environment: 'staging',
          auth: { type: 'local', endpoint: 'http://127.0.0.1:9001' },
        },
      },
    });
  });
});
