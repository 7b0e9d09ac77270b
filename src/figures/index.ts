/** Paper figures: one file per figure (prepare from runs and fit records, draw a typed Plotly spec), export, gallery. */
export * from './types';
export * as krajewski from './krajewski';
export * as yun from './yun';
export * as chinchilla from './chinchilla';
export * as clark from './clark/curves';
export { FIGURES, selectFigures } from './registry';
export { defineFigure, withNotes, type Figure, type FigureEntry } from './figure';
export { figureInputs, groupsByRichness, krajewskiRuns, lossColumnOf, requireFit, runsOf, type FigureInputs, type FigureInputOptions } from './inputs';
export { loadFigureInputs, type LoadInputsOptions } from './load';
export { readTrainingCurves, trainingCurveFromMetrics, type TrainingCurveOptions } from './training-curves';
export { exportFigures, ALL_FORMATS, type ExportFormat, type ExportOptions, type ExportResult, type ExportedFigure } from './export';
export { FigureRenderer, RenderError, findChromium, CHROMIUM_FLAGS, type ImageFormat, type RendererOptions } from './render';
export { tableToMarkdown, tableToHtml, formatCell } from './tables';
export { figureHtml, galleryHtml } from './html';
export { syntheticRunTable, SYNTHETIC_COEFFICIENTS, type SyntheticRunTableOptions } from './synthetic';
export { granularityColor, expertsColor, formatCount } from './theme';
export { buildYunAnalytic, buildYunFig2, buildYunFig8, YUN_TABLE1_CONFIGS, YUN_COST_UNIT, type YunAnalyticOptions } from './yun/inputs';
