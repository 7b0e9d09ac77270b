/** Krajewski Fig. 6: loss vs total parameters, one panel per granularity, runs and the Eq. 9 fit. */
import type { RunSummary } from '../../runs/types';
import { defineFigure } from '../figure';
import { paramsFigureInput } from './curves';
import { fig6, type ParamsFigureOptions } from './draw';

export const figure = defineFigure<{ runs: RunSummary[]; options: ParamsFigureOptions }>({
  id: 'krajewski.fig6',
  paper: 'krajewski',
  kind: 'figure',
  prepare: paramsFigureInput,
  draw: ({ runs, options }) => fig6(runs, options),
});
