/**
 * Krajewski Fig. 5a: observed vs predicted loss of the Eq. 9 fit, fitted and held-out runs. The prediction is the
 * fit stage's hold-out fit (the protocol's hold-out rule, `results/fits/fine-grained.json` → `holdout`), so the
 * held-out points are a real extrapolation, exactly the one the report quotes.
 */
import { fineGrainedLoss, recordOf } from '../../laws';
import { defineFigure } from '../figure';
import { lossColumnOf, runsOf } from '../inputs';
import { FigureInputError, type FigureSpec } from '../types';
import { fig5a, type FitPoint } from './draw';
import type { LossColumn } from '../validate';

const id = 'krajewski.fig5a';

export const figure = defineFigure<{ points: FitPoint[]; lossColumn: LossColumn }>({
  id,
  paper: 'krajewski',
  kind: 'figure',
  prepare(inputs, notes) {
    const record = recordOf(inputs.records, 'fine-grained');
    const holdout = record?.holdout;
    if (!record || record.status !== 'ok') throw new FigureInputError(id, 'needs a successful fine-grained fit record (results/fits/fine-grained.json)');
    if (!holdout || 'error' in holdout) throw new FigureInputError(id, `the fine-grained fit has no hold-out fit${holdout && 'error' in holdout ? `: ${holdout.error}` : ''}`);
    const lossColumn = lossColumnOf(inputs, 'fine-grained');
    const fitted = new Set(record.runIds);
    const heldOut = new Set(holdout.heldOut.map((h) => h.label));
    const runs = runsOf(inputs, 'fine-grained').filter((r) => fitted.has(r.runId));
    const missing = record.runIds.length - runs.length;
    if (missing > 0) notes.push(`${missing} run(s) of the fit are not in this run table and are not drawn.`);
    notes.push(`Hold-out rule: ${holdout.rule.rule}, ${Math.round(holdout.rule.fraction * 100)}% of the runs (${holdout.nHeldOut} held out, ${holdout.nTrain} fitted); RMSE of log loss on the held-out runs ${holdout.rmseLog.toPrecision(3)}.`);
    const c = holdout.coefficients;
    const points = runs.map<FitPoint>((r) => ({
      runId: r.runId,
      observed: r[lossColumn],
      predicted: fineGrainedLoss(c, r.paramsTotal, r.tokens, r.granularity),
      split: heldOut.has(r.runId) ? 'validation' : 'fit',
    }));
    return { points, lossColumn };
  },
  draw: ({ points, lossColumn }): FigureSpec => fig5a(points, { lossColumn }),
});
