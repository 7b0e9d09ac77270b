#!/usr/bin/env node
// The `moelab` executable: registers tsx (TypeScript on the fly, no build step) and runs src/cli/main.ts.
'use strict';
const path = require('node:path');
require('tsx/cjs');
const { main, reportError } = require(path.join(__dirname, '..', 'src', 'cli', 'main.ts'));
main(process.argv).then(
  (code) => {
    process.exitCode = code;
  },
  (err) => {
    process.exitCode = reportError(err);
  },
);
