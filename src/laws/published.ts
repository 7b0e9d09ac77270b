/**
 * Published scaling-law coefficients, with citations. Values are as printed in the papers (or, where marked,
 * as quoted by secondary sources); see `/work/shared/reference/papers.md` for provenance.
 *
 * Yun et al. 2024 (arXiv 2404.02852) published NO coefficient values for their Eq. 4 (only its goodness of
 * fit: RMSLE 3.908e-3, Huber 1.033e-3). moelab therefore never ships "published" experts-law coefficients:
 * analytic figures for that paper must use coefficients fitted by moelab (`fitLaw('experts', …)`).
 */

import type { ChinchillaCoefficients, ClarkCoefficients, DenseCoefficients, FineGrainedCoefficients } from './coefficients';

export type { ChinchillaCoefficients, ClarkCoefficients, DenseCoefficients, ExpertsCoefficients, FineGrainedCoefficients } from './coefficients';

export interface Published<T> {
  values: T;
  citation: string;
  note?: string;
}

export const PUBLISHED = {
  krajewski: {
    /** Table 1, MoE row (E = 64), fitted on smoothed training loss. */
    table1MoE: {
      values: { a: 18.1, alpha: 0.115, b: 30.8, beta: 0.147, g: 2.1, gamma: 0.58, c: 0.47 },
      citation: 'Krajewski et al. 2024 (arXiv 2402.07871 v1) Table 1, MoE',
    } satisfies Published<FineGrainedCoefficients>,
    /** Table 1, dense row (Eq. 1), c shared with the MoE fit. */
    table1Dense: {
      values: { a: 16.3, alpha: 0.126, b: 26.7, beta: 0.127, c: 0.47 },
      citation: 'Krajewski et al. 2024 (arXiv 2402.07871 v1) Table 1, Dense',
    } satisfies Published<DenseCoefficients>,
    /** Table 5: validation fit with the 20% lowest-loss points held out (validation RMSE 0.019). */
    table5Validation: {
      values: { a: 17.6, alpha: 0.114, b: 26.7, beta: 0.14, g: 2.07, gamma: 0.57, c: 0.472 },
      citation: 'Krajewski et al. 2024 (arXiv 2402.07871 v1) Table 5',
    } satisfies Published<FineGrainedCoefficients>,
    /** Table 8: E = 16 fit. */
    table8E16: {
      values: { a: 19.64, alpha: 0.124, b: 57.07, beta: 0.169, g: 1.18, gamma: 0.986, c: 0.472 },
      citation: 'Krajewski et al. 2024 (arXiv 2402.07871 v1) Table 8 (E = 16)',
    } satisfies Published<FineGrainedCoefficients>,
  },
  chinchilla: {
    /** Hoffmann et al. 2022 §3.3, rounded as printed in the body. */
    approach3Rounded: {
      values: { A: 406.4, B: 410.7, E: 1.69, alpha: 0.34, beta: 0.28 },
      citation: 'Hoffmann et al. 2022 (arXiv 2203.15556) §3.3, Approach 3 (rounded, paper body)',
    } satisfies Published<ChinchillaCoefficients>,
    /** Hoffmann et al. 2022 TeX-source unrounded values (log A, log B, log E, α, β), as used by Epoch AI. */
    approach3Unrounded: {
      values: {
        A: Math.exp(6.0073404),
        B: Math.exp(6.0179186),
        E: Math.exp(0.5267228),
        alpha: 0.33917084,
        beta: 0.2849083,
      },
      citation: 'Hoffmann et al. 2022 TeX source (via Besiroglu et al. 2024, arXiv 2404.10102)',
    } satisfies Published<ChinchillaCoefficients>,
    /** Epoch AI's refit on data extracted from Hoffmann et al. Fig. 4. */
    epochRefit: {
      values: { A: 482.01, B: 2085.43, E: 1.8172, alpha: 0.3478, beta: 0.3658 },
      citation: 'Besiroglu et al. 2024 (arXiv 2404.10102) Table 1 (as quoted; bootstrap SE α 0.015, β 0.021)',
    } satisfies Published<ChinchillaCoefficients>,
  },
  clark: {
    sBase: {
      values: { a: -0.082, b: -0.108, c: 0.009, d: 1.104, eStart: 1.847, eMax: 314.478 },
      citation: 'Clark et al. 2022 (arXiv 2202.01169) Eq. 1, S-BASE',
      note: 'from a secondary notes file; the primary table was not available',
    } satisfies Published<ClarkCoefficients>,
    rlR: {
      values: { a: -0.083, b: -0.126, c: 0.012, d: 1.111, eStart: 1.88, eMax: 469.982 },
      citation: 'Clark et al. 2022 (arXiv 2202.01169) Eq. 1, RL-R',
      note: 'from a secondary notes file; the primary table was not available',
    } satisfies Published<ClarkCoefficients>,
    hash: {
      values: { a: -0.087, b: -0.136, c: 0.012, d: 1.157, eStart: 4.175, eMax: 477.741 },
      citation: 'Clark et al. 2022 (arXiv 2202.01169) Eq. 1, HASH',
      note: 'from a secondary notes file; the primary table was not available',
    } satisfies Published<ClarkCoefficients>,
  },
  yun: {
    coefficients: null,
    citation: 'Yun et al. 2024 (arXiv 2404.02852) Eq. 4',
    note: 'No coefficient values were published (v1 reports only RMSLE 3.908e-3 and Huber 1.033e-3). Fit them with moelab.',
  },
} as const;

/** Krajewski et al. 2024 Table 2 (E = 64): compute-optimal configurations from the Table 1 laws. */
export const KRAJEWSKI_TABLE2: ReadonlyArray<{ label: string; paramsActive: number; tokens: number; granularity: number; flops: number; loss: number }> = [
  { label: '64 x 100M', paramsActive: 100e6, tokens: 4.37e9, granularity: 8, flops: 2.95e18, loss: 3.133 },
  { label: '64 x 1B', paramsActive: 1e9, tokens: 28.94e9, granularity: 16, flops: 1.93e20, loss: 2.491 },
  { label: '64 x 3B', paramsActive: 3e9, tokens: 72.9e9, granularity: 16, flops: 1.41e21, loss: 2.245 },
  { label: '64 x 7B', paramsActive: 7e9, tokens: 137.6e9, granularity: 32, flops: 6.46e21, loss: 2.076 },
  { label: '64 x 70B', paramsActive: 70e9, tokens: 941.07e9, granularity: 32, flops: 4.16e23, loss: 1.694 },
  { label: '64 x 300B', paramsActive: 300e9, tokens: 2.96e12, granularity: 64, flops: 5.69e24, loss: 1.503 },
  { label: '64 x 1T', paramsActive: 1e12, tokens: 7.94e12, granularity: 64, flops: 4.97e25, loss: 1.367 },
];
