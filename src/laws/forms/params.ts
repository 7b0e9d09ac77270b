import type { CoefficientParam } from '../types';

/** A coefficient optimised as its natural log (scale coefficients A, B, E, a, b, c, g, F). */
export const logParam = (index: number): CoefficientParam => ({ index, toParam: Math.log });

/** A coefficient optimised as itself (exponents, Clark's a–d, Yun's d). */
export const identityParam = (index: number): CoefficientParam => ({ index, toParam: (v) => v });

/** A coefficient optimised as log(1/value) (E_max: logR = log(1/E_max); E_max = ∞ gives −∞, a pure power law in E). */
export const inverseLogParam = (index: number): CoefficientParam => ({ index, toParam: (v) => -Math.log(v) });
