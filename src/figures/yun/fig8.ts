/** Yun Fig. 8: model shapes (h·l against N) of the paper's Table 1 and our dense runs, with the fitted μ. */
import { defineFigure } from '../figure';
import { runsOf } from '../inputs';
import { fig8, type Fig8Input } from './draw';
import { buildYunFig8, ourDenseConfigs } from './inputs';

export const figure = defineFigure<Fig8Input>({
  id: 'yun.fig8',
  paper: 'yun',
  kind: 'figure',
  prepare: (inputs) => buildYunFig8(ourDenseConfigs(runsOf(inputs, 'experts'))),
  draw: fig8,
});
