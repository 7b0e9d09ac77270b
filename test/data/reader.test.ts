import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { ByteTokenizer, DataError, WindowBatches, evalWindowCount, evalWindows, openTokenShard, type TokenShard } from '../../src/data';

function tmpDir(): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), 'moelab-data-'));
}

/** A uint8 shard whose token i is i % 251 (so every window is identifiable by its first token). */
function rampShard(tokens: number): TokenShard {
  const dir = tmpDir();
  const file = path.join(dir, 'train.bin');
  const bytes = new Uint8Array(tokens);
  for (let i = 0; i < tokens; i++) bytes[i] = i % 251;
  fs.writeFileSync(file, bytes);
  return openTokenShard(file);
}

test('ByteTokenizer round-trips UTF-8 text with one token per byte', () => {
  const t = new ByteTokenizer();
  const text = 'Call me Ishmael — naïve 🐋\n';
  const ids = t.encode(text);
  assert.equal(ids.length, Buffer.byteLength(text));
  assert.equal(t.vocabSize, 256);
  assert.equal(t.decode(ids), text);
});

test('openTokenShard reads exact ranges and rejects reads past the end', () => {
  const s = rampShard(1000);
  assert.equal(s.tokens, 1000);
  assert.deepEqual(Array.from(s.read(249, 4)), [249, 250, 0, 1]);
  assert.throws(() => s.read(998, 3), DataError);
  s.close();
  assert.throws(() => s.read(0, 1), /closed/);
});

test('openTokenShard reads uint16 shards declared by a manifest next to them', () => {
  const dir = tmpDir();
  fs.writeFileSync(path.join(dir, 'manifest.json'), JSON.stringify({ dtype: 'uint16' }));
  fs.writeFileSync(path.join(dir, 'val.bin'), Buffer.from(new Uint16Array([1, 300, 65535]).buffer));
  const s = openTokenShard(path.join(dir, 'val.bin'));
  assert.equal(s.tokens, 3);
  assert.deepEqual(Array.from(s.read(0, 3)), [1, 300, 65535]);
  s.close();
});

test('openTokenShard names the missing file and the fix', () => {
  assert.throws(() => openTokenShard('/nonexistent/train.bin'), /\/nonexistent\/train\.bin does not exist.*repro corpus/);
});

test('WindowBatches targets are inputs shifted by one token', () => {
  const s = rampShard(5000);
  const wb = new WindowBatches({ shard: s, batchSize: 4, seqLen: 16, seed: 1 });
  const b = wb.next();
  assert.equal(b.inputs.length, 64);
  for (let r = 0; r < 4; r++) {
    for (let i = 0; i < 16; i++) assert.equal(b.targets[r * 16 + i], (b.inputs[r * 16 + i] + 1) % 251);
  }
});

test('WindowBatches visits every window exactly once per epoch, window starts aligned to seqLen', () => {
  const s = rampShard(16 * 40 + 1); // exactly 40 windows
  const wb = new WindowBatches({ shard: s, batchSize: 8, seqLen: 16, seed: 7 });
  assert.equal(wb.windows, 40);
  assert.equal(wb.tokensPerEpoch, 640);
  const starts: number[] = [];
  for (let k = 0; k < 5; k++) {
    const b = wb.next();
    for (let r = 0; r < 8; r++) starts.push(b.inputs[r * 16]);
  }
  // token value at window w's start is (16 w) % 251; all distinct for w < 40 here
  const windows = starts.map((v) => [...Array(40).keys()].find((w) => (16 * w) % 251 === v));
  assert.deepEqual([...new Set(windows)].sort((a, b) => a! - b!), [...Array(40).keys()]);
  assert.deepEqual(wb.position, { epoch: 0, epochFraction: 1, batches: 5 });
  wb.next();
  assert.equal(wb.position.epoch, 1);
});

test('WindowBatches order depends on the seed and is reproducible', () => {
  const s = rampShard(20000);
  const a = new WindowBatches({ shard: s, batchSize: 4, seqLen: 32, seed: 3 }).next();
  const b = new WindowBatches({ shard: s, batchSize: 4, seqLen: 32, seed: 3 }).next();
  const c = new WindowBatches({ shard: s, batchSize: 4, seqLen: 32, seed: 4 }).next();
  assert.deepEqual(a.inputs, b.inputs);
  assert.notDeepEqual(a.inputs, c.inputs);
});

test('WindowBatches.restore(state()) continues the same stream, across epochs, after JSON round trip', () => {
  const s = rampShard(16 * 10 + 1);
  const ref = new WindowBatches({ shard: s, batchSize: 3, seqLen: 16, seed: 11 });
  for (let i = 0; i < 4; i++) ref.next(); // 12 windows: into epoch 1
  const saved = JSON.parse(JSON.stringify(ref.state()));
  const expected = [ref.next(), ref.next(), ref.next()];
  const resumed = new WindowBatches({ shard: s, batchSize: 3, seqLen: 16, seed: 11 });
  resumed.restore(saved);
  for (const e of expected) assert.deepEqual(resumed.next().inputs, e.inputs);
  const other = new WindowBatches({ shard: s, batchSize: 3, seqLen: 16, seed: 12 });
  assert.throws(() => other.restore(saved), /cannot restore batch state/);
});

test('WindowBatches rejects a shard shorter than one window', () => {
  const s = rampShard(10);
  assert.throws(() => new WindowBatches({ shard: s, batchSize: 1, seqLen: 16, seed: 0 }), /fewer than one window/);
});

test('evalWindows yields the same full batches each time, spread over the shard, capped by maxTokens', () => {
  const s = rampShard(16 * 100 + 1);
  const opts = { batchSize: 4, seqLen: 16, maxTokens: 16 * 10 };
  assert.equal(evalWindowCount(s, opts), 8); // 10 windows rounded down to 2 batches
  const first = [...evalWindows(s, opts)];
  const second = [...evalWindows(s, opts)];
  assert.equal(first.length, 2);
  assert.deepEqual(first, second);
  const starts = first.flatMap((b) => [0, 1, 2, 3].map((r) => b.inputs[r * 16]));
  // windows floor(i*100/8) for i < 8: 0, 12, 25, 37, 50, 62, 75, 87
  assert.deepEqual(starts, [0, 12, 25, 37, 50, 62, 75, 87].map((w) => (16 * w) % 251));
  assert.equal([...evalWindows(s, { batchSize: 4, seqLen: 16 })].length, 25);
  assert.throws(() => evalWindowCount(s, { batchSize: 4, seqLen: 16, maxTokens: 16 }), /raise maxTokens/);
});
