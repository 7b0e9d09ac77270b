import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs';
import { BackendUnavailableError, backendKernelLabel, registerFastKernels, restoreDefaultKernels, selectBackend } from '../../src/backend';
import { nativeBlasStatus, setNativeBlasEnabled } from '../../src/backend/native-blas';
import { disposeWeights, forward, initWeights, parseModelConfig, ModelConfigInput } from '../../src/model';

const B = 4;
const T = 8;
const inputs = Int32Array.from({ length: B * T }, (_, i) => (i * 37 + 11) % 256);
const targets = Int32Array.from({ length: B * T }, (_, i) => (i * 53 + 5) % 256);

/** Swap the backend's kernels to with/without the native addon. */
function useNative(backend: 'cpu' | 'wasm', on: boolean): void {
  setNativeBlasEnabled(on);
  restoreDefaultKernels(backend);
  registerFastKernels(backend);
}

async function blockOutputs(backend: 'cpu' | 'wasm', input: ModelConfigInput, native = true): Promise<{ blocks: Float32Array[]; logits: Float32Array; loss: number }> {
  await selectBackend(backend);
  if (!native) useNative(backend, false);
  try {
    return forwardOutputs(input);
  } finally {
    if (!native) useNative(backend, true);
  }
}

function forwardOutputs(input: ModelConfigInput): { blocks: Float32Array[]; logits: Float32Array; loss: number } {
  const cfg = parseModelConfig(input);
  const w = initWeights(cfg, 11);
  const out = tf.tidy(() => {
    const r = forward(w, cfg, inputs, targets, { batch: B, seqLen: T, collectBlockOutputs: true });
    return {
      blocks: r.blockOutputs!.map((t) => t.dataSync() as Float32Array),
      logits: r.logits.dataSync() as Float32Array,
      loss: r.lmLoss!.dataSync()[0]!,
    };
  });
  disposeWeights(w);
  return out;
}

function maxDiff(a: Float32Array, b: Float32Array): number {
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i]! - b[i]!));
  return m;
}

const CONFIGS: Array<[string, ModelConfigInput]> = [
  ['dense gelu', { dModel: 32, layers: 2, heads: 4, contextLength: T }],
  ['token choice swiglu', { dModel: 32, layers: 2, heads: 4, ffn: 'swiglu', contextLength: T, moe: { router: 'token-choice', expansionRate: 4, topK: 2 } }],
  ['expert choice G=2 every 2', { dModel: 32, layers: 2, heads: 4, contextLength: T, moe: { router: 'expert-choice', expansionRate: 4, granularity: 2, every: 2 } }],
];

for (const [name, cfg] of CONFIGS) {
  test(`each block's output of ${name} agrees between cpu and wasm within 1e-4`, async () => {
    const a = await blockOutputs('cpu', cfg);
    const b = await blockOutputs('wasm', cfg);
    a.blocks.forEach((blk, i) => assert.ok(maxDiff(blk, b.blocks[i]!) < 1e-4, `block ${i}: ${maxDiff(blk, b.blocks[i]!)}`));
    assert.ok(maxDiff(a.logits, b.logits) < 1e-4);
    assert.ok(Math.abs(a.loss - b.loss) < 1e-4);
  });
}

// With the native addon, cpu and wasm share its matmul/GELU/gather code: check it against pure tfjs too.
const nativeLoaded = nativeBlasStatus().loaded;
for (const [name, cfg] of CONFIGS) {
  test(`each block's output of ${name} agrees between wasm with the native addon and cpu without it within 1e-4`, { skip: nativeLoaded ? false : 'native addon not built' }, async () => {
    const a = await blockOutputs('cpu', cfg, false);
    const b = await blockOutputs('wasm', cfg, true);
    a.blocks.forEach((blk, i) => assert.ok(maxDiff(blk, b.blocks[i]!) < 1e-4, `block ${i}: ${maxDiff(blk, b.blocks[i]!)}`));
    assert.ok(maxDiff(a.logits, b.logits) < 1e-4);
    assert.ok(Math.abs(a.loss - b.loss) < 1e-4);
  });
}

test('selectBackend: an explicitly requested backend that cannot load is a BackendUnavailableError, never a fallback', async () => {
  await selectBackend('cpu');
  // tfjs-node is aliased to plain tfjs here (no libtensorflow), so `tensorflow` cannot load on this machine.
  if (tf.engine().registryFactory['tensorflow'] !== undefined) return;
  await assert.rejects(selectBackend('tensorflow'), (e: unknown) => e instanceof BackendUnavailableError && /tensorflow/.test(e.message));
  assert.equal(tf.getBackend(), 'cpu');
  const auto = await selectBackend('auto');
  assert.equal(auto.label, backendKernelLabel('wasm', 'wasm'));
  assert.ok(auto.skipped.some((s) => s.startsWith('tensorflow')));
});
