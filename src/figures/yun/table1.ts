/** Yun Table 1: the paper's model configurations next to our dense runs'. */
import { defineFigure } from '../figure';
import { runsOf } from '../inputs';
import { table1, type ModelConfigPoint } from './draw';
import { ourDenseConfigs, YUN_TABLE1_CONFIGS } from './inputs';

export const figure = defineFigure<ModelConfigPoint[]>({
  id: 'yun.table1',
  paper: 'yun',
  kind: 'table',
  prepare: (inputs) => [...YUN_TABLE1_CONFIGS, ...ourDenseConfigs(runsOf(inputs, 'experts'))],
  draw: table1,
});
