/**
 * Input checks shared by the figure functions: every failure is a `FigureInputError` naming the figure,
 * the field and what to pass instead.
 */
import type { RunColumn, RunSummary } from '../runs/types';
import { FigureInputError } from './types';

/** Fails unless `rows` is a non-empty array whose `columns` are finite numbers (positive where asked). */
export function checkRuns(
  figureId: string,
  rows: readonly RunSummary[] | undefined,
  columns: readonly RunColumn[],
  positive: readonly RunColumn[] = columns,
): RunSummary[] {
  if (!Array.isArray(rows) || rows.length === 0) {
    throw new FigureInputError(figureId, 'the run table is empty; pass RunSummary rows (results/runs.csv) with at least one run');
  }
  rows.forEach((row, i) => {
    for (const col of columns) {
      const v: unknown = row?.[col];
      if (typeof v !== 'number' || !Number.isFinite(v)) {
        throw new FigureInputError(
          figureId,
          `run ${row?.runId ?? `#${i}`} has ${col} = ${String(v)}; every run needs a finite ${col}`,
        );
      }
      if (positive.includes(col) && v <= 0) {
        throw new FigureInputError(figureId, `run ${row.runId} has ${col} = ${v}; ${col} must be > 0 (log axis)`);
      }
    }
  });
  return [...rows];
}

/** Fails unless `xs`/`ys` are equal-length, non-empty, finite (and > 0 on log axes). */
export function checkSeries(
  figureId: string,
  name: string,
  xs: readonly number[] | undefined,
  ys: readonly number[] | undefined,
  opts: { logX?: boolean; logY?: boolean; minLength?: number } = {},
): void {
  if (!Array.isArray(xs) || !Array.isArray(ys)) {
    throw new FigureInputError(figureId, `series "${name}" is missing (x and y arrays are required)`);
  }
  const min = opts.minLength ?? 1;
  if (xs.length < min || ys.length !== xs.length) {
    throw new FigureInputError(
      figureId,
      `series "${name}" has ${xs.length} x and ${ys.length} y values; need equal lengths of at least ${min}`,
    );
  }
  for (let i = 0; i < xs.length; i++) {
    const [x, y] = [xs[i]!, ys[i]!];
    if (!Number.isFinite(x) || !Number.isFinite(y)) {
      throw new FigureInputError(figureId, `series "${name}" point ${i} is (${x}, ${y}); values must be finite`);
    }
    if ((opts.logX && x <= 0) || (opts.logY && y <= 0)) {
      throw new FigureInputError(figureId, `series "${name}" point ${i} is (${x}, ${y}); log axes need values > 0`);
    }
  }
}

export function checkNumber(figureId: string, field: string, value: unknown, opts: { positive?: boolean } = {}): number {
  if (typeof value !== 'number' || !Number.isFinite(value) || (opts.positive && value <= 0)) {
    throw new FigureInputError(
      figureId,
      `${field} = ${String(value)}; pass a finite${opts.positive ? ' positive' : ''} number`,
    );
  }
  return value;
}

/** Unique values, sorted ascending. */
export function uniqueSorted(values: Iterable<number>): number[] {
  return [...new Set(values)].sort((a, b) => a - b);
}

export { groupBy } from '../util/group-by';

/** The loss column a figure reads: Krajewski fits the smoothed training loss (App. A), Yun the validation loss. */
export type LossColumn = 'valLoss' | 'trainLossSmoothed';

export function lossLabel(column: LossColumn): string {
  return column === 'valLoss' ? 'validation loss (nats/token)' : 'smoothed training loss (nats/token)';
}

/** Range [min, max] of the finite positive values. */
export function extent(values: readonly number[]): [number, number] {
  const finite = values.filter((v) => Number.isFinite(v));
  return [Math.min(...finite), Math.max(...finite)];
}

/** True when `list` is not an array or has no items (without narrowing the caller's type to `any[]`). */
export function isEmptyList(list: readonly unknown[] | undefined | null): boolean {
  return !Array.isArray(list) || list.length === 0;
}
