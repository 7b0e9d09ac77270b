/** Yun Fig. 1: validation loss vs number of experts, runs and our Eq. 4 fit. */
import { expertsLoss } from '../../laws';
import type { RunSummary } from '../../runs/types';
import { groupBy } from '../../util/group-by';
import { logspace } from '../../util/logspace';
import { defineFigure } from '../figure';
import { runsOf } from '../inputs';
import { uniqueSorted } from '../validate';
import { fig1, type ExpertsCurve } from './draw';

export const figure = defineFigure<{ runs: RunSummary[]; fitted?: ExpertsCurve[] }>({
  id: 'yun.fig1',
  paper: 'yun',
  kind: 'figure',
  prepare(inputs) {
    const runs = runsOf(inputs, 'experts');
    const c = inputs.fits.experts;
    if (!c || runs.length === 0) return { runs };
    const grid = logspace(1, Math.max(...uniqueSorted(runs.map((r) => r.experts))), 24);
    const fitted = groupBy(runs, (r) => `${r.paramsDense}|${r.tokens}`).map(([, rows]) => ({
      paramsDense: rows[0]!.paramsDense,
      tokens: rows[0]!.tokens,
      experts: grid,
      loss: grid.map((e) => expertsLoss(c, rows[0]!.paramsDense, e, rows[0]!.tokens)),
    }));
    return { runs, fitted };
  },
  draw: ({ runs, fitted }) => fig1(runs, { fitted }),
});
