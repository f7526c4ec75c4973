import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { renderBootstrapSql, type BootstrapOptions } from './render.js';

/**
 * The bootstrap templates ship as plain .sql files in lambda/bootstrap/ so operators can read them. The
 * module that reads them may run from the source tree or from a bundle under dist/, so the file is looked
 * up as lambda/bootstrap/<engine>.sql under each directory above this module (the repository root).
 */
export function readBootstrapTemplate(engine: BootstrapOptions['engine']): string {
  const file = join('lambda', 'bootstrap', `${engine}.sql`);
  let dir = dirname(fileURLToPath(import.meta.url));
  for (;;) {
    if (existsSync(join(dir, file))) return readFileSync(join(dir, file), 'utf8');
    const parent = dirname(dir);
    if (parent === dir) throw new Error(`the bootstrap template ${file} is missing from this installation`);
    dir = parent;
  }
}

/** The bootstrap script for `options`, ready to print or to run. */
export function bootstrapSql(options: BootstrapOptions): string {
  return renderBootstrapSql(readBootstrapTemplate(options.engine), options);
}
