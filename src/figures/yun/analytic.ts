/** Yun Figs. 3–6 share one solve of our Eq. 4 fit; this memo runs it once per figure-input bundle. */
import type { FigureInputs } from '../inputs';
import { requireFit, runsOf } from '../inputs';
import { buildYunAnalytic } from './inputs';

const solved = new WeakMap<FigureInputs, ReturnType<typeof buildYunAnalytic>>();

/** Figs. 3–6 inputs from our experts fit at the paper's budgets (a `FigureInputError` when there is no fit). */
export function yunAnalytic(figureId: string, inputs: FigureInputs): ReturnType<typeof buildYunAnalytic> {
  const c = requireFit(figureId, inputs, 'experts');
  let out = solved.get(inputs);
  if (!out) {
    const runs = runsOf(inputs, 'experts');
    out = buildYunAnalytic(c, { fitFlopsMax: runs.length > 0 ? Math.max(...runs.map((r) => r.flops6ND)) : undefined, ...inputs.yun });
    solved.set(inputs, out);
  }
  return out;
}
