/**
 * The project's DAG: corpus → train@… → runs → fit@… → optimal → inference → figures → notebooks → report.
 * Adding a stage = one file in `pipeline/stages/` + one line in `STAGES` (order: upstream first).
 */
import { definePipeline, type AnyStage } from '../src/pipeline/types';
import { DEFAULT_PRESET, loadPreset, type Preset } from './presets';
import corpus from './stages/corpus';
import train from './stages/train';
import runs from './stages/runs';
import fit from './stages/fit';

/** Every stage of the project. */
export const STAGES: AnyStage[] = [
  corpus,
  train,
  runs,
  fit,
  // train, runs, fit, optimal, inference, figures, notebooks, report: added by their owners (one line each)
];

export default definePipeline<Preset>({ stages: STAGES, defaultPreset: DEFAULT_PRESET, loadConfig: loadPreset });
