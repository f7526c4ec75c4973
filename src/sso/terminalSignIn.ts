import { openBrowser } from './browser.js';
import { formatDevicePrompt } from './promptText.js';
import type { AuthSession, SignedInIdentity } from './session.js';

export interface TerminalSignInOptions {
  /** Open the verification URL in a browser (`--no-browser` turns it off). */
  browser: boolean;
  signal?: AbortSignal;
}

/**
 * Signs in from a plain terminal (`dbq login`, `dbq profiles test`): prints the URL and code on stderr,
 * opens the browser, waits for approval, then fetches role credentials once so a profile whose role is
 * not assigned fails here rather than at the first statement.
 */
export async function signInFromTerminal(
  auth: AuthSession,
  stderr: NodeJS.WritableStream,
  options: TerminalSignInOptions,
): Promise<SignedInIdentity> {
  const identity = await auth.loginInteractive((prompt) => {
    stderr.write(formatDevicePrompt(prompt, auth.startUrl ?? 'AWS'));
    if (options.browser) openBrowser(prompt.verificationUriComplete ?? prompt.verificationUri);
  }, options.signal);
  await auth.getCredentials();
  return identity;
}

/** `DBReader @ 111122223333, signed in until 18:04:05`. */
export function describeIdentity(identity: SignedInIdentity): string {
  const until = identity.tokenExpiresAt
    ? `, signed in until ${identity.tokenExpiresAt.toLocaleString()}`
    : '';
  return `${identity.label}${until}`;
}
