/** Krajewski Fig. 7: loss − const vs G (log–log) for the four richest (N_act, D) groups. */
import type { RunSummary } from '../../runs/types';
import { formatCount } from '../theme';
import { defineFigure } from '../figure';
import { groupsByRichness, lossColumnOf, runsOf } from '../inputs';
import { FigureInputError } from '../types';
import { granularityCurves, granularityLimitConstant } from './curves';
import { fig7, type Fig7Group, type GranularityCurve, type RunFigureOptions } from './draw';

const id = 'krajewski.fig7';

export const figure = defineFigure<{ runs: RunSummary[]; options: RunFigureOptions & { groups: Fig7Group[]; fitted?: GranularityCurve[] } }>({
  id,
  paper: 'krajewski',
  kind: 'figure',
  prepare(inputs, notes) {
    const runs = runsOf(inputs, 'fine-grained');
    const groups = groupsByRichness(runs).slice(0, 4);
    if (groups.length === 0) throw new FigureInputError(id, 'no MoE runs of the fine-grained sweep in the run table');
    const lossColumn = lossColumnOf(inputs, 'fine-grained');
    const fit = inputs.fits['fine-grained'];
    const panels = groups.map((rows) => {
      const { constLoss, note } = granularityLimitConstant(fit, rows, lossColumn);
      if (note) notes.push(`N_act = ${formatCount(rows[0]!.paramsActive)}, D = ${formatCount(rows[0]!.tokens)}: ${note}`);
      return { paramsActive: rows[0]!.paramsActive, tokens: rows[0]!.tokens, constLoss };
    });
    return { runs, options: { lossColumn, groups: panels, fitted: fit ? granularityCurves(fit, runs) : undefined } };
  },
  draw: ({ runs, options }) => fig7(runs, options),
});
