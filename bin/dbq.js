#!/usr/bin/env node
// The AWS SDK warns about Node.js versions on stderr; dbq keeps stderr for real diagnostics.
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';
const { main } = await import('../dist/dbq.js');
process.exitCode = await main(process.argv.slice(2));
