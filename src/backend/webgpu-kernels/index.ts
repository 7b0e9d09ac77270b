/**
 * This project's fused WGSL kernels for tfjs's webgpu backend, registered as tfjs kernels (`tf.registerKernel`
 * for backend `webgpu`, gradients with `tf.registerGradient`) so the model calls them through the engine and
 * autodiff like any tfjs op. The model uses them on the webgpu backend only (src/model/ops-webgpu.ts);
 * every kernel has a test against the tfjs composition it replaces (test/backend/webgpu-fused.test.ts).
 */
import * as tf from '@tensorflow/tfjs';
import { registerAttention } from './attention';
import { registerEmbedding } from './embedding';
import { registerGelu } from './gelu';
import { registerLayerNorm } from './layernorm';
import { registerMoe } from './moe';
import { registerRouter } from './router';
import { registerXent } from './xent';
import { registerFusedGradients } from '../fused-ops';

export { EMBED, tokenRowsIndex } from './embedding';
export { GELU } from './gelu';
export { ADD_LAYER_NORM, ATTENTION, LAYER_NORM, XENT } from '../fused-ops';
export { MOE_COMBINE, MOE_GATHER, STACK } from './moe';
export { ROUTER_LOSSES, ROUTER_SOFTMAX } from '../fused-ops';
export { adamwDevice, type AdamWDeviceParam, type AdamWDeviceStep } from './adamw';

let registered = false;

/** Registers every fused kernel for the webgpu backend (idempotent). */
export function registerFusedWebGpuKernels(): void {
  if (registered) return;
  registerFusedGradients();
  registerLayerNorm();
  registerEmbedding();
  registerGelu();
  registerXent();
  registerAttention();
  registerMoe();
  registerRouter();
  registered = true;
}

let enabled = true;

/**
 * Turns the fused kernels off (the model's device path then composes tfjs ops, as before they existed) or back
 * on; returns the previous setting. The GPU bench uses it to count both; default on.
 */
export function setFusedKernels(on: boolean): boolean {
  const prev = enabled;
  enabled = on;
  return prev;
}

/** Whether the fused kernels run now: enabled, registered, and the webgpu backend active. */
export function fusedKernelsActive(): boolean {
  return enabled && registered && tf.getBackend() === 'webgpu';
}
