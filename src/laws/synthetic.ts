import { chinchillaTokensAtFlops, krajewskiParamsActive, krajewskiParamsTotal } from '../accounting/formulas';
import type { CoefficientsOf, LawName } from './coefficients';
import { LAWS } from './forms';
import { SeededRandom } from './fit/rng';
import type { LawForm, LawObservations } from './types';

/**
 * Synthetic run tables with planted coefficients on each paper's experimental grid, for planted-parameter
 * tests, coverage studies and the `fit` benchmark. Noise is multiplicative: L_obs = L · exp(σ·z), z ~ N(0, 1).
 */
export interface SyntheticOptions<C> {
  /** Planted paper coefficients (default: `PLANTED[law]`). */
  coefficients?: C;
  /** Multiplicative noise σ on the loss. Default 0.005 (0.5%). */
  noise?: number;
  /** RNG seed. Default 0. */
  seed?: number;
}

/** Default planted coefficients: published values where they exist, plausible ones for Yun (none published). */
export const PLANTED: { readonly [L in LawName]: Readonly<CoefficientsOf<L>> } = {
  // Epoch AI's refit of Chinchilla (Besiroglu et al. 2024 Table 1).
  chinchilla: { A: 482.01, B: 2085.43, E: 1.8172, alpha: 0.3478, beta: 0.3658 },
  // Krajewski et al. 2024 Table 1 (dense).
  dense: { a: 16.3, alpha: 0.126, b: 26.7, beta: 0.127, c: 0.47 },
  // Krajewski et al. 2024 Table 1 (MoE, E = 64).
  'fine-grained': { a: 18.1, alpha: 0.115, b: 30.8, beta: 0.147, c: 0.47, g: 2.1, gamma: 0.58 },
  // Our choice (Yun et al. published none): Chinchilla-like N/D terms, a saturating expert term.
  experts: { A: 400, alpha: 0.34, B: 0.6, beta: 0.8, C: 900, gamma: 0.33, F: 1.5, d: 0.001, eStart: 2, eMax: 256 },
  // Clark et al. 2022, S-BASE.
  clark: { a: -0.082, b: -0.108, c: 0.009, d: 1.104, eStart: 1.847, eMax: 314.478 },
};

/** Variable rows (law.variables order) of each paper's grid. */
export function syntheticDesign(law: LawName, nPoints = 240): number[][] {
  const rows: number[][] = [];
  switch (law) {
    case 'chinchilla': {
      // isoFLOP profiles: budgets 6e18…3e21, model sizes spread ±~1.5 decades around 6ND-optimal.
      const budgets = 10;
      const per = Math.ceil(nPoints / budgets);
      for (let b = 0; b < budgets && rows.length < nPoints; b++) {
        const flops = 6e18 * Math.pow(3e21 / 6e18, b / (budgets - 1));
        // N · D = C/6 and D = 20·N (Chinchilla's rule of thumb) ⇒ N = sqrt(C/6 / 20).
        const nMid = Math.sqrt(chinchillaTokensAtFlops(flops, 1) / 20);
        for (let i = 0; i < per && rows.length < nPoints; i++) {
          const params = nMid * Math.pow(10, -1.2 + (2.4 * i) / (per - 1));
          rows.push([params, chinchillaTokensAtFlops(flops, params)]);
        }
      }
      return rows;
    }
    case 'dense': {
      // Krajewski Table 7 dense shapes, D ∈ {16B, 24B, 33B, 66B}.
      for (const [dModel, nBlocks] of [
        [256, 4],
        [256, 8],
        [512, 4],
        [512, 8],
        [640, 10],
        [768, 12],
      ] as const) {
        for (const tokens of [16e9, 24e9, 33e9, 66e9]) rows.push([krajewskiParamsActive({ dModel, nBlocks }), tokens]);
      }
      return rows;
    }
    case 'fine-grained': {
      // Krajewski Table 3 model shapes (E = 64), G ∈ {1..16}, D ∈ {16B, 33B, 66B}.
      const shapes: [number, number][] = [
        [256, 4],
        [384, 4],
        [512, 4],
        [512, 8],
        [640, 10],
        [768, 12],
      ];
      for (const [dModel, nBlocks] of shapes) {
        for (const g of [1, 2, 4, 8, 16]) {
          for (const tokens of [16e9, 33e9, 66e9]) {
            rows.push([krajewskiParamsTotal({ dModel, nBlocks, expansionRate: 64 }), tokens, g]);
          }
        }
      }
      return rows;
    }
    case 'experts': {
      // Yun Table 1 dense sizes × {dense, 4, 8, 16, 32} experts × D ∈ {2.5B, 5B, 10B, 20B}.
      for (const params of [81_395_712, 184_064_768, 289_406_976, 679_477_248]) {
        for (const experts of [1, 4, 8, 16, 32]) {
          for (const tokens of [2.5e9, 5e9, 10e9, 20e9]) rows.push([params, experts, tokens]);
        }
      }
      return rows;
    }
    case 'clark': {
      for (const params of [15e6, 25e6, 55e6, 130e6, 370e6, 870e6, 1.3e9]) {
        for (const experts of [1, 2, 4, 8, 16, 32, 64, 128, 256, 512]) rows.push([params, experts]);
      }
      return rows;
    }
  }
}

/** Planted-parameter observations for `law` on its paper grid. */
export function syntheticObservations<L extends LawName>(law: L, options: SyntheticOptions<CoefficientsOf<L>> & { nPoints?: number } = {}): LawObservations {
  const form: LawForm<CoefficientsOf<L>> = LAWS[law];
  const coefficients = options.coefficients ?? PLANTED[law];
  const params = form.fromCoefficients(coefficients);
  const rng = new SeededRandom(options.seed ?? 0);
  const noise = options.noise ?? 0.005;
  const x = syntheticDesign(law, options.nPoints);
  const f = new Float64Array(form.nFeatures);
  const loss = x.map((raw) => {
    form.features(raw, f, 0);
    return Math.exp(form.predictLog(params, f, 0) + noise * rng.normal());
  });
  return { x, loss, labels: x.map((_, i) => `synthetic row ${i + 1}`) };
}
