import { DbqError } from '../../shared/protocol/index.js';
import type { TargetConfig } from '../config.js';
import type { Engine } from './types.js';
import { createMysqlEngine } from './mysql.js';
import { createPostgresEngine } from './postgresServer.js';

/** Engines of the deployed function. PGlite is for local use and is not part of it. */
export function createDeployedEngine(target: TargetConfig): Engine {
  switch (target.engine) {
    case 'postgres':
      return createPostgresEngine(target);
    case 'mysql':
      return createMysqlEngine(target);
    case 'pglite':
      throw new DbqError('INTERNAL', 'the embedded pglite engine is for local use only');
  }
}
