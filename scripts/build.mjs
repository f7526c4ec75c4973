// Bundles the CLI, the Lambda handler and the benchmarks into dist/ (dependencies stay external).
import { existsSync } from 'node:fs';
import { build } from 'esbuild';

const common = {
  bundle: true,
  platform: 'node',
  format: 'esm',
  target: 'node20',
  packages: 'external',
  sourcemap: true,
  logLevel: 'warning',
};

await Promise.all([
  // Split so that a command loads only the modules it uses (the REPL's UI, PGlite, …).
  build({
    ...common,
    entryPoints: { dbq: 'src/cli/main.ts' },
    outdir: 'dist',
    splitting: true,
    chunkNames: 'chunks/[name]-[hash]',
  }),
  build({ ...common, entryPoints: { 'lambda/handler': 'lambda/handler.ts' }, outdir: 'dist' }),
  existsSync('bench/run.ts') &&
    build({ ...common, entryPoints: { 'bench/run': 'bench/run.ts' }, outdir: 'dist' }),
]);
