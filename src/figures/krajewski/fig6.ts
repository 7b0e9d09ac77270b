/** Krajewski Fig. 6: loss vs total parameters, one panel per granularity, runs and the Eq. 9 fit. */
import type { RunSummary } from '../../runs/types';
import { defineFigure } from '../figure';
import { krajewskiRuns, lossColumnOf, runsOf } from '../inputs';
import { paramsCurves } from './curves';
import { fig6, type ParamsFigureOptions } from './draw';

export const figure = defineFigure<{ runs: RunSummary[]; options: ParamsFigureOptions }>({
  id: 'krajewski.fig6',
  paper: 'krajewski',
  kind: 'figure',
  prepare(inputs) {
    const fit = inputs.fits['fine-grained'];
    return { runs: krajewskiRuns(inputs), options: { lossColumn: lossColumnOf(inputs, 'fine-grained'), fitted: fit ? paramsCurves(fit, runsOf(inputs, 'fine-grained')) : undefined } };
  },
  draw: ({ runs, options }) => fig6(runs, options),
});
