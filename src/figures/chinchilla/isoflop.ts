/** Chinchilla Approach 2/3 view: IsoFLOP slices of our dense runs with the fitted loss-optimal frontier. */
import { chinchillaTokensAtFlops } from '../../accounting/formulas';
import { chinchillaLoss, chinchillaOptimal } from '../../laws';
import type { RunSummary } from '../../runs/types';
import { groupBy } from '../../util/group-by';
import { logspace } from '../../util/logspace';
import { defineFigure } from '../figure';
import { lossColumnOf, runsOf } from '../inputs';
import { extent } from '../validate';
import { isoflop, type IsoflopOptions } from './draw';

export const figure = defineFigure<{ runs: RunSummary[]; options: IsoflopOptions }>({
  id: 'chinchilla.isoflop',
  paper: 'chinchilla',
  kind: 'figure',
  prepare(inputs) {
    const options: IsoflopOptions = { lossColumn: lossColumnOf(inputs, 'chinchilla') };
    const c = inputs.fits.chinchilla;
    const dense = runsOf(inputs, 'chinchilla');
    if (!c || dense.length === 0) return { runs: inputs.runs, options };
    const [lo, hi] = extent(dense.map((r) => r.flops6ND));
    const flops = logspace(lo / 2, hi * 2, inputs.curvePoints);
    const frontier = { flops, loss: flops.map((f) => chinchillaOptimal(c, f).loss) };
    const slices = groupBy(dense, (r) => Math.round(Math.log10(r.flops6ND) * 10)).map(([, rows]) => {
      const f = Math.exp(rows.reduce((s, r) => s + Math.log(r.flops6ND), 0) / rows.length);
      const [plo, phi] = extent(rows.map((r) => r.paramsActive));
      const ps = logspace(plo / 2, phi * 2, 24);
      return { flops: f, paramsActive: ps, loss: ps.map((p) => chinchillaLoss(c, p, chinchillaTokensAtFlops(f, p))) };
    });
    return { runs: inputs.runs, options: { ...options, frontier, slices } };
  },
  draw: ({ runs, options }) => isoflop(runs, options),
});
