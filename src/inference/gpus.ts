/** GPU presets for the roofline latency model (vendor datasheet peak numbers, dense BF16, SXM parts). */
export interface GpuSpec {
  name: string;
  /** Device memory M_0 in bytes. */
  memoryBytes: number;
  /** HBM bandwidth in bytes/s. */
  memoryBandwidthBytesPerSecond: number;
  /** Dense BF16 peak in FLOP/s. */
  peakFlopsPerSecond: number;
  /** Per-direction GPU-to-GPU bandwidth (NVLink) in bytes/s. */
  interconnectBytesPerSecond: number;
  /** Latency of one collective step in seconds. */
  interconnectLatencySeconds: number;
  /** Cost of one GPU per second C_0 (default: 1 unit per GPU-hour). */
  costPerSecond: number;
}

export const GPU_PRESETS: Readonly<Record<'A100-40GB' | 'H100-80GB', GpuSpec>> = {
  // NVIDIA A100 datasheet: 40 GB HBM2 at 1,555 GB/s, 312 TFLOP/s BF16, NVLink 600 GB/s total (300 GB/s per direction).
  'A100-40GB': {
    name: 'A100-40GB',
    memoryBytes: 40e9,
    memoryBandwidthBytesPerSecond: 1.555e12,
    peakFlopsPerSecond: 312e12,
    interconnectBytesPerSecond: 300e9,
    interconnectLatencySeconds: 5e-6,
    costPerSecond: 1 / 3600,
  },
  // NVIDIA H100 SXM datasheet: 80 GB HBM3 at 3.35 TB/s, 989 TFLOP/s BF16 dense, NVLink 900 GB/s total.
  'H100-80GB': {
    name: 'H100-80GB',
    memoryBytes: 80e9,
    memoryBandwidthBytesPerSecond: 3.35e12,
    peakFlopsPerSecond: 989e12,
    interconnectBytesPerSecond: 450e9,
    interconnectLatencySeconds: 5e-6,
    costPerSecond: 1 / 3600,
  },
};

export function getGpu(name: string): GpuSpec {
  const g = (GPU_PRESETS as Record<string, GpuSpec | undefined>)[name];
  if (!g) throw new RangeError(`unknown GPU "${name}": use one of ${Object.keys(GPU_PRESETS).join(', ')}`);
  return g;
}
