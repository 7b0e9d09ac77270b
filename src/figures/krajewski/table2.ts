/**
 * Krajewski Table 2: compute-optimal N_act, D, G per budget: the paper's rows, our solver on the published
 * coefficients, and our fit extrapolated at our sweep's expansion rate E (the same E as the report's analysis
 * tables; the paper's rows are E = 64).
 */
import { fineGrainedOptimal, KRAJEWSKI_TABLE2, PUBLISHED } from '../../laws';
import { defineFigure } from '../figure';
import { runsOf } from '../inputs';
import { table2, type ComputeOptimalRow } from './draw';

export const figure = defineFigure<ComputeOptimalRow[]>({
  id: 'krajewski.table2',
  paper: 'krajewski',
  kind: 'table',
  prepare(inputs, notes) {
    const pub = PUBLISHED.krajewski.table1MoE.values;
    const ours = inputs.fits['fine-grained'];
    const expansionRate = runsOf(inputs, 'fine-grained')[0]?.expansionRate ?? 64;
    const rows: ComputeOptimalRow[] = [];
    for (const row of KRAJEWSKI_TABLE2) {
      rows.push({ source: 'paper', expansionRate: 64, ...row });
      const p = fineGrainedOptimal(pub, row.flops);
      rows.push({ source: 'published coefficients, our solver', expansionRate: 64, paramsActive: p.paramsActive, tokens: p.tokens, granularity: p.granularity, flops: row.flops, loss: p.loss });
      if (!ours) continue;
      try {
        const o = fineGrainedOptimal(ours, row.flops, { expansionRate });
        rows.push({ source: 'our fit (extrapolated)', expansionRate, paramsActive: o.paramsActive, tokens: o.tokens, granularity: o.granularity, flops: row.flops, loss: o.loss });
      } catch (err) {
        notes.push(`${row.label}: our fit has no compute-optimal point (${(err as Error).message}).`);
      }
    }
    if (ours && expansionRate !== 64) notes.push(`"Our fit" rows use our sweep's E = ${expansionRate}, the expansion rate our Eq. 9 was fitted at; the paper's rows are E = 64.`);
    return rows;
  },
  draw: table2,
});
