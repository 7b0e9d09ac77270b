/**
 * Training curves for Krajewski Fig. 5b, read from the trainer's `runs/<runId>/metrics.jsonl`.
 */
import fs from 'node:fs';
import path from 'node:path';
import type { RunSummary } from '../runs/types';
import { parseMetrics } from '../train/metrics';
import { groupsByRichness } from './inputs';
import type { TrainingCurve } from './krajewski/draw';

/** What Fig. 5b reads of one `metrics.jsonl` line: the trainer's `MetricsRow` of kind `train` (src/train/trainer.ts). */
interface TrainMetricsLine {
  kind: 'train';
  step: number;
  /** Tokens trained so far. */
  tokens: number;
  /** Raw training loss of this step (nats/token). */
  loss: number;
  /** Mean throughput since this `trainRun` call started: tokens trained in this call / elapsed seconds. */
  tokensPerSecond: number;
}

function isTrainLine(m: unknown): m is TrainMetricsLine {
  const r = m as Record<string, unknown> | null;
  return (
    !!r &&
    r.kind === 'train' &&
    [r.step, r.tokens, r.loss, r.tokensPerSecond].every((v) => typeof v === 'number' && Number.isFinite(v)) &&
    (r.loss as number) > 0 &&
    (r.tokensPerSecond as number) > 0
  );
}

export interface TrainingCurveOptions {
  /** Bias-corrected EMA decay applied to the per-step loss. Default 0.98 (the trainer's default `lossEmaDecay`). */
  emaDecay?: number;
}

/**
 * One training curve from the trainer's `metrics.jsonl` (rows of kind `train`; `eval` rows are skipped).
 * Wall seconds are reconstructed as `tokens / tokensPerSecond` (the trainer's throughput is the mean since the
 * `trainRun` call started, so this is the elapsed time, evaluation and checkpoints included). A resumed run
 * restarts that clock; when `finalWallSeconds` (the run's `final.json`, summed over calls) differs from the
 * reconstructed end by more than 5%, the times are rescaled to end there. Loss: bias-corrected EMA of the
 * per-step loss, like the run table's `trainLossSmoothed`. Returns null with fewer than 2 usable rows.
 */
export function trainingCurveFromMetrics(
  text: string,
  meta: { runId: string; granularity: number; backend?: string; finalWallSeconds?: number },
  options: TrainingCurveOptions = {},
): TrainingCurve | null {
  const decay = options.emaDecay ?? 0.98;
  const wall: number[] = [];
  const loss: number[] = [];
  let ema = 0;
  let weight = 0;
  let lastStep = -Infinity;
  for (const line of text.split('\n')) {
    if (!line.trim()) continue;
    let m: unknown;
    try {
      m = JSON.parse(line);
    } catch {
      continue; // a torn last line of a running job
    }
    if (!isTrainLine(m) || m.step <= lastStep) continue;
    lastStep = m.step;
    ema = decay * ema + (1 - decay) * m.loss;
    weight = decay * weight + (1 - decay);
    wall.push(m.tokens / m.tokensPerSecond);
    loss.push(ema / weight);
  }
  if (wall.length < 2) return null;
  const end = wall[wall.length - 1]!;
  const fin = meta.finalWallSeconds;
  const scaled = fin && Number.isFinite(fin) && fin > 0 && Math.abs(end / fin - 1) > 0.05 ? wall.map((t) => (t * fin) / end) : wall;
  return { runId: meta.runId, granularity: meta.granularity, wallSeconds: scaled, loss, backend: meta.backend };
}

/**
 * Training curves for Krajewski Fig. 5b from `<runsDir>/<runId>/metrics.jsonl` of one model (the richest group of
 * `groupsByRichness`, as Figs. 3a and 7); see `trainingCurveFromMetrics` for the fields read.
 */
export function readTrainingCurves(runsDir: string, runs: RunSummary[], options: TrainingCurveOptions = {}): TrainingCurve[] {
  const moe = runs.filter((r) => r.family === 'moe');
  if (moe.length === 0 || !fs.existsSync(runsDir)) return [];
  const groups = groupsByRichness(moe);
  const curves: TrainingCurve[] = [];
  for (const r of groups[0] ?? []) {
    const file = path.join(runsDir, r.runId, 'metrics.jsonl');
    if (!fs.existsSync(file)) continue;
    const text = fs.readFileSync(file, 'utf8');
    parseMetrics(text, file); // a torn last line (a killed run) is dropped with a warning naming the file; damage before it throws
    const curve = trainingCurveFromMetrics(
      text,
      { runId: r.runId, granularity: r.granularity, backend: r.backend, finalWallSeconds: r.wallSeconds },
      options,
    );
    if (curve) curves.push(curve);
  }
  return curves;
}

