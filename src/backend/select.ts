/**
 * Backend selection for tfjs. `auto` walks an ordered candidate list (first that loads wins); an explicitly
 * requested backend that cannot load raises `BackendUnavailableError` (never a silent fallback).
 * Loading a native module can fail in many ways (missing module, half-installed binary, missing CUDA), so
 * every error is caught and reported in the reason.
 */
import * as fs from 'node:fs';
import * as tf from '@tensorflow/tfjs';
import { backendKernelLabel, registerFastKernels } from './kernels';
import { loadWebGpuAutoCandidate, loadWebGpuCandidate } from './webgpu';
import { MoelabError } from '../errors';

export type BackendName = 'auto' | 'tensorflow' | 'webgpu' | 'wasm' | 'cpu';

export class BackendUnavailableError extends MoelabError {
  readonly backend: string;
  constructor(backend: string, reason: string) {
    super(
      `backend "${backend}" is unavailable: ${reason}. ` +
        `Install what it needs (see README "Model and training"), or pass --backend auto|wasm|cpu`,
    );
    this.name = 'BackendUnavailableError';
    this.backend = backend;
  }
}

/** One way to obtain a tfjs backend. */
export interface BackendCandidate {
  /** Label recorded in run summaries, e.g. `tensorflow-gpu`, `wasm`. */
  label: string;
  /** The tfjs backend name it registers. */
  tfName: string;
  /** Load and register the backend; resolve to null on success or a reason string on failure. Never throws. */
  load(): Promise<string | null>;
}

function errText(e: unknown): string {
  return e instanceof Error ? e.message.split('\n')[0]! : String(e);
}

/** Require a module by name at run time (hidden from bundlers/tsc so optional deps stay optional). */
function tryRequire(name: string): string | null {
  try {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    require(name);
    return null;
  } catch (e) {
    return `require("${name}") failed: ${errText(e)}`;
  }
}

function registered(name: string): boolean {
  return tf.engine().registryFactory[name] !== undefined;
}

/** tfjs-node-gpu: must load, register `tensorflow`, and the machine must expose an NVIDIA device. */
export const TENSORFLOW_GPU: BackendCandidate = {
  label: 'tensorflow-gpu',
  tfName: 'tensorflow',
  async load() {
    if (!fs.existsSync('/dev/nvidia0') && !fs.existsSync('/dev/nvidiactl')) return 'no NVIDIA GPU device (/dev/nvidia0) on this machine';
    const err = tryRequire('@tensorflow/tfjs-node-gpu');
    if (err) return err;
    return registered('tensorflow') ? null : '@tensorflow/tfjs-node-gpu loaded but registered no "tensorflow" backend';
  },
};

/** The real tfjs-node (here `@tensorflow/tfjs-node` may be an alias of plain tfjs: check the registration). */
export const TENSORFLOW_CPU: BackendCandidate = {
  label: 'tensorflow',
  tfName: 'tensorflow',
  async load() {
    if (registered('tensorflow')) return null;
    const err = tryRequire('@tensorflow/tfjs-node');
    if (err) return err;
    return registered('tensorflow')
      ? null
      : '@tensorflow/tfjs-node is not the native package (it is aliased to plain @tensorflow/tfjs here; libtensorflow is not installed)';
  },
};

export const WASM: BackendCandidate = {
  label: 'wasm',
  tfName: 'wasm',
  async load() {
    if (registered('wasm')) return null; // e.g. imported by an esbuild bundle (scripts/gpu), where require(name) cannot resolve
    const err = tryRequire('@tensorflow/tfjs-backend-wasm');
    if (err) return err;
    return registered('wasm') ? null : '@tensorflow/tfjs-backend-wasm registered no "wasm" backend';
  },
};

export const WEBGPU: BackendCandidate = {
  label: 'webgpu',
  tfName: 'webgpu',
  // Dawn (`webgpu` package) -> navigator.gpu -> adapter check -> tfjs `webgpu` backend: src/backend/webgpu.ts.
  load: () => loadWebGpuCandidate(),
};

/** webgpu as `auto` tries it: a hardware adapter only (software Vulkan would be slower than wasm). */
export const WEBGPU_AUTO: BackendCandidate = { label: 'webgpu', tfName: 'webgpu', load: () => loadWebGpuAutoCandidate() };

export const CPU: BackendCandidate = { label: 'cpu', tfName: 'cpu', load: async () => null };

/**
 * Order `auto` tries: CUDA tfjs-node-gpu, then a WebGPU hardware adapter (Dawn), then CPU tfjs-node, then wasm.
 * The model runs on webgpu through its device-side path (src/model/ops-webgpu.ts: no synchronous reads).
 */
export const AUTO_ORDER: BackendCandidate[] = [TENSORFLOW_GPU, WEBGPU_AUTO, TENSORFLOW_CPU, WASM];

const EXPLICIT: Record<Exclude<BackendName, 'auto'>, BackendCandidate[]> = {
  tensorflow: [TENSORFLOW_GPU, TENSORFLOW_CPU],
  webgpu: [WEBGPU],
  wasm: [WASM],
  cpu: [CPU],
};

export interface SelectedBackend {
  /**
   * Label for logs and run summaries (`tensorflow-gpu`, `tensorflow`, `webgpu`, `wasm`, `cpu`), with
   * `+openblas` appended when the backend's matmul runs on the native OpenBLAS addon (wasm, cpu).
   */
  label: string;
  /** The tfjs backend now active. */
  tfName: string;
  /** Why each earlier candidate was skipped (auto only). */
  skipped: string[];
}

async function activate(c: BackendCandidate): Promise<string | null> {
  const reason = await c.load();
  if (reason) return reason;
  try {
    const ok = await tf.setBackend(c.tfName);
    if (!ok || tf.getBackend() !== c.tfName) return `tf.setBackend("${c.tfName}") returned false`;
    await tf.ready();
  } catch (e) {
    return `initialising "${c.tfName}" failed: ${errText(e)}`;
  }
  registerFastKernels(c.tfName);
  return null;
}

/**
 * Make `name` the active tfjs backend. `auto` = first of AUTO_ORDER that loads; explicit names never fall back.
 * Throws BackendUnavailableError.
 */
export async function selectBackend(name: BackendName): Promise<SelectedBackend> {
  if (name === 'auto') {
    const skipped: string[] = [];
    for (const c of AUTO_ORDER) {
      const reason = await activate(c);
      if (reason === null) return { label: backendKernelLabel(c.label, c.tfName), tfName: c.tfName, skipped };
      skipped.push(`${c.label}: ${reason}`);
    }
    throw new BackendUnavailableError('auto', skipped.join('; '));
  }
  const candidates = EXPLICIT[name];
  if (!candidates) throw new BackendUnavailableError(String(name), 'unknown backend name (use auto|tensorflow|webgpu|wasm|cpu)');
  const reasons: string[] = [];
  for (const c of candidates) {
    const reason = await activate(c);
    if (reason === null) return { label: backendKernelLabel(c.label, c.tfName), tfName: c.tfName, skipped: reasons };
    reasons.push(`${c.label}: ${reason}`);
  }
  throw new BackendUnavailableError(name, reasons.join('; '));
}
