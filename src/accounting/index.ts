export * from './formulas';
export * from './model-params';
