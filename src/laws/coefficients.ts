/**
 * The coefficient records of every law moelab fits, declared once (zod schemas; the TypeScript types are derived
 * from them). The law forms (`./forms/*`) produce them, the fit records (`./record.ts`) store them, the published
 * values (`./published.ts`), the allocation solvers, the figures, the report and the notebooks read them: the
 * names are the papers' own symbols and are never renamed between modules.
 */
import { z } from 'zod';

const coefficient = z.number();

/** Chinchilla Approach 3, Hoffmann et al. 2022 Eq. 2: `L = E + A/N^alpha + B/D^beta`. */
export const ChinchillaCoefficientsSchema = z.object({ A: coefficient, B: coefficient, E: coefficient, alpha: coefficient, beta: coefficient }).strict();

/** Krajewski et al. 2024 Eq. 1, the dense law: `L = c + a/N^alpha + b/D^beta` (c shared with the MoE fit, §5.3). */
export const DenseCoefficientsSchema = z.object({ a: coefficient, alpha: coefficient, b: coefficient, beta: coefficient, c: coefficient }).strict();

/** Krajewski et al. 2024 Eq. 9: `L = c + (g/G^gamma + a)/N^alpha + b/D^beta`. */
export const FineGrainedCoefficientsSchema = z
  .object({ a: coefficient, alpha: coefficient, b: coefficient, beta: coefficient, c: coefficient, g: coefficient, gamma: coefficient })
  .strict();

/** Yun et al. 2024 Eq. 4 (no values published; produced by moelab fits). */
export const ExpertsCoefficientsSchema = z
  .object({
    A: coefficient,
    alpha: coefficient,
    B: coefficient,
    beta: coefficient,
    C: coefficient,
    gamma: coefficient,
    F: coefficient,
    d: coefficient,
    eStart: coefficient,
    eMax: coefficient,
  })
  .strict();

/** Clark et al. 2022 Eq. 1 (base-10 logs): `log10 L = a log10 N + b log10 Ê + c log10 N log10 Ê + d`. */
export const ClarkCoefficientsSchema = z.object({ a: coefficient, b: coefficient, c: coefficient, d: coefficient, eStart: coefficient, eMax: coefficient }).strict();

export type ChinchillaCoefficients = z.output<typeof ChinchillaCoefficientsSchema>;
export type DenseCoefficients = z.output<typeof DenseCoefficientsSchema>;
export type FineGrainedCoefficients = z.output<typeof FineGrainedCoefficientsSchema>;
export type ExpertsCoefficients = z.output<typeof ExpertsCoefficientsSchema>;
export type ClarkCoefficients = z.output<typeof ClarkCoefficientsSchema>;

/** Every law's coefficient schema, by law name. */
export const COEFFICIENT_SCHEMAS = {
  chinchilla: ChinchillaCoefficientsSchema,
  dense: DenseCoefficientsSchema,
  'fine-grained': FineGrainedCoefficientsSchema,
  experts: ExpertsCoefficientsSchema,
  clark: ClarkCoefficientsSchema,
} as const;

/** Names of the scaling laws moelab fits. */
export type LawName = keyof typeof COEFFICIENT_SCHEMAS;

/** All law names, in the registry's order. */
export const LAW_NAMES: readonly LawName[] = ['chinchilla', 'dense', 'fine-grained', 'experts', 'clark'];

/** The coefficient record of law `L`. */
export type CoefficientsOf<L extends LawName> = z.output<(typeof COEFFICIENT_SCHEMAS)[L]>;

/** Coefficient names of law `L`, in the schema's order (the order of every table). */
export function coefficientNamesOf<L extends LawName>(law: L): Array<keyof CoefficientsOf<L> & string> {
  return Object.keys(COEFFICIENT_SCHEMAS[law].shape) as Array<keyof CoefficientsOf<L> & string>;
}

/** Whether `name` is a law moelab knows. */
export function isLawName(name: string): name is LawName {
  return (LAW_NAMES as readonly string[]).includes(name);
}
