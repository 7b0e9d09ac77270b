/**
 * `metrics.jsonl`, one JSON object per line: a `train` row after every optimizer step and an `eval` row after
 * every validation pass. Written by appends that never leave a partial line after a failed write; read back by
 * `readMetrics`, which drops a torn last line (a run killed mid-write) with a warning naming the file.
 */
import fs from 'node:fs';
import path from 'node:path';
import { JsonLinesError, LineAppender, parseJsonLines, warnToStderr } from '../util/jsonl';
import { writeFileAtomic } from '../util/atomic-write';

/** File name of the metrics log inside a run directory. */
export const METRICS_FILE = 'metrics.jsonl';

/** One line of metrics.jsonl. */
export type MetricsRow =
  | {
      kind: 'train';
      step: number;
      tokens: number;
      loss: number;
      lr: number;
      auxLoss: number;
      balanceLoss: number;
      zLoss: number;
      gradNorm: number;
      droppedFraction: number;
      /** Per MoE layer, fraction of routed slots per expert. */
      expertLoad: number[][];
      /** Per PEER layer (models with PEER layers only), fraction of the N experts the step's batch retrieved. */
      expertsUsed?: number[];
      tokensPerSecond: number;
    }
  | { kind: 'eval'; step: number; tokens: number; valLoss: number };

function isRow(x: unknown): x is MetricsRow {
  const r = x as { kind?: unknown; step?: unknown } | null;
  return !!r && typeof r === 'object' && (r.kind === 'train' || r.kind === 'eval') && typeof r.step === 'number';
}

/** Rows of a metrics text (a torn last line dropped with a warning naming `file`; other damage is an error naming the line). */
export function parseMetrics(text: string, file: string, warn: (message: string) => void = warnToStderr): MetricsRow[] {
  const { rows } = parseJsonLines<unknown>(text, file, warn);
  rows.forEach((r, i) => {
    if (!isRow(r)) throw new JsonLinesError(`${file}: row ${i + 1} is not a metrics row (needs kind "train" or "eval" and a step); delete the file or restore it`);
  });
  return rows as MetricsRow[];
}

/** Rows of a metrics file (see `parseMetrics`). */
export function readMetrics(file: string, warn: (message: string) => void = warnToStderr): MetricsRow[] {
  return parseMetrics(fs.readFileSync(file, 'utf8'), file, warn);
}

/**
 * Rewrites `<dir>/metrics.jsonl` keeping the rows up to `step` (those a resumed run recomputes are dropped, and
 * so is a torn last line), atomically. Returns the rows kept.
 */
export function truncateMetrics(dir: string, step: number, warn: (message: string) => void = warnToStderr): MetricsRow[] {
  const file = path.join(dir, METRICS_FILE);
  if (!fs.existsSync(file)) return [];
  const kept = readMetrics(file, warn).filter((r) => r.step <= step);
  writeFileAtomic(file, kept.map((r) => `${JSON.stringify(r)}\n`).join(''));
  return kept;
}

/** Appends rows to `<dir>/metrics.jsonl` (see LineAppender: a failed write leaves no partial line). */
export class MetricsWriter {
  private readonly out: LineAppender;
  constructor(dir: string) {
    this.out = new LineAppender(path.join(dir, METRICS_FILE));
  }
  get file(): string {
    return this.out.file;
  }
  write(row: MetricsRow): void {
    this.out.append(JSON.stringify(row));
  }
  close(): void {
    this.out.close();
  }
}
