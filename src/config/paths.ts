import { homedir } from 'node:os';
import { join } from 'node:path';

/** Where dbq keeps its own state: `DBQ_CONFIG_DIR`, else `$XDG_CONFIG_HOME/dbq`, else `~/.config/dbq`. */
export function configDir(env: NodeJS.ProcessEnv = process.env): string {
  if (env.DBQ_CONFIG_DIR) return env.DBQ_CONFIG_DIR;
  return join(env.XDG_CONFIG_HOME || join(homedir(), '.config'), 'dbq');
}

export function localDataDir(env?: NodeJS.ProcessEnv): string {
  return join(configDir(env), 'local', 'pglite');
}

export function localAuditFile(env?: NodeJS.ProcessEnv): string {
  return join(configDir(env), 'local', 'audit.jsonl');
}
