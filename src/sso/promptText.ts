import type { DevicePrompt } from './oidc.js';

/** The sign-in instructions as the CLI prints them (on stderr: stdout carries results only). */
export function formatDevicePrompt(prompt: DevicePrompt, startUrl: string): string {
  const lines = [
    `Sign in to ${startUrl}:`,
    `  open  ${prompt.verificationUri}`,
    `  code  ${prompt.userCode}`,
  ];
  if (prompt.verificationUriComplete) lines.push(`  (or open ${prompt.verificationUriComplete})`);
  lines.push(
    `Waiting for approval in the browser (the code expires at ${prompt.expiresAt.toLocaleTimeString()})…`,
  );
  return `${lines.join('\n')}\n`;
}
