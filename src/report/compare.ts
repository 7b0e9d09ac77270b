/**
 * Compares two results folders (e.g. a fresh `repro` against `results/reference/tiny/`): per-run loss
 * differences over the runs both tables hold, and per-coefficient differences of every law both fitted.
 */
import fs from 'node:fs';
import path from 'node:path';
import { readRunTable } from '../runs/table';
import type { RunSummary } from '../runs/types';
import { readResultFits } from '../laws/fits';
import { MoelabError } from '../errors';

export interface RunDifference {
  runId: string;
  valLossA: number;
  valLossB: number;
  /** valLossA − valLossB, nats/token. */
  valLossDelta: number;
}

export interface CoefficientDifference {
  law: string;
  coefficient: string;
  a: number;
  b: number;
  /** a / b − 1 (NaN when b = 0). */
  relative: number;
}

export interface ResultsComparison {
  a: string;
  b: string;
  runs: RunDifference[];
  onlyInA: string[];
  onlyInB: string[];
  /** Largest |valLossDelta| and the root mean square of the deltas. */
  maxAbsValLossDelta: number;
  rmsValLossDelta: number;
  coefficients: CoefficientDifference[];
  /** Laws fitted in one folder but not (successfully) in the other. */
  lawsMissing: string[];
  /** Folders whose fit records could not be read (e.g. written by an older moelab), with the reason: their coefficients are not compared. */
  fitsUnreadable: Array<{ folder: string; reason: string }>;
}

export class CompareError extends MoelabError {
  override name = 'CompareError';
}

async function runsOf(dir: string): Promise<RunSummary[]> {
  const file = path.join(dir, 'runs.csv');
  if (!fs.existsSync(file)) throw new CompareError(`${file} does not exist: point at a results folder that holds runs.csv (run \`moelab repro\` first)`);
  return readRunTable(file);
}

export async function compareResults(a: string, b: string): Promise<ResultsComparison> {
  const [runsA, runsB] = await Promise.all([runsOf(a), runsOf(b)]);
  const byIdB = new Map(runsB.map((r) => [r.runId, r]));
  const idsA = new Set(runsA.map((r) => r.runId));
  const runs: RunDifference[] = [];
  for (const ra of runsA) {
    const rb = byIdB.get(ra.runId);
    if (rb) runs.push({ runId: ra.runId, valLossA: ra.valLoss, valLossB: rb.valLoss, valLossDelta: ra.valLoss - rb.valLoss });
  }
  const deltas = runs.map((r) => r.valLossDelta);
  const fitsUnreadable: ResultsComparison['fitsUnreadable'] = [];
  const recordsOf = (dir: string) => {
    try {
      return readResultFits(dir);
    } catch (e) {
      fitsUnreadable.push({ folder: dir, reason: (e as Error).message });
      return [];
    }
  };
  const [recordsA, recordsB] = [recordsOf(a), recordsOf(b)];
  const readable = fitsUnreadable.length === 0;
  const fitsA = readable ? recordsA.filter((f) => f.status === 'ok' && f.fit) : [];
  const fitsB = new Map((readable ? recordsB : []).filter((f) => f.status === 'ok' && f.fit).map((f) => [f.law, f]));
  const coefficients: CoefficientDifference[] = [];
  const lawsMissing: string[] = [];
  for (const fa of fitsA) {
    const fb = fitsB.get(fa.law);
    if (!fb) {
      lawsMissing.push(fa.law);
      continue;
    }
    for (const [name, va] of Object.entries(fa.fit!.coefficients)) {
      const vb = (fb.fit!.coefficients as Record<string, number>)[name];
      if (vb === undefined) continue;
      coefficients.push({ law: fa.law, coefficient: name, a: va, b: vb, relative: vb === 0 ? NaN : va / vb - 1 });
    }
  }
  for (const law of fitsB.keys()) if (!fitsA.some((f) => f.law === law)) lawsMissing.push(law);
  return {
    a,
    b,
    runs,
    onlyInA: runsA.filter((r) => !byIdB.has(r.runId)).map((r) => r.runId),
    onlyInB: runsB.filter((r) => !idsA.has(r.runId)).map((r) => r.runId),
    maxAbsValLossDelta: deltas.length ? Math.max(...deltas.map(Math.abs)) : NaN,
    rmsValLossDelta: deltas.length ? Math.sqrt(deltas.reduce((s, d) => s + d * d, 0) / deltas.length) : NaN,
    coefficients,
    lawsMissing,
    fitsUnreadable,
  };
}
