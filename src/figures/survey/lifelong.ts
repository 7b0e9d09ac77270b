/** Lifelong: forgetting and learning per arm (the `lifelong` sweep's records; claim chen.lifelong-less-forgetting). */
import type { LifelongRecord } from '../../runs/lifelong';
import { defineFigure } from '../figure';
import { lifelongFigure } from './draw';

export const figure = defineFigure<readonly LifelongRecord[]>({
  id: 'survey.lifelong',
  paper: 'survey',
  kind: 'figure',
  appliesTo: (inputs) => (inputs.lifelong?.length ?? 0) > 0,
  prepare: (inputs) => inputs.lifelong ?? [],
  draw: lifelongFigure,
});
