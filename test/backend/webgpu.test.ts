import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs';
import { backendKernelLabel } from '../../src/backend/kernels';
import { AUTO_ORDER, BackendUnavailableError, selectBackend } from '../../src/backend/select';
import {
  type GpuAdapterLike,
  type WebGpuModule,
  WebGpuUnavailableError,
  adapterInfoOf,
  initWebGpu,
  installNavigatorGpu,
  isSoftwareAdapter,
  probeWebGpu,
  webGpuDefaults,
} from '../../src/backend/webgpu';

/** A fake `webgpu` package whose adapter is `adapter` (null = Dawn found none). */
function fakeDawn(adapter: GpuAdapterLike | null): WebGpuModule {
  return { create: () => ({ requestAdapter: async () => adapter }), globals: { GPUBufferUsage: { STORAGE: 128 } } };
}

function fakeAdapter(requestDevice: () => Promise<unknown>): GpuAdapterLike {
  return {
    features: new Set(['timestamp-query']),
    limits: { maxStorageBufferBindingSize: 1 << 30, maxBufferSize: 2 ** 31 },
    info: { vendor: 'fake', device: 'Fake GPU', description: 'driver 1' },
    requestDevice,
  };
}

function realDawnAvailable(): boolean {
  try {
    require('webgpu');
    return true;
  } catch {
    return false;
  }
}

test('AUTO_ORDER tries tensorflow (CUDA), then webgpu (hardware adapter), then tensorflow (CPU), then wasm', () => {
  assert.deepEqual(
    AUTO_ORDER.map((c) => c.label),
    ['tensorflow-gpu', 'webgpu', 'tensorflow', 'wasm'],
  );
});

test('selectBackend("webgpu") without the webgpu package is a BackendUnavailableError naming the package', async () => {
  webGpuDefaults.loadModule = () => {
    throw new Error("Cannot find module 'webgpu'");
  };
  await assert.rejects(selectBackend('webgpu'), (err: unknown) => {
    assert.ok(err instanceof BackendUnavailableError);
    assert.match(err.message, /cannot load the npm package `webgpu`/);
    assert.match(err.message, /Cannot find module 'webgpu'/);
    return true;
  });
  assert.notEqual(tf.getBackend(), 'webgpu');
});

test('initWebGpu with no adapter throws WebGpuUnavailableError that says how to get one', async () => {
  await assert.rejects(initWebGpu({ loadModule: () => fakeDawn(null), dawnFlags: ['backend=vulkan'] }), (err: unknown) => {
    assert.ok(err instanceof WebGpuUnavailableError);
    assert.match(err.message, /no GPU adapter/);
    assert.match(err.message, /backend=vulkan/);
    assert.match(err.message, /libvulkan1/);
    return true;
  });
});

test('probeWebGpu returns null (no throw) when Dawn has no adapter, and the adapter info when it has one', async () => {
  assert.equal(await probeWebGpu({ loadModule: () => fakeDawn(null) }), null);
  const info = await probeWebGpu({ loadModule: () => fakeDawn(fakeAdapter(async () => ({}))) });
  assert.deepEqual(info, {
    vendor: 'fake',
    architecture: '',
    device: 'Fake GPU',
    description: 'driver 1',
    backendType: '',
    maxStorageBufferBindingSizeBytes: 1 << 30,
    maxBufferSizeBytes: 2 ** 31,
    timestampQuery: true,
  });
});

test('selectBackend("auto") without a WebGPU adapter skips webgpu (saying why) and lands on wasm without CUDA', async () => {
  webGpuDefaults.loadModule = () => fakeDawn(null);
  const selected = await selectBackend('auto');
  const skippedLabels = selected.skipped.map((s) => s.split(':')[0]);
  // tensorflow-gpu is skipped on machines without CUDA + tfjs-node-gpu (CI); where it loads, auto stops there.
  if (selected.label === 'tensorflow-gpu') return;
  assert.equal(selected.label, backendKernelLabel('wasm', 'wasm'));
  assert.deepEqual(skippedLabels, ['tensorflow-gpu', 'webgpu', 'tensorflow']);
  assert.match(selected.skipped[1]!, /no GPU adapter/);
  assert.equal(tf.getBackend(), 'wasm');
});

test('selectBackend("auto") skips a software adapter (SwiftShader) that --backend webgpu would accept', async () => {
  const soft = fakeAdapter(async () => Promise.reject(new Error('must not be asked for a device')));
  soft.info = { vendor: 'google', device: 'SwiftShader Device (Subzero)', description: 'SwiftShader driver' };
  webGpuDefaults.loadModule = () => fakeDawn(soft);
  const selected = await selectBackend('auto');
  if (selected.label === 'tensorflow-gpu') return;
  assert.equal(selected.label, backendKernelLabel('wasm', 'wasm'));
  const reason = selected.skipped.find((s) => s.startsWith('webgpu'));
  assert.match(reason ?? '', /software adapter \(SwiftShader Device/);
});

test('isSoftwareAdapter tells software rasterisers from GPUs', () => {
  const base = adapterInfoOf(fakeAdapter(async () => ({})));
  assert.equal(isSoftwareAdapter({ ...base, vendor: 'nvidia', device: 'NVIDIA H100 80GB HBM3' }), false);
  assert.equal(isSoftwareAdapter({ ...base, device: 'llvmpipe (LLVM 15.0.6, 256 bits)' }), true);
  assert.equal(isSoftwareAdapter({ ...base, device: 'null-backend' }), true);
});

test('installNavigatorGpu exposes the GPU as navigator.gpu and Dawn constants as globals', () => {
  const gpu = { requestAdapter: async () => null };
  installNavigatorGpu({ create: () => gpu, globals: { MOELAB_TEST_CONSTANT: 42 } }, gpu);
  const g = globalThis as unknown as { navigator: { gpu: unknown }; MOELAB_TEST_CONSTANT: number };
  assert.equal(g.navigator.gpu, gpu);
  assert.equal(g.MOELAB_TEST_CONSTANT, 42);
});

test('adapterInfoOf tolerates an adapter without info', () => {
  const info = adapterInfoOf({ features: new Set<string>(), limits: {}, requestDevice: async () => ({}) });
  assert.equal(info.device, '');
  assert.equal(info.timestampQuery, false);
  assert.equal(info.maxBufferSizeBytes, 0);
});

test(
  'the real webgpu package (Dawn) loads and answers requestAdapter on its null backend',
  { skip: realDawnAvailable() ? false : 'optional dependency `webgpu` is not installed' },
  async () => {
    const info = await probeWebGpu({ dawnFlags: ['backend=null'] });
    assert.ok(info, 'Dawn null backend offered no adapter');
    assert.equal(info.device, 'null-backend');
  },
);

// Last: it leaves a (broken) webgpu factory registered in this process's tfjs engine.
test('an adapter whose device cannot be created is a named error, and auto falls back to wasm', async () => {
  webGpuDefaults.loadModule = () => fakeDawn(fakeAdapter(async () => Promise.reject(new Error('device lost'))));
  await assert.rejects(selectBackend('webgpu'), (err: unknown) => {
    assert.ok(err instanceof BackendUnavailableError);
    assert.match(err.message, /webgpu/);
    return true;
  });
  const selected = await selectBackend('auto');
  if (selected.label !== 'tensorflow-gpu') {
    assert.equal(selected.label, backendKernelLabel('wasm', 'wasm'));
    assert.ok(selected.skipped.some((s) => s.startsWith('webgpu:')), selected.skipped.join('; '));
  }
});
