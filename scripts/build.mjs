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

/*
 * The CLI bundles the packages on the way to the REPL's first prompt: loaded from node_modules, Ink and
 * its dependencies are hundreds of small files (350 ms before anything is drawn), zod and string-width
 * another 100-200 ms; bundled they load in a fraction of that. React is built for production. Everything
 * else stays external.
 */
const STARTUP_PACKAGES = new Set(['ink', 'react', 'zod', 'string-width']);
const packageOf = (spec) =>
  spec
    .split('/')
    .slice(0, spec.startsWith('@') ? 2 : 1)
    .join('/');
const bundleStartupPackages = {
  name: 'bundle-startup-packages',
  setup(plugin) {
    plugin.onResolve({ filter: /^[^./]/ }, (args) => {
      if (args.path.startsWith('node:')) return undefined;
      // Ink loads react-devtools-core only when DEV=true; it is not installed, so it is an empty stand-in.
      if (args.path === 'react-devtools-core') return { path: args.path, namespace: 'devtools-stub' };
      const fromBundledPackage = args.importer.includes('/node_modules/');
      if (fromBundledPackage || STARTUP_PACKAGES.has(packageOf(args.path))) return undefined;
      return { path: args.path, external: true };
    });
    plugin.onLoad({ filter: /.*/, namespace: 'devtools-stub' }, () => ({
      contents: 'export default { initialize() {}, connectToDevTools() {} };',
    }));
  },
};
const cliOptions = {
  ...common,
  packages: undefined,
  plugins: [bundleStartupPackages],
  define: { 'process.env.NODE_ENV': '"production"' },
  // Bundled CommonJS (React) may require Node built-ins; ESM output has no `require` of its own.
  banner: {
    js: "import { createRequire as __dbqRequire } from 'node:module'; const require = __dbqRequire(import.meta.url);",
  },
};

await Promise.all([
  // Split so that a command loads only the modules it uses (the REPL's UI, PGlite, …).
  build({
    ...cliOptions,
    entryPoints: { dbq: 'src/cli/main.ts' },
    outdir: 'dist',
    splitting: true,
    chunkNames: 'chunks/[name]-[hash]',
  }),
  build({ ...common, entryPoints: { 'lambda/handler': 'lambda/handler.ts' }, outdir: 'dist' }),
  build({ ...common, entryPoints: { 'lambda/stream': 'lambda/stream/handler.ts' }, outdir: 'dist' }),
  existsSync('bench/run.ts') &&
    build({ ...cliOptions, entryPoints: { 'bench/run': 'bench/run.ts' }, outdir: 'dist' }),
]);
