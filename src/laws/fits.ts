/**
 * The fit stage's results as every reader sees them (report, analysis, claims, figures, notebooks, CLI):
 * `results/fits/<law>.json` read with the one validating reader of `./record`, coefficients typed by law and keyed
 * by the law's own name, so no module renames a law or a coefficient.
 */
import fs from 'node:fs';
import path from 'node:path';
import { LAW_NAMES, type CoefficientsOf, type LawName } from './coefficients';
import { LAWS } from './forms';
import type { LossTarget } from './protocol';
import { coefficientsOf, readFitRecords, recordOf, type FitRecord } from './record';

/** The coefficients of the successful fits, by law name (a law whose fit is missing or failed is absent). */
export type LawFits = { [L in LawName]?: CoefficientsOf<L> };

/** The coefficients of every successful fit among `records`. */
export function fitsOf(records: readonly FitRecord[]): LawFits {
  const out: LawFits = {};
  for (const law of LAW_NAMES) {
    const c = coefficientsOf(records, law);
    if (c) Object.assign(out, { [law]: c });
  }
  return out;
}

/** Reads every main fit record `<resultsDir>/fits/<law>.json` (none when the folder is missing). */
export function readResultFits(resultsDir: string): FitRecord[] {
  return readFitRecords(path.join(resultsDir, 'fits'));
}

/** Reads the protocol-sensitivity records `<resultsDir>/fits/variants/<variant>/<law>.json`, by variant id. */
export function readVariantFits(resultsDir: string): Map<string, FitRecord[]> {
  const dir = path.join(resultsDir, 'fits', 'variants');
  const out = new Map<string, FitRecord[]>();
  if (!fs.existsSync(dir)) return out;
  for (const variant of fs.readdirSync(dir).sort()) out.set(variant, readFitRecords(path.join(dir, variant)));
  return out;
}

/**
 * The loss column law `law` is compared against: the target its record was fitted to, else (no record) the
 * target of the law's paper protocol. Figures draw run points in this column, so points and fitted curves agree.
 */
export function fitTargetOf(records: readonly FitRecord[], law: LawName): LossTarget {
  return recordOf(records, law)?.protocol.target ?? LAWS[law].protocols.paper.target;
}
