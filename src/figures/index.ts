/** Paper figures: typed Plotly specs, tables, export (Chromium), gallery, law-library adapters. */
export * from './types';
export * as krajewski from './krajewski';
export * as yun from './yun';
export * as chinchilla from './chinchilla';
export * as clark from './clark/curves';
export { FIGURES, selectFigures, runsOfSweep, type FigureInputs, type FigureEntry, type KrajewskiInputs, type YunInputs, type ChinchillaInputs } from './registry';
export { exportFigures, ALL_FORMATS, type ExportFormat, type ExportOptions, type ExportResult, type ExportedFigure } from './export';
export { FigureRenderer, RenderError, findChromium, CHROMIUM_FLAGS, type ImageFormat, type RendererOptions } from './render';
export { tableToMarkdown, tableToHtml, formatCell } from './tables';
export { figureHtml, galleryHtml } from './html';
export { buildFigureInputs, loadFigureInputs, readTrainingCurves, trainingCurveFromMetrics, bootstrapRowsFromRecords, krajewskiConst, type OurFits, type BuildInputsOptions, type LoadInputsOptions } from './adapters';
export { syntheticRunTable, SYNTHETIC_COEFFICIENTS, type SyntheticRunTableOptions } from './synthetic';
export { granularityColor, expertsColor, formatCount } from './theme';
export { buildYunAnalytic, buildYunFig2, buildYunFig8, YUN_TABLE1_CONFIGS, YUN_COST_UNIT, type YunAnalyticOptions } from './yun-inputs';
