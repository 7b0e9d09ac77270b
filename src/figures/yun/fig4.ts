/** Yun Fig. 4: loss vs inference cost at one training budget, per expert count, from our Eq. 4 fit. */
import { defineFigure } from '../figure';
import { yunAnalytic } from './analytic';
import { fig4, type Fig4Input } from './draw';

const id = 'yun.fig4';

export const figure = defineFigure<Fig4Input>({
  id,
  paper: 'yun',
  kind: 'figure',
  prepare: (inputs) => yunAnalytic(id, inputs).fig4,
  draw: fig4,
});
