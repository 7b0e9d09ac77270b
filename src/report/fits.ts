/**
 * The fit stage's records (`results/fits/<law>.json`, schema in `src/laws/record.ts`) for the report, analysis and
 * figures: read with the one validating reader, coefficients typed by law and never renamed.
 */
import fs from 'node:fs';
import path from 'node:path';
import { coefficientsOf, readFitRecords as readRecordsIn, type FitRecord } from '../laws/record';
import type { FittedCoefficients } from './analysis';

export type { FitRecord };

/** Reads every main fit record `fits/<law>.json` under `resultsDir` (none when the folder is missing). */
export function readFitRecords(resultsDir: string): FitRecord[] {
  return readRecordsIn(path.join(resultsDir, 'fits'));
}

/** Reads the protocol-sensitivity records `fits/variants/<variant>/<law>.json`, by variant id. */
export function readVariantRecords(resultsDir: string): Map<string, FitRecord[]> {
  const dir = path.join(resultsDir, 'fits', 'variants');
  const out = new Map<string, FitRecord[]>();
  if (!fs.existsSync(dir)) return out;
  for (const variant of fs.readdirSync(dir).sort()) out.set(variant, readRecordsIn(path.join(dir, variant)));
  return out;
}

/** Coefficients of the successful fits, by the figures' and analyses' keys. */
export function coefficientsFromRecords(records: readonly FitRecord[]): FittedCoefficients {
  return {
    chinchilla: coefficientsOf(records, 'chinchilla'),
    dense: coefficientsOf(records, 'dense'),
    fineGrained: coefficientsOf(records, 'fine-grained'),
    experts: coefficientsOf(records, 'experts'),
  };
}
