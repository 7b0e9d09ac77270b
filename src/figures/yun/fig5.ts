/** Yun Fig. 5: Algorithm 1: cheapest model to serve within a loss bound, from our Eq. 4 fit. */
import { defineFigure } from '../figure';
import { yunAnalytic } from './analytic';
import { fig5, type BoundedSearchInput } from './draw';

const id = 'yun.fig5';

export const figure = defineFigure<BoundedSearchInput>({
  id,
  paper: 'yun',
  kind: 'figure',
  prepare: (inputs) => yunAnalytic(id, inputs).fig5,
  draw: fig5,
});
