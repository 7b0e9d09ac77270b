/** The `slurm` executor (one sbatch job, or job array, per batch of ready instances) and its profile. */
export * from './executor';
export * from './errors';
export * from './profile';
export * from './script';
export * from './state';
export * from './cli';
