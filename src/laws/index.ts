/** Scaling-law library: law forms, fitting (L-BFGS multi-start, variable projection, bootstrap), allocation. */
export * from './types';
export * from './errors';
export * from './published';
export { LAWS, LAW_NAMES, getLaw, chinchillaLaw, fineGrainedLaw, expertsLaw, clarkLaw, YUN_PAPER_INIT_GRID, effectiveExperts } from './forms';
export * from './fit/fit';
export * from './fit/bootstrap';
export * from './fit/holdout';
export { observationsFromRuns, validateObservations, type LossTarget } from './fit/observations';
export { minimizeLbfgs, type LbfgsOptions, type LbfgsResult } from './fit/lbfgs';
export { minimizeBrent, bisectRoot } from './fit/brent';
export { varproSearch } from './fit/varpro';
export { SeededRandom } from './fit/rng';
export { HuberObjective } from './fit/objective';
export * from './allocation';
export { syntheticObservations, syntheticDesign, PLANTED } from './synthetic';
export * from './predict';
export * from './selection';
