/** JSON snapshots under test/fixtures/figures/; `UPDATE_SNAPSHOTS=1 npm test -- figures` rewrites them. */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';

export const SNAPSHOT_DIR = path.resolve(__dirname, '..', 'fixtures', 'figures');

export function matchSnapshot(name: string, value: unknown): void {
  const file = path.join(SNAPSHOT_DIR, `${name}.json`);
  const text = `${JSON.stringify(value, null, 1)}\n`;
  if (process.env.UPDATE_SNAPSHOTS === '1' || !fs.existsSync(file)) {
    if (!fs.existsSync(file) && process.env.CI) assert.fail(`snapshot ${file} is missing; run UPDATE_SNAPSHOTS=1 npm test -- figures and commit it`);
    fs.mkdirSync(SNAPSHOT_DIR, { recursive: true });
    fs.writeFileSync(file, text);
    return;
  }
  assert.equal(text, fs.readFileSync(file, 'utf8'), `spec of ${name} differs from ${file}; if intended, rerun with UPDATE_SNAPSHOTS=1`);
}
