/**
 * Cost before running: what `repro --dry-run` and `status` say the stale instances will take, in core-hours.
 * The engine knows nothing of training; a stage that costs something declares `cost(params, matrix, ctx)`
 * (see `StageDef.cost`), which gets the lock file's records of the stage's earlier instances to measure from.
 * An instance's core-seconds are its estimated wall seconds × the CPU slots it occupies (`resources.cpus`).
 * Stages without a `cost` hook are not counted (corpus, fits, figures, report: seconds to minutes).
 */
import type { StageInstance } from './graph';
import { readLock, type LockFileData } from './lock';
import type { CostContext, CostRecord, InstanceCost } from './types';
import type { PipelineRoots } from './paths';

/** Estimate of one instance that would run. */
export interface InstanceCostEstimate extends InstanceCost {
  instance: string;
  /** seconds × CPU slots (0 for an instance on a GPU). */
  coreSeconds: number;
  /** seconds on one GPU (0 for an instance on CPU slots). */
  gpuSeconds: number;
}

/** Per stage: how many instances would run and what they cost. */
export interface StageCostEstimate {
  stage: string;
  /** Instances of the stage that would run. */
  instances: number;
  /** Of them, estimated from earlier runs of the same shape. */
  measured: number;
  /** Of them, estimated from the stage's throughput model. */
  modelled: number;
  /** Of them, with no estimate (counted as 0 in the total). */
  unknown: number;
  /** Sum of the instances' core-seconds / 3600. */
  coreHours: number;
  /** Sum of the instances' GPU-seconds / 3600 (webgpu runs). */
  gpuHours: number;
}

/** Estimated cost of what would run. */
export interface CostEstimate {
  /** Stages that declare a cost model and have instances that would run, in DAG order. */
  stages: StageCostEstimate[];
  /** Σ stages' coreHours. */
  totalCoreHours: number;
  /** Σ stages' gpuHours. */
  totalGpuHours: number;
  /** Every estimated instance. */
  instances: InstanceCostEstimate[];
}

/** The lock file's records, grouped by stage. */
function historyByStage(lock: LockFileData): Map<string, CostRecord[]> {
  const out = new Map<string, CostRecord[]>();
  for (const [instance, e] of Object.entries(lock.instances)) {
    if (!(typeof e.wallSeconds === 'number' && e.wallSeconds > 0)) continue;
    if (!out.has(e.stage)) out.set(e.stage, []);
    out.get(e.stage)!.push({ instance, params: e.params, wallSeconds: e.wallSeconds });
  }
  return out;
}

/**
 * Cost of the instances among `planned` that would run (`stale`), from each stage's `cost` hook and the lock
 * file of `roots.resultsDir` (absent = no history). `lock` may be passed to avoid reading it again.
 */
export function estimateCost(
  instances: readonly StageInstance[],
  planned: readonly { name: string; stale: boolean }[],
  roots: PipelineRoots,
  lock: LockFileData = readLock(roots.resultsDir),
): CostEstimate {
  const stale = new Set(planned.filter((s) => s.stale).map((s) => s.name));
  const history = historyByStage(lock);
  const stages = new Map<string, StageCostEstimate>();
  const estimates: InstanceCostEstimate[] = [];
  for (const inst of instances) {
    const cost = inst.stage.cost;
    if (!cost || !stale.has(inst.name)) continue;
    const ctx: CostContext = { history: history.get(inst.stage.name) ?? [], resultsDir: roots.resultsDir, repoRoot: roots.repoRoot };
    const est: InstanceCost | null = cost(inst.params, inst.matrix, ctx);
    let s = stages.get(inst.stage.name);
    if (!s) {
      s = { stage: inst.stage.name, instances: 0, measured: 0, modelled: 0, unknown: 0, coreHours: 0, gpuHours: 0 };
      stages.set(inst.stage.name, s);
    }
    s.instances++;
    if (!est || !Number.isFinite(est.seconds) || est.seconds < 0) {
      s.unknown++;
      continue;
    }
    const cpus = Math.max(1, inst.resources.cpus ?? 1);
    const onGpu = est.device === 'gpu';
    const coreSeconds = onGpu ? 0 : est.seconds * cpus;
    const gpuSeconds = onGpu ? est.seconds : 0;
    if (est.basis === 'measured') s.measured++;
    else s.modelled++;
    s.coreHours += coreSeconds / 3600;
    s.gpuHours += gpuSeconds / 3600;
    estimates.push({ instance: inst.name, ...est, coreSeconds, gpuSeconds });
  }
  const list = [...stages.values()];
  return {
    stages: list,
    totalCoreHours: list.reduce((a, s) => a + s.coreHours, 0),
    totalGpuHours: list.reduce((a, s) => a + s.gpuHours, 0),
    instances: estimates,
  };
}

/** A duration in hours of a device, readable at every scale: `0.012 core-h (43 core-s)`, `2.40 core-h`, `1.30M core-h`. */
export function formatDeviceHours(hours: number, unit: 'core' | 'GPU' = 'core'): string {
  if (hours === 0) return `0 ${unit}-h`;
  const seconds = hours * 3600;
  if (hours < 0.1) return `${hours.toPrecision(2)} ${unit}-h (${Math.round(seconds)} ${unit}-s)`;
  if (hours < 1e4) return `${hours < 10 ? hours.toFixed(2) : hours.toFixed(0)} ${unit}-h`;
  const scale: Array<[number, string]> = [
    [1e9, 'B'],
    [1e6, 'M'],
    [1e3, 'k'],
  ];
  const [f, u] = scale.find(([f]) => hours >= f)!;
  return `${(hours / f).toPrecision(3)}${u} ${unit}-h`;
}

/** The core-hours and GPU-hours of a stage or total, as one phrase (`1.20 core-h`, `3.4 GPU-h`, or both). */
function hoursText(core: number, gpu: number): string {
  if (gpu > 0 && core > 0) return `${formatDeviceHours(core)} + ${formatDeviceHours(gpu, 'GPU')}`;
  return gpu > 0 ? formatDeviceHours(gpu, 'GPU') : formatDeviceHours(core);
}

/**
 * Lines of the cost estimate for `repro --dry-run` and `status`: one per costed stage (instances, hours, how many
 * were measured), then the total, and with `jobs` > 1 the best-case wall time on that many CPU slots.
 */
export function formatCostEstimate(c: CostEstimate, jobs?: number): string[] {
  if (c.stages.length === 0) return ['estimated cost: nothing that trains would run'];
  const lines = c.stages.map((s) => {
    const parts = [`${s.measured} from measured runs of the same shape`, `${s.modelled} from the FLOPs model`];
    if (s.unknown) parts.push(`${s.unknown} without an estimate`);
    return `estimated cost of ${s.stage}: ${s.instances} instance(s), ${hoursText(s.coreHours, s.gpuHours)} (${parts.join(', ')})`;
  });
  const wall = jobs && jobs > 1 && c.totalCoreHours > 0 ? `; at best ${formatWallHours(c.totalCoreHours / jobs)} wall on ${jobs} CPU slots` : '';
  lines.push(`estimated total: ${hoursText(c.totalCoreHours, c.totalGpuHours)} of training${wall} (other stages not counted)`);
  return lines;
}

function formatWallHours(h: number): string {
  if (h < 1) return `${(h * 60).toFixed(h * 60 < 10 ? 1 : 0)} min`;
  if (h < 48) return `${h.toFixed(1)} h`;
  return `${(h / 24).toPrecision(3)} days`;
}

/** The estimate as one line (for `status`): the total, then per costed stage its instances and hours. */
export function formatCostLine(c: CostEstimate): string {
  if (c.stages.length === 0) return 'estimated cost: nothing that trains would run';
  const stages = c.stages.map((s) => {
    const unknown = s.unknown ? `, ${s.unknown} without an estimate` : '';
    return `${s.stage}: ${s.instances} instance(s), ${s.measured} measured, ${s.modelled} from the FLOPs model${unknown}`;
  });
  return `estimated total: ${hoursText(c.totalCoreHours, c.totalGpuHours)} of training (${stages.join('; ')}; other stages not counted)`;
}
