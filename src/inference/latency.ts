import type { GpuSpec } from './gpus';
import type { ServedModel } from './model';

/** Latency of one serving iteration's two phases (Yun et al. §4: L = L^P(b/n, G) + L^D(b, G)). */
export interface LatencyModel {
  name: string;
  /** Seconds to prefill `prompts` prompts of `promptTokens` tokens on `gpus` GPUs. */
  prompt(model: ServedModel, prompts: number, promptTokens: number, gpus: number): number;
  /** Seconds of one decode step for `batch` sequences with mean context `contextTokens`, on `gpus` GPUs. */
  decode(model: ServedModel, batch: number, contextTokens: number, gpus: number): number;
}

export interface RooflineOptions {
  /** Fraction of peak FLOP/s achieved. Default 1. */
  computeEfficiency?: number;
  /** Fraction of peak memory bandwidth achieved. Default 1. */
  bandwidthEfficiency?: number;
}

/**
 * Roofline latency: each phase takes max(FLOPs / (G·peak), bytes / (G·bandwidth)) plus, for G > 1, tensor-
 * parallel communication (2 ring all-reduces of tokens·h values per layer: 2(G−1)/G of the bytes over the link
 * plus 2(G−1) latency steps each). Prefill FLOPs = 2·N_active·tokens (compute-bound); decode reads all weights
 * (every expert, since a large batch touches them all) and the KV cache, 2·h·l values per context token
 * (memory-bound).
 */
export function rooflineLatency(gpu: GpuSpec, options: RooflineOptions = {}): LatencyModel {
  const peak = gpu.peakFlopsPerSecond * (options.computeEfficiency ?? 1);
  const bw = gpu.memoryBandwidthBytesPerSecond * (options.bandwidthEfficiency ?? 1);
  const comm = (m: ServedModel, tokens: number, gpus: number): number => {
    if (gpus <= 1) return 0;
    const hidden = m.hiddenLayers / m.layers;
    const bytes = tokens * hidden * m.bytesPerValue;
    const perAllReduce = (2 * (gpus - 1) * bytes) / gpus / gpu.interconnectBytesPerSecond + 2 * (gpus - 1) * gpu.interconnectLatencySeconds;
    return 2 * m.layers * perAllReduce;
  };
  return {
    name: `roofline(${gpu.name})`,
    prompt(m, prompts, promptTokens, gpus) {
      const tokens = prompts * promptTokens;
      const flops = 2 * m.paramsActive * tokens;
      const bytes = m.paramsTotal * m.bytesPerValue;
      return Math.max(flops / (gpus * peak), bytes / (gpus * bw)) + comm(m, tokens, gpus);
    },
    decode(m, batch, contextTokens, gpus) {
      const flops = 2 * m.paramsActive * batch;
      const bytes = m.paramsTotal * m.bytesPerValue + batch * contextTokens * 2 * m.hiddenLayers * m.bytesPerValue;
      return Math.max(flops / (gpus * peak), bytes / (gpus * bw)) + comm(m, batch, gpus);
    },
  };
}

/** One measured latency (e.g. vLLM profiling, Yun et al. App. C). */
export interface LatencyMeasurement {
  paramsTotal: number;
  gpus: number;
  /** Batch: prompts for the prompt phase, sequences for the decode phase. */
  batch: number;
  promptSeconds: number;
  decodeSeconds: number;
}

/**
 * Latency from a measured table, "linear interpolation on batch size and model size" (Yun et al. App. C):
 * for the requested GPU count, interpolate linearly in batch within each measured model size (extrapolating
 * linearly beyond the ends), then linearly in model size between the two nearest sizes.
 */
export function measuredLatency(table: readonly LatencyMeasurement[]): LatencyModel {
  const lerp = (pts: { x: number; y: number }[], x: number): number => {
    const s = [...pts].sort((a, b) => a.x - b.x);
    if (s.length === 1) return s[0].y;
    let i = s.findIndex((p) => p.x >= x);
    if (i <= 0) i = 1;
    if (i === -1 || x > s[s.length - 1].x) i = s.length - 1;
    const a = s[i - 1];
    const b = s[i];
    return a.y + ((x - a.x) * (b.y - a.y)) / (b.x - a.x);
  };
  const at = (field: 'promptSeconds' | 'decodeSeconds', params: number, batch: number, gpus: number): number => {
    const rows = table.filter((r) => r.gpus === gpus);
    if (rows.length === 0) return NaN;
    const sizes = [...new Set(rows.map((r) => r.paramsTotal))];
    const perSize = sizes.map((size) => ({
      x: size,
      y: lerp(rows.filter((r) => r.paramsTotal === size).map((r) => ({ x: r.batch, y: r[field] })), batch),
    }));
    return lerp(perSize, params);
  };
  return {
    name: 'measured',
    prompt: (m, prompts, _p, gpus) => at('promptSeconds', m.paramsTotal, prompts, gpus),
    decode: (m, batch, _c, gpus) => at('decodeSeconds', m.paramsTotal, batch, gpus),
  };
}
