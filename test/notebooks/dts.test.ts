import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { describe, it } from 'node:test';
import fg from 'fast-glob';

// tslab compiles notebooks with its own TypeScript 5.0 fork: the .d.ts that `npm install` emits into dist/
// must parse with it (no TS >= 5.1-only syntax such as `const` type parameters or NoInfer in signatures).
const dist = path.resolve('dist', 'src');
const ts50 = (() => {
  try {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    return require('@tslab/typescript-for-tslab') as typeof import('typescript');
  } catch {
    return undefined;
  }
})();
const skip = !fs.existsSync(path.join(dist, 'index.d.ts'))
  ? 'dist/ not built (npm install runs the postinstall build; or `npm run build`)'
  : !ts50
    ? 'tslab not installed'
    : false;

describe('dist/ declarations for notebooks', () => {
  it('every emitted .d.ts parses with tslab\'s TypeScript 5.0', { skip }, () => {
    assert.match(ts50!.version, /^5\.0\./);
    const files = fg.sync('**/*.d.ts', { cwd: dist, absolute: true });
    assert.ok(files.length > 10);
    const bad: string[] = [];
    for (const f of files) {
      const sf = ts50!.createSourceFile(f, fs.readFileSync(f, 'utf8'), ts50!.ScriptTarget.ES2022, true);
      const diags = (sf as unknown as { parseDiagnostics: Array<{ messageText: unknown; start?: number }> }).parseDiagnostics;
      for (const d of diags) bad.push(`${path.relative(dist, f)}@${d.start}: ${ts50!.flattenDiagnosticMessageText(d.messageText as string, ' ')}`);
    }
    assert.deepEqual(bad, []);
  });

  it('node_modules/moelab links the repository so notebooks can import "moelab"', { skip }, () => {
    const link = path.resolve('node_modules', 'moelab');
    assert.equal(fs.realpathSync(link), fs.realpathSync('.'));
    assert.ok(fs.existsSync(path.join(link, 'dist', 'src', 'index.d.ts')));
  });
});
