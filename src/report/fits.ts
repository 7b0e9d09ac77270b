/**
 * Reading the fit stage's records (`results/fits/<law>.json`) back into typed coefficients. The record
 * format is written by `pipeline/stages/fit.ts`: `{ law, status: 'ok' | 'failed', fit?, bootstrap?, holdout?, error? }`.
 */
import fs from 'node:fs';
import path from 'node:path';
import type { BootstrapResult, FitResult, HoldoutResult } from '../laws';
import type { FittedLaw } from '../laws/selection';
import type { FittedCoefficients } from './analysis';

export interface FitRecord {
  law: FittedLaw;
  form: string;
  status: 'ok' | 'failed';
  target: string;
  nRuns: number;
  runIds: string[];
  fit?: FitResult;
  crossCheck?: FitResult | { error: string } | null;
  bootstrap?: BootstrapResult | null;
  holdout?: HoldoutResult | { error: string } | null;
  error?: string;
}

/** Reads every `fits/<law>.json` under `resultsDir` (missing files are skipped). */
export function readFitRecords(resultsDir: string): FitRecord[] {
  const dir = path.join(resultsDir, 'fits');
  if (!fs.existsSync(dir)) return [];
  return fs
    .readdirSync(dir)
    .filter((f) => f.endsWith('.json'))
    .sort()
    .map((f) => JSON.parse(fs.readFileSync(path.join(dir, f), 'utf8')) as FitRecord);
}

/** Coefficients of the successful fits, keyed as the figures and analyses expect. */
export function coefficientsFromRecords(records: readonly FitRecord[]): FittedCoefficients {
  const out: FittedCoefficients = {};
  for (const r of records) {
    if (r.status !== 'ok' || !r.fit) continue;
    const c = r.fit.coefficients;
    if (r.law === 'chinchilla') out.chinchilla = { A: c.A!, B: c.B!, E: c.E!, alpha: c.alpha!, beta: c.beta! };
    if (r.law === 'dense') out.dense = { a: c.A!, b: c.B!, c: c.E!, alpha: c.alpha!, beta: c.beta! };
    if (r.law === 'fine-grained') out.fineGrained = { a: c.a!, alpha: c.alpha!, b: c.b!, beta: c.beta!, c: c.c!, g: c.g!, gamma: c.gamma! };
    if (r.law === 'experts')
      out.experts = { A: c.A!, alpha: c.alpha!, B: c.B!, beta: c.beta!, C: c.C!, gamma: c.gamma!, F: c.F!, d: c.d!, eStart: c.eStart!, eMax: c.eMax! };
  }
  return out;
}
