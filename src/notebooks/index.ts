/** Notebook support: results discovery with fallbacks, figure display, headless execution. */
export * from './helpers';
export * from './execute';
