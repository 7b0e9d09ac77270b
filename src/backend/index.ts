export * from './select';
export * from './kernels';
