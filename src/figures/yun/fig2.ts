/** Yun Fig. 2: serving cost per token vs model size, and the largest dense model per inference budget (cost model only). */
import { defineFigure } from '../figure';
import { fig2, type Fig2Input } from './draw';
import { buildYunFig2 } from './inputs';

export const figure = defineFigure<Fig2Input>({
  id: 'yun.fig2',
  paper: 'yun',
  kind: 'figure',
  prepare: (inputs) => buildYunFig2({ gpu: inputs.yun.gpu }),
  draw: fig2,
});
