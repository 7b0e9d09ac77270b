/** Bootstrap table: each fitted coefficient with its interval and standard error, from the fit stage's records. */
import type { FitRecord } from '../../laws';
import { defineFigure } from '../figure';
import { FigureInputError } from '../types';
import { tableBootstrap, type BootstrapCoefficientRow, type BootstrapTableInput } from './draw';

const id = 'krajewski.bootstrap';
const finite = (v: number): number | null => (Number.isFinite(v) ? v : null);

/** Per-coefficient bootstrap intervals of the successful fits that ran a bootstrap. */
export function bootstrapRows(records: readonly FitRecord[]): BootstrapCoefficientRow[] {
  const rows: BootstrapCoefficientRow[] = [];
  for (const r of records) {
    const b = r.status === 'ok' ? r.bootstrap : null;
    if (!b) continue;
    for (const [coefficient, iv] of Object.entries(b.coefficients)) {
      rows.push({ law: r.law, coefficient, estimate: iv.estimate, lo: finite(iv.lo), hi: finite(iv.hi), se: finite(iv.se), level: b.scheme.level, resamples: b.scheme.resamples, failures: b.failures });
    }
  }
  return rows;
}

export const figure = defineFigure<BootstrapTableInput>({
  id,
  paper: 'krajewski',
  kind: 'table',
  prepare(inputs) {
    const coefficients = bootstrapRows(inputs.records);
    if (coefficients.length === 0) throw new FigureInputError(id, 'no fit record has bootstrap intervals; set fit.bootstrap in the preset');
    return { coefficients };
  },
  draw: tableBootstrap,
});
