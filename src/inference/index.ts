/** Serving-cost model and over-training searches (Yun et al. 2024 §4, App. C, App. E). */
export * from './gpus';
export * from './model';
export * from './latency';
export * from './cost';
export * from './overtrain';
