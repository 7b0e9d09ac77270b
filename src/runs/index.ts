export * from './types';
export * from './table';
