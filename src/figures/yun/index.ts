/** Yun et al. 2024 figures: the drawing functions and the cost-model inputs. */
export * from './draw';
export * from './inputs';
