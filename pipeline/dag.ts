/**
 * The project's DAG: corpus → train@… → runs → fit@… → analysis → figures → notebooks → report, or, for a
 * preset whose runs come from a released table (`source.kind: released`, e.g. `clark`), import (stages that
 * do not apply to a preset have no instances: `when` in their declaration).
 * Adding a stage = one file in `pipeline/stages/` + one line in `STAGES` (order: upstream first).
 */
import { definePipeline, type AnyStage } from '../src/pipeline/types';
import { DEFAULT_PRESET, loadPreset, type Preset } from './presets';
import importStage from './stages/import';
import corpus from './stages/corpus';
import train from './stages/train';
import lifelongCorpora from './stages/lifelong-corpora';
import lifelong from './stages/lifelong';
import runs from './stages/runs';
import fit from './stages/fit';
import analysis from './stages/analysis';
import claims from './stages/claims';
import figures from './stages/figures';
import notebooks from './stages/notebooks';
import report from './stages/report';
import releasedFit from './stages/released-fit';
import releasedClaims from './stages/released-claims';
import releasedReport from './stages/released-report';

/** Every stage of the project. */
export const STAGES: AnyStage[] = [
  importStage,
  releasedFit,
  releasedClaims,
  corpus,
  train,
  lifelongCorpora,
  lifelong,
  runs,
  fit,
  analysis,
  claims,
  figures,
  notebooks,
  report,
  releasedReport,
];

export default definePipeline<Preset>({ stages: STAGES, defaultPreset: DEFAULT_PRESET, loadConfig: loadPreset });
