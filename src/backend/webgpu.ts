/**
 * WebGPU backend for tfjs in Node, through Dawn as shipped by the npm package `webgpu` (an optional
 * dependency: a prebuilt `dawn.node` per platform that needs only a Vulkan loader, `libvulkan.so.1`, and a
 * Vulkan driver at run time; NVIDIA's driver ships one).
 *
 * `@tensorflow/tfjs-backend-webgpu` registers itself only when `navigator.gpu` exists at import time, which
 * Node never provides. So this module installs Dawn's GPU object as `navigator.gpu`, copies Dawn's WebGPU
 * constants (`GPUBufferUsage`, `GPUMapMode`, ...) onto `globalThis` (the backend's kernels read them from there)
 * and registers the `webgpu` backend itself with an adapter it has already checked, so that a missing adapter
 * is a named error instead of tfjs silently staying on the cpu backend.
 */
import * as tf from '@tensorflow/tfjs';
import { registerFusedWebGpuKernels } from './webgpu-kernels';
import { EXIT_FAILURE, MoelabError } from '../errors';

/** Adapter facts worth printing and recording next to benchmark numbers. */
export interface WebGpuAdapterInfo {
  /** Vendor string as Dawn reports it, e.g. `nvidia`. */
  vendor: string;
  /** Architecture string, e.g. `hopper`; may be empty. */
  architecture: string;
  /** Device string, e.g. `NVIDIA H100 80GB HBM3`. */
  device: string;
  /** Driver description, e.g. `NVIDIA: 580.159.04`. */
  description: string;
  /** Dawn's backend type when exposed (e.g. `vulkan`); empty when unknown. */
  backendType: string;
  /** Largest storage buffer binding the adapter allows, in bytes. */
  maxStorageBufferBindingSizeBytes: number;
  /** Largest buffer the adapter allows, in bytes. */
  maxBufferSizeBytes: number;
  /** Whether the adapter offers GPU timestamp queries (tfjs uses them for kernel timing). */
  timestampQuery: boolean;
}

/** The subset of a WebGPU adapter that this module uses (Dawn's `GPUAdapter`). */
export interface GpuAdapterLike {
  features: { has(name: string): boolean };
  limits: Record<string, number>;
  info?: Partial<Record<'vendor' | 'architecture' | 'device' | 'description' | 'backendType', string>>;
  requestDevice(descriptor?: unknown): Promise<unknown>;
}

/** The subset of `navigator.gpu` that this module uses. */
export interface GpuLike {
  requestAdapter(options?: { powerPreference?: 'low-power' | 'high-performance' }): Promise<GpuAdapterLike | null>;
}

/** What `require('webgpu')` exports. */
export interface WebGpuModule {
  /** Creates a `navigator.gpu`-like object; `flags` are Dawn toggles such as `backend=vulkan`. */
  create(flags: string[]): GpuLike;
  /** WebGPU's global constants and classes (`GPUBufferUsage`, `GPUMapMode`, ...). */
  globals: Record<string, unknown>;
}

/** Options of {@link probeWebGpu} and {@link initWebGpu}. */
export interface WebGpuOptions {
  /** Dawn flags passed to `create()`, e.g. `['backend=vulkan']`. Default: `MOELAB_DAWN_FLAGS` split on commas, else `[]`. */
  dawnFlags?: string[];
  /** Adapter power preference. Default `'high-performance'`. */
  powerPreference?: 'low-power' | 'high-performance';
  /** Loads the `webgpu` package; tests replace it. Default: `require('webgpu')`. */
  loadModule?: () => WebGpuModule;
}

/** The `webgpu` backend was requested but cannot run here; the message says why and what to install. */
export class WebGpuUnavailableError extends MoelabError {
  override name = 'WebGpuUnavailableError';
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
  }
}

/**
 * Options `selectBackend` initialises webgpu with. Mutable on purpose: tests swap `loadModule` for a fake
 * Dawn, and a caller may set `dawnFlags` (e.g. `['adapter=NVIDIA']`) before selecting the backend.
 */
export const webGpuDefaults: WebGpuOptions = {};

/** Loads the optional `webgpu` npm package (Dawn). Throws whatever `require` throws. */
export function requireWebGpuModule(): WebGpuModule {
  // A plain require: `webgpu` is ESM without top-level await, which Node >= 20.19 loads through require.
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  return require('webgpu') as WebGpuModule;
}

function dawnFlagsFrom(opts: WebGpuOptions): string[] {
  if (opts.dawnFlags) return opts.dawnFlags;
  const env = process.env.MOELAB_DAWN_FLAGS;
  return env ? env.split(',').map((s) => s.trim()).filter(Boolean) : [];
}

function describeError(err: unknown): string {
  return err instanceof Error ? err.message.split('\n')[0] : String(err);
}

const INSTALL_HINT =
  'The webgpu backend needs the optional npm package `webgpu` (Dawn), the Vulkan loader (Debian/Ubuntu: ' +
  'libvulkan1) and a GPU with a Vulkan driver (NVIDIA: the proprietary driver ships one; check with ' +
  '`vulkaninfo --summary`). On a bare GPU box use scripts/gpu/run.sh, which brings all three.';

/** Summarises an adapter into {@link WebGpuAdapterInfo}. */
export function adapterInfoOf(adapter: GpuAdapterLike): WebGpuAdapterInfo {
  const info = adapter.info ?? {};
  return {
    vendor: info.vendor ?? '',
    architecture: info.architecture ?? '',
    device: info.device ?? '',
    description: info.description ?? '',
    backendType: info.backendType ?? '',
    maxStorageBufferBindingSizeBytes: Number(adapter.limits.maxStorageBufferBindingSize ?? 0),
    maxBufferSizeBytes: Number(adapter.limits.maxBufferSize ?? 0),
    timestampQuery: adapter.features.has('timestamp-query'),
  };
}

interface Probe {
  gpu: GpuLike;
  adapter: GpuAdapterLike;
  module: WebGpuModule;
}

async function requestAdapterOrThrow(opts: WebGpuOptions): Promise<Probe> {
  let module: WebGpuModule;
  try {
    module = (opts.loadModule ?? requireWebGpuModule)();
  } catch (err) {
    throw new WebGpuUnavailableError(
      `webgpu backend: cannot load the npm package \`webgpu\` (${describeError(err)}). ${INSTALL_HINT}`,
      { cause: err },
    );
  }
  const flags = dawnFlagsFrom(opts);
  let adapter: GpuAdapterLike | null;
  let gpu: GpuLike;
  try {
    gpu = module.create(flags);
    adapter = await gpu.requestAdapter({ powerPreference: opts.powerPreference ?? 'high-performance' });
  } catch (err) {
    throw new WebGpuUnavailableError(
      `webgpu backend: Dawn failed while looking for a GPU adapter (flags ${JSON.stringify(flags)}: ` +
        `${describeError(err)}). ${INSTALL_HINT}`,
      { cause: err },
    );
  }
  if (!adapter) {
    throw new WebGpuUnavailableError(
      `webgpu backend: Dawn found no GPU adapter (flags ${JSON.stringify(flags)}; is libvulkan.so.1 on the ` +
        `loader path and a Vulkan ICD installed? NVIDIA: set VK_DRIVER_FILES to nvidia_icd.json). ${INSTALL_HINT}`,
    );
  }
  return { gpu, adapter, module };
}

/**
 * Looks for a WebGPU adapter without touching tfjs or globals.
 * @returns the adapter's info, or `null` when the package, the Vulkan loader or an adapter is missing.
 */
export async function probeWebGpu(opts: WebGpuOptions = {}): Promise<WebGpuAdapterInfo | null> {
  try {
    const { adapter } = await requestAdapterOrThrow(opts);
    return adapterInfoOf(adapter);
  } catch (err) {
    if (err instanceof WebGpuUnavailableError) return null;
    throw err;
  }
}

/** Makes `gpu` visible as `navigator.gpu` and Dawn's WebGPU constants as globals (what tfjs-backend-webgpu reads). */
export function installNavigatorGpu(module: WebGpuModule, gpu: GpuLike): void {
  const g = globalThis as Record<string, unknown>;
  for (const [key, value] of Object.entries(module.globals)) {
    if (!(key in g)) g[key] = value;
  }
  const nav = g.navigator as Record<string, unknown> | undefined;
  if (nav === undefined) {
    Object.defineProperty(g, 'navigator', { value: { gpu }, configurable: true, writable: true });
  } else {
    Object.defineProperty(nav, 'gpu', { value: gpu, configurable: true, writable: true });
  }
}

/** Device limits tfjs-backend-webgpu asks for: the adapter's own maxima, as its own registration does. */
function requiredLimitsOf(adapter: GpuAdapterLike): Record<string, number> {
  const names = [
    'maxComputeWorkgroupStorageSize',
    'maxComputeWorkgroupsPerDimension',
    'maxStorageBufferBindingSize',
    'maxBufferSize',
    'maxComputeWorkgroupSizeX',
    'maxComputeInvocationsPerWorkgroup',
    // The fused kernels bind as many buffers per dispatch as allowed (AdamW, expert weight stacking).
    'maxStorageBuffersPerShaderStage',
  ];
  const out: Record<string, number> = {};
  for (const n of names) if (adapter.limits[n] !== undefined) out[n] = Number(adapter.limits[n]);
  return out;
}

/** A synchronous read (`dataSync`, `arraySync`) of a GPU-resident tensor on webgpu in Node. */
export class WebGpuSyncReadError extends MoelabError {
  override name = 'WebGpuSyncReadError';
  override readonly exitCode: number = EXIT_FAILURE;
}

/** The parts of tfjs-backend-webgpu's `WebGPUBackend` the sync-read guard replaces and reads. */
interface SyncReadInternals {
  tensorMap: { get(id: object): { values?: unknown; dtype: string } | undefined };
  readSync(id: object): unknown;
}

function hasSyncReadInternals(b: object): b is SyncReadInternals {
  return 'tensorMap' in b && typeof b.tensorMap === 'object' && b.tensorMap !== null && 'readSync' in b && typeof b.readSync === 'function';
}

/**
 * Replaces the webgpu backend's synchronous read with a named error. tfjs-backend-webgpu reads synchronously
 * through OffscreenCanvas, which Node lacks ("OffscreenCanvas is not defined"), and WebGPU has only async
 * buffer mapping; spinning the event loop (deasync) does not help either: Dawn's map callbacks never fire in a
 * nested loop (tried on Dawn's null backend, 2026-11-23). Code that runs on webgpu must `await t.data()`.
 */
export function installSyncReadGuard(backend: tf.KernelBackend): void {
  const b: object = backend;
  if (!hasSyncReadInternals(b)) throw new Error('installSyncReadGuard: the backend has no tensorMap/readSync (not tfjs-backend-webgpu)');
  b.readSync = function readSyncGuard(dataId: object) {
    const entry = this.tensorMap.get(dataId);
    if (entry && (entry.values != null || entry.dtype === 'string')) return entry.values;
    throw new WebGpuSyncReadError(
      'webgpu backend: dataSync()/arraySync() of a GPU tensor is impossible in Node (no synchronous GPU ' +
        'readback); read it with `await tensor.data()` outside tf.tidy, or train with --backend wasm',
    );
  };
}

/**
 * What the GPU was asked to do, counted at Dawn's API (every caller: tfjs-backend-webgpu's programs and this
 * project's own kernels alike). `perStep` figures in the GPU bench are differences of two snapshots.
 */
export interface WebGpuCounters {
  /** Compute dispatches (`dispatchWorkgroups`): one per kernel launch. */
  dispatches: number;
  /** GPU buffers created (`device.createBuffer`): real allocations, not tfjs's pool reuse. */
  bufferCreates: number;
  /** Buffers taken from tfjs's buffer pool (`acquireBuffer`: reuse or a new buffer). */
  bufferAcquires: number;
  /** Tensor uploads from host memory (a tfjs tensor created from JS values and first used on the GPU). */
  tensorUploads: number;
  /** `queue.writeBuffer` calls (tfjs writes one uniform buffer per dispatch; our kernels write theirs). */
  queueWrites: number;
  /** Buffer-to-buffer copies recorded (`copyBufferToBuffer`). */
  bufferCopies: number;
  /** Readbacks: buffers mapped for reading (`mapAsync(READ)`), each a GPU round trip. */
  readbacks: number;
  /** Command buffers submitted (`queue.submit`). */
  submits: number;
  /** Bind groups created (`device.createBindGroup`): one per dispatch. */
  bindGroups: number;
  /** Compute pipelines created (shader compilations). */
  pipelines: number;
}

const counters: WebGpuCounters = {
  dispatches: 0, bufferCreates: 0, bufferAcquires: 0, tensorUploads: 0, queueWrites: 0, bufferCopies: 0,
  readbacks: 0, submits: 0, bindGroups: 0, pipelines: 0,
};

/** A copy of the counters now; subtract two snapshots with {@link diffWebGpuCounters}. */
export function webGpuCounters(): WebGpuCounters {
  return { ...counters };
}

/** `after - before`, field by field. */
export function diffWebGpuCounters(after: WebGpuCounters, before: WebGpuCounters): WebGpuCounters {
  const out = { ...after };
  for (const k of Object.keys(out) as (keyof WebGpuCounters)[]) out[k] = after[k] - before[k];
  return out;
}

type Method = (...args: unknown[]) => unknown;

/** Wraps `proto[name]` so that each call first runs `count(args)`; once per prototype. */
function countCalls(proto: Record<string, unknown> | undefined, name: string, count: (args: unknown[]) => void): void {
  if (!proto) return;
  const orig = proto[name] as (Method & { __moelabCounted?: boolean }) | undefined;
  if (typeof orig !== 'function' || orig.__moelabCounted) return;
  const wrapped = function (this: unknown, ...args: unknown[]) {
    count(args);
    return orig.apply(this, args);
  } as Method & { __moelabCounted?: boolean };
  wrapped.__moelabCounted = true;
  proto[name] = wrapped;
}

/**
 * Counts dispatches, buffer creations, writes, copies, readbacks, submits, bind groups and pipelines at Dawn's
 * classes (their prototypes, from the `webgpu` package's globals), so nothing that reaches the GPU is missed.
 */
export function installDawnCounters(globals: Record<string, unknown>): void {
  const proto = (cls: string) => (globals[cls] as { prototype?: Record<string, unknown> } | undefined)?.prototype;
  const mapRead = Number((globals.GPUMapMode as { READ?: number } | undefined)?.READ ?? 1);
  countCalls(proto('GPUComputePassEncoder'), 'dispatchWorkgroups', () => counters.dispatches++);
  countCalls(proto('GPUComputePassEncoder'), 'dispatchWorkgroupsIndirect', () => counters.dispatches++);
  countCalls(proto('GPUDevice'), 'createBuffer', () => counters.bufferCreates++);
  countCalls(proto('GPUDevice'), 'createBindGroup', () => counters.bindGroups++);
  countCalls(proto('GPUDevice'), 'createComputePipeline', () => counters.pipelines++);
  countCalls(proto('GPUDevice'), 'createComputePipelineAsync', () => counters.pipelines++);
  countCalls(proto('GPUQueue'), 'writeBuffer', () => counters.queueWrites++);
  countCalls(proto('GPUQueue'), 'submit', () => counters.submits++);
  countCalls(proto('GPUCommandEncoder'), 'copyBufferToBuffer', () => counters.bufferCopies++);
  countCalls(proto('GPUBuffer'), 'mapAsync', (args) => {
    if ((Number(args[0]) & mapRead) !== 0) counters.readbacks++;
  });
}

/** The parts of tfjs-backend-webgpu's `WebGPUBackend` the counters wrap. */
interface CounterInternals {
  bufferManager: Record<string, unknown>;
  tensorMap: { get(id: object): { values?: unknown; resource?: unknown } | undefined };
  uploadToGPU: Method;
}

function hasCounterInternals(b: object): b is CounterInternals {
  return 'bufferManager' in b && typeof b.bufferManager === 'object' && b.bufferManager !== null && 'tensorMap' in b && 'uploadToGPU' in b && typeof b.uploadToGPU === 'function';
}

/** Counts tfjs-backend-webgpu's pool acquisitions and host-to-GPU tensor uploads on `backend`. */
export function installBackendCounters(backend: tf.KernelBackend): void {
  const b: object = backend;
  if (!hasCounterInternals(b)) throw new Error('installBackendCounters: the backend has no bufferManager/tensorMap/uploadToGPU (not tfjs-backend-webgpu)');
  countCalls(b.bufferManager, 'acquireBuffer', () => counters.bufferAcquires++);
  const upload = b.uploadToGPU;
  b.uploadToGPU = function (this: unknown, ...args: unknown[]) {
    const entry = b.tensorMap.get(args[0] as object);
    if (entry && entry.resource == null && entry.values != null) counters.tensorUploads++;
    return upload.apply(this, args);
  };
}

let initialised: WebGpuAdapterInfo | null = null;
let registeredByUs = false;

function isRegistered(name: string): boolean {
  return name in tf.engine().registryFactory;
}

/**
 * Finds a Dawn adapter, installs `navigator.gpu`, registers the tfjs `webgpu` backend and makes it current.
 * Idempotent: a second call returns the first adapter's info.
 * @throws WebGpuUnavailableError when the package, the Vulkan loader, an adapter or the device is missing.
 */
export async function initWebGpu(opts: WebGpuOptions = {}): Promise<WebGpuAdapterInfo> {
  if (initialised && registeredByUs) {
    if (!(await tf.setBackend('webgpu'))) throw new WebGpuUnavailableError('webgpu backend: setBackend failed');
    return initialised;
  }
  const { gpu, adapter, module } = await requestAdapterOrThrow(opts);
  installNavigatorGpu(module, gpu);
  installDawnCounters(module.globals);
  // Imported only now: its kernels need the WebGPU globals installed above.
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const webgpuPkg = require('@tensorflow/tfjs-backend-webgpu') as {
    WebGPUBackend: new (device: unknown, adapterInfo?: unknown) => tf.KernelBackend;
  };
  const info = adapterInfoOf(adapter);
  if (!registeredByUs) {
    // The package registers its own factory when navigator.gpu exists at import; ours replaces it so the
    // device gets exactly the adapter checked above.
    if (isRegistered('webgpu')) tf.removeBackend('webgpu');
    const features: string[] = [];
    if (adapter.features.has('timestamp-query')) features.push('timestamp-query');
    tf.registerBackend(
      'webgpu',
      async () => {
        const device = await adapter.requestDevice({
          requiredFeatures: features,
          requiredLimits: requiredLimitsOf(adapter),
        });
        const backend = new webgpuPkg.WebGPUBackend(device, adapter.info);
        installSyncReadGuard(backend);
        installBackendCounters(backend);
        return backend;
      },
      3,
    );
    registeredByUs = true;
  }
  let ok = false;
  try {
    ok = await tf.setBackend('webgpu');
  } catch (err) {
    throw new WebGpuUnavailableError(`webgpu backend: creating the device failed: ${describeError(err)}`, {
      cause: err,
    });
  }
  if (!ok || tf.getBackend() !== 'webgpu') {
    throw new WebGpuUnavailableError(
      `webgpu backend: tfjs could not initialise it on adapter "${info.device}" (setBackend returned false; ` +
        'see the warning tfjs printed above)',
    );
  }
  registerFusedWebGpuKernels();
  initialised = info;
  return info;
}

/**
 * `BackendCandidate.load` for `selectBackend`: initialises webgpu with {@link webGpuDefaults}; resolves to
 * null on success or the reason it cannot run here. Never throws.
 */
export async function loadWebGpuCandidate(): Promise<string | null> {
  try {
    await initWebGpu(webGpuDefaults);
    return null;
  } catch (err) {
    return describeError(err);
  }
}

/** Whether an adapter is a software rasteriser (SwiftShader, llvmpipe/lavapipe, Dawn's null backend): no GPU. */
export function isSoftwareAdapter(info: WebGpuAdapterInfo): boolean {
  const text = `${info.vendor} ${info.architecture} ${info.device} ${info.description}`.toLowerCase();
  return /swiftshader|llvmpipe|lavapipe|softpipe|null-backend|microsoft basic render/.test(text);
}

/**
 * `BackendCandidate.load` for `auto`: like {@link loadWebGpuCandidate}, but only a hardware adapter counts
 * (a software Vulkan/WebGPU device is slower than wasm). Resolves to null on success or the reason. Never throws.
 */
export async function loadWebGpuAutoCandidate(): Promise<string | null> {
  let info: WebGpuAdapterInfo | null;
  try {
    info = await probeWebGpu(webGpuDefaults);
  } catch (err) {
    return describeError(err);
  }
  if (!info) return loadWebGpuCandidate(); // reports why there is no adapter
  if (isSoftwareAdapter(info)) return `only a software adapter (${info.device || info.description}); auto skips it, --backend webgpu forces it`;
  return loadWebGpuCandidate();
}
