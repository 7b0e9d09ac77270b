/** Krajewski Fig. 5b: training loss vs wall-clock time for one model at several granularities (`metrics.jsonl`). */
import { defineFigure } from '../figure';
import { FigureInputError } from '../types';
import { fig5b, type Fig5bOptions, type TrainingCurve } from './draw';

const id = 'krajewski.fig5b';

export const figure = defineFigure<{ curves: TrainingCurve[]; options: Fig5bOptions }>({
  id,
  paper: 'krajewski',
  kind: 'figure',
  prepare(inputs) {
    if (!inputs.trainingCurves || inputs.trainingCurves.length === 0) throw new FigureInputError(id, 'training curves (runs/<runId>/metrics.jsonl) not available');
    return { curves: inputs.trainingCurves, options: { hardware: inputs.hardware } };
  },
  draw: ({ curves, options }) => fig5b(curves, options),
});
