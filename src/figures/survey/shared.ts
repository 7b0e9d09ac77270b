/** Shared experts vs none across G (the `shared` sweep; claim deepseek.shared-expert-helps). */
import type { RunSummary } from '../../runs/types';
import { defineFigure } from '../figure';
import { sharedFigure } from './draw';

export const figure = defineFigure<RunSummary[]>({
  id: 'survey.shared',
  paper: 'survey',
  kind: 'figure',
  appliesTo: (inputs) => inputs.runs.some((r) => r.sweep === 'shared'),
  prepare: (inputs) => inputs.runs.filter((r) => r.sweep === 'shared'),
  draw: sharedFigure,
});
