/** Krajewski Fig. 3c: the gain from longer training vs granularity. */
import type { RunSummary } from '../../runs/types';
import { defineFigure } from '../figure';
import { krajewskiRuns, lossColumnOf } from '../inputs';
import { fig3c, type RunFigureOptions } from './draw';

export const figure = defineFigure<{ runs: RunSummary[]; options: RunFigureOptions }>({
  id: 'krajewski.fig3c',
  paper: 'krajewski',
  kind: 'figure',
  prepare: (inputs) => ({ runs: krajewskiRuns(inputs), options: { lossColumn: lossColumnOf(inputs, 'fine-grained') } }),
  draw: ({ runs, options }) => fig3c(runs, options),
});
