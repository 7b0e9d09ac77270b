/** Krajewski Table 1: the fitted coefficients of Eq. 9 and Eq. 1, published and ours. */
import { PUBLISHED } from '../../laws';
import { defineFigure } from '../figure';
import { table1, type Table1Input } from './draw';

export const figure = defineFigure<Table1Input>({
  id: 'krajewski.table1',
  paper: 'krajewski',
  kind: 'table',
  prepare(inputs) {
    const moe = inputs.fits['fine-grained'];
    const dense = inputs.fits.dense;
    return {
      published: { moe: PUBLISHED.krajewski.table1MoE.values, dense: PUBLISHED.krajewski.table1Dense.values },
      ours: moe || dense ? { moe, dense } : undefined,
    };
  },
  draw: table1,
});
