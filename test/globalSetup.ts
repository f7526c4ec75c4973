import { execFileSync } from 'node:child_process';

/** Builds dist/ once so tests that run bin/dbq exercise the same bundle a user runs. */
export default function setup(): void {
  execFileSync(process.execPath, ['scripts/build.mjs'], { stdio: 'inherit' });
}
