import { spawn } from 'node:child_process';

function opener(platform: NodeJS.Platform): { command: string; args: string[] } {
  if (platform === 'darwin') return { command: 'open', args: [] };
  if (platform === 'win32') return { command: 'cmd', args: ['/c', 'start', '""'] };
  return { command: 'xdg-open', args: [] };
}

/**
 * Opens the URL in the user's browser without waiting for it. A missing opener or a headless machine is
 * not an error: the URL and code are printed anyway.
 */
export function openBrowser(url: string, platform: NodeJS.Platform = process.platform): void {
  const { command, args } = opener(platform);
  try {
    const child = spawn(command, [...args, url], { detached: true, stdio: 'ignore' });
    child.on('error', () => undefined);
    child.unref();
  } catch {
    // spawn can throw synchronously on some platforms for a missing command; the printed URL suffices.
  }
}
