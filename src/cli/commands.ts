import type { Subcommand } from './subcommand.js';

/**
 * The subcommands, loaded on demand so `dbq -c` does not pay for modules it never uses. Adding a command
 * is a module under commands/ and a line here.
 */
export const SUBCOMMANDS: Record<string, () => Promise<Subcommand>> = {
  local: async () => (await import('./commands/local.js')).localCommand,
  audit: async () => (await import('./commands/audit.js')).auditCommand,
  export: async () => (await import('./commands/export.js')).exportCommand,
  profiles: async () => (await import('./commands/profiles.js')).profilesCommand,
  login: async () => (await import('./commands/login.js')).loginCommand,
  logout: async () => (await import('./commands/logout.js')).logoutCommand,
};
