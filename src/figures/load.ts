/** Reads a results folder into figure inputs: the run table, the fit stage's records, the training curves and the lifelong records. */
import fs from 'node:fs';
import path from 'node:path';
import { readResultFits } from '../laws/fits';
import { readLifelongRecords } from '../runs/lifelong';
import { readRunTable } from '../runs/table';
import { figureInputs, type FigureInputOptions, type FigureInputs } from './inputs';
import { readTrainingCurves } from './training-curves';

export interface LoadInputsOptions extends Omit<FigureInputOptions, 'runs' | 'records'> {
  /** Results folder holding `runs.csv`, `fits/<law>.json` and `runs/<runId>/metrics.jsonl`. */
  resultsDir: string;
}

/**
 * Loads `runs.csv` of `resultsDir` with `readRunTable` (validated: a bad table throws `RunTableError` naming file,
 * line and column), the fit records beside it (`readFitRecords`: a bad record throws `FitRecordError`) and the
 * training curves. Throws a `FigureInputError`-free plain `Error` naming the path when there is no run table.
 */
export async function loadFigureInputs(options: LoadInputsOptions): Promise<FigureInputs> {
  const file = path.join(options.resultsDir, 'runs.csv');
  if (!fs.existsSync(file)) throw new Error(`no run table at ${file}; run \`moelab repro\` first, or pass --results results/reference/tiny`);
  const runs = await readRunTable(file);
  const trainingCurves = options.trainingCurves ?? readTrainingCurves(path.join(options.resultsDir, 'runs'), runs);
  const lifelong = options.lifelong ?? readLifelongRecords(path.join(options.resultsDir, 'lifelong'));
  return figureInputs({ ...options, runs, records: readResultFits(options.resultsDir), trainingCurves, lifelong });
}
