/** Krajewski et al. 2024 figures: the drawing functions and each figure's definition. */
export * from './draw';
export { fig1Curves, overheadCurves, granularityCurves, paramsCurves, granularityLimitConstant } from './curves';
export { bootstrapRows } from './bootstrap';
