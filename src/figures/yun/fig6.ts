/** Yun Fig. 6: Algorithm 2: lowest loss within an inference-cost bound, from our Eq. 4 fit. */
import { defineFigure } from '../figure';
import { yunAnalytic } from './analytic';
import { fig6, type BoundedSearchInput } from './draw';

const id = 'yun.fig6';

export const figure = defineFigure<BoundedSearchInput>({
  id,
  paper: 'yun',
  kind: 'figure',
  prepare: (inputs) => yunAnalytic(id, inputs).fig6,
  draw: fig6,
});
