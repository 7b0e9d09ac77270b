/** Notebook support: the shared set-up (`openNotebook`), results discovery with fallbacks, figure and DataFrame display, headless execution. */
export * from './helpers';
export * from './session';
export * from './frame-html';
export * from './execute';
export * from './source';
