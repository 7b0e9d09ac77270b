import type { GpuSpec } from './gpus';
import type { LatencyModel } from './latency';
import type { ServedModel } from './model';

export interface ServingOptions {
  gpu: GpuSpec;
  latency: LatencyModel;
  /** Mean prompt length p in tokens. Default 161 (ShareGPT mean, as profiled by vLLM; Yun et al. use ShareGPT). */
  promptTokens?: number;
  /** Mean output length n in tokens. Default 338 (ShareGPT mean, idem). */
  outputTokens?: number;
  /** GPU counts to consider. Default 1…8 (one 8-GPU node, as profiled by Yun et al.). */
  gpuCounts?: readonly number[];
  /** Cost of one GPU per second C_0. Default `gpu.costPerSecond`. */
  costPerGpuSecond?: number;
}

export interface ServingPoint {
  gpus: number;
  /** Maximal batch b from KV-cache memory (0 when the weights do not fit). */
  batch: number;
  /** Seconds per serving iteration L^P(b/n, G) + L^D(b, G). */
  latencySeconds: number;
  /** Generated tokens per second T = b / L. */
  throughputTokensPerSecond: number;
  /** Cost per generated token G·C_0 / T (Infinity when infeasible). */
  costPerToken: number;
  feasible: boolean;
}

/**
 * Maximal batch from KV-cache memory, Yun et al. App. C: `b = (G·M_0 − N_m) / ((2p + n)·h·l)` in values, here
 * in bytes (weights and KV values of `bytesPerValue` each), floored.
 */
export function maxBatch(model: ServedModel, gpu: GpuSpec, gpus: number, promptTokens: number, outputTokens: number): number {
  const free = gpus * gpu.memoryBytes - model.paramsTotal * model.bytesPerValue;
  if (free <= 0) return 0;
  return Math.floor(free / ((2 * promptTokens + outputTokens) * model.hiddenLayers * model.bytesPerValue));
}

/** Serving cost on exactly `gpus` GPUs (Yun et al. Eq. 5/6). */
export function servingPoint(model: ServedModel, gpus: number, o: ServingOptions): ServingPoint {
  const p = o.promptTokens ?? 161;
  const n = o.outputTokens ?? 338;
  const c0 = o.costPerGpuSecond ?? o.gpu.costPerSecond;
  const batch = maxBatch(model, o.gpu, gpus, p, n);
  if (batch < 1) return { gpus, batch: 0, latencySeconds: Infinity, throughputTokensPerSecond: 0, costPerToken: Infinity, feasible: false };
  // per iteration: b/n new prompts are prefilled and b sequences decode one token, mean context p + n/2
  const latencySeconds = o.latency.prompt(model, batch / n, p, gpus) + o.latency.decode(model, batch, p + n / 2, gpus);
  const throughput = batch / latencySeconds;
  return { gpus, batch, latencySeconds, throughputTokensPerSecond: throughput, costPerToken: (gpus * c0) / throughput, feasible: Number.isFinite(latencySeconds) };
}

/** Cost per token minimised over the GPU count, `C(m) = min_G G·C_0 / T_m(G)` (Yun et al. §4). */
export function servingCost(model: ServedModel, o: ServingOptions): { best: ServingPoint; perGpuCount: ServingPoint[] } {
  const counts = o.gpuCounts ?? [1, 2, 3, 4, 5, 6, 7, 8];
  const perGpuCount = counts.map((g) => servingPoint(model, g, o));
  let best = perGpuCount[0];
  for (const pt of perGpuCount) if (pt.costPerToken < best.costPerToken) best = pt;
  return { best, perGpuCount };
}
