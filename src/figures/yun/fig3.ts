/** Yun Fig. 3: loss-optimal models: loss and inference cost vs training budget, per expert count, from our Eq. 4 fit. */
import { defineFigure } from '../figure';
import { yunAnalytic } from './analytic';
import { fig3, type Fig3Input } from './draw';

const id = 'yun.fig3';

export const figure = defineFigure<Fig3Input>({
  id,
  paper: 'yun',
  kind: 'figure',
  prepare: (inputs) => yunAnalytic(id, inputs).fig3,
  draw: fig3,
});
