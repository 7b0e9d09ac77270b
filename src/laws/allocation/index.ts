export * from './chinchilla';
export * from './fine-grained';
export * from './experts';
export { scanThenBrent } from './scan';
