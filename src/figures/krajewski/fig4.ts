/** Krajewski Fig. 4: the Eq. 9 fit against the runs, loss vs G per model size, one panel per token budget. */
import type { RunSummary } from '../../runs/types';
import { defineFigure } from '../figure';
import { granularityFigureInput } from './curves';
import { fig4, type Fig4Options } from './draw';

export const figure = defineFigure<{ runs: RunSummary[]; options: Fig4Options }>({
  id: 'krajewski.fig4',
  paper: 'krajewski',
  kind: 'figure',
  prepare: granularityFigureInput,
  draw: ({ runs, options }) => fig4(runs, options),
});
