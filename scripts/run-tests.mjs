#!/usr/bin/env node
// Runs every test/**/*.test.ts on node's built-in test runner (through tsx), so that the summary
// CI reads is node's own. Usage: node scripts/run-tests.mjs [substring-filter ...]
import fg from 'fast-glob';
import { spawnSync } from 'node:child_process';
import os from 'node:os';

const filters = process.argv.slice(2);
const files = fg
  .sync('test/**/*.test.ts', { dot: false })
  .sort()
  .filter((f) => filters.length === 0 || filters.some((s) => f.includes(s)));
if (files.length === 0) {
  console.error(`no test files match ${filters.join(' ') || 'test/**/*.test.ts'}`);
  process.exit(1);
}
// The whole suite starts with a type check of src/, pipeline/ and test/ with the project's TypeScript
// (node_modules/.bin/tsc is tslab's TypeScript 5.0 fork, so call the pinned 5.9 compiler explicitly).
if (filters.length === 0) {
  const tsc = spawnSync(process.execPath, ['node_modules/typescript/bin/tsc', '--noEmit', '-p', 'tsconfig.json'], { stdio: 'inherit' });
  if (tsc.status !== 0) {
    console.error('type check failed (npm run typecheck); not running the tests');
    process.exit(tsc.status ?? 1);
  }
}
const concurrency = process.env.MOELAB_TEST_CONCURRENCY ?? String(Math.max(1, Math.min(2, os.cpus().length)));
const result = spawnSync(
  process.execPath,
  ['--import', 'tsx', '--test', '--test-reporter=spec', `--test-concurrency=${concurrency}`, ...files],
  { stdio: 'inherit' },
);
process.exit(result.status ?? 1);
