import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { rmSync } from 'node:fs';
import { promisify } from 'node:util';

const run = promisify(execFile);

/** Keys tmux knows by name (send-keys without -l). */
export type NamedKey =
  'Enter' | 'Escape' | 'PageDown' | 'PageUp' | 'Up' | 'Down' | 'Left' | 'Right' | 'C-c' | 'C-d';

/**
 * A real terminal for end-to-end runs: a tmux server of its own (its own socket, so nothing else's tmux is
 * touched) with one pane running the command. Tests read the screen as a person sees it.
 */
export class TmuxTerminal {
  /** The server's socket file, removed when the terminal is killed. */
  private socketPath = '';

  private constructor(
    private readonly socket: string,
    readonly columns: number,
    readonly rows: number,
  ) {}

  private tmux(...args: string[]): Promise<{ stdout: string }> {
    return run('tmux', ['-L', this.socket, '-f', '/dev/null', ...args], { maxBuffer: 16 * 1024 * 1024 });
  }

  /** Starts `argv` in a fresh terminal `columns` × `rows`, with exactly `env` added to a clean environment. */
  static async start(options: {
    argv: string[];
    env: Record<string, string>;
    columns?: number;
    rows?: number;
  }): Promise<TmuxTerminal> {
    const terminal = new TmuxTerminal(
      `dbq-e2e-${process.pid}-${randomBytes(4).toString('hex')}`,
      options.columns ?? 120,
      options.rows ?? 40,
    );
    // `env -i` so nothing of the test runner leaks in (CI=true would make Ink print only static output).
    const env = {
      PATH: process.env.PATH ?? '/usr/bin:/bin',
      TERM: 'tmux-256color',
      LANG: 'C.UTF-8',
      ...options.env,
    };
    const command = ['env', '-i', ...Object.entries(env).map(([k, v]) => `${k}=${v}`), ...options.argv];
    await terminal.tmux(
      'new-session',
      '-d',
      '-s',
      'e2e',
      '-x',
      String(terminal.columns),
      '-y',
      String(terminal.rows),
      command.map(shellQuote).join(' '),
      ';',
      'set-option',
      '-t',
      'e2e',
      'remain-on-exit',
      'on',
      ';',
      'set-option',
      '-g',
      'set-clipboard',
      'on',
    );
    terminal.socketPath = await terminal.value('#{socket_path}');
    return terminal;
  }

  /** The visible screen as text (`withAttributes`: with the SGR sequences tmux would draw). */
  async screen(withAttributes = false): Promise<string> {
    const { stdout } = await this.tmux('capture-pane', '-p', ...(withAttributes ? ['-e'] : []), '-t', 'e2e');
    return stdout;
  }

  /** Waits until the screen satisfies `condition`, failing with the screen after `timeoutMs`. */
  async waitFor(condition: (screen: string) => boolean, what: string, timeoutMs = 60_000): Promise<string> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const screen = await this.screen();
      if (condition(screen)) return screen;
      if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}; the screen was:\n${screen}`);
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  }

  /** Types text literally (tmux would otherwise read a trailing `;` as a command separator). */
  async type(text: string): Promise<void> {
    await this.tmux('send-keys', '-t', 'e2e', '-l', text.endsWith(';') ? `${text.slice(0, -1)}\\;` : text);
  }

  async press(...keys: NamedKey[]): Promise<void> {
    await this.tmux('send-keys', '-t', 'e2e', ...keys);
  }

  async value(format: string): Promise<string> {
    return (await this.tmux('display-message', '-p', '-t', 'e2e', format)).stdout.trim();
  }

  /** tmux paste buffers: an OSC 52 that reached the terminal would have created one. */
  async buffers(): Promise<string> {
    return (await this.tmux('list-buffers')).stdout;
  }

  async exited(): Promise<boolean> {
    return (await this.value('#{pane_dead}')) === '1';
  }

  /** Stops this terminal's own tmux server (never any other) and removes its socket. */
  async kill(): Promise<void> {
    await this.tmux('kill-server').catch(() => undefined);
    if (this.socketPath) rmSync(this.socketPath, { force: true });
  }
}

function shellQuote(arg: string): string {
  return /^[A-Za-z0-9_./:=@%+-]+$/.test(arg) ? arg : `'${arg.replace(/'/g, "'\\''")}'`;
}
