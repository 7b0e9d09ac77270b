export * from './types';
export * from './table';
export * from './released';
export * from './csv';
export * from './recipe';
export * from './lifelong';
