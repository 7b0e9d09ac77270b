export * from './types';
export * from './errors';
export * from './import';
export * from './select';
export * from './clark';
export * from './sources';
export * from './laws';
export * from './io';
