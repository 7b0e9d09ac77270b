#!/usr/bin/env node
// The `moelab` executable.
//
// Fast path: when dist/ was built from the sources as they are now (bin/dist-stamp.js), run the compiled CLI
// (dist/src/cli/main.js): `moelab --help` and `--version` then start in a fraction of a second, and each command
// loads only the modules it needs. Otherwise (an edited source, no build yet) run src/cli/main.ts through tsx, so a
// stale build is never run.
//
// The pipeline commands (repro, status, dag, run-stage, bench) always run from the TypeScript sources: the pipeline
// module, presets and stage modules are TypeScript, stage children are `moelab run-stage` processes, and the engine
// fingerprints each stage's TypeScript sources, so the lock file is the same whichever way moelab was started.
// Their --help is served from dist/ like every other.
//
// MOELAB_FROM_SOURCE=1 forces the tsx path; MOELAB_DEBUG=1 says on stderr which path was taken and why.
'use strict';
const path = require('node:path');

const root = path.join(__dirname, '..');
const SOURCE_ONLY = new Set(['repro', 'status', 'dag', 'run-stage', 'bench']);
const args = process.argv.slice(2);
const command = args.find((a) => !a.startsWith('-'));
const helpOnly = args.length === 0 || command === 'help' || args.some((a) => a === '--help' || a === '-h' || a === '--version' || a === '-V');
const debug = (msg) => {
  if (process.env.MOELAB_DEBUG) process.stderr.write(`moelab: ${msg}\n`);
};

function run(main, reportError) {
  return main(process.argv).then(
    (code) => {
      process.exitCode = code;
    },
    (err) => {
      process.exitCode = reportError(err);
    },
  );
}

function fromSource(why) {
  debug(`running src/ through tsx (${why})`);
  // `import('tsx')` registers tsx's ESM and CommonJS hooks together, so both `require()` and the lazy
  // `await import()` that stages use inside run() resolve TypeScript files.
  return import('tsx').then(() => {
    const { main, reportError } = require(path.join(root, 'src', 'cli', 'main.ts'));
    return run(main, reportError);
  });
}

let start;
if (process.env.MOELAB_FROM_SOURCE === '1') start = fromSource('MOELAB_FROM_SOURCE=1');
else if (!helpOnly && SOURCE_ONLY.has(command)) start = fromSource(`\`${command}\` runs the pipeline from its TypeScript sources`);
else {
  const stale = require('./dist-stamp.js').distStaleReason(root);
  if (stale) start = fromSource(`dist/ is stale: ${stale}; \`npm run build\` restores the fast start`);
  else {
    debug('running dist/ (built from the current sources)');
    const { main, reportError } = require(path.join(root, 'dist', 'src', 'cli', 'main.js'));
    start = run(main, reportError);
  }
}
start.catch((err) => {
  process.stderr.write(`moelab: could not start: ${err && err.stack ? err.stack : err}\n`);
  process.exitCode = 1;
});
