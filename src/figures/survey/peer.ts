/** PEER: loss vs number of experts (the `peer` sweep; claim he.peer-more-experts-help). */
import type { RunSummary } from '../../runs/types';
import { defineFigure } from '../figure';
import { peerFigure } from './draw';

export const figure = defineFigure<RunSummary[]>({
  id: 'survey.peer',
  paper: 'survey',
  kind: 'figure',
  appliesTo: (inputs) => inputs.runs.some((r) => r.sweep === 'peer'),
  prepare: (inputs) => inputs.runs.filter((r) => r.sweep === 'peer'),
  draw: peerFigure,
});
