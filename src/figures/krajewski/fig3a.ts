/** Krajewski Fig. 3a: loss − const vs granularity (log–log) for the richest (N_act, D) group of runs. */
import type { RunSummary } from '../../runs/types';
import { defineFigure } from '../figure';
import { groupsByRichness, lossColumnOf, runsOf } from '../inputs';
import { FigureInputError } from '../types';
import { granularityCurves, granularityLimitConstant } from './curves';
import { fig3a, type Fig3aOptions } from './draw';

const id = 'krajewski.fig3a';

export const figure = defineFigure<{ runs: RunSummary[]; options: Fig3aOptions }>({
  id,
  paper: 'krajewski',
  kind: 'figure',
  prepare(inputs, notes) {
    const runs = runsOf(inputs, 'fine-grained');
    const first = groupsByRichness(runs)[0];
    if (!first) throw new FigureInputError(id, 'no MoE runs of the fine-grained sweep in the run table');
    const lossColumn = lossColumnOf(inputs, 'fine-grained');
    const fit = inputs.fits['fine-grained'];
    const { constLoss, note } = granularityLimitConstant(fit, first, lossColumn);
    if (note) notes.push(note);
    const { paramsActive, tokens } = first[0]!;
    const fitted = fit ? granularityCurves(fit, runs).find((c) => c.paramsActive === paramsActive && c.tokens === tokens) : undefined;
    return { runs, options: { lossColumn, constLoss, paramsActive, tokens, fitted } };
  },
  draw: ({ runs, options }) => fig3a(runs, options),
});
