/** Krajewski Fig. 1b: FLOPs overhead of dense and G = 1 MoE against compute-optimal MoE, published and ours. */
import { PUBLISHED } from '../../laws';
import { logspace } from '../../util/logspace';
import { formatExp } from '../theme';
import { defineFigure } from '../figure';
import { runsOf } from '../inputs';
import { FigureInputError } from '../types';
import { extent } from '../validate';
import { overheadCurves } from './curves';
import { fig1b as draw, KRAJEWSKI_FIG1_FLOPS_RANGE, type Fig1bInput } from './draw';

const id = 'krajewski.fig1b';

function curvesOrNote(label: string, omitted: number[], notes: string[]): void {
  if (omitted.length > 0) notes.push(`${label}: ${omitted.length} budget(s) without a finite overhead are not drawn (${omitted.map((f) => formatExp(f)).join(', ')} FLOPs): the dense or G = 1 law cannot reach the optimal MoE's loss there.`);
}

export const figure = defineFigure<Fig1bInput>({
  id,
  paper: 'krajewski',
  kind: 'figure',
  prepare(inputs, notes) {
    const published = overheadCurves(PUBLISHED.krajewski.table1MoE.values, PUBLISHED.krajewski.table1Dense.values, logspace(1e18, 1e26, Math.min(inputs.curvePoints, 13)));
    curvesOrNote('Published coefficients', published.omittedFlops, notes);
    if (published.curves.flops.length < 2) throw new FigureInputError(id, 'fewer than 2 budgets have a finite overhead for the published coefficients');
    const input: Fig1bInput = { published: published.curves };
    const moe = inputs.fits['fine-grained'];
    const dense = inputs.fits.dense;
    const runs = runsOf(inputs, 'fine-grained');
    if (!moe || !dense || runs.length === 0) return input;
    const range = extent(runs.map((r) => r.flopsKrajewski));
    try {
      const ours = overheadCurves(moe, dense, logspace(range[0], KRAJEWSKI_FIG1_FLOPS_RANGE[1], 13), runs[0]!.expansionRate);
      curvesOrNote('Our fits', ours.omittedFlops, notes);
      if (ours.curves.flops.length < 2) {
        notes.push('Our fits give fewer than 2 budgets with a finite overhead: their panel is not drawn.');
        return input;
      }
      return { ...input, ours: ours.curves, oursFlopsRange: range };
    } catch (err) {
      notes.push(`Our fits' overheads could not be solved: ${(err as Error).message}`);
      return input;
    }
  },
  draw,
});
