/**
 * The fused layer ops of src/backend/fused-ops.ts (LayerNorm, residual add + LayerNorm, causal attention,
 * softmax cross-entropy) and the host-only fused MoE experts, as tfjs kernels of the host backends (wasm, cpu)
 * running in the native addon (src/backend/native/fused.c) on tfjs's own memory. One kernel call replaces
 * the 5-30 tfjs kernels each op composes otherwise, which is what bounds a small model's step on the CPU
 * (issue: CPU training at twice PyTorch's speed). Registered with the addon's matmul (src/backend/kernels.ts);
 * without the addon the model composes the same ops from tfjs kernels, the reference the tests compare against.
 */
import * as tf from '@tensorflow/tfjs';
import {
  ADD_LAYER_NORM, ADD_LAYER_NORM_GRAD, ATTENTION, ATTENTION_GRAD, LAYER_NORM, LAYER_NORM_GRAD, ROUTER_LOSSES, ROUTER_LOSSES_GRAD, ROUTER_SOFTMAX, ROUTER_SOFTMAX_GRAD,
  XENT, XENT_GRAD, registerFusedGradients,
} from './fused-ops';
import type { HostMemory } from './host-memory';
import { hostMemory } from './host-memory';
import type { NativeBlas } from './native-blas';
import { routerLossesGradLoop, routerLossesLoop, routerSoftmaxGradLoop, routerSoftmaxLoop } from './router-loops';
import { int32ArrayAttr, numberAttr } from './tf-interop';

/**
 * The host-only fused MoE experts (GELU experts of one MoE layer: gather, up, GELU, down, gated combine).
 * MOE_EXPERTS {x [n,d], probs [n,E], w1_e [d,f], w2_e [f,d]}, attrs {tokens, counts} -> [y [n,d], act, dgelu
 * [total,f] (GELU and GELU' of the hidden layer), out [total,d] (ungated)]; MOE_EXPERTS_GRAD {dy, x, probs, act,
 * dgelu, out, w1_e, w2_e} -> [dx, dprobs, dw1_0..dw1_{E-1}, dw2_0..dw2_{E-1}].
 */
export const MOE_EXPERTS = 'MoelabMoeExperts';
export const MOE_EXPERTS_GRAD = 'MoelabMoeExpertsGrad';

type Inputs = Record<string, tf.TensorInfo>;
type KernelArgs = { inputs: tf.NamedTensorInfoMap; backend: unknown; attrs?: tf.NamedAttrMap };

function float32(t: tf.TensorInfo | undefined, kernel: string, name: string): tf.TensorInfo {
  if (!t) throw new Error(`${kernel}: input "${name}" is missing`);
  if (t.dtype !== 'float32') throw new Error(`${kernel}: input "${name}" must be float32, got ${t.dtype}`);
  return t;
}

/** An int32 input's values (the cpu backend's array, or a copy off the wasm heap). */
function int32Values(backend: unknown, t: tf.TensorInfo | undefined, kernel: string, name: string): Int32Array {
  if (!t || t.dtype !== 'int32') throw new Error(`${kernel}: input "${name}" must be int32`);
  if (!(backend instanceof tf.KernelBackend)) throw new TypeError(`${kernel}: tfjs called it without a KernelBackend`);
  const v = backend.readSync(t.dataId);
  if (!(v instanceof Int32Array)) throw new Error(`${kernel}: input "${name}" has no int32 values`);
  return v;
}

/** Names of expert e's weight inputs of MOE_EXPERTS (and of its gradient's outputs). */
export const moeExpertInput = (matrix: 'w1' | 'w2', e: number): string => `${matrix}_${e}`;

/** Register the fused kernels on host backend `backendName` ('wasm' or 'cpu') with the loaded addon. */
export function registerHostFusedKernels(backendName: string, blas: NativeBlas): void {
  registerFusedGradients();
  const mem = (be: unknown) => hostMemory(backendName, be)!;
  const kernels: Array<[string, (a: KernelArgs) => tf.TensorInfo | tf.TensorInfo[]]> = [
    [
      LAYER_NORM,
      ({ inputs, backend, attrs }) => {
        const i = inputs as Inputs;
        const x = float32(i.x, LAYER_NORM, 'x');
        const [n, d] = x.shape as [number, number];
        const m = mem(backend);
        const y = m.alloc([n, d]);
        const stats = m.alloc([n, 2]);
        blas.layerNorm(...m.locate(x), null, 0, ...m.locate(float32(i.g, LAYER_NORM, 'g')), ...m.locate(float32(i.b, LAYER_NORM, 'b')), null, 0, ...m.locate(y), ...m.locate(stats), n, d, Number(attrs?.eps ?? 1e-5));
        return [y, stats];
      },
    ],
    [
      ADD_LAYER_NORM,
      ({ inputs, backend, attrs }) => {
        const i = inputs as Inputs;
        const x = float32(i.x, ADD_LAYER_NORM, 'x');
        const [n, d] = x.shape as [number, number];
        const a = float32(i.a, ADD_LAYER_NORM, 'a');
        if (a.shape[0] !== n || a.shape[1] !== d) throw new Error(`${ADD_LAYER_NORM}: x [${x.shape}] and a [${a.shape}] differ`);
        const m = mem(backend);
        const s = m.alloc([n, d]);
        const y = m.alloc([n, d]);
        const stats = m.alloc([n, 2]);
        blas.layerNorm(...m.locate(x), ...m.locate(a), ...m.locate(float32(i.g, ADD_LAYER_NORM, 'g')), ...m.locate(float32(i.b, ADD_LAYER_NORM, 'b')), ...m.locate(s), ...m.locate(y), ...m.locate(stats), n, d, Number(attrs?.eps ?? 1e-5));
        return [s, y, stats];
      },
    ],
    [
      LAYER_NORM_GRAD,
      ({ inputs, backend }) => layerNormGrad(blas, mem(backend), inputs as Inputs, 'x', LAYER_NORM_GRAD),
    ],
    [
      ADD_LAYER_NORM_GRAD,
      ({ inputs, backend }) => layerNormGrad(blas, mem(backend), inputs as Inputs, 's', ADD_LAYER_NORM_GRAD),
    ],
    [
      ATTENTION,
      ({ inputs, backend, attrs }) => {
        const qkv = float32((inputs as Inputs).qkv, ATTENTION, 'qkv');
        const { batch, seqLen, heads, d } = attentionDims(qkv, attrs);
        const m = mem(backend);
        const o = m.alloc([batch * seqLen, d]);
        const lse = m.alloc([batch * heads * seqLen]);
        blas.attention(...m.locate(qkv), ...m.locate(o), ...m.locate(lse), batch, seqLen, heads, d);
        return [o, lse];
      },
    ],
    [
      ATTENTION_GRAD,
      ({ inputs, backend, attrs }) => {
        const i = inputs as Inputs;
        const qkv = float32(i.qkv, ATTENTION_GRAD, 'qkv');
        const { batch, seqLen, heads, d } = attentionDims(qkv, attrs);
        const m = mem(backend);
        const dqkv = m.alloc([batch * seqLen, 3 * d]);
        blas.attentionGrad(...m.locate(float32(i.dy, ATTENTION_GRAD, 'dy')), ...m.locate(qkv), ...m.locate(float32(i.lse, ATTENTION_GRAD, 'lse')), ...m.locate(dqkv), batch, seqLen, heads, d);
        return dqkv;
      },
    ],
    [
      XENT,
      ({ inputs, backend }) => {
        const i = inputs as Inputs;
        const logits = float32(i.logits, XENT, 'logits');
        const [n, v] = logits.shape as [number, number];
        const targets = int32Values(backend, i.targets, XENT, 'targets');
        const m = mem(backend);
        const loss = m.alloc([]);
        const lse = m.alloc([n]);
        blas.xent(...m.locate(logits), targets, ...m.locate(lse), ...m.locate(loss), n, v);
        return [loss, lse];
      },
    ],
    [
      XENT_GRAD,
      ({ inputs, backend }) => {
        const i = inputs as Inputs;
        const logits = float32(i.logits, XENT_GRAD, 'logits');
        const [n, v] = logits.shape as [number, number];
        const targets = int32Values(backend, i.targets, XENT_GRAD, 'targets');
        const m = mem(backend);
        const dl = m.alloc([n, v]);
        blas.xentGrad(...m.locate(float32(i.dy, XENT_GRAD, 'dy')), ...m.locate(logits), ...m.locate(float32(i.lse, XENT_GRAD, 'lse')), targets, ...m.locate(dl), n, v);
        return dl;
      },
    ],
    [
      MOE_EXPERTS,
      ({ inputs, backend, attrs }) => {
        const i = inputs as Inputs;
        const x = float32(i.x, MOE_EXPERTS, 'x');
        const [n, d] = x.shape as [number, number];
        const { tokens, counts, experts, dff, w1, w2 } = moeArgs(i, attrs, MOE_EXPERTS);
        const m = mem(backend);
        const y = m.alloc([n, d]);
        const act = m.alloc([tokens.length, dff]);
        const dgelu = m.alloc([tokens.length, dff]);
        const out = m.alloc([tokens.length, d]);
        const [w1b, w1o] = locateAll(m, w1);
        const [w2b, w2o] = locateAll(m, w2);
        blas.moeExperts(...m.locate(x), ...m.locate(float32(i.probs, MOE_EXPERTS, 'probs')), w1b, w1o, w2b, w2o, tokens, counts, ...m.locate(y), ...m.locate(act), ...m.locate(dgelu), ...m.locate(out), n, d, experts, dff);
        return [y, act, dgelu, out];
      },
    ],
    [
      MOE_EXPERTS_GRAD,
      ({ inputs, backend, attrs }) => {
        const i = inputs as Inputs;
        const x = float32(i.x, MOE_EXPERTS_GRAD, 'x');
        const [n, d] = x.shape as [number, number];
        const { tokens, counts, experts, dff, w1, w2 } = moeArgs(i, attrs, MOE_EXPERTS_GRAD);
        const m = mem(backend);
        const dx = m.alloc([n, d]);
        const dprobs = m.alloc([n, experts]);
        const dw1 = w1.map(() => m.alloc([d, dff]));
        const dw2 = w2.map(() => m.alloc([dff, d]));
        const [w1b, w1o] = locateAll(m, w1);
        const [w2b, w2o] = locateAll(m, w2);
        const [dw1b, dw1o] = locateAll(m, dw1);
        const [dw2b, dw2o] = locateAll(m, dw2);
        const g = (name: string) => m.locate(float32(i[name], MOE_EXPERTS_GRAD, name));
        blas.moeExpertsGrad(...g('dy'), ...g('x'), ...g('probs'), ...g('act'), ...g('dgelu'), ...g('out'), w1b, w1o, w2b, w2o, tokens, counts, ...m.locate(dx), ...m.locate(dprobs), dw1b, dw1o, dw2b, dw2o, n, d, experts, dff);
        return [dx, dprobs, ...dw1, ...dw2];
      },
    ],
    ...routerKernels(mem),
  ];
  for (const [kernelName, kernelFunc] of kernels) {
    if (tf.getKernel(kernelName, backendName)) tf.unregisterKernel(kernelName, backendName);
    tf.registerKernel({ kernelName, backendName, kernelFunc: kernelFunc as tf.KernelFunc });
  }
}

/** Kernel names registered by {@link registerHostFusedKernels}. */
export const HOST_FUSED_KERNELS = [
  LAYER_NORM, LAYER_NORM_GRAD, ADD_LAYER_NORM, ADD_LAYER_NORM_GRAD, ATTENTION, ATTENTION_GRAD, XENT, XENT_GRAD, MOE_EXPERTS, MOE_EXPERTS_GRAD,
  ROUTER_SOFTMAX, ROUTER_SOFTMAX_GRAD, ROUTER_LOSSES, ROUTER_LOSSES_GRAD,
] as const;

/** Remove the fused kernels from a host backend (the model then composes tfjs kernels). */
export function unregisterHostFusedKernels(backendName: string): void {
  for (const name of HOST_FUSED_KERNELS) if (tf.getKernel(name, backendName)) tf.unregisterKernel(name, backendName);
}

function layerNormGrad(blas: NativeBlas, m: ReturnType<typeof hostMemory> & object, i: Inputs, xName: 'x' | 's', kernel: string): tf.TensorInfo[] {
  const x = float32(i[xName], kernel, xName);
  const [n, d] = x.shape as [number, number];
  const dx = m.alloc([n, d]);
  const dg = m.alloc([d]);
  const db = m.alloc([d]);
  const ds: [ArrayBuffer | Float32Array | null, number] = i.ds ? m.locate(float32(i.ds, kernel, 'ds')) : [null, 0];
  blas.layerNormGrad(...m.locate(float32(i.dy, kernel, 'dy')), ...m.locate(x), ...m.locate(float32(i.stats, kernel, 'stats')), ...m.locate(float32(i.g, kernel, 'g')), ...ds, ...m.locate(dx), ...m.locate(dg), ...m.locate(db), n, d);
  return [dx, dg, db];
}

function attentionDims(qkv: tf.TensorInfo, attrs: tf.NamedAttrMap | undefined) {
  const batch = numberAttr(attrs, 'batch');
  const seqLen = numberAttr(attrs, 'seqLen');
  const heads = numberAttr(attrs, 'heads');
  const d = qkv.shape[1]! / 3;
  if (!Number.isInteger(d / heads) || batch * seqLen !== qkv.shape[0]) {
    throw new Error(`${ATTENTION}: qkv [${qkv.shape}] does not fit batch ${batch} × seqLen ${seqLen}, ${heads} heads`);
  }
  return { batch, seqLen, heads, d };
}

function moeArgs(i: Inputs, attrs: tf.NamedAttrMap | undefined, kernel: string) {
  const tokens = int32ArrayAttr(attrs, 'tokens');
  const counts = int32ArrayAttr(attrs, 'counts');
  const experts = counts.length;
  const w1 = Array.from({ length: experts }, (_, e) => float32(i[moeExpertInput('w1', e)], kernel, moeExpertInput('w1', e)));
  const w2 = Array.from({ length: experts }, (_, e) => float32(i[moeExpertInput('w2', e)], kernel, moeExpertInput('w2', e)));
  const dff = w1[0]!.shape[1]!;
  return { tokens, counts, experts, dff, w1, w2 };
}

function locateAll(m: { locate(t: tf.TensorInfo): [ArrayBuffer | Float32Array, number] }, ts: tf.TensorInfo[]): [Array<ArrayBuffer | Float32Array>, number[]] {
  const bufs: Array<ArrayBuffer | Float32Array> = [];
  const offs: number[] = [];
  for (const t of ts) {
    const [b, o] = m.locate(t);
    bufs.push(b);
    offs.push(o);
  }
  return [bufs, offs];
}

/** The float32 values of a host tensor as a view (no copy). */
function view(m: HostMemory, t: tf.TensorInfo): Float32Array {
  const [buf, off] = m.locate(t);
  const size = t.shape.reduce((a, b) => a * b, 1);
  return buf instanceof Float32Array ? buf.subarray(off / 4, off / 4 + size) : new Float32Array(buf, off, size);
}

/** The router's softmax and losses (contracts in fused-ops.ts) on the host memory, by the loops of router-loops.ts. */
function routerKernels(mem: (be: unknown) => HostMemory): Array<[string, (a: KernelArgs) => tf.TensorInfo | tf.TensorInfo[]]> {
  const coef = (attrs: tf.NamedAttrMap | undefined, name: string) => numberAttr(attrs, name);
  return [
    [
      ROUTER_SOFTMAX,
      ({ inputs, backend }) => {
        const logits = float32((inputs as Inputs).logits, ROUTER_SOFTMAX, 'logits');
        const [t, e] = logits.shape as [number, number];
        const m = mem(backend);
        const probsT = m.alloc([t, e]);
        const lseT = m.alloc([t]);
        routerSoftmaxLoop(view(m, logits), view(m, probsT), view(m, lseT), t, e);
        return [probsT, lseT];
      },
    ],
    [
      ROUTER_SOFTMAX_GRAD,
      ({ inputs, backend }) => {
        const i = inputs as Inputs;
        const probsT = float32(i.probs, ROUTER_SOFTMAX_GRAD, 'probs');
        const [t, e] = probsT.shape as [number, number];
        const m = mem(backend);
        const dlT = m.alloc([t, e]);
        routerSoftmaxGradLoop(view(m, probsT), view(m, float32(i.dprobs, ROUTER_SOFTMAX_GRAD, 'dprobs')), view(m, float32(i.dlse, ROUTER_SOFTMAX_GRAD, 'dlse')), view(m, dlT), t, e);
        return dlT;
      },
    ],
    [
      ROUTER_LOSSES,
      ({ inputs, backend, attrs }) => {
        const i = inputs as Inputs;
        const probsT = float32(i.probs, ROUTER_LOSSES, 'probs');
        const [t, e] = probsT.shape as [number, number];
        const m = mem(backend);
        const outs = [m.alloc([]), m.alloc([]), m.alloc([])];
        const r = routerLossesLoop(
          view(m, probsT), view(m, float32(i.lse, ROUTER_LOSSES, 'lse')), view(m, float32(i.assigned, ROUTER_LOSSES, 'assigned')), t, e,
          coef(attrs, 'lbCoef'), coef(attrs, 'zCoef'),
        );
        const [bo, zo, ao] = outs.map((x) => view(m, x));
        bo![0] = r.balance;
        zo![0] = r.z;
        ao![0] = r.aux;
        return outs;
      },
    ],
    [
      ROUTER_LOSSES_GRAD,
      ({ inputs, backend, attrs }) => {
        const i = inputs as Inputs;
        const lseT = float32(i.lse, ROUTER_LOSSES_GRAD, 'lse');
        const assignedT = float32(i.assigned, ROUTER_LOSSES_GRAD, 'assigned');
        const t = lseT.shape[0]!;
        const e = assignedT.shape[0]!;
        const m = mem(backend);
        const dprobsT = m.alloc([t, e]);
        const dlseT = m.alloc([t]);
        const g = (n: string) => view(m, float32(i[n], ROUTER_LOSSES_GRAD, n))[0]!;
        routerLossesGradLoop(view(m, lseT), view(m, assignedT), view(m, dprobsT), view(m, dlseT), t, e, { dB: g('dB'), dZ: g('dZ'), dAux: g('dAux') }, coef(attrs, 'lbCoef'), coef(attrs, 'zCoef'));
        return [dprobsT, dlseT];
      },
    ],
  ];
}
