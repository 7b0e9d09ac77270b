export * from './config';
export * from './schedule';
export * from './optimizer';
export * from './checkpoint';
export * from './trainer';
export * from './metrics';
