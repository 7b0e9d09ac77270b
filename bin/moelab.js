#!/usr/bin/env node
// The `moelab` executable: registers tsx (TypeScript on the fly, no build step) and runs src/cli/main.ts.
// `import('tsx')` registers tsx's ESM and CommonJS hooks together, so both `require()` and the lazy
// `await import()` that stages use inside run() resolve TypeScript files.
'use strict';
const path = require('node:path');
import('tsx')
  .then(() => {
    const { main, reportError } = require(path.join(__dirname, '..', 'src', 'cli', 'main.ts'));
    return main(process.argv).then(
      (code) => {
        process.exitCode = code;
      },
      (err) => {
        process.exitCode = reportError(err);
      },
    );
  })
  .catch((err) => {
    process.stderr.write(`moelab: could not start: ${err && err.stack ? err.stack : err}\n`);
    process.exitCode = 1;
  });
