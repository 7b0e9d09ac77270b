export * from './chinchilla';
export * from './fine-grained';
export * from './experts';
export { scanThenBrent, describeBound, type BoundedMinimum, type SearchBound } from './scan';
