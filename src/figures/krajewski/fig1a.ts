/** Krajewski Fig. 1a: loss of compute-optimal MoE, G = 1 MoE and dense vs FLOPs, published coefficients and ours. */
import { PUBLISHED } from '../../laws';
import { logspace } from '../../util/logspace';
import { defineFigure } from '../figure';
import { runsOf } from '../inputs';
import { extent } from '../validate';
import { fig1Curves } from './curves';
import { fig1a as draw, KRAJEWSKI_FIG1_FLOPS_RANGE, type Fig1aInput } from './draw';

export const figure = defineFigure<Fig1aInput>({
  id: 'krajewski.fig1a',
  paper: 'krajewski',
  kind: 'figure',
  prepare(inputs, notes) {
    const [lo, hi] = KRAJEWSKI_FIG1_FLOPS_RANGE;
    const input: Fig1aInput = { published: fig1Curves(PUBLISHED.krajewski.table1MoE.values, PUBLISHED.krajewski.table1Dense.values, logspace(lo, hi, inputs.curvePoints)) };
    const moe = inputs.fits['fine-grained'];
    const dense = inputs.fits.dense;
    const runs = runsOf(inputs, 'fine-grained');
    if (!moe || !dense || runs.length === 0) return input;
    const range = extent(runs.map((r) => r.flopsKrajewski));
    const expansionRate = runs[0]!.expansionRate;
    try {
      return { ...input, ours: fig1Curves(moe, dense, logspace(range[0], hi, inputs.curvePoints), expansionRate), oursFlopsRange: range, expansionRate };
    } catch (err) {
      notes.push(`Our fits' curves could not be solved: ${(err as Error).message}`);
      return input;
    }
  },
  draw,
});
