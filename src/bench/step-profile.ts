/**
 * Where one training step goes, for `moelab bench train` (issue: CPU training at twice PyTorch's speed): the tfjs
 * kernels a step runs, grouped by kind, with their kernel time, and the step's two phases (forward + backward under
 * `tf.variableGrads`; the AdamW update) by wall clock. What the kernels do not account for in a phase is JS and tfjs
 * bookkeeping (tape, tensor creation, disposal) plus work outside tfjs kernels (the native AdamW is one addon call).
 *
 * Counting uses `tf.profile`, which times every kernel synchronously on host backends (wasm, cpu), so a profiled
 * step runs slower than a plain one: use it for counts and for the split, and `measureTrainThroughput` for speed.
 */
import * as tf from '@tensorflow/tfjs';
import { ADD_LAYER_NORM, ADD_LAYER_NORM_GRAD, ATTENTION, ATTENTION_GRAD, LAYER_NORM, LAYER_NORM_GRAD, ROUTER_LOSSES, ROUTER_LOSSES_GRAD, ROUTER_SOFTMAX, ROUTER_SOFTMAX_GRAD, XENT, XENT_GRAD } from '../backend/fused-ops';
import { MOE_EXPERTS, MOE_EXPERTS_GRAD } from '../backend/host-fused';
import type { ModelConfig } from '../model/config';
import { HOST_OP_KINDS, HostTrainStep, hostStepUnsupported } from '../model/host-step';
import { forward } from '../model/transformer';
import { disposeWeights, initWeights } from '../model/weights';
import { AdamW } from '../train/optimizer';

/**
 * Kinds of kernels a training step runs (by tfjs kernel name; moelab's native and fused kernels included). The
 * fused ops have kinds of their own, so the split reads as the step's parts: `attention` (the whole causal
 * attention between the QKV and output projections), `norm` (LayerNorm, with the residual add when fused),
 * `moe` (router softmax and losses, and the routed experts' whole FFN with its matmuls when fused), `loss`
 * (softmax cross-entropy); `matmul` is then every projection outside the experts.
 */
export const KERNEL_KINDS = ['matmul', 'attention', 'norm', 'moe', 'loss', 'activation', 'gather/scatter', 'softmax', 'reduction', 'layout', 'elementwise', 'other'] as const;
export type KernelKind = (typeof KERNEL_KINDS)[number];

const KIND_OF: Record<string, KernelKind> = {};
const kinds: Array<[KernelKind, string[]]> = [
  ['matmul', ['MatMul', 'BatchMatMul', '_FusedMatMul', 'Einsum', 'Conv2D']],
  ['attention', [ATTENTION, ATTENTION_GRAD]],
  ['norm', [LAYER_NORM, LAYER_NORM_GRAD, ADD_LAYER_NORM, ADD_LAYER_NORM_GRAD]],
  ['moe', [MOE_EXPERTS, MOE_EXPERTS_GRAD, ROUTER_SOFTMAX, ROUTER_SOFTMAX_GRAD, ROUTER_LOSSES, ROUTER_LOSSES_GRAD]],
  ['loss', [XENT, XENT_GRAD]],
  ['activation', ['MoelabGelu', 'MoelabGeluGrad', 'Relu', 'Sigmoid', 'Tanh', 'Erf', 'Elu', 'Softplus']],
  [
    'gather/scatter',
    ['Gather', 'GatherV2', 'GatherNd', 'ScatterNd', 'TensorScatterUpdate', 'UnsortedSegmentSum', 'OneHot', 'TopK', 'MoelabGatherRows', 'MoelabScatterAddRows', 'SparseToDense'],
  ],
  ['softmax', ['Softmax', 'LogSoftmax']],
  ['reduction', ['Sum', 'Mean', 'Max', 'Min', 'Prod', 'ArgMax', 'ArgMin', 'All', 'Any', 'Cumsum']],
  ['layout', ['Reshape', 'Transpose', 'Concat', 'Slice', 'StridedSlice', 'SplitV', 'Pad', 'PadV2', 'Tile', 'Cast', 'Identity', 'Pack', 'Unpack', 'ExpandDims', 'Squeeze', 'Fill', 'ZerosLike', 'OnesLike', 'Range', 'Reverse']],
  [
    'elementwise',
    ['Add', 'AddN', 'Sub', 'Multiply', 'RealDiv', 'Div', 'Neg', 'Square', 'SquaredDifference', 'Sqrt', 'Rsqrt', 'Exp', 'Log', 'Abs', 'Maximum', 'Minimum', 'Pow', 'Select', 'Where', 'Greater', 'GreaterEqual', 'Less', 'LessEqual', 'Equal', 'NotEqual', 'LogicalAnd', 'LogicalOr', 'LogicalNot', 'FloorDiv', 'Floor', 'Ceil', 'Round', 'Sign', 'Step', 'ClipByValue', 'Reciprocal', 'IsNan', 'IsInf', 'IsFinite'],
  ],
];
for (const [kind, names] of kinds) for (const n of names) KIND_OF[n] = kind;

/** The kind of a tfjs kernel name; unknown names are `other` (the profile lists them by name). */
export function kernelKind(name: string): KernelKind {
  return KIND_OF[name] ?? 'other';
}

/** Count and summed kernel time of one kind (or one kernel name). */
export interface KernelTally {
  count: number;
  ms: number;
}

/** One phase of a profiled step. */
export interface PhaseProfile {
  /** Wall-clock milliseconds of the phase under profiling. */
  wallMs: number;
  /** Registered tfjs kernels the phase ran (moelab's native kernels included). */
  kernels: number;
  /** `tf.customGrad` ops (each records around the kernels it runs; not counted in `kernels`). */
  customOps: number;
  /** Summed kernel milliseconds. */
  kernelMs: number;
  byKind: Record<KernelKind, KernelTally>;
  /** Kernel names of kind `other`, so the table can be extended. */
  otherNames: string[];
}

/** Kernels and time of one training step. */
export interface StepProfile {
  /** Forward + backward (`tf.variableGrads` of LM loss + auxiliary losses). */
  forwardBackward: PhaseProfile;
  /** AdamW update (clip, moments, decoupled weight decay). */
  optimizer: PhaseProfile;
  /** Kernels of the whole step (the host step's addon calls when it ran the step). */
  kernels: number;
  /**
   * Which path ran forward + backward: `host step` (src/model/host-step.ts: addon calls, no tfjs kernels; each
   * kind's time includes the JS between calls) or `tfjs` (kernels under tf.variableGrads).
   */
  path: 'host step' | 'tfjs';
}

function emptyKinds(): Record<KernelKind, KernelTally> {
  return Object.fromEntries(KERNEL_KINDS.map((k) => [k, { count: 0, ms: 0 }])) as Record<KernelKind, KernelTally>;
}

async function profilePhase(f: () => tf.TensorContainer): Promise<{ phase: PhaseProfile; result: tf.TensorContainer }> {
  let result: tf.TensorContainer | undefined;
  const t0 = performance.now();
  const info = await tf.profile(() => {
    result = f();
    return result;
  });
  const wallMs = performance.now() - t0;
  const byKind = emptyKinds();
  const other = new Set<string>();
  let kernelMs = 0;
  const backend = tf.getBackend();
  let wrappers = 0;
  for (const k of info.kernels) {
    // tf.customGrad ops are recorded under their scope's name around the kernels they run: not kernels themselves
    if (!tf.getKernel(k.name, backend)) {
      wrappers++;
      continue;
    }
    const kind = kernelKind(k.name);
    const ms = typeof k.kernelTimeMs === 'number' ? k.kernelTimeMs : 0;
    byKind[kind].count++;
    byKind[kind].ms += ms;
    kernelMs += ms;
    if (kind === 'other') other.add(k.name);
  }
  return { phase: { wallMs, kernels: info.kernels.length - wrappers, customOps: wrappers, kernelMs, byKind, otherNames: [...other].sort() }, result: result ?? [] };
}

/**
 * The benchmarks' training step: model `cfg` with fresh weights (seed 0) and the trainer's AdamW, on random bytes
 * (a fixed LCG), batch `batch` × `seqLen` tokens. `lossAndGrads` runs forward + backward of the next batch; `step`
 * runs one whole step (with the reads the trainer makes). Shared by the throughput and the profile measurements.
 */
export function benchTrainStep(cfg: ModelConfig, batch: number, seqLen: number) {
  const w = initWeights(cfg, 0);
  const opt = new AdamW(w, { betas: [0.9, 0.95], eps: 1e-8, weightDecay: 0.1, gradClip: 1 });
  const vars = [...w.values()];
  // The trainer's choice (src/train/trainer.ts): the host step where it runs this model, else tfjs.
  const host = hostStepUnsupported(cfg) === null ? new HostTrainStep(w, cfg) : null;
  let seed = 1;
  const rand = () => ((seed = (seed * 1103515245 + 12345) >>> 0) >>> 8) & 255;
  const nextBatch = () => {
    const toks = Int32Array.from({ length: batch * seqLen + 1 }, rand);
    return { inputs: toks.subarray(0, batch * seqLen), targets: toks.subarray(1) };
  };
  const lossAndGrads = () => {
    const { inputs, targets } = nextBatch();
    return tf.variableGrads(() => {
      const r = forward(w, cfg, inputs, targets, { batch, seqLen });
      return tf.add(r.lmLoss!, r.auxLoss) as tf.Scalar;
    }, vars);
  };
  return {
    opt,
    host,
    lossAndGrads,
    /** The host step's forward + backward of the next batch (only when `host` is set). */
    hostLossAndGrads: (o: { profile?: boolean } = {}) => {
      const { inputs, targets } = nextBatch();
      return host!.run(inputs, targets, batch, seqLen, o);
    },
    step: () => {
      if (host) {
        const { inputs, targets } = nextBatch();
        const r = host.run(inputs, targets, batch, seqLen);
        opt.applyArrays(r.grads, 1e-3);
        return;
      }
      tf.tidy(() => {
        const { value, grads } = lossAndGrads();
        value.dataSync();
        opt.apply(grads, 1e-3).dataSync();
      });
    },
    dispose: () => {
      opt.dispose();
      disposeWeights(w);
    },
  };
}

/**
 * Profile training step number `warmup + 1` of `benchTrainStep(cfg, batch, seqLen)` (the step
 * `measureTrainThroughput` times). Deterministic in its counts for a given config, backend and kernel registration.
 */
export async function profileTrainStep(cfg: ModelConfig, batch: number, seqLen: number, warmup = 2): Promise<StepProfile> {
  const bench = benchTrainStep(cfg, batch, seqLen);
  try {
    for (let i = 0; i < warmup; i++) bench.step();
    if (bench.host) return profileHostStep(bench);
    let grads: tf.NamedTensorMap = {};
    const fb = await profilePhase(() => {
      const g = bench.lossAndGrads();
      grads = g.grads;
      g.value.dataSync();
      return [g.value, ...Object.values(g.grads)];
    });
    const op = await profilePhase(() => {
      const norm = bench.opt.apply(grads, 1e-3);
      norm.dataSync();
      return norm;
    });
    tf.dispose([fb.result, op.result]);
    return { forwardBackward: fb.phase, optimizer: op.phase, kernels: fb.phase.kernels + op.phase.kernels, path: 'tfjs' };
  } finally {
    bench.dispose();
  }
}

/** The host step's profile: its addon calls by kind with their times, then the AdamW update's wall time. */
function profileHostStep(bench: ReturnType<typeof benchTrainStep>): StepProfile {
  const t0 = performance.now();
  const r = bench.hostLossAndGrads({ profile: true });
  const fbMs = performance.now() - t0;
  const byKind = emptyKinds();
  let callMs = 0;
  for (const k of HOST_OP_KINDS) {
    byKind[k] = { ...r.profile![k] };
    callMs += r.profile![k].ms;
  }
  const t1 = performance.now();
  bench.opt.applyArrays(r.grads, 1e-3);
  const optMs = performance.now() - t1;
  const phase = (wallMs: number, kernels: number, kernelMs: number, kinds: Record<KernelKind, KernelTally>): PhaseProfile => ({ wallMs, kernels, customOps: 0, kernelMs, byKind: kinds, otherNames: [] });
  return { forwardBackward: phase(fbMs, r.nativeCalls, callMs, byKind), optimizer: phase(optMs, 0, 0, emptyKinds()), kernels: r.nativeCalls, path: 'host step' };
}

/** One line: kernels per step by kind with kernel ms, and each phase's time outside kernels. */
export function describeStepProfile(p: StepProfile): string {
  const total = emptyKinds();
  for (const ph of [p.forwardBackward, p.optimizer]) for (const k of KERNEL_KINDS) {
    total[k].count += ph.byKind[k].count;
    total[k].ms += ph.byKind[k].ms;
  }
  const kinds = KERNEL_KINDS.filter((k) => total[k].count > 0 || total[k].ms > 0)
    .map((k) => `${k} ${total[k].count} (${total[k].ms.toFixed(1)} ms)`)
    .join(', ');
  const phase = (name: string, ph: PhaseProfile) =>
    `${name} ${ph.wallMs.toFixed(1)} ms wall, ${ph.customOps} custom-gradient ops, ${ph.kernels} kernels ${ph.kernelMs.toFixed(1)} ms, outside kernels ${(ph.wallMs - ph.kernelMs).toFixed(1)} ms`;
  const other = [...new Set([...p.forwardBackward.otherNames, ...p.optimizer.otherNames])];
  const what = p.path === 'host step' ? 'addon calls/step (host step; JS loops counted as 0 calls, timed with the kind they serve)' : 'kernels/step';
  return `${p.kernels} ${what}: ${kinds}; ${phase('forward+backward', p.forwardBackward)}; ${phase('optimizer', p.optimizer)} (profiled step, slower than an unprofiled one)${other.length ? `; other kernels: ${other.join(', ')}` : ''}`;
}
