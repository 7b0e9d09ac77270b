/** Krajewski Fig. 3b: loss vs total parameters at one granularity, runs and the Eq. 9 fit. */
import type { RunSummary } from '../../runs/types';
import { defineFigure } from '../figure';
import { paramsFigureInput } from './curves';
import { fig3b, type ParamsFigureOptions } from './draw';

export const figure = defineFigure<{ runs: RunSummary[]; options: ParamsFigureOptions }>({
  id: 'krajewski.fig3b',
  paper: 'krajewski',
  kind: 'figure',
  prepare: paramsFigureInput,
  draw: ({ runs, options }) => fig3b(runs, options),
});
