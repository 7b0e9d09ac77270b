import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { CorpusError, buildCorpus, corpusConfigSchema, corpusStats, normalizeText, openTokenShard, type CorpusConfig } from '../../src/data';

function tmpDir(): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), 'moelab-corpus-'));
}
function build(cfg: Partial<CorpusConfig> & Pick<CorpusConfig, 'sources'>, cwd: string) {
  const config = corpusConfigSchema.parse({ name: 'test', valFraction: 0.3, splitSeed: 0, ...cfg });
  const out = path.join(cwd, 'out');
  const paths = { trainPath: path.join(out, 'train.bin'), valPath: path.join(out, 'val.bin'), manifestPath: path.join(out, 'manifest.json') };
  return { manifest: buildCorpus(config, paths, { cwd }), out };
}

test('normalizeText folds CRLF, strips control characters and trailing spaces, collapses blank runs', () => {
  assert.equal(normalizeText('  a\r\nb  \r\n\r\n\r\n\r\nc\u0007d\t\n'), 'a\nb\n\nc' + 'd');
  assert.equal(normalizeText('e\u0301'), '\u00e9');
});

test('buildCorpus splits user .txt and .jsonl documents deterministically and records them in the manifest', () => {
  const dir = tmpDir();
  for (let i = 0; i < 12; i++) fs.writeFileSync(path.join(dir, `doc${i}.txt`), `Document number ${i}.\nIt has two lines.\n`);
  fs.writeFileSync(path.join(dir, 'more.jsonl'), ['{"body":"first json doc"}', '', '{"body":"second json doc"}'].join('\n'));
  const sources = [{ kind: 'txt' as const, path: 'doc*.txt' }, { kind: 'jsonl' as const, path: 'more.jsonl', field: 'body' }];
  const a = build({ sources }, dir);
  assert.equal(a.manifest.documents.length, 14);
  assert.equal(a.manifest.documents[12].id, 'more.jsonl:1');
  assert.equal(a.manifest.documents[13].id, 'more.jsonl:3');
  const { train, val } = a.manifest.splits;
  assert.ok(train.documents > 0 && val.documents > 0);
  assert.equal(train.documents + val.documents, 14);
  assert.equal(fs.statSync(path.join(a.out, 'train.bin')).size, train.tokens);
  assert.equal(train.tokens, train.bytes); // byte tokenizer: one token per byte
  const valText = Buffer.from(fs.readFileSync(path.join(a.out, 'val.bin'))).toString('utf8');
  for (const d of a.manifest.documents.filter((d) => d.split === 'val')) {
    const expected = d.id.endsWith('.txt') ? `Document number ${d.id.match(/\d+/)![0]}.` : 'json doc';
    assert.ok(valText.includes(expected), `val split contains ${d.id}`);
  }
  const trainBefore = fs.readFileSync(path.join(a.out, 'train.bin'));
  const b = build({ sources }, dir);
  assert.deepEqual(fs.readFileSync(path.join(b.out, 'train.bin')), trainBefore);
  const c = build({ sources, splitSeed: 5 }, dir);
  assert.notDeepEqual(
    c.manifest.documents.map((d) => d.split),
    a.manifest.documents.map((d) => d.split),
  );
});

test('corpusStats reports token counts and the unigram entropy of the train split in nats', () => {
  const dir = tmpDir();
  fs.writeFileSync(path.join(dir, 'a.txt'), 'abababab');
  fs.writeFileSync(path.join(dir, 'b.txt'), 'zzzz');
  const { out, manifest } = build({ sources: [{ kind: 'txt', path: 'a.txt' }, { kind: 'txt', path: 'b.txt' }], valFraction: 0.5 }, dir);
  const stats = corpusStats(out);
  assert.equal(stats.trainTokens + stats.valTokens, 12);
  const trainDoc = manifest.documents.find((d) => d.split === 'train')!;
  const expected = trainDoc.id === 'a.txt' ? Math.log(2) : 0;
  assert.ok(Math.abs(stats.unigramEntropyNats - expected) < 1e-12);
  const s = openTokenShard(path.join(out, 'train.bin'));
  assert.equal(s.tokens, stats.trainTokens);
  s.close();
});

test('buildCorpus names the missing file and the preset field', () => {
  const dir = tmpDir();
  assert.throws(
    () => build({ sources: [{ kind: 'txt', path: 'missing.txt' }] }, dir),
    (e: Error) => e instanceof CorpusError && /corpus\.sources\[0\]\.path/.test(e.message) && /missing\.txt does not exist/.test(e.message),
  );
});

test('buildCorpus rejects an empty corpus with the fix', () => {
  const dir = tmpDir();
  fs.writeFileSync(path.join(dir, 'empty.txt'), ' \n\r\n ');
  fs.writeFileSync(path.join(dir, 'also.txt'), '');
  assert.throws(() => build({ sources: [{ kind: 'txt', path: '*.txt' }] }, dir), /0 non-empty document\(s\).*add text files/);
});

test('buildCorpus on the embedded Moby Dick keeps whole chapters and honours maxBytes', () => {
  const dir = tmpDir();
  const { manifest } = build({ sources: [{ kind: 'embedded', dataset: 'moby-dick' }], maxBytes: 200_000 }, dir);
  assert.ok(manifest.documents.every((d) => d.id.startsWith('moby-dick/')));
  assert.ok(!manifest.documents.some((d) => d.id === 'moby-dick/data' || d.id === 'moby-dick/contents'));
  const total = manifest.documents.reduce((s, d) => s + d.bytes, 0);
  assert.ok(total <= 200_000 && total > 100_000, `total ${total}`);
});
